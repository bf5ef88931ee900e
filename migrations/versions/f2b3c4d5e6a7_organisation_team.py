"""The organisation console: team roles (admin, member, viewer) and emailed invitations to the team (issue 20).

`users.organisation_role` replaces `users.is_org_admin`. Nobody loses a right: an organisation administrator stays
one, and where an organisation had none, every member of its team becomes an administrator (someone must be able
to manage the team); the other members keep acting for it as members. Going down, administrators are
`is_org_admin` again.

Revision ID: f2b3c4d5e6a7
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2b3c4d5e6a7'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                            name=op.f('fk_organisation_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_organisation_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitations'))
    )
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitations_organisation_id'), ['organisation_id'],
                              unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_role', sa.String(length=10), server_default='member',
                                      nullable=False))
    # every existing administrator stays one; a team without any gets all its members as administrators
    op.execute("UPDATE users SET organisation_role = 'admin' WHERE organisation_id IS NOT NULL AND "
               "(is_org_admin OR organisation_id NOT IN (SELECT organisation_id FROM users "
               "WHERE is_org_admin AND organisation_id IS NOT NULL))")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_org_admin')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_org_admin', sa.Boolean(), server_default='0', nullable=False))
    op.execute("UPDATE users SET is_org_admin = (organisation_role = 'admin' AND organisation_id IS NOT NULL)")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('organisation_role')
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitations_organisation_id'))
    op.drop_table('organisation_invitations')
