"""idempotency keys: the owner process and its start, expiry

Revision ID: 0003
Revises: 0002
"""

from datetime import timedelta

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Keys kept before this revision expire a day after they were claimed (the default TTL).
EXISTING_KEYS_LIVE = timedelta(hours=24)


def upgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    keys = sa.table('idempotency_keys', sa.column('user_id', sa.BigInteger()), sa.column('key', sa.String()),
                    sa.column('started_at', sa.DateTime()), sa.column('expires_at', sa.DateTime()))
    connection = op.get_bind()
    for user_id, key, started_at in connection.execute(sa.select(keys.c.user_id, keys.c.key, keys.c.started_at)).all():
        connection.execute(keys.update().where(keys.c.user_id == user_id, keys.c.key == key)
                           .values(expires_at=started_at + EXISTING_KEYS_LIVE))
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)
        batch.create_index('ix_idempotency_keys_expires_at', ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.drop_index('ix_idempotency_keys_expires_at')
        batch.drop_column('expires_at')
        batch.drop_column('owner')
