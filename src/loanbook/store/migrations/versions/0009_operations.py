"""users and borrowers unique, token rotation, list indexes

- ``borrowers.phone_key``: the phone's digits alone ("+86 138-0013 8000" ->
  "8613800138000"), unique: one phone belongs to one borrower (issue 11 item 5), and the
  column the phone search reads.
- ``users.name`` unique; ``users.revoked_at``: a revoked user keeps its row (its bookings
  still say who made them) but its token no longer opens anything.
- ``transactions.credit_used_fen``: the part of a payoff paid from the borrower's credit
  balance at the borrower's request (R8; issue 11 item 7); ``amount_fen`` stays the cash.
- Indexes for the lists and reports: loans by disbursement day and product, marks by
  status and DPD, transactions by borrower and id.

An existing database with two borrowers of one phone, or two users of one name, is
refused with a message naming them: a person must decide which is right.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _refuse_duplicates(connection: sa.Connection) -> None:
    seen: dict[str, int] = {}
    for borrower_id, phone in connection.execute(sa.text("SELECT id, phone FROM borrowers ORDER BY id")):
        key = _digits(phone)
        if key in seen:
            raise RuntimeError(f"borrowers {seen[key]} and {borrower_id} share a phone number; give one of them "
                               "its own phone before upgrading (issue 11: one phone, one borrower)")
        seen[key] = borrower_id
    rows = connection.execute(sa.text("SELECT name, COUNT(*) FROM users GROUP BY name HAVING COUNT(*) > 1")).all()
    if rows:
        raise RuntimeError(f"users share a name ({', '.join(repr(r[0]) for r in rows)}); rename them before upgrading")


def upgrade() -> None:
    connection = op.get_bind()
    _refuse_duplicates(connection)
    with op.batch_alter_table('borrowers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_key', sa.String(40), nullable=True))
    for borrower_id, phone in connection.execute(sa.text("SELECT id, phone FROM borrowers")).all():
        connection.execute(sa.text("UPDATE borrowers SET phone_key = :key WHERE id = :id"),
                           {"key": _digits(phone), "id": borrower_id})
    with op.batch_alter_table('borrowers', schema=None) as batch_op:
        batch_op.alter_column('phone_key', existing_type=sa.String(40), nullable=False)
        batch_op.create_index('ux_borrowers_phone_key', ['phone_key'], unique=True)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ux_users_name', ['name'], unique=True)
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_used_fen', sa.BigInteger(), nullable=False, server_default='0'))
    op.create_index('ix_transactions_borrower_id_id', 'transactions', ['borrower_id', 'id'])
    op.create_index('ix_loans_disbursed_on', 'loans', ['disbursed_on'])
    op.create_index('ix_loans_product_code', 'loans', ['product_code'])
    op.create_index('ix_loan_marks_status_dpd', 'loan_marks', ['status', 'dpd'])
    op.create_index('ix_loan_events_on_date_kind', 'loan_events', ['on_date', 'kind'])


def downgrade() -> None:
    op.drop_index('ix_loan_events_on_date_kind', 'loan_events')
    op.drop_index('ix_loan_marks_status_dpd', 'loan_marks')
    op.drop_index('ix_loans_product_code', 'loans')
    op.drop_index('ix_loans_disbursed_on', 'loans')
    op.drop_index('ix_transactions_borrower_id_id', 'transactions')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_column('credit_used_fen')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ux_users_name')
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('borrowers', schema=None) as batch_op:
        batch_op.drop_index('ux_borrowers_phone_key')
        batch_op.drop_column('phone_key')
