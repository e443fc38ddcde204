"""back office: portfolio history for trends (placeholder: filled by the branch that needs it)

Revision ID: 0012
Revises: 0011
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
