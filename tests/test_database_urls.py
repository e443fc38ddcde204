"""Database URLs as loanbook reads and shows them (issue 6 item 8, issue 11 item 2): a
password is never shown, and a URL loanbook cannot use is refused by name, before any
connection is tried."""

from __future__ import annotations

import re

import pytest

from loanbook.errors import BadInput
from loanbook.store.database import check_url, make_engine, mask_url, open_database


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://postgres:s3cretpw@db.example:5433/loans", "postgresql://postgres:***@db.example:5433/loans"),
        ("postgresql://postgres@127.0.0.1/test", "postgresql://postgres@127.0.0.1/test"),
        ("sqlite:///loanbook.sqlite3", "sqlite:///loanbook.sqlite3"),
        ("postgresql://u:s3cretpw@127.0.0.1:abc/x", "postgresql://u:***@127.0.0.1:abc/x"),  # unparseable port
    ],
)
def test_a_url_is_shown_without_its_password(url, shown):
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://x:s3cretpw@y/z", "no driver for mysql: loanbook supports sqlite and postgresql"),
        ("postgresql+psycopg2://a@b/c", "no driver for postgresql+psycopg2"),
        ("not-a-url", "is not a database URL"),
        ("postgresql://u:s3cretpw@127.0.0.1:abc/x", "is not a database URL"),
    ],
)
def test_a_url_loanbook_cannot_use_is_refused_by_name(url, words):
    with pytest.raises(BadInput, match=re.escape(words)) as refused:
        check_url(url)
    assert "s3cretpw" not in str(refused.value)


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "typo.sqlite3"
    with pytest.raises(BadInput, match="no SQLite database at"):
        open_database(f"sqlite:///{path}")
    assert list(tmp_path.iterdir()) == []


def test_an_in_memory_database_is_refused_except_to_create(tmp_path):
    with pytest.raises(BadInput, match="in-memory"):
        open_database("sqlite://")


def test_a_schema_older_than_the_code_is_refused_with_what_to_do(tmp_path):
    """After an upgrade of loanbook, a database still at an older migration is refused
    before any command fails on a missing table or column."""
    from datetime import date

    from alembic import command

    from loanbook.service.setup import init_database
    from loanbook.store.database import alembic_config

    url = f"sqlite:///{tmp_path / 'books.sqlite3'}"
    engine = open_database(url, create=True)
    init_database(engine, business_date=date(2026, 1, 15))
    command.stamp(alembic_config(engine), "0001")  # as a database made before the newer migrations
    engine.dispose()
    with pytest.raises(BadInput, match="older loanbook schema.*run loanbook init to upgrade it"):
        open_database(url)
    engine = make_engine(url)
    command.stamp(alembic_config(engine), "head")
    engine.dispose()
    open_database(url).dispose()


def test_a_database_refusal_keeps_the_drivers_words_only():
    """The CLI shows a refusal no check caught by the driver's first line (SQLite here)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from loanbook.store.database import driver_reason

    engine = create_engine("sqlite://")
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text("create table users (name text unique)"))
        connection.execute(text("insert into users values (:name)"), [{"name": "alice"}, {"name": "alice"}])
    assert driver_reason(caught.value) == "UNIQUE constraint failed: users.name"
