"""Flag categories, and moderators' edits and redactions of posts (issue 20).

Revision ID: f4d5e6a7b8c9
Revises: f3c4d5e6a7b8
Create Date: 2026-12-04 17:35:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'f4d5e6a7b8c9'
down_revision = 'f3c4d5e6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
