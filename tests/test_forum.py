"""The forum over HTTP: community threads, idea and project discussions, replies, edits, coups de cœur."""

import re
import threading

import pytest
from flask import g
from sqlalchemy import select

from crowdspirit.accounts import sessions
from crowdspirit.extensions import db
from crowdspirit.forum.models import Post, PostRevision, Reaction, Thread
from crowdspirit.projects.models import Visibility

HTMX = {"HX-Request": "true"}


def test_start_a_community_thread(client, login_as, make_user):
    """A member opens a thread in the help category; it lists in the forum with its first post."""
    login_as(make_user(name="Hana"))
    response = client.post("/forum/new", data={"category": "help", "title": "Soldering tips?",
                                               "body": "Which **iron** do you use?"})
    thread = db.session.scalar(select(Thread))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/threads/{thread.id}")
    assert thread.post_count == 1
    assert "Soldering tips?" in client.get("/forum?category=help").text
    page = client.get(f"/threads/{thread.id}").text
    assert "<strong>iron</strong>" in page and "Hana" in page


@pytest.mark.parametrize("data, message", [
    ({"category": "help", "title": "", "body": "x"}, "This field is required."),
    ({"category": "help", "title": "Hi", "body": "x"}, "between 3 and 160"),
    ({"category": "help", "title": "A title", "body": ""}, "This field is required."),
    ({"category": "nonsense", "title": "A title", "body": "x"}, "Not a valid choice"),
    ({"category": "help", "title": "A title", "body": "x" * 20_001}, "20000"),
])
def test_bad_thread_input_is_refused_and_nothing_written(client, login_as, make_user, data, message):
    """Each malformed thread gets 422 with the reason in the form, and nothing is stored."""
    login_as(make_user())
    response = client.post("/forum/new", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(Thread)) is None


def test_only_moderators_post_announcements(client, login_as, make_user):
    """A member is told that announcements are for moderators; a moderator may post one."""
    login_as(make_user())
    response = client.post("/forum/new", data={"category": "announcements", "title": "News", "body": "x"})
    assert response.status_code == 422 and "Only moderators post announcements." in response.text
    login_as(make_user(moderator=True))
    assert client.post("/forum/new", data={"category": "announcements", "title": "News", "body": "x"}
                       ).status_code == 303


def test_reply_quotes_and_counts(client, login_as, make_user, make_idea):
    """A reply quoting an earlier post shows the quote, and the thread counts both posts."""
    idea = make_idea()
    login_as(make_user(name="Ana"))
    thread_id = _idea_thread(client, idea)
    client.post(f"/threads/{thread_id}/posts", data={"body": "Great idea, bone conduction works."})
    first = db.session.scalar(select(Post))
    login_as(make_user(name="Ben"))
    response = client.post(f"/threads/{thread_id}/posts", data={"body": "Agreed!", "reply_to": first.id})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}#post-{first.id + 1}")
    page = client.get(f"/ideas/{idea.id}").text
    assert "In reply to Ana" in page and "bone conduction works" in page
    assert db.session.get(Thread, thread_id).post_count == 2


def test_reply_form_answers_htmx_with_a_fresh_form(client, login_as, make_user, make_idea):
    """With htmx the reply comes back as an empty form (the post itself arrives live); errors stay inline."""
    thread_id = _idea_thread(client, make_idea())
    login_as(make_user())
    response = client.post(f"/threads/{thread_id}/posts", data={"body": "Hello"}, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text and 'id="reply"' in response.text
    bad = client.post(f"/threads/{thread_id}/posts", data={"body": ""}, headers=HTMX)
    assert bad.status_code == 422 and "This field is required." in bad.text
    assert db.session.query(Post).count() == 1


def _idea_thread(client, idea) -> int:
    """The id of the idea's discussion thread (its old address leads under the idea)."""
    assert client.get(f"/ideas/{idea.id}/discussion").headers["Location"].endswith(f"/ideas/{idea.id}#discussion")
    return db.session.scalar(select(Thread.id).where(Thread.idea_id == idea.id))


def test_edit_keeps_history_and_shows_edited(client, login_as, make_user, make_idea):
    """The author edits a post: the text changes, "edited" shows, the old text stays in the history."""
    thread_id = _idea_thread(client, make_idea())
    author = login_as(make_user())
    client.post(f"/threads/{thread_id}/posts", data={"body": "First version"})
    post = db.session.scalar(select(Post))
    assert client.post(f"/posts/{post.id}/edit", data={"body": "Second version"}).status_code == 303
    page = client.get(f"/threads/{thread_id}", follow_redirects=True).text
    assert "Second version" in page and "edited" in page and "First version" not in page
    assert [r.body for r in db.session.scalars(select(PostRevision))] == ["First version"]
    assert "First version" in client.get(f"/posts/{post.id}/edit").text
    login_as(make_user())
    response = client.post(f"/posts/{post.id}/edit", data={"body": "Hijacked"})
    assert response.status_code == 403 and "Only the author can edit this post." in response.text
    db.session.refresh(post)
    assert post.body == "Second version" and post.author_id == author.id


def test_coup_de_coeur_toggles(client, login_as, make_user, make_idea):
    """A coup de cœur is given once per member and taken back by a second click."""
    thread_id = _idea_thread(client, make_idea())
    login_as(make_user())
    client.post(f"/threads/{thread_id}/posts", data={"body": "Nice"})
    post = db.session.scalar(select(Post))
    response = client.post(f"/posts/{post.id}/react", headers=HTMX)
    assert response.status_code == 200 and "Coup de cœur,</span> 1</button>" in response.text
    assert 'aria-pressed="true"' in response.text
    client.post(f"/posts/{post.id}/react")
    db.session.refresh(post)
    assert post.reaction_count == 0 and db.session.scalar(select(Reaction)) is None


def test_markdown_in_posts_is_sanitised(client, login_as, make_user, make_idea):
    """Script payloads in a post never reach the page as markup."""
    thread_id = _idea_thread(client, make_idea())
    login_as(make_user())
    client.post(f"/threads/{thread_id}/posts", data={"body": "<script>alert(1)</script> [x](javascript:alert(2))"})
    page = client.get(f"/threads/{thread_id}", follow_redirects=True).text
    assert "<script>alert(1)" not in page and 'href="javascript:' not in page


def test_locked_thread_refuses_replies(client, login_as, make_user, make_idea):
    """In a locked thread the reply is refused with the reason, and nothing is stored."""
    thread_id = _idea_thread(client, make_idea())
    db.session.get(Thread, thread_id).locked = True
    db.session.commit()
    login_as(make_user())
    response = client.post(f"/threads/{thread_id}/posts", data={"body": "Too late"})
    assert response.status_code == 409 and "This thread is locked" in response.text
    assert db.session.scalar(select(Post)) is None


def test_idea_thread_inherits_the_idea_protection(client, login_as, make_user, make_project, make_idea, add_member):
    """A discussion of an idea in a project-only stage is 404 for outsiders and open to members."""
    project = make_project(policy_idea=Visibility.PROJECT)
    idea = make_idea(project=project)
    login_as(project.owner)
    thread_id = _idea_thread(client, idea)
    client.post(f"/threads/{thread_id}/posts", data={"body": "Members only talk"})
    login_as(make_user())
    assert client.get(f"/threads/{thread_id}").status_code == 404
    assert client.post(f"/threads/{thread_id}/posts", data={"body": "Let me in"}).status_code == 404
    assert client.get(f"/ideas/{idea.id}/discussion").status_code == 404
    member = make_user()
    add_member(project, member)
    login_as(member)
    assert "Members only talk" in client.get(f"/threads/{thread_id}", follow_redirects=True).text


def test_anonymous_reads_public_threads_and_is_asked_to_sign_in(client, make_user, make_idea):
    """Visitors read a public discussion and get a sign-in link instead of the reply form."""
    idea = make_idea()
    thread_id = _idea_thread(client, idea)
    page = client.get(f"/threads/{thread_id}", follow_redirects=True).text
    assert "Sign in to reply" in page and 'id="reply"' not in page
    assert client.post(f"/threads/{thread_id}/posts", data={"body": "anon"}).status_code == 302


def test_flooding_is_rate_limited_and_nothing_more_is_stored(client, app, login_as, make_user, make_idea):
    """Past the posting limit a member gets 429 with a clear message, and the extra posts are not stored."""
    app.config["POST_RATE_LIMIT"] = "3 per minute"
    thread_id = _idea_thread(client, make_idea())
    login_as(make_user())
    statuses = [client.post(f"/threads/{thread_id}/posts", data={"body": f"flood {n}"}).status_code
                for n in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert "Too many attempts" in client.post(f"/threads/{thread_id}/posts", data={"body": "again"}).text
    assert db.session.query(Post).count() == 3


def test_rate_limits_start_no_thread_per_request(client, app, login_as, make_user, make_idea, monkeypatch):
    """The limits' memory storage counts each post without starting a thread (the stock one started one after every
    10 ms of quiet, which cost each vote and post milliseconds), and still refuses past the limit."""
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    thread_id = _idea_thread(client, make_idea())
    login_as(make_user())
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    statuses = [client.post(f"/threads/{thread_id}/posts", data={"body": f"post {n}"}).status_code
                for n in range(3)]
    assert statuses == [303, 303, 429] and started == []


def test_reply_form_drawn_once_carries_each_members_own_token(app, client, login_as, make_user, make_idea):
    """The empty reply form under an idea is drawn once for everyone, yet each member's page carries that member's
    own CSRF token, and each may post with it."""
    app.config["WTF_CSRF_ENABLED"] = True
    idea = make_idea()
    thread_id = _idea_thread(client, idea)
    login_as(make_user(name="Ana"))
    ben, other = make_user(name="Ben"), app.test_client()
    sessions.open_sign_in(ben, "password")
    with other.session_transaction() as session:
        session["_user_id"] = ben.get_id()
    tokens = {}
    for name, browser in (("Ana", client), ("Ben", other)):
        g.pop("csrf_token", None)  # Flask-WTF keeps a token in g, which the test's long-lived context shares
        page = browser.get(f"/ideas/{idea.id}").text
        tokens[name] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page[page.index('id="reply"'):])[1]
    assert tokens["Ana"] != tokens["Ben"]
    for name, browser in (("Ana", client), ("Ben", other)):
        response = browser.post(f"/threads/{thread_id}/posts", data={"body": f"Posted by {name}",
                                                                   "csrf_token": tokens[name]})
        assert response.status_code == 303
    assert sorted(db.session.scalars(select(Post.body))) == ["Posted by Ana", "Posted by Ben"]


def test_forms_drawn_once_for_every_idea_carry_each_ideas_own_addresses(client, login_as, make_user, make_idea):
    """The reply form, the upload form and the footer's language switch are drawn once for every idea and page, yet
    each idea's page posts its reply to its own thread, its file to its own idea, and switching language comes back
    to the page it was asked from; a reply sent from the second idea's page lands in the second idea's thread."""
    author = make_user(name="Ana")
    login_as(author)
    first, second = make_idea(author=author), make_idea(author=author, title="A second idea")
    threads = {idea.id: _idea_thread(client, idea) for idea in (first, second)}
    assert threads[first.id] != threads[second.id]
    for idea in (first, second, first):
        page = client.get(f"/ideas/{idea.id}?page=1").text
        reply = page[page.index('id="reply"') - 200:]
        assert re.search(r'<form method="post" action="/threads/(\d+)/posts"', reply)[1] == str(threads[idea.id])
        assert f'action="/ideas/{idea.id}/attachments"' in page
        assert f'action="/language/fr?next=/ideas/{idea.id}%3Fpage%3D1"' in page
    assert client.post(f"/threads/{threads[second.id]}/posts", data={"body": "On the second"}).status_code == 303
    assert db.session.scalar(select(Post.thread_id).where(Post.body == "On the second")) == threads[second.id]
    assert client.post(f"/language/fr?next=/ideas/{second.id}%3Fpage%3D1").headers["Location"].endswith(
        f"/ideas/{second.id}?page=1")
