"""Notifications of ideas' moves over HTTP: the author, voters and followers of an idea are told where it went and
why (not who moved it, not those who may not see it), through the event outbox; opening a notification reads it;
the page filters by kind; reading a thread reads its notifications; the digest says it too."""

import email
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from crowdspirit.extensions import db
from crowdspirit.forum.models import Thread
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline.models import Stage


@pytest.fixture
def vetoed(client, login_as, make_user, make_org, make_project, make_idea):
    """A sponsored project deciding by the crowd under the sponsor's veto (threshold 2): its idea promoted by two
    voters, then vetoed by the sponsor with a reason. Returns the idea and its people."""
    helios = make_org("Helios Audio")
    owner = make_user(name="Olga Owner", organisation=helios)
    project = make_project(owner=owner, kind="sponsored", vote_threshold=2, promotion_decider="veto", veto_days=5)
    people = {"sponsor": make_user(name="Sam Sponsor", organisation=helios), "author": make_user(name="Ann Author"),
              "voters": [make_user(name=f"Voter {n}") for n in range(2)], "stranger": make_user(name="Stan")}
    idea = make_idea(project=project, author=people["author"], stage=Stage.VOTE, title="Solar lamp")
    for voter in people["voters"]:
        login_as(voter)
        assert client.post(f"/ideas/{idea.id}/vote").status_code in (200, 303)
    login_as(people["sponsor"])
    assert client.post(f"/ideas/{idea.id}/veto", data={"reason": "Too close to our patent"}).status_code == 303
    return idea, people


def _page(client, login_as, user, query: str = "") -> str:
    login_as(user)
    return client.get(f"/notifications{query}").text


def test_author_and_voters_are_told_of_each_move_with_the_reason(client, login_as, vetoed):
    """The votes promoted the idea to the specification and the sponsor vetoed it: its author and both voters read
    both moves, newest first, with the sponsor's reason; the sponsor who vetoed it and a stranger read nothing."""
    idea, people = vetoed
    for person, moves in ((people["author"], 3), *((voter, 2) for voter in people["voters"])):
        page = _page(client, login_as, person)
        archived = page.index("“Solar lamp” moved to the stage Archived")
        assert archived < page.index("“Solar lamp” moved to the stage Specification")
        assert "Vetoed by the sponsor: Too close to our patent" in page
        assert page.count('<span class="badge unread-mark">Unread</span>') == moves  # the author: voting opened too
    assert "moved to the stage" not in _page(client, login_as, people["sponsor"])  # who moved it is not told
    assert "Solar lamp" not in _page(client, login_as, people["stranger"])
    stored = db.session.scalars(select(Notification).where(Notification.kind == "stage")).all()
    assert sorted((n.user_id, n.detail) for n in stored) == sorted(
        [(people["author"].id, "vote")] + [(person.id, stage) for person in (people["author"], *people["voters"])
                                           for stage in ("spec", "archived")])


def test_opening_a_notification_reads_it_and_leads_to_the_idea(client, login_as, vetoed):
    """Opening one of the author's three unread notifications leads to the idea, and the page then shows two
    unread; someone else's notification cannot be opened."""
    idea, people = vetoed
    author = people["author"]
    page = _page(client, login_as, author)
    assert re.search(r'aria-label="Notifications, 3 unread"', page)
    first = re.search(r'action="/notifications/(\d+)/open"', page)[1]
    response = client.post(f"/notifications/{first}/open")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/ideas/{idea.id}")
    page = client.get("/notifications").text
    assert page.count('<span class="badge unread-mark">Unread</span>') == 2
    assert re.search(r'aria-label="Notifications, 2 unread"', page)
    login_as(people["stranger"])
    refused = client.post(f"/notifications/{first}/open")
    assert refused.status_code == 404 and "may not see it" in refused.text


def test_only_those_who_may_see_the_new_stage_are_told(client, login_as, make_user, make_project, make_idea,
                                                       add_member):
    """The votes promote an idea into a specification stage open to the project's members only: the voting member is
    told, the voter outside the project is not (at delivery); when the project then closes its earlier stages, the
    member who leaves loses the notification (at display)."""
    owner = make_user(name="Olga Owner")
    project = make_project(owner=owner, policy_spec="project", vote_threshold=2)
    idea = make_idea(project=project, author=owner, stage=Stage.VOTE, title="Quiet drill")
    outsider, member = make_user(name="Outsider"), make_user(name="Member")
    add_member(project, member)
    for voter in (outsider, member):
        login_as(voter)
        assert client.post(f"/ideas/{idea.id}/vote").status_code in (200, 303)
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "stage"))}
    assert told == {member.id, owner.id}  # the author (the owner) and the voting member; the votes moved it
    assert "Quiet drill" not in _page(client, login_as, outsider)
    assert "“Quiet drill” moved to the stage Specification" in _page(client, login_as, member)
    login_as(owner)
    assert client.post(f"/projects/{project.slug}/members/{member.id}/remove").status_code == 303
    page = _page(client, login_as, member)
    assert "Quiet drill" not in page and 'aria-label="Notifications"' in page  # no unread count either


def test_filter_by_kind_and_reading_a_thread_reads_its_notifications(client, login_as, make_user, make_idea):
    """A reply and a move: the page lists each under its kind; reading the thread (as the page reports it once it
    shows the posts) reads the reply's notification, not the move's."""
    author = make_user(name="Ann Author")
    idea = make_idea(author=author, title="Solar lamp")
    thread_id = db.session.scalar(select(Thread.id).where(Thread.idea_id == idea.id))
    login_as(author)
    assert client.post(f"/threads/{thread_id}/posts", data={"body": "Who would buy it?"}).status_code == 303
    login_as(make_user(name="Ben"))
    question = int(re.search(r'id="post-(\d+)"', client.get(f"/ideas/{idea.id}").text)[1])
    assert client.post(f"/threads/{thread_id}/posts", data={"body": "Me!", "reply_to": question}).status_code == 303
    login_as(author)
    assert client.post(f"/ideas/{idea.id}/move/vote", data={"reason": "Ready for votes"}).status_code == 303
    page = _page(client, login_as, author, "?kind=reply")
    assert "Ben replied to you in “Solar lamp”" in page and "moved to the stage" not in page
    assert "No notification of this kind." in _page(client, login_as, author, "?kind=stage")  # one's own move
    newest = max(int(n) for n in re.findall(r'id="post-(\d+)"', client.get(f"/ideas/{idea.id}").text))
    assert client.post(f"/threads/{thread_id}/read", data={"post": newest}).status_code == 204
    assert db.session.scalar(select(Notification.read_at).where(Notification.kind == "reply")) is not None


def test_the_digest_tells_of_moves_with_a_link_to_the_idea(app, tmp_path, client, login_as, vetoed):
    """The daily digest lists each move with the reason and the idea's address."""
    idea, people = vetoed
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    assert "Digests sent: 5." in app.test_cli_runner().invoke(args=["crowdspirit", "send-digests"]).output
    texts = {}
    for path in Path(tmp_path / "mail").iterdir():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        texts[message["To"]] = message.get_body(("plain",)).get_content()
    text = texts[people["author"].email]
    assert "“Solar lamp” moved to the stage Archived" in text and f"/ideas/{idea.id}" in text
    assert "Vetoed by the sponsor: Too close to our patent" in text


def test_opening_the_idea_reads_its_notifications(client, login_as, vetoed):
    """The idea's page, once shown, posts the mark that reads the voter's notifications about the idea (a GET writes
    nothing); then the page carries no mark any more, and another member's notifications stay unread."""
    idea, people = vetoed
    voter, other = people["voters"]
    login_as(voter)
    page = client.get(f"/ideas/{idea.id}").text
    mark = re.search(r'hx-post="(/notifications/read/Idea/\d+)" hx-trigger="load"', page)[1]  # a GET writes nothing:
    assert _page(client, login_as, voter).count('<span class="badge unread-mark">Unread</span>') == 2
    assert client.post(mark).status_code == 204
    assert '<span class="badge unread-mark">Unread</span>' not in client.get("/notifications").text
    assert "/notifications/read/Idea/" not in client.get(f"/ideas/{idea.id}").text
    assert _page(client, login_as, other).count('<span class="badge unread-mark">Unread</span>') == 2
