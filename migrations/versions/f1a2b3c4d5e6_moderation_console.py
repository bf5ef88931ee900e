"""The moderation console: warnings from moderators to members, acknowledged by them (issue 20).

Revision ID: f1a2b3c4d5e6
Revises: e7a9c1d3f5b2
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'e7a9c1d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_member_warnings_moderator_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_warnings_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_warnings'))
    )
    with op.batch_alter_table('member_warnings', schema=None) as batch_op:
        batch_op.create_index('ix_member_warnings_user_pending', ['user_id', 'acknowledged_at'], unique=False)


def downgrade():
    with op.batch_alter_table('member_warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_member_warnings_user_pending')

    op.drop_table('member_warnings')
