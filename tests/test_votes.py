"""Voting for ideas: counting, refusals, htmx, concurrency and community promotion."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.pipeline.models import Idea, StageTransition, Vote
from crowdspirit.specs.models import SpecRevision

HTMX = {"HX-Request": "true"}


@pytest.fixture
def idea(make_project, make_idea):
    """An idea open for votes in a project whose threshold is far away."""
    return make_idea(project=make_project(vote_threshold=1000), stage="vote")


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def stored(idea_id: int) -> tuple[int, int]:
    """The idea's stored vote_count and its number of Vote rows, read fresh from the database."""
    db.session.expire_all()
    rows = db.session.scalar(select(func.count(Vote.id)).where(Vote.idea_id == idea_id))
    return db.session.get(Idea, idea_id).vote_count, rows


def test_vote_is_counted_once(client, login_as, make_user, idea):
    """A vote adds one Vote row and one to the count; the page then offers to withdraw."""
    voter = login_as(make_user())
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code == 303 and response.location.endswith(f"/ideas/{idea.id}")
    assert stored(idea.id) == (1, 1)
    assert db.session.scalar(select(Vote.user_id).where(Vote.idea_id == idea.id)) == voter.id
    assert "Withdraw" in html(client.get(f"/ideas/{idea.id}"))


def test_duplicate_vote_is_409(client, login_as, make_user, idea):
    """Voting twice is refused with 409 and a reason; the count stays at one."""
    login_as(make_user())
    client.post(f"/ideas/{idea.id}/vote")
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code == 409
    assert "You have already voted for this idea." in html(response)
    assert stored(idea.id) == (1, 1)


def test_withdraw_vote(client, login_as, make_user, idea):
    """Withdrawing removes the Vote row and lowers the count."""
    login_as(make_user())
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    response = client.post(f"/ideas/{idea.id}/unvote")
    assert response.status_code == 303
    assert stored(idea.id) == (0, 0)


def test_withdraw_without_vote_is_409(client, login_as, make_user, idea):
    """Withdrawing a vote never cast is refused with 409 and leaves the count alone."""
    login_as(make_user())
    response = client.post(f"/ideas/{idea.id}/unvote")
    assert response.status_code == 409
    assert "You have not voted for this idea." in html(response)
    assert stored(idea.id) == (0, 0)


def _close_window(idea):
    """End the voting window a minute ago, directly in the database."""
    idea.vote_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


@pytest.mark.parametrize("stage, setup, message", [
    ("idea", None, "Voting is not open for this idea."),
    ("spec", None, "Voting is not open for this idea."),
    ("vote", _close_window, "Voting on this idea has closed."),
])
@pytest.mark.parametrize("action", ["vote", "unvote"])
def test_vote_refused_outside_window(client, login_as, make_user, make_idea, stage, setup, message,
                                     action):
    """Outside the vote stage or after the window closes, votes are refused with 409."""
    idea = make_idea(stage=stage)
    if setup:
        setup(idea)
    login_as(make_user())
    response = client.post(f"/ideas/{idea.id}/{action}")
    assert response.status_code == 409
    assert message in html(response)
    assert stored(idea.id) == (0, 0)


def test_anonymous_vote_goes_to_sign_in(client, idea):
    """A visitor who votes is sent to sign in and nothing is stored."""
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code in (302, 303)
    assert response.location.startswith("/login")
    assert stored(idea.id) == (0, 0)


def test_htmx_vote_returns_vote_box(client, login_as, make_user, idea):
    """An htmx vote answers with the vote box fragment: new count and a Withdraw button, and a sentence for the
    page's live region (#messages, swapped out of band) that screen readers say; withdrawing says so too."""
    login_as(make_user())
    response = client.post(f"/ideas/{idea.id}/vote", headers=HTMX)
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<div class="vote-box" id="vote-box-{idea.id}"')
    assert '<strong class="vote-count">1</strong>' in page
    assert "Withdraw" in page and "<html" not in page
    assert '<div id="messages" hx-swap-oob="innerHTML">' in page and "Your vote is counted: 1 vote." in page
    assert stored(idea.id) == (1, 1)
    withdrawn = html(client.post(f"/ideas/{idea.id}/unvote", headers=HTMX))
    assert "Your vote is withdrawn: 0 votes." in withdrawn


def test_htmx_duplicate_vote_shows_error_in_box(client, login_as, make_user, idea):
    """An htmx duplicate vote answers 409 with the box, its unchanged count and the reason."""
    login_as(make_user())
    client.post(f"/ideas/{idea.id}/vote")
    response = client.post(f"/ideas/{idea.id}/vote", headers=HTMX)
    page = html(response)
    assert response.status_code == 409
    assert '<strong class="vote-count">1</strong>' in page and "<html" not in page
    assert "You have already voted for this idea." in page and "hx-swap-oob" not in page  # the box says why


# --- Concurrency ----------------------------------------------------------------------------------
def vote_together(app, idea_id: int, session_ids: list[str]) -> list[int]:
    """Each user votes from their own thread and client, all released at once; the statuses."""
    barrier = threading.Barrier(len(session_ids), timeout=30)
    statuses = [None] * len(session_ids)

    def run(i: int, session_id: str):
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            barrier.wait()
            statuses[i] = client.post(f"/ideas/{idea_id}/vote").status_code

    db.session.commit()  # hold no transaction open while the threads write
    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(session_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_simultaneous_votes_are_all_counted(app, make_user, idea):
    """Sixteen members voting at the same moment give a count of 16 and 16 Vote rows."""
    users = [make_user().get_id() for _ in range(16)]
    statuses = vote_together(app, idea.id, users)
    assert statuses == [303] * 16
    assert stored(idea.id) == (16, 16)


def test_simultaneous_duplicate_votes_accept_one(app, make_user, idea):
    """The same member voting twice at the same moment gets exactly one vote accepted."""
    user = make_user().get_id()
    statuses = vote_together(app, idea.id, [user, user])
    assert sorted(statuses) == [303, 409]
    assert stored(idea.id) == (1, 1)


# --- Community promotion --------------------------------------------------------------------------
def test_threshold_vote_promotes_to_spec(client, login_as, make_user, make_project, make_idea):
    """The vote that reaches the threshold moves the idea to spec, in the community's name."""
    idea = make_idea(project=make_project(vote_threshold=2, promotion_decider="community"),
                     stage="vote")
    for _ in range(2):
        login_as(make_user())
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    db.session.refresh(idea)
    assert (idea.stage, idea.vote_count) == ("spec", 2)
    last = db.session.scalars(select(StageTransition).where(StageTransition.idea_id == idea.id)
                              .order_by(StageTransition.id.desc())).first()
    assert (last.actor_id, last.from_stage, last.to_stage) == (None, "vote", "spec")
    assert db.session.scalars(select(SpecRevision.number)
                              .where(SpecRevision.idea_id == idea.id)).all() == [1]
    assert "the community" in html(client.get(f"/ideas/{idea.id}"))


def test_vote_below_threshold_does_not_promote(client, login_as, make_user, make_project, make_idea):
    """A vote short of the threshold leaves the idea in the vote stage with no spec."""
    idea = make_idea(project=make_project(vote_threshold=2, promotion_decider="community"),
                     stage="vote")
    login_as(make_user())
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 303
    db.session.refresh(idea)
    assert (idea.stage, idea.vote_count) == ("vote", 1)
    assert db.session.scalar(select(func.count(SpecRevision.id))
                             .where(SpecRevision.idea_id == idea.id)) == 0
