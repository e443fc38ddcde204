"""Every command that opens a database, against a database that is not there, never
`init`-ed, unreachable, of an unsupported kind, or not a URL at all (issue 11 item 2,
issue 6 item 8): one sentence with what to do, exit code 2, no traceback, no password,
and no file left behind.

The commands are listed from the CLI itself (every command with a --database or
--store option), so a command added later is checked too; REQUIRED gives the other
arguments a command needs to reach its database, and new commands get plausible values
from their parameters' names (add them to REQUIRED when those do not fit).

Each case runs the command line's own entry point (`main`, with its top-level guard) in
this process: starting a Python process per case costs 1-2 s, and there are some 280
cases. One command, REAL_PROCESS, runs every case as the installed `loanbook` program, so
what a user's shell sees is checked too.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest
import typer
from sqlalchemy import create_engine, text

from databases import POSTGRES_URL, backend_url, psycopg_url
from paths import EXAMPLES_DIR
from loanbook.cli.main import app, main

BIN = Path(sys.executable).parent / "loanbook"
COMMAND = [str(BIN)] if BIN.exists() else (
    [shutil.which("loanbook")] if shutil.which("loanbook") else [sys.executable, "-c", "from loanbook.cli.main import main; main()"]
)
PASSWORD = "s3cretpw"
CLOSED_PORT_URL = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test"  # nothing listens on port 1
MYSQL_URL = f"mysql://x:{PASSWORD}@y/z"
EXAMPLE = EXAMPLES_DIR / "w2-late-first-instalment.yaml"
# The arguments besides --database that a command needs before it reaches its database.
REQUIRED: dict[str, list[str]] = {
    "cob run": ["--until", "2026-02-01"],
    "user add": ["alice", "--role", "admin"],
    "user password": ["alice", "--password-stdin"],  # the database is checked before stdin is read
    "scenario run": [str(EXAMPLE)],
    "serve": ["--port", "1"],  # never reached: the database is checked first
    "demo": ["--no-serve", "--borrowers", "1"],
    "export": ["loans", "--as", "csv", "--out", "loans.csv"],
    "bureau history": ["1"],
    "bureau pre-notice": ["1"],
    "bureau disputes file": ["1", "--claim", "paid on time"],
    "bureau disputes resolve": ["1", "--decision", "rejected", "--reason", "x"],
    "bureau hold": ["1", "--reason", "x"],
    "bureau release": ["1"],
    "partner add": ["BANK"],
    "partner resolve": ["1", "--resolution", "accept", "--note", "checked"],
    "partner reconcile": ["--date", "2026-02-01", "--file", "bank-file.csv"],
    "partner-bank serve": ["--port", "1"],  # never reached: the database is checked first
    "requests approve": ["1", "--token", "x"],
    "requests reject": ["1", "--reason", "no", "--token", "x"],
    "requests list": ["--token", "x"],
    "collections log": ["1", "--channel", "call", "--to", "13800138000", "--at", "2026-01-20T10:00:00+08:00",
                        "--outcome", "connected"],
    "collections promise": ["1", "--amount", "1.00", "--by", "2026-02-01"],
    "collections promises": ["1"],
}
MAKE_THEIR_DATABASE = {"init", "demo", "partner-bank serve"}  # a missing SQLite file is what they start from
SCRATCH_ONLY = {"scenario run"}  # --store plays in a temporary database of its own
HEX_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
REAL_PROCESS = "cob run"  # the main job: every case of it runs as a process of its own


def _commands() -> dict[str, tuple[str, list[str]]]:
    """'cob run' -> ('--database', its required arguments), from the CLI's own tree."""
    found: dict[str, tuple[str, list[str]]] = {}

    def walk(command, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        options = {opt for param in command.params for opt in param.opts}
        database_option = next((o for o in ("--database", "--store") if o in options), None)
        if database_option is None:
            return
        name = " ".join(path)
        found[name] = (database_option, REQUIRED.get(name) or _plausible(command, database_option))

    walk(typer.main.get_command(app), [])
    return found


def _plausible(command, database_option: str) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if not param.required or database_option in param.opts:
            continue
        name = param.name.lower()
        value = ("2026-02-01" if any(w in name for w in ("until", "date", "day", "on", "from", "to")) else
                 str(EXAMPLE) if any(w in name for w in ("file", "path")) else "admin" if name == "role" else "x")
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    return args


COMMANDS = _commands()


def test_the_cli_has_the_commands_this_test_knows():
    """The list comes from the CLI: if this fails, a command lost its --database option."""
    assert {"init", "serve", "cob run", "ledger check", "user add", "scenario run", "demo"} <= set(COMMANDS)


def loanbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed program, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "LOANBOOK_DATABASE_URL")}
    env["NO_COLOR"] = "1"
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def loanbook_here(*args: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> subprocess.CompletedProcess[str]:
    """The program's entry point in this process, as the shell would start it: the same
    arguments, working folder and environment, its exit code and what it printed."""
    with monkeypatch.context() as scoped:
        scoped.chdir(cwd)
        scoped.setattr(sys, "argv", ["loanbook", *args])
        for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "LOANBOOK_DATABASE_URL"):
            scoped.delenv(name, raising=False)
        scoped.setenv("NO_COLOR", "1")
        stdout, stderr = StringIO(), StringIO()
        code: int | str | None = 0
        with redirect_stdout(stdout), redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["loanbook", *args], returncode, stdout.getvalue(), stderr.getvalue())


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def assert_one_sentence(run: subprocess.CompletedProcess[str], *advice: str) -> None:
    said = run.stdout + run.stderr
    assert run.returncode == 2, f"exit {run.returncode}: {said}"
    assert "Traceback" not in said, said
    assert PASSWORD not in said, f"the password was shown: {said}"
    assert not HEX_DIGEST.search(said), said
    for words in advice:
        assert words in said, f"{words!r} not in {said!r}"


def run_case(command: str, url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *advice: str) -> None:
    option, required = COMMANDS[command]
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    before = files_in(work)
    database = [option, url] if url is not None else []
    args = (*command.split(), *required, *database)
    run = loanbook(*args, cwd=work) if command == REAL_PROCESS else loanbook_here(*args, cwd=work, monkeypatch=monkeypatch)
    assert_one_sentence(run, *advice)
    assert files_in(work) == before, f"{command} left {files_in(work) - before} behind"


# --- A SQLite file that is not there: nothing is created ----------------------------------

NEED_A_DATABASE = sorted(set(COMMANDS) - MAKE_THEIR_DATABASE - SCRATCH_ONLY)


@pytest.mark.parametrize("command", NEED_A_DATABASE)
def test_a_missing_sqlite_file_is_named_and_not_created(command, tmp_path, monkeypatch):
    run_case(command, "sqlite:///missing.sqlite3", tmp_path, monkeypatch, "no SQLite database at missing.sqlite3", "loanbook init")


@pytest.mark.parametrize("command", NEED_A_DATABASE)
def test_the_default_database_missing_is_not_created(command, tmp_path, monkeypatch):
    """No --database and no LOANBOOK_DATABASE_URL: ./loanbook.sqlite3, which is not there."""
    run_case(command, None, tmp_path, monkeypatch, "no SQLite database at loanbook.sqlite3", "loanbook init")


def test_init_creates_a_missing_file_but_not_a_missing_folder(tmp_path):
    run = loanbook("init", "--business-date", "2026-01-15", "--database", "sqlite:///new.sqlite3", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "new.sqlite3").is_file()
    run = loanbook("init", "--database", "sqlite:///nowhere/new.sqlite3", cwd=tmp_path)
    assert_one_sentence(run, "the folder nowhere does not exist")
    assert not (tmp_path / "nowhere").exists()


# --- A database never init-ed --------------------------------------------------------------


@pytest.mark.parametrize("command", NEED_A_DATABASE)
def test_an_uninitialised_sqlite_database_says_run_init_first(command, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    sqlite3.connect(work / "empty.sqlite3").close()
    run_case(command, "sqlite:///empty.sqlite3", tmp_path, monkeypatch, "run loanbook init first")


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL (with a password, which trust authentication ignores) whose search path is a
    fresh, empty schema named per run; dropped after."""
    backend_url("postgresql", what="CLI database")  # skips (or fails, in CI) without the server
    schema = f"loanbook_cli_{secrets.token_hex(6)}"
    admin = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = POSTGRES_URL.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def empty_postgres_schema() -> Iterator[str]:
    """Never init-ed, shared by the tests that only read it."""
    with fresh_schema() as url:
        yield url


@pytest.fixture
def own_postgres_schema() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


@pytest.mark.parametrize("command", NEED_A_DATABASE)
def test_an_uninitialised_postgresql_database_says_run_init_first(command, tmp_path, monkeypatch, empty_postgres_schema):
    run_case(command, empty_postgres_schema, tmp_path, monkeypatch, "run loanbook init first")


# --- Unreachable, unsupported, not a URL: every command, init included -------------------

URL_COMMANDS = sorted(set(COMMANDS) - {"demo"})


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_an_unreachable_postgresql_is_named_without_its_password(command, tmp_path, monkeypatch):
    run_case(command, CLOSED_PORT_URL, tmp_path, monkeypatch, "cannot reach PostgreSQL at 127.0.0.1:1")


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_a_mysql_url_says_which_databases_loanbook_supports(command, tmp_path, monkeypatch):
    run_case(command, MYSQL_URL, tmp_path, monkeypatch, "no driver for mysql: loanbook supports sqlite and postgresql")


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_a_malformed_url_is_named(command, tmp_path, monkeypatch):
    run_case(command, "not-a-url", tmp_path, monkeypatch, "is not a database URL", "sqlite:///PATH")


@pytest.mark.parametrize("url", [CLOSED_PORT_URL, MYSQL_URL])
def test_the_demo_takes_only_a_sqlite_file(url, tmp_path, monkeypatch):
    run_case("demo", url, tmp_path, monkeypatch, "the demo builds a fresh SQLite database", "sqlite:///PATH")


# --- Issue 6 item 8: passwords, long names, SQL and hashes ----------------------------------


def test_init_on_postgresql_masks_the_password_and_a_long_user_name_is_a_sentence(tmp_path, own_postgres_schema):
    run = loanbook("init", "--business-date", "2026-01-15", "--database", own_postgres_schema, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    assert "postgresql://postgres:***@" in run.stdout
    run = loanbook("user", "add", "x" * 150, "--role", "admin", "--database", own_postgres_schema, cwd=tmp_path)
    assert_one_sentence(run, "at most 100 characters", "150")
    for leak in ("INSERT", "token_sha256", "users"):
        assert leak not in run.stderr, run.stderr


def test_a_database_refusal_is_a_sentence_without_sql_or_parameters(own_postgres_schema):
    """The guard's last resort for a refusal no check caught: the driver's words only."""
    from loanbook.cli.common import explain
    from loanbook.store.database import make_engine

    engine = make_engine(own_postgres_schema)
    try:
        with engine.begin() as connection:
            connection.execute(text("create table t (name varchar(3))"))
        with pytest.raises(Exception) as caught, engine.begin() as connection:
            connection.execute(text("insert into t (name) values (:name)"), {"name": "a-secret-token-hash"})
    finally:
        engine.dispose()
    message, code = explain(caught.value)
    assert code == 2
    assert "value too long" in message
    assert "insert" not in message.lower() and "a-secret-token-hash" not in message
