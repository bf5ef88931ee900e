"""Moderation through the HTTP client: flags, hiding, locking, pinning and appeals."""

import pytest
from sqlalchemy import select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Appeal, Flag, Post


@pytest.fixture
def thread_post(make_user, make_idea):
    """A public idea discussion with one post by its author."""
    idea = make_idea()
    author = make_user(name="Alex Author")
    thread = forum.thread_of_idea(idea)
    return thread, forum.add_post(thread, author, "A *spicy* opinion"), author


def actions() -> list[str]:
    """The audit log's actions, oldest first."""
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_enough_flags_hide_a_post_pending_review(client, app, login_as, make_user, thread_post):
    """Three flags hide the post: readers see a placeholder, its author the reason, moderators the queue."""
    thread, post, author = thread_post
    for n in range(3):
        login_as(make_user())
        assert client.post(f"/posts/{post.id}/flag", data={"reason": f"rude {n}"}).status_code == 303
    db.session.refresh(post)
    assert post.hidden_at is not None and post.hidden_by_id is None
    login_as(make_user())
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert "This message was hidden by the moderators." in page and "spicy" not in page
    login_as(author)
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert "several members flagged it" in page and "spicy" in page
    login_as(make_user(moderator=True))
    queue = client.get("/moderation").text
    assert "rude 0" in queue and "rude 2" in queue


@pytest.mark.parametrize("who, reason, status", [("author", "spam", 403), ("other", "", 409)])
def test_bad_flags_are_refused(client, login_as, make_user, thread_post, who, reason, status):
    """Flagging your own post is 403, a flag without a reason 409; nothing is stored."""
    thread, post, author = thread_post
    login_as(author if who == "author" else make_user())
    assert client.post(f"/posts/{post.id}/flag", data={"reason": reason}).status_code == status
    assert db.session.scalar(select(Flag)) is None


def test_a_member_flags_once(client, login_as, make_user, thread_post):
    """The second flag by the same member is refused with 409."""
    thread, post, author = thread_post
    login_as(make_user())
    client.post(f"/posts/{post.id}/flag", data={"reason": "rude"})
    response = client.post(f"/posts/{post.id}/flag", data={"reason": "rude again"})
    assert response.status_code == 409 and "already flagged" in response.text


def test_moderator_hides_and_shows_with_audit(client, login_as, make_user, thread_post):
    """A moderator hides with a reason the author reads, then shows the post again; both are audited."""
    thread, post, author = thread_post
    login_as(make_user(moderator=True))
    assert client.post(f"/posts/{post.id}/hide", data={"reason": "Personal attack"}).status_code == 303
    login_as(author)
    assert "Personal attack" in client.get(f"/threads/{thread.id}", follow_redirects=True).text
    login_as(make_user(moderator=True))
    assert client.post(f"/posts/{post.id}/unhide").status_code == 303
    db.session.refresh(post)
    assert post.hidden_at is None
    assert actions()[-2:] == ["post.hidden", "post.shown"]


def test_who_may_hide(client, login_as, make_user, make_project, make_idea, add_member):
    """A project moderator hides posts in the project's threads; a plain member is told they may not."""
    project = make_project()
    thread = forum.thread_of_idea(make_idea(project=project))
    post = forum.add_post(thread, make_user(), "hello")
    member, project_moderator = make_user(), make_user()
    add_member(project, member)
    add_member(project, project_moderator, "moderator")
    login_as(member)
    response = client.post(f"/posts/{post.id}/hide", data={"reason": "no"})
    assert response.status_code == 403 and "Only moderators can hide or show posts." in response.text
    login_as(project_moderator)
    assert client.post(f"/posts/{post.id}/hide", data={"reason": "off-topic"}).status_code == 303


def test_lock_and_pin(client, login_as, make_user, thread_post):
    """A locked thread refuses replies until unlocked; a pinned community thread comes first."""
    thread, post, author = thread_post
    moderator = login_as(make_user(moderator=True))
    client.post(f"/threads/{thread.id}/state", data={"action": "lock"})
    login_as(author)
    assert client.post(f"/threads/{thread.id}/posts", data={"body": "more"}).status_code == 409
    login_as(moderator)
    client.post(f"/threads/{thread.id}/state", data={"action": "unlock"})
    login_as(author)
    assert client.post(f"/threads/{thread.id}/posts", data={"body": "more"}).status_code == 303
    old = forum.start_thread(author, "help", "Old question", "?")
    forum.start_thread(author, "help", "New question", "?")
    login_as(moderator)
    client.post(f"/threads/{old.id}/state", data={"action": "pin"})
    listing = client.get("/forum").text
    assert listing.index("Old question") < listing.index("New question")
    assert client.post(f"/threads/{old.id}/state", data={"action": "explode"}).status_code == 409


def test_appeal_is_heard_once_by_another_moderator(client, login_as, make_user, thread_post):
    """The author appeals once; the hiding moderator may not decide; another one overturns it."""
    thread, post, author = thread_post
    hider, other = make_user(moderator=True), make_user(moderator=True)
    login_as(hider)
    client.post(f"/posts/{post.id}/hide", data={"reason": "Looks like spam"})
    login_as(author)
    assert client.post(f"/posts/{post.id}/appeal", data={"text": "It is a real question"}).status_code == 303
    again = client.post(f"/posts/{post.id}/appeal", data={"text": "Please"})
    assert again.status_code == 409 and "heard once" in again.text
    appeal = db.session.scalar(select(Appeal))
    login_as(hider)
    response = client.post(f"/appeals/{appeal.id}/decide", data={"overturn": "1"})
    assert response.status_code == 409 and "different moderator" in response.text
    login_as(other)
    assert "It is a real question" in client.get("/moderation").text
    assert client.post(f"/appeals/{appeal.id}/decide", data={"overturn": "1"}).status_code == 303
    db.session.refresh(post)
    assert post.hidden_at is None and appeal.decision == "overturned"
    assert "appeal.overturned" in actions()


@pytest.mark.parametrize("overturn", ["1", "0"])
def test_deciding_an_appeal_clears_the_flags(client, login_as, make_user, thread_post, overturn):
    """A post hidden by members' flags, appealed and decided, leaves the moderators' queue whatever the decision."""
    thread, post, author = thread_post
    for n in range(3):
        login_as(make_user())
        client.post(f"/posts/{post.id}/flag", data={"reason": f"off topic {n}"})
    login_as(author)
    client.post(f"/posts/{post.id}/appeal", data={"text": "It was a fair question"})
    login_as(make_user(moderator=True))
    appeal = db.session.scalar(select(Appeal))
    assert client.post(f"/appeals/{appeal.id}/decide", data={"overturn": overturn}).status_code == 303
    queue = client.get("/moderation").text
    assert "off topic" not in queue and "Nothing flagged" in queue
    assert db.session.scalar(select(Flag).where(Flag.resolved.is_(False))) is None


def test_only_the_author_appeals_and_only_hidden_posts(client, login_as, make_user, thread_post):
    """Someone else's appeal is 403; appealing a visible post is 409."""
    thread, post, author = thread_post
    login_as(make_user())
    assert client.post(f"/posts/{post.id}/appeal", data={"text": "x"}).status_code == 403
    login_as(author)
    assert client.post(f"/posts/{post.id}/appeal", data={"text": "x"}).status_code == 409
    assert db.session.scalar(select(Appeal)) is None


def test_queue_is_for_platform_moderators(client, login_as, make_user):
    """Members are refused the moderation queue with an explanation."""
    login_as(make_user())
    response = client.get("/moderation")
    assert response.status_code == 403 and "Only moderators see the flag queue." in response.text


def test_hidden_post_is_pushed_as_a_placeholder(app, make_user, thread_post):
    """Hiding a post updates every open browser with the placeholder, never the hidden text."""
    from flask import g

    from crowdspirit.extensions import socketio
    from crowdspirit.forum import moderation

    thread, post, author = thread_post
    g.pop("_login_user", None)
    socket = socketio.test_client(app, auth={"thread": thread.id, "after": post.id})
    socket.get_received()  # the catch-up: the post itself, written a moment ago
    moderation.hide(post, make_user(moderator=True), "Spam")
    [payload] = [e["args"][0] for e in socket.get_received() if e["name"] == "post"]
    assert "hidden by the moderators" in payload["html"] and "spicy" not in payload["html"]
    assert db.session.get(Post, post.id).hidden_reason == "Spam"


def test_first_post_is_held_until_approved(client, login_as, make_user, make_project, make_idea, add_member):
    """In a project that holds first posts, a newcomer's post waits: only they and moderators see it."""
    project = make_project(hold_first_posts=True)
    thread = forum.thread_of_idea(make_idea(project=project))
    newcomer, reader, moderator = make_user(), make_user(), make_user()
    add_member(project, moderator, "moderator")
    login_as(newcomer)
    client.post(f"/threads/{thread.id}/posts", data={"body": "My very first words"})
    post = db.session.scalar(select(Post).where(Post.author_id == newcomer.id))
    assert post.pending
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).text  # its only post: the thread counts none
    assert "Waiting for a moderator" in page and "My very first words" in page
    login_as(reader)
    assert "My very first words" not in client.get(f"/threads/{thread.id}", follow_redirects=True).text
    login_as(make_user(moderator=True))
    assert "My very first words" in client.get("/moderation").text
    login_as(moderator)
    assert "My very first words" in client.get(f"/threads/{thread.id}", follow_redirects=True).text
    assert client.post(f"/posts/{post.id}/approve").status_code == 303
    login_as(reader)
    assert "My very first words" in client.get(f"/threads/{thread.id}", follow_redirects=True).text
    login_as(newcomer)
    client.post(f"/threads/{thread.id}/posts", data={"body": "Second words"})
    assert not db.session.scalar(select(Post).where(Post.body == "Second words")).pending


def test_move_community_thread(client, login_as, make_user):
    """A moderator moves a community thread to another category; idea threads have none to change."""
    thread = forum.start_thread(make_user(), "help", "Where is the charter?", "?")
    login_as(make_user(moderator=True))
    assert client.post(f"/threads/{thread.id}/move", data={"category": "governance"}).status_code == 303
    db.session.refresh(thread)
    assert thread.category == "governance"
    assert client.post(f"/threads/{thread.id}/move", data={"category": "nowhere"}).status_code == 409


def test_bulk_hide_from_the_queue(client, login_as, make_user, thread_post):
    """Several flagged posts are hidden at once with one reason; nothing selected is refused."""
    thread, post, author = thread_post
    second = forum.add_post(thread, author, "Another one")
    login_as(make_user(moderator=True))
    response = client.post("/moderation/bulk", data={"post": [post.id, second.id], "reason": "Spam wave"})
    assert response.status_code == 303
    for p in (post, second):
        db.session.refresh(p)
        assert p.hidden_at is not None and p.hidden_reason == "Spam wave"
    assert client.post("/moderation/bulk", data={"reason": "x"}).status_code == 409


def flag_times(client, login_as, make_user, post, times: int) -> None:
    """Members flag the post, each once."""
    for n in range(times):
        login_as(make_user())
        client.post(f"/posts/{post.id}/flag", data={"reason": f"flag {n}"})


def open_flag_count(post) -> int:
    return len(db.session.scalars(select(Flag).where(Flag.post_id == post.id, Flag.resolved.is_(False))).all())


def test_unfounded_flags_are_dismissed_from_the_queue(client, login_as, make_user, thread_post):
    """A visible post with a false flag leaves the queue when a moderator dismisses its flags; it stays visible."""
    thread, post, _author = thread_post
    flag_times(client, login_as, make_user, post, 1)
    login_as(make_user(moderator=True))
    assert "Dismiss the flags" in client.get("/moderation").text
    response = client.post(f"/posts/{post.id}/dismiss-flags", data={"next": "/moderation"})
    assert (response.status_code, response.headers["Location"]) == (303, "/moderation")
    queue = client.get("/moderation").text
    assert "Flags dismissed: the post stays as it is." in queue and "Nothing flagged" in queue
    db.session.refresh(post)
    assert post.hidden_at is None and open_flag_count(post) == 0
    assert "post.flags_dismissed" in actions()
    assert client.post(f"/posts/{post.id}/dismiss-flags").status_code == 409  # nothing left to dismiss


def test_a_post_hidden_by_flags_is_confirmed_hidden_with_a_reason(client, login_as, make_user, thread_post):
    """The bulk hide confirms a post the members' flags hid: it keeps hidden, with the moderator's reason, and
    leaves the queue; its flags cannot be dismissed while it is hidden."""
    thread, post, _author = thread_post
    flag_times(client, login_as, make_user, post, 3)
    moderator = login_as(make_user(moderator=True))
    queue = client.get("/moderation").text
    assert f'name="post" value="{post.id}"' in queue and "Show again" in queue
    assert client.post(f"/posts/{post.id}/dismiss-flags").status_code == 409
    assert client.post("/moderation/bulk", data={"post": [post.id], "reason": "Insults"}).status_code == 303
    db.session.refresh(post)
    assert (post.hidden_by_id, post.hidden_reason) == (moderator.id, "Insults")
    assert open_flag_count(post) == 0 and "Nothing flagged" in client.get("/moderation").text


def test_flagging_is_rate_limited(client, app, login_as, make_user, make_idea):
    """Flag floods hit the same per-member limit as posting."""
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    thread = forum.thread_of_idea(make_idea())
    author = make_user()
    posts = [forum.add_post(thread, author, f"post {n}") for n in range(3)]
    login_as(make_user())
    statuses = [client.post(f"/posts/{p.id}/flag", data={"reason": "spam"}).status_code for p in posts]
    assert statuses == [303, 303, 429]
    assert db.session.query(Flag).count() == 2


def test_project_moderators_have_their_own_queue(client, login_as, make_user, make_project, make_idea,
                                                 add_member):
    """A project moderator's queue lists the flags of their project only; members are refused it."""
    project, other = make_project(title="Ours"), make_project(title="Theirs")
    ours = forum.add_post(forum.thread_of_idea(make_idea(project=project)), make_user(), "Flag me here")
    theirs = forum.add_post(forum.thread_of_idea(make_idea(project=other)), make_user(), "Flag me there")
    for post in (ours, theirs):
        db.session.add(Flag(post_id=post.id, user_id=make_user().id, reason="rude"))
    db.session.commit()
    moderator, member = make_user(), make_user()
    add_member(project, moderator, "moderator")
    add_member(project, member)
    login_as(moderator)
    page = client.get(f"/projects/{project.slug}/moderation").text
    assert "Flag me here" in page and "Flag me there" not in page
    response = client.post("/moderation/bulk", query_string={"next": f"/projects/{project.slug}/moderation"},
                           data={"post": [ours.id], "reason": "Rude"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation")
    assert client.post("/moderation/bulk", data={"post": [theirs.id], "reason": "Rude"}).status_code == 403
    login_as(member)
    assert client.get(f"/projects/{project.slug}/moderation").status_code == 403
