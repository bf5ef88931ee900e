"""Contests and expert challenges (entries, revisions, files, coups de cœur, comments, terms acceptances,
copyright transfers, rubric scores, invitations) and the double-entry ledger. Self-contained: new tables only.

Revision ID: 0ac24d6812bc
Revises: fcd662a7361f
Create Date: 2026-11-26 12:05:08.900943

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0ac24d6812bc'
down_revision = 'fcd662a7361f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('source_kind', sa.String(length=30), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions'))
    )
    op.create_table('ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=60), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_lines_transaction_id_ledger_transactions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines'))
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_lines_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_lines_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('brief', sa.Text(), nullable=False),
    sa.Column('prize_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('finalists_wanted', sa.Integer(), nullable=False),
    sa.Column('min_entries', sa.Integer(), nullable=False),
    sa.Column('finalist_bonus_cents', sa.Integer(), nullable=False),
    sa.Column('winner_share', sa.Integer(), nullable=False),
    sa.Column('pool_cents', sa.Integer(), nullable=False),
    sa.Column('terms_text', sa.Text(), nullable=False),
    sa.Column('terms_version', sa.Integer(), nullable=False),
    sa.Column('transfer_text', sa.Text(), nullable=False),
    sa.Column('transfer_version', sa.Integer(), nullable=False),
    sa.Column('private_hours', sa.Integer(), nullable=False),
    sa.Column('public_hours', sa.Integer(), nullable=False),
    sa.Column('shortlist_hours', sa.Integer(), nullable=False),
    sa.Column('adjustments_hours', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('phase_started_at', sa.DateTime(), nullable=True),
    sa.Column('winner_entry_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contests_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contests_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_contests_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contests'))
    )
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contests_phase'), ['phase'], unique=False)
        batch_op.create_index(batch_op.f('ix_contests_project_id'), ['project_id'], unique=False)

    op.create_table('contest_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_criteria_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_criteria'))
    )
    with op.batch_alter_table('contest_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_criteria_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('heart_count', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('finalist_at', sa.DateTime(), nullable=True),
    sa.Column('won_at', sa.DateTime(), nullable=True),
    sa.Column('adjustment_request', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_contest_entries_author_id_users')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_entries_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_entries'))
    )
    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_entries_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_entries_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_invitations_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_contest_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_invitations')),
    sa.UniqueConstraint('contest_id', 'user_id', name=op.f('uq_contest_invitations_contest_id'))
    )
    with op.batch_alter_table('contest_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_invitations_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_terms_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_terms_acceptances_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_terms_acceptances_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_terms_acceptances')),
    sa.UniqueConstraint('contest_id', 'user_id', 'version', name=op.f('uq_contest_terms_acceptances_contest_id'))
    )
    with op.batch_alter_table('contest_terms_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_terms_acceptances_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_contest_comments_author_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_comments_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_comments'))
    )
    with op.batch_alter_table('contest_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_comments_entry_id'), ['entry_id'], unique=False)

    op.create_table('contest_entry_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_name', sa.String(length=64), nullable=False),
    sa.Column('thumbnail_name', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_entry_files_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_entry_files')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_contest_entry_files_storage_name'))
    )
    with op.batch_alter_table('contest_entry_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_entry_files_entry_id'), ['entry_id'], unique=False)

    op.create_table('contest_entry_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_entry_revisions_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_entry_revisions')),
    sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_contest_entry_revisions_entry_id'))
    )
    op.create_table('contest_hearts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_hearts_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_hearts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_hearts')),
    sa.UniqueConstraint('entry_id', 'user_id', name=op.f('uq_contest_hearts_entry_id'))
    )
    with op.batch_alter_table('contest_hearts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_hearts_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_hearts_user_id'), ['user_id'], unique=False)

    op.create_table('contest_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('scorer_id', sa.Integer(), nullable=False),
    sa.Column('scored_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['contest_criteria.id'], name=op.f('fk_contest_scores_criterion_id_contest_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_scores_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scorer_id'], ['users.id'], name=op.f('fk_contest_scores_scorer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_scores')),
    sa.UniqueConstraint('entry_id', 'criterion_id', name=op.f('uq_contest_scores_entry_id'))
    )
    with op.batch_alter_table('contest_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_scores_entry_id'), ['entry_id'], unique=False)

    op.create_table('contest_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_transfers_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_transfers_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_transfers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_transfers')),
    sa.UniqueConstraint('contest_id', name=op.f('uq_contest_transfers_contest_id'))
    )


def downgrade():
    op.drop_table('contest_transfers')
    with op.batch_alter_table('contest_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_scores_entry_id'))

    op.drop_table('contest_scores')
    with op.batch_alter_table('contest_hearts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_hearts_user_id'))
        batch_op.drop_index(batch_op.f('ix_contest_hearts_entry_id'))

    op.drop_table('contest_hearts')
    op.drop_table('contest_entry_revisions')
    with op.batch_alter_table('contest_entry_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_entry_files_entry_id'))

    op.drop_table('contest_entry_files')
    with op.batch_alter_table('contest_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_comments_entry_id'))
        batch_op.drop_index(batch_op.f('ix_contest_comments_author_id'))

    op.drop_table('contest_comments')
    with op.batch_alter_table('contest_terms_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_terms_acceptances_contest_id'))

    op.drop_table('contest_terms_acceptances')
    with op.batch_alter_table('contest_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_invitations_contest_id'))

    op.drop_table('contest_invitations')
    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_entries_contest_id'))
        batch_op.drop_index(batch_op.f('ix_contest_entries_author_id'))

    op.drop_table('contest_entries')
    with op.batch_alter_table('contest_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_criteria_contest_id'))

    op.drop_table('contest_criteria')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contests_project_id'))
        batch_op.drop_index(batch_op.f('ix_contests_phase'))
        batch_op.drop_index(batch_op.f('ix_contests_organisation_id'))

    op.drop_table('contests')
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_lines_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_lines_account'))

    op.drop_table('ledger_lines')
    op.drop_table('ledger_transactions')
