"""Live threads over Socket.IO: pushes, catch-up after a reconnect, and access enforced on the socket."""

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD
from flask import g
from sqlalchemy import update

from crowdspirit.database import utcnow
from crowdspirit.extensions import db, socketio
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility


@pytest.fixture
def connect(open_socket):
    """Open a socket on a thread as a user (None: a visitor)."""
    return lambda user, thread, after=0: open_socket(user, {"thread": thread.id, "after": after})


def received_posts(socket) -> list[dict]:
    """The post payloads the socket received since last asked."""
    return [event["args"][0] for event in socket.get_received() if event["name"] == "post"]


@pytest.fixture
def secret_thread(make_user, make_project, make_idea, add_member):
    """An idea in a confidential spec stage, its thread, and an NDA signer who may read it."""
    project = make_project(policy_spec=Visibility.CONFIDENTIAL)
    idea = make_idea(project=project, stage="spec")
    nda.publish(project, project.owner, "Secret.")
    signer = make_user(name="Sigrid")
    add_member(project, signer)
    nda.accept(project, signer, 1)
    return project, forum.thread_of_idea(idea), signer


def test_members_see_each_others_posts_live(connect, make_user, make_idea):
    """A post by one member reaches every open socket on the thread, rendered as on the page."""
    thread = forum.thread_of_idea(make_idea())
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    ana_socket, ben_socket = connect(ana, thread), connect(ben, thread)
    assert ana_socket.is_connected() and ben_socket.is_connected()
    post = forum.add_post(thread, ana, "Bone conduction **rocks**")
    for socket in (ana_socket, ben_socket):
        [payload] = received_posts(socket)
        assert payload["id"] == post.id
        assert "<strong>rocks</strong>" in payload["html"] and "Ana" in payload["html"]


def test_pushed_posts_are_the_same_for_every_reader_of_a_kind(connect, make_user, make_idea):
    """A push carries no CSRF token (the page fills in its own) and no visible edit link (the page shows it to the
    author): it is the same for every member."""
    thread = forum.thread_of_idea(make_idea())
    author = make_user()
    socket = connect(make_user(), thread)
    forum.add_post(thread, author, "Hello")
    [payload] = received_posts(socket)
    assert set(re.findall(r'name="csrf_token" value="([^"]*)"', payload["html"])) == {""}
    assert 'class="small edit-link" hidden' in payload["html"]


def controls(html: str, post_id: int) -> set[str]:
    """What one can do on a post as rendered: the addresses of its forms and links, but those the page hides."""
    article = re.search(rf'<article [^>]*id="post-{post_id}".*?</article>', html, re.S).group(0)
    shown = re.sub(r'<a [^>]*hidden>.*?</a>', "", article)
    return set(re.findall(r'(?:action|href)="(/(?:posts|threads)/[^"]*)"', shown))


def test_live_posts_carry_the_controls_each_reader_gets_on_reload(app, connect, make_user, make_idea):
    """A live post reaches a moderator with Hide (and Flag), a member with Flag, a visitor with neither, each with
    Reply: exactly what the same reader sees on the post after a reload."""
    idea = make_idea()
    thread = forum.thread_of_idea(idea)
    readers = {"moderator": make_user(name="Mona", moderator=True), "member": make_user(name="Max"), "visitor": None}
    sockets = {kind: connect(user, thread) for kind, user in readers.items()}
    post = forum.add_post(thread, make_user(name="Ana"), "Hello")
    pushed = {kind: received_posts(socket)[0]["html"] for kind, socket in sockets.items()}
    assert f"/posts/{post.id}/hide" in pushed["moderator"] and f"/posts/{post.id}/flag" in pushed["moderator"]
    assert f"/posts/{post.id}/flag" in pushed["member"] and f"/posts/{post.id}/hide" not in pushed["member"]
    assert "/flag" not in pushed["visitor"] and "/hide" not in pushed["visitor"]
    assert all(f"/posts/{post.id}/reply" in html for html in pushed.values())
    for kind, user in readers.items():
        browser = app.test_client()
        if user is not None:
            assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
        g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
        assert controls(pushed[kind], post.id) == controls(browser.get(f"/ideas/{idea.id}").text, post.id), kind


def test_edits_and_reactions_are_pushed(connect, make_user, make_idea):
    """Editing a post or giving it a coup de cœur updates it in every open browser."""
    thread = forum.thread_of_idea(make_idea())
    author = make_user()
    post = forum.add_post(thread, author, "First")
    socket = connect(make_user(), thread, after=post.id)
    received_posts(socket)  # the catch-up (the post itself, written a moment ago)
    forum.edit_post(post, "Second")
    forum.toggle_reaction(post, make_user())
    edited, reacted = received_posts(socket)
    assert "Second" in edited["html"] and "edited" in edited["html"]
    assert "Coup de cœur,</span> 1</button>" in reacted["html"]  # the count is in the button's name


def test_catch_up_returns_the_missed_posts_and_those_written_just_before(connect, make_user, make_idea):
    """A socket reconnecting after post 3 receives post 4 and, again, the posts written in the minutes before post 3
    (a post's id is given at insert, not at commit: one written a moment before post 3 may have committed after it,
    its push lost with the message queue), in order, once each; not post 1, written an hour before."""
    thread = forum.thread_of_idea(make_idea())
    author = make_user()
    first, _second, third, _fourth = (forum.add_post(thread, author, text) for text in ("one", "two", "three", "four"))
    db.session.execute(update(Post).where(Post.id == first.id).values(created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    socket = connect(make_user(), thread, after=third.id)
    payloads = received_posts(socket)
    texts = [payload["html"] for payload in payloads]
    assert len(texts) == 3 and "two" in texts[0] and "three" in texts[1] and "four" in texts[2]
    assert all(payload["catch_up"] for payload in payloads)  # a page that shows one already leaves it as it is
    forum.add_post(thread, author, "five")
    assert "catch_up" not in received_posts(socket)[0]  # a new post is never a catch-up


def test_outsider_and_visitor_cannot_join_a_confidential_thread(connect, make_user, secret_thread):
    """The socket of anyone who may not read the thread is refused at connection."""
    project, thread, signer = secret_thread
    assert not connect(make_user(), thread).is_connected()
    assert not connect(None, thread).is_connected()
    assert connect(signer, thread).is_connected()


def test_visitor_follows_a_public_thread(connect, make_user, make_idea):
    """Public discussions are live for visitors too."""
    thread = forum.thread_of_idea(make_idea())
    socket = connect(None, thread)
    forum.add_post(thread, make_user(), "Open to all")
    assert "Open to all" in received_posts(socket)[0]["html"]


def test_removed_member_is_kicked_and_receives_nothing_more(connect, make_user, secret_thread):
    """Removing a member disconnects their socket at once; later posts do not reach them."""
    project, thread, signer = secret_thread
    socket = connect(signer, thread)
    assert socket.is_connected()
    projects.remove_member(project, signer.id, project.owner)
    assert not socket.is_connected()
    assert closing_reasons(socket) == ["join"]  # the page offers to ask to join again
    forum.add_post(thread, project.owner, "After the removal")
    assert all("After the removal" not in str(packet) for packet in socket.queue)  # what reached the socket


def closing_reasons(socket) -> list:
    """What the server told a socket it closed: the way back in ("nda", "join") or None, for each closing."""
    return [packet["args"][0]["way"] for packet in socket.queue if packet["name"] == "closed"]


def test_new_nda_version_kicks_until_accepted(connect, secret_thread):
    """Publishing a new NDA version disconnects readers who have not accepted it, telling their page to ask for the
    new version; once accepted they may read live again."""
    project, thread, signer = secret_thread
    socket = connect(signer, thread)
    nda.publish(project, project.owner, "Secret, version two.")
    assert not socket.is_connected()
    assert closing_reasons(socket) == ["nda"]
    assert not connect(signer, thread).is_connected()
    nda.accept(project, signer, 2)
    assert connect(signer, thread).is_connected()


def test_stage_turning_confidential_kicks_outsiders(connect, make_user, make_project, make_idea):
    """When an idea moves into a confidential stage, outsiders' sockets on its thread are dropped."""
    from crowdspirit.pipeline import services as pipeline

    project = make_project(policy_spec=Visibility.CONFIDENTIAL, promotion_decider="moderator")
    idea = make_idea(project=project, stage="vote")
    thread = forum.thread_of_idea(idea)
    socket = connect(make_user(), thread)
    assert socket.is_connected()
    pipeline.transition(idea, "spec", make_user(admin=True), "selected")
    assert not socket.is_connected()
    assert closing_reasons(socket) == ["join"]


def test_bad_connection_requests_are_refused(app, make_idea):
    """A socket without a thread, or with a malformed or unknown one, is refused."""
    for auth in (None, {}, {"thread": "abc"}, {"thread": 999999}):
        assert not socketio.test_client(app, auth=auth).is_connected()


def test_presence_counts_readers(connect, make_user, make_idea):
    """Every reader is told how many are reading; the count drops when one leaves."""
    thread = forum.thread_of_idea(make_idea())
    first = connect(make_user(), thread)
    second = connect(make_user(), thread)
    counts = [event["args"][0]["readers"] for event in first.get_received() if event["name"] == "presence"]
    assert counts == [1, 2]
    second.disconnect()
    assert [e["args"][0]["readers"] for e in first.get_received() if e["name"] == "presence"] == [1]


def test_lock_is_pushed_live(connect, make_user, make_idea):
    """Locking a thread tells every open page at once (their reply forms close)."""
    from crowdspirit.forum import moderation

    thread = forum.thread_of_idea(make_idea())
    socket = connect(make_user(), thread)
    moderation.set_thread_state(thread, make_user(moderator=True), locked=True)
    states = [e["args"][0] for e in socket.get_received() if e["name"] == "thread"]
    assert states == [{"locked": True}]


def test_signing_out_closes_this_browsers_sockets_only(app, make_user, make_idea):
    """Signing out ends the live connections opened in that browser, not the member's other devices'."""
    member = make_user()
    thread = forum.thread_of_idea(make_idea())
    sockets = {}
    for device in ("laptop", "phone"):
        browser = app.test_client()
        assert browser.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 303
        sockets[device] = (browser, socketio.test_client(app, flask_test_client=browser, auth={"thread": thread.id}))
    assert all(socket.is_connected() for _browser, socket in sockets.values())
    laptop, laptop_socket = sockets["laptop"]
    laptop.post("/logout")
    assert not laptop_socket.is_connected()
    assert sockets["phone"][1].is_connected()
