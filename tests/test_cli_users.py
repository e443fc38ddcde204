"""``loanbook user add|list|revoke|rotate`` (issue 11 item 5): unique names, tokens stored
hashed, revoked and rotated tokens refused at once."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from databases import sqlite_file
from loanbook.cli.main import app
from loanbook.errors import AccessDenied
from loanbook.service.users import authenticate
from loanbook.store.unit_of_work import UnitOfWork

runner = CliRunner()


@pytest.fixture
def database(tmp_path):
    with sqlite_file(tmp_path, date(2026, 1, 15), "users.sqlite3") as url_and_engine:
        yield url_and_engine


def run(*args: str):
    return runner.invoke(app, list(args))


def token_of(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def works(engine, token: str) -> bool:
    with UnitOfWork(engine) as uow:
        try:
            authenticate(uow, token)
            return True
        except AccessDenied:
            return False


def test_names_are_unique_and_tokens_stored_only_as_their_sha256(database):
    url, engine = database
    token = token_of(run("user", "add", "alice", "--role", "admin", "--database", url))
    again = run("user", "add", "alice", "--role", "reviewer", "--database", url)
    assert again.exit_code == 2 and "a user named 'alice' exists already (user 1)" in again.output
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM users")).mappings().all()
    assert len(stored) == 1 and stored[0]["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(value) for value in stored[0].values())
    listed = run("user", "list", "--database", url)
    assert listed.exit_code == 0 and "alice" in listed.output and token not in listed.output


def test_rotate_and_revoke(database):
    url, engine = database
    old = token_of(run("user", "add", "bob", "--role", "operator", "--database", url))
    new = token_of(run("user", "rotate", "bob", "--database", url))
    assert new != old and works(engine, new) and not works(engine, old)
    revoked = run("user", "revoke", "bob", "--database", url)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert not works(engine, new)
    assert run("user", "revoke", "bob", "--database", url).exit_code == 2
    assert "is revoked" in run("user", "rotate", "bob", "--database", url).output
    missing = run("user", "rotate", "carol", "--database", url)
    assert missing.exit_code == 2 and "no user named 'carol'" in missing.output
    [bob] = json.loads(run("user", "list", "--json", "--database", url).output)
    assert bob["name"] == "bob" and bob["role"] == "operator" and bob["revoked_at"] is not None
