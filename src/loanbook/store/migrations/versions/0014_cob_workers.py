"""close of business across workers: partitions (placeholder: filled by the branch that needs it)

Revision ID: 0014
Revises: 0013
"""

from alembic import op  # noqa: F401 - used once this revision has content
import sqlalchemy as sa  # noqa: F401

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
