"""Duplicate ideas merged by moderators (issue 20): ideas.merged_into_id names the idea a duplicate was merged into

Revision ID: f3c4d5e6a7b8
Revises: f2b3c4d5e6a7
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3c4d5e6a7b8'
down_revision = 'f2b3c4d5e6a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ideas_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ideas_merged_into_id_ideas'), 'ideas', ['merged_into_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ideas_merged_into_id_ideas'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ideas_merged_into_id'))
        batch_op.drop_column('merged_into_id')
