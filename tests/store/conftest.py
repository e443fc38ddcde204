"""A fresh database per test, on SQLite and on PostgreSQL (a throwaway schema)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text

from databases import POSTGRES_URL, postgres_missing, psycopg_url
from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine



def postgres_reachable() -> str | None:
    """None when reachable, else why not."""
    try:
        engine = create_engine(psycopg_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
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
            postgres_missing(_WHY_NOT, what="store")
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
