"""Account security: a session token per user (a new password signs out other sessions) and sign-in lockout.

Revision ID: b7e1c2d4a9f0
Revises: 0ac24d6812bc
Create Date: 2026-11-26 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1c2d4a9f0'
down_revision = '0ac24d6812bc'
branch_labels = None
depends_on = None


def upgrade():
    # Existing members keep an empty token, which their current sessions (stored as the bare id) match.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_token')
