"""cob: the plan's due dates per loan from an index alone (issue 10)

Close of business's set-based bureau records (R15, store/bureau.py) ask, for every loan
due that day, how many periods remain after it and whether an instalment fell due since
the loan's last record: with (loan_id, due_date) both are read from the index, not from
the table row of each of the loan's instalments.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_plan_loan_due', 'plan_instalments', ['loan_id', 'due_date'])


def downgrade() -> None:
    op.drop_index('ix_plan_loan_due', table_name='plan_instalments')
