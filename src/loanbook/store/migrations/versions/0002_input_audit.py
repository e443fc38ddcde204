"""who booked a back-dated transaction, and the order of a value day's events

Revision ID: 0002
Revises: 0001
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
