"""credit bureau records, batches, notices, holds, disputes (R15)

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bureau_holds",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("loan_id", Id, sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "bureau_pre_notices",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("loan_id", Id, sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
    )
    op.create_table(
        "bureau_records",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("loan_id", Id, sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("borrower_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("moment", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=False, index=True),
        sa.Column("corrects_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("remaining_periods", sa.Integer(), nullable=False),
        sa.Column("overdue_periods", sa.Integer(), nullable=False),
        sa.Column("overdue_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("overdue_principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("month_status", sa.String(1), nullable=False),
        sa.Column("status_24", sa.String(24), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
    )
    op.create_table(
        "bureau_batches",
        sa.Column("batch_date", sa.Date(), primary_key=True),
        sa.Column("line_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "bureau_batch_lines",
        sa.Column("record_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("batch_date", sa.Date(), nullable=False, index=True),
        sa.Column("line_no", sa.Integer(), nullable=False),
    )
    op.create_table(
        "bureau_disputes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("loan_id", Id, sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("claim", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.String(500), nullable=True),
        sa.Column("correction_id", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    for table in ("bureau_disputes", "bureau_batch_lines", "bureau_batches", "bureau_records",
                  "bureau_pre_notices", "bureau_holds"):
        op.drop_table(table)
