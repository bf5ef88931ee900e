"""Organisations' OpenID providers (OIDC sign-in for sponsor teams).

Revision ID: e4b9d1c7a203
Revises: c3f8a2b6d470
Create Date: 2026-12-04 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b9d1c7a203'
down_revision = 'c3f8a2b6d470'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('client_secret', sa.Text(), nullable=False),
    sa.Column('allowed_domains', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_identity_providers_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_identity_providers_organisation_id'))
    )


def downgrade():
    op.drop_table('identity_providers')
