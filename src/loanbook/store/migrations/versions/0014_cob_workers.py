"""close of business across workers: partitions of the night's borrowers

Revision ID: 0014
Revises: 0013

One row per partition of a night's replayed borrowers (issue 10, item 5): which
borrowers it holds, whether it is closed, and by which worker. A worker closes a
partition and marks it done in one transaction, so a partition closes exactly once.
The job queue itself (procrastinate's tables) is installed by procrastinate's own schema
when workers are first used on a PostgreSQL database (``store/partitions.py``); SQLite
never runs workers.
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cob_partitions",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("partition_no", sa.Integer(), nullable=False),
        sa.Column("borrower_ids", sa.Text(), nullable=False),
        sa.Column("borrowers", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("business_date", "partition_no"),
    )


def downgrade() -> None:
    op.drop_table("cob_partitions")
