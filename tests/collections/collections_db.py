"""The collections tests' fixture (imported by each test module rather than a conftest.py,
so that no second module named ``conftest`` shadows tests/api's): a fresh database per
test, on SQLite and on PostgreSQL (tests/databases.py), skipped with the reason when
PostgreSQL is not reachable (failed under LOANBOOK_REQUIRE_POSTGRES=1)."""

from __future__ import annotations

from datetime import date

import pytest

from databases import backend_url, initialised_database

FIRST_DAY = date(2026, 1, 15)


@pytest.fixture(params=["sqlite", "postgresql"])
def collections_engine(request):
    with initialised_database(backend_url(request.param, what="collections store"), FIRST_DAY) as fresh:
        yield fresh
