"""the order of a value day's transactions as they happened

Revision ID: 0004
Revises: 0003

R6 (issue 6, defect 12): the facts of one value date are applied in the order they
happened, not in booking order. ``received_at`` is the time the money was received or
the time the channel reports; null for a late-booked item whose channel reported no
time (it comes after the day's timed items, in booking order; docs/decisions.md).
Existing rows keep null, so their order stays the booking order it always was.
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_column('received_at')
