"""event outbox: domain events waiting for their durable subscribers (karma), applied after the change's commit

Revision ID: 3e5a9c0d7b21
Revises: 539aefbefec0
Create Date: 2026-12-03 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e5a9c0d7b21'
down_revision = '539aefbefec0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_outbox'))
    )


def downgrade():
    op.drop_table('event_outbox')
