"""Contests' phase history: contest_phase_changes (from, to, who: none for a date, when the new phase began).

Revision ID: 385dcdfcbdd7
Revises: 12bfd7950222
Create Date: 2026-12-03 21:59:19.093598

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '385dcdfcbdd7'
down_revision = '12bfd7950222'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contest_phase_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('from_phase', sa.String(length=20), nullable=False),
    sa.Column('to_phase', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_contest_phase_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_phase_changes_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_phase_changes'))
    )
    with op.batch_alter_table('contest_phase_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_phase_changes_contest_id'), ['contest_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_phase_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_phase_changes_contest_id'))

    op.drop_table('contest_phase_changes')
