"""Migration 0003 (issue 6, item 6): keys kept before it get an expiry, a day after
their claim, and no owner (so only their age lets them be taken over)."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic import command
from sqlalchemy import text

from loanbook.store.database import alembic_config, upgrade
from loanbook.store.scratch import scratch_engine


def test_keys_from_before_the_owner_column_expire_a_day_after_their_claim(backend):
    claimed = datetime(2026, 1, 15, 9, 30)
    with scratch_engine(backend) as engine:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, state, status_code, response_body, started_at) "
                "VALUES (1, 'k', 'f', 'done', 201, '{}', :claimed)"), {"claimed": claimed})
        upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT owner, expires_at FROM idempotency_keys")).one()
        expires_at = row.expires_at if isinstance(row.expires_at, datetime) else datetime.fromisoformat(row.expires_at)
        assert row.owner is None and expires_at == claimed + timedelta(hours=24)
        command.downgrade(alembic_config(engine), "0002")
        upgrade(engine)
