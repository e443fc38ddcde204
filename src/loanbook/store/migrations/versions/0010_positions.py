"""stored positions: each loan's position as of the business date, read without replaying

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written with the loan's marks by every posting (services, close of business); a
    # read uses it only if it is of the business date (set-based nights leave it older).
    with op.batch_alter_table("loan_marks") as batch:
        batch.add_column(sa.Column("position_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("position_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_marks") as batch:
        batch.drop_column("position_json")
        batch.drop_column("position_on")
