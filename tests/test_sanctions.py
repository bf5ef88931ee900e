"""Suspensions and bans: suspended members read but do not take part; banned members are out at once."""

import pytest
from conftest import PASSWORD
from sqlalchemy import select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post


def sanction(client, target, action, days=7, reason="Repeated insults"):
    """POST the moderation form on the target's profile."""
    return client.post(f"/users/{target.id}/sanction", data={"action": action, "days": days, "reason": reason})


def test_suspended_member_reads_but_cannot_post(client, login_as, make_user, make_idea):
    """During a suspension posting is refused with the end date; reading still works; lifting restores it."""
    thread = forum.thread_of_idea(make_idea())
    member, moderator = make_user(), make_user(moderator=True)
    login_as(moderator)
    assert sanction(client, member, "suspend").status_code == 303
    login_as(member)
    response = client.post(f"/threads/{thread.id}/posts", data={"body": "Let me speak"})
    assert response.status_code == 403 and "suspended until" in response.text
    assert client.get(f"/threads/{thread.id}", follow_redirects=True).status_code == 200
    assert client.post(f"/ideas/{thread.idea_id}/vote").status_code == 403
    login_as(moderator)
    sanction(client, member, "lift")
    login_as(member)
    assert client.post(f"/threads/{thread.id}/posts", data={"body": "Back"}).status_code == 303
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))][-2:] == [
        "member.suspend", "member.lift"]


def test_suspension_closes_live_sockets(client, login_as, open_socket, make_user, make_idea):
    """A suspended member's open thread socket is closed at once and a new one is refused."""
    thread = forum.thread_of_idea(make_idea())
    member = make_user()
    socket = open_socket(member, {"thread": thread.id})
    assert socket.is_connected()
    login_as(make_user(moderator=True))
    sanction(client, member, "suspend")
    assert not socket.is_connected()
    assert not open_socket(member, {"thread": thread.id}).is_connected()


def test_ban_ends_the_session_and_sign_in(client, login_as, make_user):
    """A banned member is signed out on their next request and cannot sign in again."""
    member = make_user()
    login_as(make_user(moderator=True))
    sanction(client, member, "ban")
    login_as(member)
    assert client.get("/settings/profile").status_code == 302  # no longer signed in
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 422 and "banned" in response.text


@pytest.mark.parametrize("who", ["member", "self", "admin"])
def test_who_cannot_be_sanctioned_or_sanction(client, login_as, make_user, who):
    """Members cannot sanction; moderators cannot sanction themselves or an admin."""
    moderator = make_user(moderator=True)
    target = {"member": make_user(), "self": moderator, "admin": make_user(admin=True)}[who]
    login_as(make_user() if who == "member" else moderator)
    response = sanction(client, target, "ban")
    assert response.status_code == 403
    db.session.refresh(target)
    assert not target.banned


@pytest.mark.parametrize("days", [0, 366, -3])
def test_bad_suspension_length_is_409(client, login_as, make_user, days):
    """A suspension outside 1 to 365 days is refused and nothing changes."""
    member = make_user()
    login_as(make_user(moderator=True))
    assert sanction(client, member, "suspend", days=days).status_code == 409
    db.session.refresh(member)
    assert member.suspended_until is None and db.session.scalar(select(Post)) is None
