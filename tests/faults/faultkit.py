"""What the fault tests share: a database a subprocess can open (a SQLite file, or a
PostgreSQL database of its own, named per run), `loanbook serve` as a real process on a
free loopback port, the CLI's ledger check, and a place to print the figures.

Everything stays on 127.0.0.1 and every wait is bounded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from databases import POSTGRES_URL, postgres_missing, psycopg_url
from loanbook.service import servicing
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.database import make_engine
from loanbook.store.unit_of_work import UnitOfWork

FIRST_DAY = date(2026, 1, 15)
SERVER_START_SECONDS = 90  # bounded, and long enough for a 2-core machine at load 10 (start-up alone took 21 s there)
REQUEST_TIMEOUT_SECONDS = 10
CLI = [sys.executable, "-m", "loanbook.cli.main"]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in ``folder``, or a PostgreSQL database
    ``loanbook_fault_<random>`` made for this test and dropped after it."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'faults.sqlite3'}"
        return
    name = f"loanbook_fault_{uuid.uuid4().hex[:12]}"
    admin = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        admin.dispose()
        postgres_missing(f"{type(exc).__name__}: {str(exc).splitlines()[0]}", what="fault")
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Book:
    url: str
    engine: Engine
    token: str
    borrower_ids: list[int]


def open_book(url: str, *, borrowers: int) -> Book:
    """Business opened on FIRST_DAY, an admin token, ``borrowers`` borrowers with a loan each."""
    engine = make_engine(url)
    init_database(engine, business_date=FIRST_DAY)
    with UnitOfWork(engine) as uow:
        _, token = add_user(uow, name="fault tests", role="admin")
    ids = []
    for n in range(borrowers):
        with UnitOfWork(engine) as uow:
            borrower = servicing.create_borrower(uow, name=f"borrower {n}", phone=f"1380000{n:04d}",
                                                 credit_limit=Decimal("50000.00")).borrower
        with UnitOfWork(engine) as uow:
            servicing.disburse_loan(uow, borrower_id=borrower.id, product_code="FLEX6", principal=Decimal("10000.00"),
                                    terms=6)
        ids.append(borrower.id)
    return Book(url, engine, token, ids)


def observer(url: str) -> Engine:
    """An engine that only looks: plain transactions (make_engine's SQLite engine begins
    every transaction IMMEDIATE, taking the write lock, which would slow what we watch)."""
    if url.startswith("postgresql://"):
        return create_engine(psycopg_url(url), pool_size=1)
    return create_engine(url)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`loanbook serve` in a process of its own, on 127.0.0.1."""

    def __init__(self, url: str, token: str, *, env: dict[str, str] | None = None) -> None:
        self.url, self.token, self.env = url, token, {**os.environ, **(env or {})}
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait until it answers; returns the seconds that took."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port), "--database", self.url],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = started + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"loanbook serve exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                reply = httpx.get(f"{self.base}/v1/business-date", headers=self.headers(), timeout=1)
                if reply.status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"loanbook serve did not answer within {SERVER_START_SECONDS} s")

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def freeze(self) -> None:
        """SIGSTOP: the server stands still, so what the database holds cannot change
        until :meth:`thaw` or :meth:`kill`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(SERVER_START_SECONDS)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(SERVER_START_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


def ledger_check(url: str) -> tuple[int, dict]:
    """`loanbook ledger check --json`: (exit code, report)."""
    done = subprocess.run([*CLI, "ledger", "check", "--json", "--database", url], capture_output=True, text=True,
                          timeout=120)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = {"stdout": done.stdout, "stderr": done.stderr}
    return done.returncode, report


def report_figures(capsys: pytest.CaptureFixture, record_property, title: str, figures: dict) -> None:  # noqa: ANN001
    """Print the figures past pytest's capture (they belong in CI's log) and keep them
    in the JUnit report as properties."""
    for name, value in figures.items():
        record_property(name, value)
    with capsys.disabled():
        print(f"\n[fault suite] {title}: " + ", ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
