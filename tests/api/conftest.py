"""The API on a fresh database per test, on SQLite and on PostgreSQL.

SQLite: a file in the test's tmp_path. PostgreSQL: a database of its own for the test
session (``loanbook_api_test_<random>``, named per run so that runs sharing a server never
collide, made with CREATE DATABASE in autocommit on the server of
LOANBOOK_TEST_POSTGRES_URL, default the local one), its tables truncated before each
test. PostgreSQL tests are skipped, with the reason, when the server is not reachable,
unless LOANBOOK_REQUIRE_POSTGRES=1 (CI), which fails them instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from api_helpers import FIRST_DAY, Api, make_api
from databases import POSTGRES_URL, postgres_missing, psycopg_url
from loanbook.service.setup import init_database
from loanbook.store.database import make_engine
from loanbook.store.tables import Base

API_DATABASE = f"loanbook_api_test_{uuid.uuid4().hex[:12]}"  # per run: runs may share a server


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    admin = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{API_DATABASE}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        admin.dispose()
        postgres_missing(f"{type(exc).__name__}: {str(exc).splitlines()[0]}", what="API")
    engine = make_engine(psycopg_url(_with_database(POSTGRES_URL, API_DATABASE)))
    try:
        init_database(engine, business_date=FIRST_DAY)  # the schema, once
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{API_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def _emptied(engine: Engine) -> Engine:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:
    if request.param == "postgresql":
        fresh = _emptied(request.getfixturevalue("postgres_engine"))
        init_database(fresh, business_date=FIRST_DAY)
        yield fresh
        return
    fresh = make_engine(f"sqlite:///{tmp_path / 'api.sqlite3'}")
    init_database(fresh, business_date=FIRST_DAY)
    yield fresh
    fresh.dispose()


@pytest.fixture
def pg_engine(postgres_engine) -> Engine:
    """PostgreSQL only: for what only a server with row locks can show."""
    fresh = _emptied(postgres_engine)
    init_database(fresh, business_date=FIRST_DAY)
    return fresh


@pytest.fixture
def api(engine) -> Api:
    return make_api(engine)


@pytest.fixture
def pg_api(pg_engine) -> Api:
    return make_api(pg_engine)
