"""The member an audit event was done to, by id (sanctions and warnings were matched to members by display name,
which a rename broke); earlier rows get it where their target names exactly one member, or reads "user #N".

Revision ID: a7b8c9d0e1f2
Revises: a1f2e3d4c5b6
Create Date: 2026-12-04 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'a1f2e3d4c5b6'
branch_labels = None
depends_on = None

#: the audit actions whose target is a member's display name (the moderation console's sanctions and warnings)
NAMED_MEMBER = "action LIKE 'member.%' OR action LIKE 'warning.%'"


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_target_user_id'), ['target_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_target_user_id_users'), 'users',
                                    ['target_user_id'], ['id'])
    # a name is matched only when exactly one member bears it now (a later rename or a namesake leaves it empty)
    op.execute(f"""
        UPDATE audit_events SET target_user_id = (
            SELECT MIN(users.id) FROM users WHERE users.display_name = audit_events.target)
        WHERE ({NAMED_MEMBER}) AND (
            SELECT COUNT(*) FROM users WHERE users.display_name = audit_events.target) = 1""")
    # account and team events name the member as "user #N"
    op.execute("""
        UPDATE audit_events SET target_user_id = (
            SELECT users.id FROM users WHERE 'user #' || CAST(users.id AS VARCHAR(20)) = audit_events.target)
        WHERE target_user_id IS NULL AND target LIKE 'user #%'""")


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_events_target_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_events_target_user_id'))
        batch_op.drop_column('target_user_id')
