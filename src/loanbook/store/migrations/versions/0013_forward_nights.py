"""set-based nights: each overdue loan's penalty state, moved forward by close of business

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # R7, R3: for a loan whose penalty runs on one instalment, what it runs on (unpaid
    # principal + interest, fen) and the exact integral so far (fen x days: the exact
    # accrued penalty is that times the daily penalty rate, never rounded). Close of
    # business adds a day in bulk; NULL means "replay this loan through the core".
    with op.batch_alter_table("loan_marks") as batch:
        batch.add_column(sa.Column("penalty_base_fen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("penalty_fen_days", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_marks") as batch:
        batch.drop_column("penalty_fen_days")
        batch.drop_column("penalty_base_fen")
