"""Migration 0005 (R11 requests, R13 coupons) builds exactly the tables of tables.py."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import Base


def test_the_migrated_schema_matches_the_tables(backend):
    with scratch_engine(backend) as engine:
        init_database(engine, business_date=date(2026, 1, 15))
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migration_0005_goes_down_and_up_again(backend):
    from alembic import command

    from loanbook.store.database import alembic_config

    with scratch_engine(backend) as engine:
        init_database(engine, business_date=date(2026, 1, 15))
        config = alembic_config(engine)
        command.downgrade(config, "0004")
        with engine.connect() as connection:
            assert not engine.dialect.has_table(connection, "coupons")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
