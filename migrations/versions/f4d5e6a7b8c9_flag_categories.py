"""Flag categories (old flags read as "other"), and moderators' edits and redactions of posts: the reason shown on
the post, the redacted mark, and who replaced each earlier text (a redacted one read by moderators only).

Revision ID: f4d5e6a7b8c9
Revises: f3c4d5e6a7b8
Create Date: 2026-12-04 17:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4d5e6a7b8c9'
down_revision = 'f3c4d5e6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=20), server_default='other', nullable=False))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderator_note', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('redacted', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderators_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_post_revisions_replaced_by_id_users'), 'users',
                                    ['replaced_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_revisions_replaced_by_id_users'), type_='foreignkey')
        batch_op.drop_column('moderators_only')
        batch_op.drop_column('replaced_by_id')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('redacted')
        batch_op.drop_column('moderator_note')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_column('category')
