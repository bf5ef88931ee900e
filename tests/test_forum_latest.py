"""The forum's Latest over HTTP: every discussion one may read, the latest activity first, with what is new since
one's last visit counted in the list and marked in the thread."""

import re

from flask import g
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.forum.models import Post, Thread, ThreadRead


def _thread_of(idea) -> int:
    return db.session.scalar(select(Thread.id).where(Thread.idea_id == idea.id))


def _titles(html: str) -> list[str]:
    """The thread titles of the forum's list, in order."""
    rows = re.findall(r'<article class="compact thread-row[^"]*">\s*<a href="[^"]*">(?:<strong>)?([^<]+)', html)
    return [title.strip() for title in rows]


def _read(client, path: str) -> str:
    """Open a page with a discussion as the browser does: the page, then the read mark its htmx element posts once
    the posts are shown (if it has one). Returns the page."""
    page = client.get(path).text
    found = re.search(r'hx-post="(/threads/\d+/read)" hx-trigger="load" hx-vals=\'{"post": (\d+)}\'', page)
    if found:
        assert client.post(found[1], data={"post": found[2]}).status_code == 204
    return page


def _post(client, thread_id: int, body: str) -> None:
    assert client.post(f"/threads/{thread_id}/posts", data={"body": body}).status_code == 303


def test_latest_lists_every_readable_discussion_newest_first(client, login_as, make_user, make_project, make_idea):
    """A visitor's and a member's Latest list the community, project and idea threads with messages, the most
    recently active first; a closed project's idea thread only for its members; empty discussions not at all."""
    author = make_user(name="Ana")
    closed = make_project(owner=author, title="Closed lab", policy_idea="project", policy_vote="project")
    open_idea = make_idea(title="Solar lamp", author=author)
    secret = make_idea(project=closed, title="Quiet drill", author=author)
    make_idea(title="Never discussed", author=author)
    login_as(author)
    assert client.post("/forum/new", data={"category": "help", "title": "Soldering tips?",
                                           "body": "Which iron?"}).status_code == 303
    _post(client, _thread_of(secret), "Drill noise figures inside.")
    _post(client, _thread_of(open_idea), "A lamp that charges in a day.")

    assert _titles(client.get("/forum").text) == ["Solar lamp", "Quiet drill", "Soldering tips?"]
    login_as(make_user(name="Outsider"))
    page = client.get("/forum").text
    assert _titles(page) == ["Solar lamp", "Soldering tips?"]
    assert "Quiet drill" not in page and "Drill noise" not in page
    assert f'href="/ideas/{open_idea.id}#discussion"' in page  # an idea's discussion is read under the idea
    assert _titles(client.get("/forum?category=help").text) == ["Soldering tips?"]


def test_new_since_last_visit_in_the_list_and_the_thread(client, login_as, make_user, make_idea):
    """After reading an idea's discussion, a member sees in Latest how many messages came since, a link to the first
    of them, and in the discussion a divider before it; reading it again clears both. One's own messages are not new."""
    idea, unopened = make_idea(title="Solar lamp"), make_idea(title="Wind lamp")
    thread_id = _thread_of(idea)
    writer, reader = make_user(name="Writer"), make_user(name="Reader")
    login_as(writer)
    _post(client, thread_id, "First message.")
    login_as(reader)
    assert "New since your last visit" not in _read(client, f"/ideas/{idea.id}")  # a first visit: nothing marked
    assert 'class="badge new-posts"' not in client.get("/forum").text
    login_as(writer)
    _post(client, thread_id, "Second message.")
    _post(client, thread_id, "Third message.")
    _post(client, _thread_of(unopened), "Never opened by the reader.")  # counts only where one has read before
    second = db.session.scalar(select(Post.id).where(Post.body == "Second message."))

    login_as(reader)
    listing = client.get("/forum").text
    assert re.search(rf'<a class="badge new-posts" href="/posts/{second}">2 new', listing)
    assert listing.count('class="badge new-posts"') == 1 and "<strong>Wind lamp</strong>" not in listing
    assert "<strong>Solar lamp</strong>" in listing
    page = _read(client, f"/ideas/{idea.id}")
    divider = page.index("New since your last visit")
    assert page.index("First message.") < divider < page.index("Second message.") < page.index("Third message.")
    assert "new-posts" not in client.get("/forum").text
    assert "New since your last visit" not in _read(client, f"/ideas/{idea.id}")
    third = db.session.scalar(select(Post.id).where(Post.body == "Third message."))
    assert db.session.get(ThreadRead, (reader.id, thread_id)).last_post_id == third
    login_as(writer)
    assert "new-posts" not in client.get("/forum").text  # one's own messages are never new to one


def test_reading_an_older_page_does_not_make_later_messages_new_again(app, client, login_as, make_user, make_idea):
    """The read mark only moves forward: going back to the first page of a long discussion keeps the later pages
    read."""
    app.config["PER_PAGE"] = 2
    idea = make_idea()
    thread_id = _thread_of(idea)
    login_as(make_user())
    for n in range(5):
        _post(client, thread_id, f"Message {n}.")
    reader = login_as(make_user())
    _read(client, f"/ideas/{idea.id}?page=3")
    _read(client, f"/ideas/{idea.id}?page=1")
    newest = db.session.scalar(select(Post.id).where(Post.body == "Message 4."))
    assert db.session.get(ThreadRead, (reader.id, thread_id)).last_post_id == newest
    assert "new-posts" not in client.get("/forum").text


def test_a_visitor_has_no_marks(app, make_user, make_idea, login_as, client):
    """Visitors read Latest without unread counts, their pages post no read mark, and a forged one is refused."""
    idea = make_idea(title="Solar lamp")
    login_as(make_user())
    _post(client, _thread_of(idea), "Hello.")
    client = app.test_client()  # another browser, signed in nowhere
    g.pop("_login_user", None)
    listing = client.get("/forum").text
    assert _titles(listing) == ["Solar lamp"] and "new-posts" not in listing
    assert "/read" not in client.get(f"/ideas/{idea.id}").text
    post_id = db.session.scalar(select(Post.id))
    assert client.post(f"/threads/{_thread_of(idea)}/read", data={"post": post_id}).status_code in (302, 401)
    assert db.session.scalars(select(ThreadRead)).all() == []


def test_bad_read_marks_are_refused(client, login_as, make_user, make_project, make_idea):
    """A read mark naming another thread's message, no message, or a thread one may not read: 404, nothing stored."""
    owner = make_user()
    secret = make_idea(project=make_project(owner=owner, title="Closed lab", policy_idea="project",
                                            policy_vote="project"), title="Quiet drill")
    idea, other = make_idea(title="Solar lamp"), make_idea(title="Wind lamp")
    login_as(owner)
    for target in (idea, other, secret):
        _post(client, _thread_of(target), f"About {target.title}.")
    theirs = db.session.scalar(select(Post.id).where(Post.body == "About Wind lamp."))
    hidden = db.session.scalar(select(Post.id).where(Post.thread_id == _thread_of(secret)))
    login_as(make_user())
    for thread_id, data in ((_thread_of(idea), {"post": theirs}), (_thread_of(idea), {}),
                            (_thread_of(idea), {"post": "x"}), (_thread_of(secret), {"post": hidden})):
        response = client.post(f"/threads/{thread_id}/read", data=data)
        assert response.status_code == 404 and "may not see it" in response.text
    assert db.session.scalars(select(ThreadRead)).all() == []
