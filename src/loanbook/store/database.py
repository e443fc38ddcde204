"""Engines and migrations for SQLite (embedded default) and PostgreSQL (production).

No engine is made at import time: :func:`make_engine` is called by whoever owns the
process (CLI, API app factory, tests).
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from loanbook.errors import BadInput, LoanbookError, Unavailable

DEFAULT_DATABASE_URL = "sqlite:///loanbook.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 65_536  # per connection, allocated as used (see _serialise_sqlite_writers)
POSTGRES_CONNECT_TIMEOUT_S = 10  # an unreachable host is reported, not waited on for minutes
POSTGRES_DEFAULT_PORT = 5432
# The drivers installed with loanbook; postgresql:// means psycopg 3.
SUPPORTED_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql",
                     "postgresql+psycopg": "postgresql"}
URL_FORMS = "sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE"


def database_url() -> str:
    """``LOANBOOK_DATABASE_URL``, or a SQLite file in the working folder."""
    return os.environ.get("LOANBOOK_DATABASE_URL", DEFAULT_DATABASE_URL)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _serialise_sqlite_writers(engine)
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_recycle=3600,
                         connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S})


# An execution option of the engine a read-only unit of work runs on (store/unit_of_work.py).
READS_ONLY = "loanbook_reads_only"


def _serialise_sqlite_writers(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE so that two writers never both read
    a borrower's book and then both write (PostgreSQL locks the borrower row instead)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Close of business walks indexes of a million loans in one transaction: SQLite's
        # default page cache (2 MB) holds a sliver of them, so every night re-read its
        # pages from the OS (63 GB before the measured nights of a 1,000,000-loan run).
        # 64 MiB per connection is taken only as pages are used (a small book costs
        # nothing). Temporary B-trees (UNION, ORDER BY, IN lists of a night's loans) in
        # memory, not in temporary files. No mmap: it would count a large file's pages
        # in the process's resident memory and buys little over the cache here.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        # A unit of work that only reads begins DEFERRED: in WAL mode it reads one
        # snapshot and holds no lock, so a GET never makes a repayment wait, nor waits
        # for one (IMMEDIATE took the one writer's lock for every read).
        only_reads = connection.get_execution_options().get(READS_ONLY, False)
        connection.exec_driver_sql("BEGIN" if only_reads else "BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("loanbook.store") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("business_date")


def sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


# --- Checking a database before use: every expected failure becomes a sentence ---------


def mask_url(url: str) -> str:
    """The URL as it may be shown to anyone: the password, if any, as ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def check_url(url: str) -> URL:
    """A URL loanbook can use (a supported driver, well formed), or BadInput saying why."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise BadInput(f"{mask_url(url)!r} is not a database URL: write {URL_FORMS}") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise BadInput(f"no driver for {parsed.drivername}: loanbook supports sqlite and postgresql ({URL_FORMS})")
    return parsed


def open_database(url: str | None = None, *, create: bool = False) -> Engine:
    """An engine on a database that exists, answers and carries loanbook's newest schema;
    else BadInput or Unavailable with what to do. Nothing is created unless ``create``
    (``loanbook init``): a mistyped SQLite path is not left behind as an empty file."""
    url = url or database_url()
    parsed = check_url(url)
    if SUPPORTED_DRIVERS[parsed.drivername] == "sqlite":
        _check_sqlite_file(parsed, create=create)
    engine = make_engine(url)
    try:
        _probe(engine, parsed)
        if not create:
            _check_schema(engine, parsed)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _check_sqlite_file(parsed: URL, *, create: bool) -> None:
    path = parsed.database
    if not path or path == ":memory:":
        if not create:
            raise BadInput("an in-memory SQLite database starts empty: give a file, sqlite:///PATH")
        return
    file = Path(path)
    if create:
        if not file.parent.is_dir():
            raise BadInput(f"cannot create the SQLite database {path}: the folder {file.parent} does not exist")
        return
    if not file.is_file():
        raise BadInput(
            f"no SQLite database at {path}: check --database or LOANBOOK_DATABASE_URL, or create it with "
            f"`loanbook init --database sqlite:///{path}`"
        )


def _probe(engine: Engine, parsed: URL) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except DBAPIError as exc:
        if SUPPORTED_DRIVERS[parsed.drivername] == "sqlite":
            raise BadInput(f"cannot open the SQLite database {parsed.database}: {driver_reason(exc)}") from None
        raise postgres_unreachable(parsed, exc, "--database or LOANBOOK_DATABASE_URL") from None


def postgres_unreachable(parsed: URL, exc: DBAPIError, option: str) -> LoanbookError:
    """`cannot reach PostgreSQL at host:port (why)`, or what else kept us out: never the
    password, never SQL."""
    where = f"{parsed.host or 'localhost'}:{parsed.port or POSTGRES_DEFAULT_PORT}"
    reason = driver_reason(exc)
    if "does not exist" in reason and "database" in reason:
        return BadInput(f"PostgreSQL at {where} has no database {parsed.database}: create it "
                        f"(`createdb {parsed.database}`) or check {option}")
    if "authentication" in reason or "role" in reason:
        return BadInput(f"PostgreSQL at {where} refused user {parsed.username} ({reason}): check {option}")
    return Unavailable(f"cannot reach PostgreSQL at {where} ({reason}): check that the server runs and accepts "
                       f"connections, and {option}")


def driver_reason(exc: DBAPIError) -> str:
    """The driver's own words, first line, without SQL, parameters or a password."""
    lines = [line.strip() for line in str(exc.orig).splitlines() if line.strip()]
    first = lines[0] if lines else type(exc.orig).__name__
    if first.startswith("connection failed:") or "connection to server" in first:
        # psycopg: 'connection failed: connection to server at "h" (h), port p failed: FATAL:  why'
        first = first.rsplit("failed: ", 1)[-1].strip() or first
    return " ".join(first.removeprefix("FATAL:").split())


def _check_schema(engine: Engine, parsed: URL) -> None:
    shown = parsed.render_as_string(hide_password=True)
    if not is_initialised(engine):
        raise BadInput(f"the database {shown} has no loanbook tables: run loanbook init first "
                       "(`loanbook init --database URL --business-date YYYY-MM-DD`)")
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    newest = set(scripts.get_heads())
    if current == newest:
        return
    if current - {script.revision for script in scripts.walk_revisions()}:
        raise BadInput(f"the database {shown} was upgraded by a newer loanbook (schema {', '.join(sorted(current))}): "
                       "use that version")
    raise BadInput(
        f"the database {shown} has an older loanbook schema ({', '.join(sorted(current)) or 'none'}; this loanbook "
        f"needs {', '.join(sorted(newest))}): run loanbook init to upgrade it"
    )
