"""Alembic environment: runs on the engine handed over by loanbook.store.database."""

from __future__ import annotations

from alembic import context

from loanbook.store.tables import Base

target_metadata = Base.metadata


def run() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from loanbook.store.database import make_engine

        engine = make_engine()
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
