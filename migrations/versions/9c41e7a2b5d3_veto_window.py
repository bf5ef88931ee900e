"""Intermediation models: the sponsor's veto window over crowd promotions (the shortlist and veto deciders are new
values of projects.promotion_decider, which needs no schema change).

Revision ID: 9c41e7a2b5d3
Revises: 168b61aa897e
Create Date: 2026-11-26 12:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c41e7a2b5d3'
down_revision = '168b61aa897e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('veto_days', sa.Integer(), server_default='7', nullable=False))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('veto_days')
