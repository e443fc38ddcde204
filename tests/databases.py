"""Which PostgreSQL the store and API tests use, and what to do when it is not there.

PostgreSQL is tested whenever it is reachable at LOANBOOK_TEST_POSTGRES_URL (default the
local server); CI sets LOANBOOK_REQUIRE_POSTGRES=1 so that an unreachable server fails
the run instead of skipping its half of the tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

POSTGRES_URL = os.environ.get("LOANBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LOANBOOK_REQUIRE_POSTGRES") == "1"


def psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def postgres_missing(why: str, *, what: str) -> None:
    """Fail (CI) or skip with the reason, naming the tests that ran on SQLite only."""
    message = f"PostgreSQL not reachable at {POSTGRES_URL} ({why})"
    if REQUIRE_POSTGRES:
        pytest.fail(f"{message}, and LOANBOOK_REQUIRE_POSTGRES=1")
    pytest.skip(f"{message}: the {what} tests ran on SQLite only")


@cache
def why_postgres_missing() -> str | None:
    """None when the test server answers, else why not (asked once per run)."""
    try:
        engine = create_engine(psycopg_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def backend_url(name: str, *, what: str = "store") -> str:
    """The URL scratch databases of ``name`` (sqlite or postgresql) are made from; skips
    (or fails, in CI) the ``what`` tests' PostgreSQL half when the server is not there."""
    if name == "postgresql":
        why_not = why_postgres_missing()
        if why_not is not None:
            postgres_missing(why_not, what=what)
        return POSTGRES_URL
    return "sqlite"


@contextmanager
def initialised_database(url: str, business_date: date) -> Iterator[Engine]:
    """A fresh database for one test from ``url`` (``backend_url``), ``loanbook init``-ed
    on ``business_date``: a file of its own on SQLite, a throwaway schema of a per-run
    name on PostgreSQL (store/scratch.py)."""
    from loanbook.service.setup import init_database  # the project, only once a test asks
    from loanbook.store.scratch import scratch_engine

    with scratch_engine(url) as fresh:
        init_database(fresh, business_date=business_date)
        yield fresh


@contextmanager
def sqlite_file(folder: Path, business_date: date, name: str = "loanbook.sqlite3") -> Iterator[tuple[str, Engine]]:
    """A SQLite file in ``folder`` (a test's tmp_path), ``loanbook init``-ed on
    ``business_date``: its URL, for the command line, and an engine on it."""
    from loanbook.service.setup import init_database
    from loanbook.store.database import make_engine

    url = f"sqlite:///{folder / name}"
    engine = make_engine(url)
    try:
        init_database(engine, business_date=business_date)
        yield url, engine
    finally:
        engine.dispose()
