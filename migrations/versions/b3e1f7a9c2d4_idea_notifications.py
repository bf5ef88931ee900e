"""Notifications about ideas (their stage moves), not only about threads: an idea, a note (the reason given).

Revision ID: b3e1f7a9c2d4
Revises: a7d3e5f90b12
Create Date: 2026-12-04 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e1f7a9c2d4'
down_revision = 'a7d3e5f90b12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('thread_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('idea_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_idea_id_ideas'), 'ideas', ['idea_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    op.execute("DELETE FROM notifications WHERE thread_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_idea_id_ideas'), type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('idea_id')
        batch_op.alter_column('thread_id', existing_type=sa.Integer(), nullable=False)
