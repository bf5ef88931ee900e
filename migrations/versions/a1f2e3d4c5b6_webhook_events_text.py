"""Webhooks listen to every kind of notice: their list of events no longer fits 200 characters

Revision ID: a1f2e3d4c5b6
Revises: f4d5e6a7b8c9
Create Date: 2026-12-04 19:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1f2e3d4c5b6'
down_revision = 'f4d5e6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.alter_column('events', existing_type=sa.String(length=200), type_=sa.Text(),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.alter_column('events', existing_type=sa.Text(), type_=sa.String(length=200),
                              existing_nullable=False)
