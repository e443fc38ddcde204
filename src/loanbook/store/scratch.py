"""Throwaway databases: a fresh SQLite file, or a fresh PostgreSQL schema dropped after.

Used to play a scenario through the real service without touching anyone's data, and by
the tests to give each test its own database on both engines.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from loanbook.errors import BadInput
from loanbook.store.database import POSTGRES_CONNECT_TIMEOUT_S, check_url, make_engine, mask_url, postgres_unreachable

POSTGRES_PREFIXES = ("postgresql://", "postgresql+psycopg://")


def _psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@contextmanager
def scratch_engine(url: str) -> Iterator[Engine]:
    """``sqlite`` (a temporary file) or a PostgreSQL URL (a temporary schema in it)."""
    if url in ("sqlite", "sqlite://", "sqlite:///"):
        with tempfile.TemporaryDirectory(prefix="loanbook-") as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.sqlite3'}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    if not url.startswith(POSTGRES_PREFIXES):
        check_url(url)  # names a driver loanbook does not have, or a malformed URL
        raise BadInput(f"--store takes 'sqlite' or a postgresql:// URL, not {mask_url(url)!r}")
    parsed = check_url(url)
    schema = f"loanbook_scratch_{secrets.token_hex(6)}"
    admin = create_engine(_psycopg_url(url), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S})
    try:
        try:
            connection = admin.connect()
        except DBAPIError as exc:
            raise postgres_unreachable(parsed, exc, "the --store URL") from None
        with connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(
            _psycopg_url(url), connect_args={"options": f"-csearch_path={schema}"}, pool_size=20, max_overflow=20
        )
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
