"""Notifications: replies, mentions, followed threads, moderation decisions, access, live count, digest."""

import email
import email.policy
from pathlib import Path

from flask import g
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.forum import moderation
from crowdspirit.forum import services as forum
from crowdspirit.notifications.models import Notification
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility


def kinds_for(user) -> list[str]:
    """The kinds of the user's stored notifications, oldest first."""
    return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                               .order_by(Notification.id))]


def test_reply_mention_and_follow(make_user, make_idea):
    """A reply notifies the replied-to author, a mention the named member, the thread's followers the rest."""
    thread = forum.thread_of_idea(make_idea())
    ana, ben, cleo = make_user(name="Ana Silva"), make_user(name="Ben"), make_user(name="Cleo")
    first = forum.add_post(thread, ana, "Opening")  # Ana now follows the thread
    forum.add_post(thread, ben, "Answer", reply_to_id=first.id)
    forum.add_post(thread, cleo, "What do you think, @Ana Silva and @ben?")
    assert kinds_for(ana) == ["reply", "mention"]
    assert kinds_for(ben) == ["mention"]
    assert kinds_for(cleo) == []


def test_author_is_not_notified_of_their_own_post(make_user, make_idea):
    """Mentioning yourself or posting in a thread you follow notifies nobody."""
    thread = forum.thread_of_idea(make_idea())
    ana = make_user(name="Ana")
    forum.add_post(thread, ana, "Hello")
    forum.add_post(thread, ana, "Me again, @Ana")
    assert kinds_for(ana) == []


def test_nobody_is_notified_of_what_they_may_not_read(make_user, make_project, make_idea, add_member):
    """A mention in a project-only thread does not notify an outsider, and removal hides earlier notices."""
    project = make_project(policy_idea=Visibility.PROJECT)
    thread = forum.thread_of_idea(make_idea(project=project))
    outsider, member = make_user(name="Otto"), make_user(name="Mia")
    add_member(project, member)
    forum.add_post(thread, project.owner, "Ping @Otto and @Mia")
    assert kinds_for(outsider) == [] and kinds_for(member) == ["mention"]
    from crowdspirit.notifications import services

    assert services.unread_count(member) == 1
    projects.remove_member(project, member.id, project.owner)
    assert services.unread_count(member) == 0
    assert services.listing(member, 1, 20).items == []


def test_moderation_decision_notifies_the_author(make_user, make_idea):
    """Hiding a post tells its author."""
    thread = forum.thread_of_idea(make_idea())
    author = make_user()
    post = forum.add_post(thread, author, "Spam?")
    moderation.hide(post, make_user(moderator=True), "Spam")
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == author.id)).all()
    assert notice.kind == "moderation" and notice.detail == "hidden"


def test_list_badge_and_mark_read(client, login_as, make_user, make_idea):
    """The header shows the unread count; the list shows the notices; marking them read clears the count."""
    thread = forum.thread_of_idea(make_idea())
    ana = make_user(name="Ana")
    forum.add_post(thread, make_user(name="Ben"), "Hey @Ana, look")
    login_as(ana)
    page = client.get("/notifications").text
    assert '<span class="notif-count">1</span>' in page and "Ben mentioned you" in page
    assert client.post("/notifications/read").status_code == 303
    assert '<span class="notif-count"></span>' in client.get("/notifications").text


def test_follow_and_unfollow(client, login_as, make_user, make_idea):
    """Following a thread brings notices of new posts; unfollowing stops them."""
    thread = forum.thread_of_idea(make_idea())
    reader = login_as(make_user())
    assert client.post(f"/threads/{thread.id}/follow").status_code == 303
    forum.add_post(thread, make_user(), "News")
    assert kinds_for(reader) == ["follow"]
    client.post(f"/threads/{thread.id}/follow")
    forum.add_post(thread, make_user(), "More news")
    assert kinds_for(reader) == ["follow"]


def test_unread_count_is_pushed_live(open_socket, make_user, make_idea):
    """A mention updates the unread badge of the mentioned member's open page."""
    thread = forum.thread_of_idea(make_idea())
    ana = make_user(name="Ana")
    socket = open_socket(ana, {"thread": thread.id})
    forum.add_post(thread, make_user(name="Ben"), "@Ana hello")
    assert [e["name"] for e in socket.get_received() if e["name"] == "unread"] == ["unread"]  # told it changed
    g.pop("_login_user", None)  # the push rendered pages outside any request: the test's context kept a visitor
    assert socket.emit("count-unread", callback=True) == {"count": 1}  # the page asks, and is told


def test_daily_digest_is_written_once(app, tmp_path, make_user, make_idea):
    """The digest command emails each member their new notices once, through the file backend."""
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    thread = forum.thread_of_idea(make_idea())
    ana = make_user(name="Ana")
    forum.add_post(thread, make_user(name="Ben"), "@Ana see this")
    runner = app.test_cli_runner()
    assert "Digests sent: 1." in runner.invoke(args=["crowdspirit", "send-digests"]).output
    [mail] = list(Path(tmp_path / "mail").iterdir())
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text, html = (message.get_body((part,)).get_content() for part in ("plain", "html"))
    assert message["To"] == ana.email
    assert "Ben mentioned you" in text and f"/threads/{thread.id}#post-" in text
    assert "Ben mentioned you" in html and f'/threads/{thread.id}#post-' in html  # the same words, as HTML
    assert "Digests sent: 0." in runner.invoke(args=["crowdspirit", "send-digests"]).output


def test_badge_socket_on_any_page(open_socket, make_user, make_idea):
    """A signed-in member's page without a thread still gets the live unread count; visitors get no socket."""
    thread = forum.thread_of_idea(make_idea())
    badge = open_socket(make_user(name="Ana"), {})
    assert badge.is_connected()
    assert not open_socket(None, {}).is_connected()
    forum.add_post(thread, make_user(name="Ben"), "@Ana over here")
    events = badge.get_received()
    assert [e["name"] for e in events if e["name"] == "unread"] == ["unread"]
    g.pop("_login_user", None)
    assert badge.emit("count-unread", callback=True) == {"count": 1}
    assert not [e for e in events if e["name"] == "post"]  # no thread joined, no posts
