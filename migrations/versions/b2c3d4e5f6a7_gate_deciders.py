"""Governance per gate (issue 20): each gate of the pipeline names its decider from one set of models. Opening voting
gets projects.vote_decider (replacing vote_opener: "author" becomes "community", whose author and managers keep
their right, "managers" becomes "moderator") with members' supports of ideas (supports, ideas.support_count,
projects.support_threshold); choosing the R&D partner gets projects.partner_decider ("community": the idea's author
and the project's managers choose, as before) with members' backings of offers (rnd_backings,
rnd_interests.backer_count, projects.backing_threshold).

Revision ID: b2c3d4e5f6a7
Revises: c3d4e5f6a7b8
Create Date: 2026-12-04 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b2c3d4e5f6a7'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def _counted_table(name: str, parent: str, column: str) -> None:
    """A table of one row per member and parent row (a support, a backing)."""
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint([column], [f'{parent}.id'], name=op.f(f'fk_{name}_{column}_{parent}'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{name}_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint(column, 'user_id', name=op.f(f'uq_{name}_{column}')),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_user_id'), ['user_id'], unique=False)


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_decider', sa.String(length=20), server_default='community',
                                      nullable=False))
        batch_op.add_column(sa.Column('support_threshold', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('partner_decider', sa.String(length=20), server_default='community',
                                      nullable=False))
        batch_op.add_column(sa.Column('backing_threshold', sa.Integer(), server_default='5', nullable=False))
    # the same people open voting as before: the author (or managers) under "community", the managers under "moderator"
    op.execute("UPDATE projects SET vote_decider = CASE WHEN vote_opener = 'managers' THEN 'moderator' "
               "ELSE 'community' END")
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('vote_opener')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_count', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('rnd_interests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backer_count', sa.Integer(), server_default='0', nullable=False))
    _counted_table('supports', 'ideas', 'idea_id')
    _counted_table('rnd_backings', 'rnd_interests', 'interest_id')


def downgrade():
    op.drop_table('rnd_backings')
    op.drop_table('supports')
    with op.batch_alter_table('rnd_interests', schema=None) as batch_op:
        batch_op.drop_column('backer_count')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('support_count')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_opener', sa.String(length=20), server_default='author', nullable=False))
    op.execute("UPDATE projects SET vote_opener = CASE WHEN vote_decider = 'community' THEN 'author' "
               "ELSE 'managers' END")
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('backing_threshold')
        batch_op.drop_column('partner_decider')
        batch_op.drop_column('support_threshold')
        batch_op.drop_column('vote_decider')
