"""Browser tests: a real `loanbook serve` and Debian's Chromium driven by Playwright.

- ``site`` (per test session, once per database: SQLite, and PostgreSQL when reachable):
  a freshly `init`-ed database with a small demo portfolio and the tests' own borrowers
  and users (site_data.py), served by `loanbook serve` in a subprocess on a free port.
  PostgreSQL gets a database of its own, named per run and dropped after; unreachable, it
  is skipped with the reason (failed when LOANBOOK_REQUIRE_POSTGRES=1, as in CI).
- ``browser``: /usr/bin/chromium (never a downloaded browser), headless. Missing, the
  browser tests skip saying so (fail in CI); `make test` installs it when it can.
- ``page``: a fresh context at a phone's width (375 x 740) in which every test runs; the
  test fails on any console error or uncaught page error (``page.console_errors`` lists
  them; ``allow_console_error`` lets a test expect one, e.g. the 404 page's own status).
- ``shot(page, name)``: a screenshot in tests/web/screenshots/<database>/ (gitignored;
  LOANBOOK_SCREENSHOTS names another folder).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from databases import POSTGRES_URL, REQUIRE_POSTGRES, postgres_missing, psycopg_url
from loanbook.store.database import make_engine
from browser_helpers import Site, sign_in
from site_data import build_site

CHROMIUM = Path(os.environ.get("LOANBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = Path(os.environ.get("LOANBOOK_SCREENSHOTS", Path(__file__).parent / "screenshots"))
SERVER_START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _loanbook_command() -> list[str]:
    script = Path(sys.executable).parent / "loanbook"
    return [str(script)] if script.exists() else [sys.executable, "-m", "loanbook.cli.main"]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    with _database(request.param, folder) as url:
        engine = make_engine(url)
        try:
            data = build_site(engine)
        finally:
            engine.dispose()
        port = free_port()
        log = folder / "serve.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen([*_loanbook_command(), "serve", "--port", str(port), "--database", url],
                                      stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _wait_until_up(port, server, log)
            yield Site(request.param, f"http://127.0.0.1:{port}", data, log, url)
        finally:
            server.terminate()  # by its pid: the server this fixture started
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"loanbook serve exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"loanbook serve did not answer on port {port} within {SERVER_START_SECONDS} s: {log.read_text()[-2000:]}")


class _database:
    """A fresh database URL: a SQLite file in ``folder``, or a PostgreSQL database named
    per run (``loanbook_web_test_<random>``), dropped after."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder = backend, folder
        self.name = f"loanbook_web_test_{uuid.uuid4().hex[:12]}"
        self.admin = None

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / 'web.sqlite3'}"
        admin = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
            admin.dispose()
            postgres_missing(f"{type(exc).__name__}: {str(exc).splitlines()[0]}", what="browser")
        self.admin = admin
        return POSTGRES_URL.rsplit("/", 1)[0] + "/" + self.name

    def __exit__(self, *exc_info: object) -> None:
        if self.admin is not None:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = (f"no Chromium at {CHROMIUM}: the browser tests need Debian's chromium "
                   "(`apt-get install -y chromium`, which `make test` runs when it can)")
        if REQUIRE_POSTGRES:  # CI: the browser tests must run there
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, site: Site) -> Iterator[object]:  # noqa: ANN001
    """A page in a fresh context (no cookies) at a phone's width; any console error or
    uncaught error on it fails the test."""
    context = browser.new_context(viewport=PHONE, base_url=site.base_url, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    allowed: list[re.Pattern[str]] = []
    page.on("console", lambda message: errors.append(f"console {message.type}: {message.text} ({page.url})")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error} ({page.url})"))
    page.console_errors = errors
    page.allow_console_error = lambda pattern: allowed.append(re.compile(pattern))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    unexpected = [e for e in errors if not any(pattern.search(e) for pattern in allowed)]
    assert not unexpected, "console errors:\n" + "\n".join(unexpected)


@pytest.fixture
def shot(site: Site) -> Callable[[object, str], Path]:
    def take(page, name: str) -> Path:  # noqa: ANN001
        path = SCREENSHOTS / site.backend / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def signed_in(page, site: Site) -> Callable[[str], object]:  # noqa: ANN001
    def as_user(user: str):  # noqa: ANN202
        sign_in(page, site, user)
        return page

    return as_user
