"""the order of a value day's transactions as they happened

Revision ID: 0004
Revises: 0003
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
