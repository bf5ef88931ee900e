"""Findings of the forum review, kept fixed: held posts stay private, the queue shows only what a
moderator may read, bulk actions check every post, suspended and banned members stay out."""

from datetime import timedelta

import pytest

from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Flag
from crowdspirit.notifications import services as notifications
from crowdspirit.projects.models import Visibility

SECRET = "Heldbackquartz"


def pushed(socket) -> str:
    """Everything the socket received as post partials."""
    return " ".join(e["args"][0]["html"] for e in socket.get_received() if e["name"] == "post")


@pytest.fixture
def held(make_user, make_project, make_idea):
    """A project holding first posts, its idea thread, and a newcomer's post waiting for approval."""
    project = make_project(hold_first_posts=True)
    thread = forum.thread_of_idea(make_idea(project=project))
    forum.add_post(thread, project.owner, "opening")
    pending = forum.add_post(thread, make_user(name="Newbie"), SECRET)
    assert pending.pending
    return thread, pending


def test_a_held_post_cannot_be_quoted(client, login_as, make_user, held):
    """Replying to a held post is refused, so its text never appears in someone else's quote."""
    thread, pending = held
    replier = make_user()
    forum.approve(forum.add_post(thread, replier, "hello"), thread.project.owner)
    login_as(replier)
    response = client.post(f"/threads/{thread.id}/posts", data={"body": "quoting", "reply_to": pending.id})
    assert response.status_code == 409
    login_as(make_user())
    assert SECRET not in client.get(f"/threads/{thread.id}").text


def test_a_held_post_is_404_to_others(client, login_as, make_user, held):
    """Reacting to or flagging a held post is 404 for anyone but its author and moderators."""
    thread, pending = held
    login_as(make_user())
    for url in (f"/posts/{pending.id}/react", f"/posts/{pending.id}/flag"):
        response = client.post(url, data={"reason": "r"}, headers={"HX-Request": "true"})
        assert response.status_code == 404 and SECRET not in response.text


def test_a_held_post_is_never_pushed(open_socket, make_user, held):
    """Editing, hiding or showing a held post pushes nothing; approval pushes it once."""
    thread, pending = held
    socket = open_socket(make_user(), {"thread": thread.id})
    socket.get_received()
    moderator = make_user(moderator=True)
    forum.edit_post(pending, f"{SECRET} edited")
    moderation.hide(pending, moderator, "spam")
    moderation.unhide(pending, moderator)
    assert SECRET not in pushed(socket)
    forum.approve(pending, moderator)
    assert f"{SECRET} edited" in pushed(socket)


def test_held_posts_count_once_approved(held):
    """The thread's post count shows only published posts."""
    thread, pending = held
    db.session.refresh(thread)
    assert thread.post_count == 1
    forum.approve(pending, thread.project.owner)
    db.session.refresh(thread)
    assert thread.post_count == 2


@pytest.fixture
def confidential(make_project, make_idea):
    """A flagged post in a confidential idea thread that platform moderators may not read."""
    project = make_project(policy_idea=Visibility.CONFIDENTIAL)
    thread = forum.thread_of_idea(make_idea(project=project, title="Topsecret earbuds"))
    post = forum.add_post(thread, project.owner, "Confidential body")
    db.session.add(Flag(post_id=post.id, user_id=project.owner_id, reason="check"))
    db.session.commit()
    return thread, post


def test_queue_shows_only_what_the_moderator_may_read(client, login_as, make_user, confidential):
    """A platform moderator's queue leaves out flagged posts of threads they may not see."""
    thread, post = confidential
    login_as(make_user(moderator=True))
    page = client.get("/moderation").text
    assert "Topsecret" not in page and "Confidential body" not in page


def test_bulk_hide_checks_every_post(client, login_as, make_user, confidential):
    """Bulk hiding a post the moderator may not see (or while suspended) is refused; nothing is hidden."""
    thread, post = confidential
    moderator = login_as(make_user(moderator=True))
    assert client.post("/moderation/bulk", data={"post": [post.id], "reason": "gone"}).status_code == 404
    moderator.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    open_post = forum.add_post(forum.start_thread(make_user(), "help", "Q", "?"), make_user(), "x")
    assert client.post("/moderation/bulk", data={"post": [open_post.id], "reason": "gone"}).status_code == 403
    db.session.refresh(post)
    db.session.refresh(open_post)
    assert post.hidden_at is None and open_post.hidden_at is None


def test_suspended_member_cannot_follow(client, login_as, make_user, make_idea):
    """Following is taking part: refused during a suspension."""
    thread = forum.thread_of_idea(make_idea())
    member = make_user()
    member.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    login_as(member)
    assert client.post(f"/threads/{thread.id}/follow").status_code == 403
    assert not notifications.is_following(thread, member)


def test_banned_members_get_no_notices_and_no_digest(make_user, make_idea):
    """A banned member is neither notified nor emailed."""
    thread = forum.thread_of_idea(make_idea())
    ben = make_user(name="Ben")
    ben.banned = True
    db.session.commit()
    forum.add_post(thread, make_user(), "@Ben look at this")
    assert all(user.id != ben.id for user, _items in notifications.digest_batches())
    assert notifications.unread_count(ben) == 0


def test_badge_sockets_close_on_suspension(client, login_as, open_socket, make_user):
    """A suspended member's badge-only socket is closed too."""
    member = make_user()
    badge = open_socket(member, {})
    assert badge.is_connected()
    login_as(make_user(moderator=True))
    client.post(f"/users/{member.id}/sanction", data={"action": "suspend", "days": 2, "reason": "r"})
    assert not badge.is_connected()

