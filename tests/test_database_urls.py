"""Database URLs as loanbook reads and shows them (issue 6 item 8, issue 11 item 2): a
password is never shown, and a URL loanbook cannot use is refused by name, before any
connection is tried."""

from __future__ import annotations

import re

import pytest

from loanbook.errors import BadInput
from loanbook.store.database import check_url, mask_url, open_database


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
