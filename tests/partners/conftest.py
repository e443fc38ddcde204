"""Partner tests use the store tests' fresh databases (SQLite and PostgreSQL)."""

from store.conftest import backend, engine, postgres_engine  # noqa: F401 - fixtures
