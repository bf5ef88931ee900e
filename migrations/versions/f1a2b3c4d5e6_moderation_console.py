"""The moderation console: warnings from moderators to members (issue 20).

Revision ID: f1a2b3c4d5e6
Revises: e7a9c1d3f5b2
Create Date: 2026-12-04 17:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'e7a9c1d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
