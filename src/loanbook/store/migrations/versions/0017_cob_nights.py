"""cob nights: indexes so that a night costs what moves (issue 10)

Close of business asks, for each loan that may have a bureau record tonight, whether it
has one of ``day`` already (R15, store/bureau.py: NOT EXISTS a record of the loan and
day). With only the single-column indexes SQLite may probe by ``produced_on`` alone, and
then each probe walks every record of the day: at 200,000 loans disbursed on one day the
first night never ended. (loan_id, produced_on) answers each probe from the index.

Loans whose plan an approved request changed (R11) are left out of every bulk step:
``transactions.request_id IS NOT NULL``, which no index answered (SQLite read every
transaction, in every statement of every night). A partial index of those rows' loan ids
is as small as the hardship cases are few.

The night's bureau work also looks for transactions booked on the day (late bookings,
R6; what a borrower booked today, R15): without an index on ``booked_on`` every night
read the whole transactions table, several times.

Every night the purge of negative information past its 5 years (art. 16) asks for the
negative records older than that: a read of every record there has ever been, unless a
partial index holds the negative ones (few, and only those).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_bureau_records_loan_produced', 'bureau_records', ['loan_id', 'produced_on'])
    op.create_index('ix_bureau_records_negative_as_of', 'bureau_records', ['as_of'],
                    sqlite_where=sa.text('negative IS 1'), postgresql_where=sa.text('negative IS true'))
    op.create_index('ix_transactions_booked_on', 'transactions', ['booked_on'])
    replanned = sa.text('request_id IS NOT NULL')
    op.create_index('ix_transactions_replanned', 'transactions', ['loan_id'], sqlite_where=replanned,
                    postgresql_where=replanned)


def downgrade() -> None:
    op.drop_index('ix_transactions_replanned', table_name='transactions')
    op.drop_index('ix_transactions_booked_on', table_name='transactions')
    op.drop_index('ix_bureau_records_negative_as_of', table_name='bureau_records')
    op.drop_index('ix_bureau_records_loan_produced', table_name='bureau_records')
