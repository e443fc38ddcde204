"""``loanbook user add ... --password-stdin`` and ``loanbook user password NAME --password-stdin``:
the password comes from standard input only, is stored as argon2 only, and a bad one
changes nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from databases import sqlite_file
from loanbook.cli.main import app
from loanbook.service.sign_in import sign_in
from loanbook.store.tables import UserRow
from loanbook.store.unit_of_work import UnitOfWork

runner = CliRunner()
NOW = datetime(2026, 1, 15, 9)


@pytest.fixture
def database(tmp_path):
    with sqlite_file(tmp_path, date(2026, 1, 15), "users.sqlite3") as url_and_engine:
        yield url_and_engine


def stored_hash(engine, name: str) -> str | None:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(UserRow.password_hash).where(UserRow.name == name))


def test_user_add_reads_the_password_from_stdin_and_stores_only_its_argon2_hash(database):
    url, engine = database
    result = runner.invoke(app, ["user", "add", "ann", "--role", "reviewer", "--password-stdin", "--database", url],
                           input="open sesame 1\nignored second line\n")
    assert result.exit_code == 0, result.output
    assert "open sesame" not in result.output
    assert stored_hash(engine, "ann").startswith("$argon2id$")
    with UnitOfWork(engine) as uow:
        assert sign_in(uow, "ann", "open sesame 1", now=NOW).user.role == "reviewer"


def test_user_add_without_a_password_gives_a_token_only_user(database):
    url, engine = database
    assert runner.invoke(app, ["user", "add", "bot", "--role", "operator", "--database", url]).exit_code == 0
    assert stored_hash(engine, "bot") is None


def test_user_password_sets_and_resets(database):
    url, engine = database
    runner.invoke(app, ["user", "add", "ann", "--role", "admin", "--database", url])
    result = runner.invoke(app, ["user", "password", "ann", "--password-stdin", "--database", url], input="first pass 1\n")
    assert result.exit_code == 0, result.output
    first = stored_hash(engine, "ann")
    result = runner.invoke(app, ["user", "password", "ann", "--password-stdin", "--database", url], input="second pass 2\r\n")
    assert result.exit_code == 0, result.output
    assert stored_hash(engine, "ann") != first
    with UnitOfWork(engine) as uow:
        assert sign_in(uow, "ann", "second pass 2", now=NOW).user.name == "ann"


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["user", "password", "ann", "--password-stdin"], "short\n", "at least 8 characters"),
    (["user", "password", "ann", "--password-stdin"], "\n", "held no password"),
    (["user", "password", "ann"], "a fine password\n", "--password-stdin"),
    (["user", "password", "nobody", "--password-stdin"], "a fine password\n", "no user named 'nobody'"),
    (["user", "add", "bea", "--role", "admin", "--password-stdin"], "short\n", "at least 8 characters"),
])
def test_bad_passwords_are_refused_with_exit_2_and_nothing_changes(database, args, stdin, message):
    url, engine = database
    runner.invoke(app, ["user", "add", "ann", "--role", "admin", "--database", url])
    result = runner.invoke(app, [*args, "--database", url], input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert stored_hash(engine, "ann") is None
    with UnitOfWork(engine) as uow:
        assert uow.users.by_name("bea") is None
