"""who booked a transaction: the user of the token, kept with every booking (issue 6 item 2)

A back-dated repayment changes figures already reported; the lender must be able to say
who booked it. ``booked_by_user_id`` is the user whose token booked the transaction, or
NULL for service code (close of business, the payment channels' reconciliation, the demo,
scenario runs). No foreign key: a user revoked later must not take its bookings' history
with it.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_by_user_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_column('booked_by_user_id')
