"""The demo data makes a believable first impression: varied ideas and discussions, some in French, a history spread
over weeks (karma and audit log included), and a moderation queue with something in it."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crowdspirit.accounts.models import User
from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum.models import Flag, Post
from crowdspirit.karma import maintenance
from crowdspirit.karma.models import KarmaEvent
from crowdspirit.pipeline.models import Idea, StageTransition, Vote
from crowdspirit.search import indexer

#: the demo is the same on every database: one is enough here
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
#: a few words only French has (accents, articles), enough to tell a French text from an English one
FRENCH = re.compile(r"[éèêàçù]|\b(le|la|les|des|une|est|pour|avec|sans)\b", re.IGNORECASE)


@pytest.fixture
def seeded(app):
    """The database after `flask crowdspirit seed-demo`, its search index written."""
    result = app.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"])
    assert result.exit_code == 0, result.output
    indexer.drain()
    return app


def demo_user(local: str) -> User:
    """The demo account with this email local part."""
    return db.session.scalar(select(User).where(User.email == f"{local}@demo.crowdspirit.org"))


def test_ideas_have_their_own_summaries_and_bodies(seeded):
    """No summary is made from the idea's title ("X: a proposal for Y"), and no two ideas share a summary or body."""
    ideas = db.session.scalars(select(Idea)).all()
    assert len(ideas) >= 60
    assert not [idea.title for idea in ideas if re.search(r": a proposal for ", idea.summary)]
    assert not [idea.title for idea in ideas if idea.summary.startswith(idea.title)]
    assert len({idea.summary for idea in ideas}) == len(ideas)
    assert len({idea.body for idea in ideas}) == len(ideas)


def test_discussions_are_varied(seeded):
    """No post text is repeated more than twice, several ideas are discussed, and some posts answer others."""
    bodies = Counter(db.session.scalars(select(Post.body)))
    assert max(bodies.values()) <= 2, bodies.most_common(3)
    assert len(bodies) >= 60
    assert db.session.scalar(select(func.count(func.distinct(Post.thread_id)))) >= 20
    assert db.session.scalar(select(func.count(Post.id)).where(Post.reply_to_id.is_not(None))) >= 10


def span(column) -> timedelta:
    """How far apart the earliest and latest values of a date column are."""
    low, high = db.session.execute(select(func.min(column), func.max(column))).one()
    return high - low


def test_karma_and_audit_have_a_believable_history(seeded):
    """Karma events and audit entries spread over weeks, each dated with what it is about; the karma totals still
    equal the log."""
    assert span(KarmaEvent.created_at) >= timedelta(weeks=4)
    assert span(AuditEvent.created_at) >= timedelta(weeks=4)
    for when, voted in db.session.execute(select(KarmaEvent.created_at, Vote.created_at).join(Vote, (
            Vote.idea_id == KarmaEvent.source_id) & (Vote.user_id == KarmaEvent.user_id)).where(
            KarmaEvent.rule == "vote_cast", KarmaEvent.reverses_id.is_(None))):
        assert when == voted
    for when, posted in db.session.execute(select(KarmaEvent.created_at, Post.created_at).join(
            Post, Post.id == KarmaEvent.source_id).where(KarmaEvent.rule == "comment",
                                                         KarmaEvent.reverses_id.is_(None))):
        assert when == posted
    moves = {(move.idea_id, move.to_stage): move.created_at for move in db.session.scalars(select(StageTransition))}
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.changed")).all()
    assert changes
    for event in changes:
        assert event.created_at == moves[int(event.target.rpartition("#")[2]), event.details.rpartition(" -> ")[2]]
    assert not maintenance.check()


def test_a_third_is_in_french_and_a_french_search_finds_it(seeded, client):
    """About a third of the ideas and posts are written in French, and French words find them in the search."""
    summaries = db.session.scalars(select(Idea.summary)).all()
    posts = db.session.scalars(select(Post.body)).all()
    assert 0.25 <= sum(bool(FRENCH.search(text)) for text in summaries) / len(summaries) <= 0.5
    assert 0.25 <= sum(bool(FRENCH.search(text)) for text in posts) / len(posts) <= 0.5
    for word, expected in (("réparable", "Cadre avec antivol intégré"), ("lampe", "Air quality lamp"),
                           ("glaçons", "Disque pilé-glace")):
        page = client.get("/search", query_string={"q": word})
        assert page.status_code == 200
        assert expected in page.get_data(as_text=True), word


def test_moderators_find_flags_waiting_for_review(seeded, client, login_as):
    """Members flagged a few posts (advertising, off topic, rude) that no moderator has reviewed: the moderator's
    queue lists them."""
    waiting = db.session.scalars(select(Post).where(Post.id.in_(select(Flag.post_id).where(
        Flag.resolved.is_(False))))).all()
    assert len(waiting) >= 3
    login_as(demo_user("moderator"))
    page = client.get("/moderation").get_data(as_text=True)
    assert "Nothing flagged" not in page
    for post in waiting:
        assert f"Select post #{post.id}" in page
