"""Migration 0011 (web sign-in: users.password_hash, web_sessions) goes down and up again
and leaves exactly the tables of tables.py."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from loanbook.service.setup import init_database
from loanbook.store.database import alembic_config
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import Base


def test_migration_0011_goes_down_and_up_again(backend):
    with scratch_engine(backend) as engine:
        init_database(engine, business_date=date(2026, 1, 15))
        config = alembic_config(engine)
        command.downgrade(config, "0010")
        with engine.connect() as connection:
            assert not engine.dialect.has_table(connection, "web_sessions")
            assert "password_hash" not in {c["name"] for c in inspect(connection).get_columns("users")}
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
