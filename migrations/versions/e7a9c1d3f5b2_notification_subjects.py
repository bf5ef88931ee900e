"""Notifications of every kind a domain declares: each names its subject (any model, by class and key) and, when no
thread or idea keeps it readable, the project that does; kinds get longer names. An email queue retries what the mail
server refused, with back-off, and keeps what failed for administrators.

Revision ID: e7a9c1d3f5b2
Revises: d4f6a8b0c2e3
Create Date: 2026-12-04 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a9c1d3f5b2'
down_revision = 'd4f6a8b0c2e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=40))
        batch_op.add_column(sa.Column('subject_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_project_id_projects', 'projects', ['project_id'], ['id'],
                                    ondelete='CASCADE')
    op.execute("UPDATE notifications SET subject_type = 'Idea', subject_id = idea_id WHERE idea_id IS NOT NULL")
    op.execute("UPDATE notifications SET subject_type = 'Post', subject_id = post_id "
               "WHERE idea_id IS NULL AND post_id IS NOT NULL")
    op.execute("UPDATE notifications SET subject_type = 'Thread', subject_id = thread_id "
               "WHERE idea_id IS NULL AND post_id IS NULL AND thread_id IS NOT NULL")
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=40))
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['sent_at', 'next_attempt_at'])


def downgrade():
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=20))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_project_id_projects', type_='foreignkey')
        batch_op.drop_column('project_id')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=20))
