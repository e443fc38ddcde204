"""A fresh database per test, on SQLite and on PostgreSQL (a throwaway schema):
tests/databases.py makes them."""

from __future__ import annotations

from datetime import date

import pytest

from databases import backend_url, initialised_database

FIRST_DAY = date(2026, 1, 15)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return backend_url(request.param)


@pytest.fixture
def engine(backend):
    with initialised_database(backend, FIRST_DAY) as fresh:
        yield fresh


@pytest.fixture
def postgres_engine():
    with initialised_database(backend_url("postgresql"), FIRST_DAY) as fresh:
        yield fresh
