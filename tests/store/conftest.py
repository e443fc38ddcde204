"""A fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL runs whenever it is reachable at LOANBOOK_TEST_POSTGRES_URL (default the local
server); CI sets LOANBOOK_REQUIRE_POSTGRES=1 so that an unreachable server fails the run
instead of skipping."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine

POSTGRES_URL = os.environ.get("LOANBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LOANBOOK_REQUIRE_POSTGRES") == "1"


def postgres_reachable() -> str | None:
    """None when reachable, else why not."""
    try:
        engine = create_engine("postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1], connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_WHY_NOT = postgres_reachable()


def backend_url(name: str) -> str:
    if name == "postgresql":
        if _WHY_NOT is not None:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required (LOANBOOK_REQUIRE_POSTGRES=1) but not reachable at {POSTGRES_URL}: {_WHY_NOT}")
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({_WHY_NOT}): store tests ran on SQLite only")
        return POSTGRES_URL
    return "sqlite"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return backend_url(request.param)


@pytest.fixture
def engine(backend):
    with scratch_engine(backend) as fresh:
        init_database(fresh, business_date=date(2026, 1, 15))
        yield fresh


@pytest.fixture
def postgres_engine():
    with scratch_engine(backend_url("postgresql")) as fresh:
        init_database(fresh, business_date=date(2026, 1, 15))
        yield fresh
