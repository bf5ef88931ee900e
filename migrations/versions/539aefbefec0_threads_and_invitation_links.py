"""No page writes any more: every member has an invitation link from sign-up, and every idea, project and
partnership its discussion thread from its creation. The existing ones get theirs here (the code before opened them
on first use: a GET wrote them).

Revision ID: 539aefbefec0
Revises: 385dcdfcbdd7
Create Date: 2026-12-03 22:18:32.806296

"""
import secrets
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '539aefbefec0'
down_revision = '385dcdfcbdd7'
branch_labels = None
depends_on = None

#: the discussion threads every idea, project and partnership gets: owner column -> SELECT of title, id, at
THREADS = {
    "idea_id": "SELECT title, id, created_at AS at FROM ideas",
    "project_id": "SELECT title, id, created_at AS at FROM projects",
    "partnership_id": "SELECT i.title, p.id, p.started_at AS at FROM partnerships p JOIN ideas i ON i.id = p.idea_id",
}


def upgrade():
    for column, owners in THREADS.items():
        op.execute(f"INSERT INTO threads (title, {column}, locked, pinned, post_count, created_at, last_post_at) "
                   f"SELECT owner.title, owner.id, false, false, 0, owner.at, owner.at FROM ({owners}) AS owner "
                   f"WHERE owner.id NOT IN (SELECT {column} FROM threads WHERE {column} IS NOT NULL)")
    connection = op.get_bind()
    without_link = connection.execute(sa.text(
        "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM invite_links)")).scalars().all()
    if without_link:  # the code format of karma.services.give_invite_link: 12 URL-safe characters
        now = datetime.now(UTC).replace(tzinfo=None)
        connection.execute(sa.text("INSERT INTO invite_links (user_id, code, created_at) VALUES (:user_id, :code, :now)"),
                           [{"user_id": user_id, "code": secrets.token_urlsafe(9), "now": now} for user_id in without_link])


def downgrade():
    pass  # the threads and invitation links given here stay: the code before would have opened them on first use
