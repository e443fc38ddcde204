"""requests and reviews (R11), coupons (R13)

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('coupons',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('borrower_id', ID, nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('granted_by', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupons_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('plan_requests',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('loan_id', ID, nullable=False),
    sa.Column('borrower_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=True),
    sa.Column('waive_penalty', sa.String(length=24), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('made_by', sa.BigInteger(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_requests_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_requests_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_requests_status'), ['status'], unique=False)

    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_id', ID, nullable=True))
        batch_op.add_column(sa.Column('request_id', ID, nullable=True))
        batch_op.create_unique_constraint('uq_transactions_coupon_id', ['coupon_id'])
        batch_op.create_unique_constraint('uq_transactions_request_id', ['request_id'])
        batch_op.create_foreign_key('fk_transactions_coupon_id', 'coupons', ['coupon_id'], ['id'])
        batch_op.create_foreign_key('fk_transactions_request_id', 'plan_requests', ['request_id'], ['id'])

    with op.batch_alter_table('loan_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interest_waived_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('penalty_waived_fen', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('loan_marks', schema=None) as batch_op:
        batch_op.drop_column('penalty_waived_fen')
        batch_op.drop_column('interest_waived_fen')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_transactions_request_id', type_='foreignkey')
        batch_op.drop_constraint('fk_transactions_coupon_id', type_='foreignkey')
        batch_op.drop_constraint('uq_transactions_request_id', type_='unique')
        batch_op.drop_constraint('uq_transactions_coupon_id', type_='unique')
        batch_op.drop_column('request_id')
        batch_op.drop_column('coupon_id')
    with op.batch_alter_table('plan_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_requests_status'))
        batch_op.drop_index(batch_op.f('ix_plan_requests_borrower_id'))
        batch_op.drop_index(batch_op.f('ix_plan_requests_loan_id'))
    op.drop_table('plan_requests')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupons_borrower_id'))
    op.drop_table('coupons')
