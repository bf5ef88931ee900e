"""The member's language on their account (set at sign-up from the page's, changed in settings or by the switcher):
their pages, notifications and emails speak it.

Revision ID: c9d2e4f6a8b1
Revises: b3e1f7a9c2d4
Create Date: 2026-12-04 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d2e4f6a8b1'
down_revision = 'b3e1f7a9c2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
