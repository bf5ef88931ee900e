"""Sign-ins kept on the server (one row per browser, revocable, expiring), confirmed email addresses, organisation
administrators, deleted accounts.

Revision ID: a1d4e7f90b12
Revises: 3e5a9c0d7b21
Create Date: 2026-12-04 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1d4e7f90b12'
down_revision = '3e5a9c0d7b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('is_org_admin', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
    # Accounts made before verification existed keep taking part: their address counts as confirmed since they
    # joined. (Their sessions, stored without a sign-in key, end: everyone signs in again once.)
    op.execute("UPDATE users SET email_verified_at = created_at")
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    op.create_index('ix_user_sessions_user_id_last_seen', 'user_sessions', ['user_id', 'last_seen_at'], unique=False)


def downgrade():
    op.drop_index('ix_user_sessions_user_id_last_seen', table_name='user_sessions')
    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('is_org_admin')
        batch_op.drop_column('email_verified_at')
