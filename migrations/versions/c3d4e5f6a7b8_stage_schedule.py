"""Stage visibility on a schedule: "from this moment, this stage of this project has this visibility".

Revision ID: c3d4e5f6a7b8
Revises: a7b8c9d0e1f2
Create Date: 2026-12-04 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduled_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('announced_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_scheduled_changes_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_scheduled_changes_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_changes')),
        sa.UniqueConstraint('project_id', 'stage', 'at', name=op.f('uq_scheduled_changes_project_id')),
    )
    with op.batch_alter_table('scheduled_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_changes_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduled_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_changes_project_id'))
        batch_op.drop_index(batch_op.f('ix_scheduled_changes_at'))
    op.drop_table('scheduled_changes')
