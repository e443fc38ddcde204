"""The collections tests' fixture (imported by each test module rather than a conftest.py,
so that no second module named ``conftest`` shadows tests/api's): a fresh database per test, on SQLite and on PostgreSQL (a
throwaway schema of a random name), skipped with the reason when PostgreSQL is not
reachable (failed under LOANBOOK_REQUIRE_POSTGRES=1)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text

from databases import POSTGRES_URL, postgres_missing, psycopg_url
from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine

FIRST_DAY = date(2026, 1, 15)


def _why_postgres_missing() -> str | None:
    try:
        engine = create_engine(psycopg_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_WHY_NOT = _why_postgres_missing()


@pytest.fixture(params=["sqlite", "postgresql"])
def collections_engine(request):
    url = "sqlite"
    if request.param == "postgresql":
        if _WHY_NOT is not None:
            postgres_missing(_WHY_NOT, what="collections store")
        url = POSTGRES_URL
    with scratch_engine(url) as fresh:
        init_database(fresh, business_date=FIRST_DAY)
        yield fresh
