"""collections: actions, contact attempts, promises to pay (R16)

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('collection_actions',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('loan_id', sa.BigInteger(), nullable=False),
    sa.Column('borrower_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('dpd', sa.Integer(), nullable=False),
    sa.Column('amount_due_fen', sa.BigInteger(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('bureau_pre_notice', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_collection_actions_day_loan', 'collection_actions', ['business_date', 'loan_id'], unique=True)
    op.create_table('contact_attempts',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('loan_id', sa.BigInteger(), nullable=False),
    sa.Column('borrower_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('to_phone', sa.String(length=40), nullable=False),
    sa.Column('at_utc', sa.DateTime(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('refused_reason', sa.String(length=32), nullable=True),
    sa.Column('logged_on', sa.Date(), nullable=False),
    sa.Column('logged_by_user_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_contact_attempts_loan_id', 'contact_attempts', ['loan_id'], unique=False)
    op.create_index('ix_contact_attempts_borrower_day', 'contact_attempts', ['borrower_id', 'local_date'], unique=False)
    op.create_table('promises_to_pay',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('loan_id', sa.BigInteger(), nullable=False),
    sa.Column('borrower_id', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('by_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('made_by_user_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_promises_to_pay_loan_id', 'promises_to_pay', ['loan_id'], unique=False)
    op.create_index('ix_promises_to_pay_status', 'promises_to_pay', ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('promises_to_pay')
    op.drop_table('contact_attempts')
    op.drop_table('collection_actions')
