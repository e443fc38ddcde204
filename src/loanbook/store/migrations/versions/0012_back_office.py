"""back office: portfolio history for trends

``portfolio_snapshots``: close of business, in the transaction that closes day D, counts
the loans by status and R15 DPD bucket as they stand at the start of D + 1 (the cached
figures of ``loan_marks``), with their principal outstanding and amount due. One row per
(business date, status, bucket) that has loans. The back office draws the DPD and status
trend over business dates from these rows instead of replaying history. Nothing is
backfilled: the trend starts with the first close of business after this upgrade.

Two indexes for the back office's pages (bench/admin_pages.py): ``journal_lines`` by
account with its amounts, so the ledger balances by account are read from the index
alone; ``collection_actions`` by loan, for a loan's collections history.

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'portfolio_snapshots',
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('dpd_bucket', sa.Integer(), nullable=False),
        sa.Column('loans', sa.Integer(), nullable=False),
        sa.Column('principal_outstanding_fen', sa.BigInteger(), nullable=False),
        sa.Column('amount_due_fen', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('on_date', 'status', 'dpd_bucket'),
    )
    op.create_index('ix_journal_lines_account_amounts', 'journal_lines', ['account', 'debit_fen', 'credit_fen'])
    op.create_index('ix_collection_actions_loan_id', 'collection_actions', ['loan_id'])


def downgrade() -> None:
    op.drop_index('ix_collection_actions_loan_id', table_name='collection_actions')
    op.drop_index('ix_journal_lines_account_amounts', table_name='journal_lines')
    op.drop_table('portfolio_snapshots')
