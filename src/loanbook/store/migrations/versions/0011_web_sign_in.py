"""web sign-in: passwords and sessions (placeholder: filled by the branch that needs it)

Revision ID: 0011
Revises: 0010
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
