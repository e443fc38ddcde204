"""partner banks: shares in the ledger, outbox, reconciliation breaks (R17)

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "partners",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("base_url", sa.String(300), nullable=True),
        sa.Column("is_default", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("delay_days", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("file_overdue_refuses", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "loan_partners",
        sa.Column("loan_id", Id, sa.ForeignKey("loans.id"), primary_key=True),
        sa.Column("partner_code", sa.String(32), sa.ForeignKey("partners.code"), nullable=False, index=True),
        sa.Column("share", sa.String(8), nullable=False),
        sa.Column("principal_share_fen", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "partner_outbox",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(80), nullable=False, unique=True),
        sa.Column("partner_code", sa.String(32), nullable=False, index=True),
        sa.Column("loan_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False, server_default=""),
    )
    op.create_index("ix_outbox_loan_seq", "partner_outbox", ["loan_id", "seq"], unique=True)
    op.create_table(
        "partner_files",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partner_code", sa.String(32), nullable=False, index=True),
        sa.Column("file_date", sa.Date(), nullable=False, index=True),
        sa.Column("imported_on", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("breaks_found", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "partner_file_lines",
        sa.Column("file_id", Id, sa.ForeignKey("partner_files.id"), primary_key=True),
        sa.Column("loan_id", sa.BigInteger(), primary_key=True),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "recon_breaks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partner_code", sa.String(32), nullable=False, index=True),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("file_date", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("platform_principal_fen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("platform_income_fen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bank_principal_fen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bank_income_fen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(300), nullable=False, server_default=""),
    )


def downgrade() -> None:
    for name in ("recon_breaks", "partner_file_lines", "partner_files"):
        op.drop_table(name)
    op.drop_index("ix_outbox_loan_seq", table_name="partner_outbox")
    for name in ("partner_outbox", "loan_partners", "partners"):
        op.drop_table(name)
