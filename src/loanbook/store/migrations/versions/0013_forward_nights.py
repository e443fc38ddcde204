"""set-based nights: stored position columns (placeholder: filled by the branch that needs it)

Revision ID: 0013
Revises: 0012
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
