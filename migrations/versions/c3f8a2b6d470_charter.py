"""The platform's charter: versions in English and French, and who accepted which.

Revision ID: c3f8a2b6d470
Revises: a1d4e7f90b12
Create Date: 2026-12-04 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f8a2b6d470'
down_revision = 'a1d4e7f90b12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('charter_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_fr', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_charter_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_versions')),
    sa.UniqueConstraint('number', name=op.f('uq_charter_versions_number'))
    )
    op.create_table('charter_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_charter_acceptances_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['charter_versions.id'], name=op.f('fk_charter_acceptances_version_id_charter_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_acceptances')),
    sa.UniqueConstraint('version_id', 'user_id', name=op.f('uq_charter_acceptances_version_id'))
    )
    op.create_index(op.f('ix_charter_acceptances_user_id'), 'charter_acceptances', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_charter_acceptances_user_id'), table_name='charter_acceptances')
    op.drop_table('charter_acceptances')
    op.drop_table('charter_versions')
