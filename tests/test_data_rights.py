"""A member's rights over their data: an archive of it to download (access and portability), and the deletion of
the account (erasure): after the password is typed again, nothing personal is left in any table or in the search
index, sign-ins end at once, the member's contributions stay attributed to "a deleted member" (their posts' text
removed when they ask), vote counts stay exact, and the platform's audit log records the deletion by account number
only."""

import io
import json
import zipfile
from pathlib import Path

from conftest import PASSWORD, emailed_path
from flask import g
from sqlalchemy import String, Text, func, select
from whoosh import index as whoosh_index
from whoosh.query import Term

from crowdspirit import events
from crowdspirit.accounts import erasure
from crowdspirit.accounts.models import User
from crowdspirit.api import tokens
from crowdspirit.attachments import services as attachments
from crowdspirit.audit.models import AuditEvent
from crowdspirit.database import belongs_on
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.erasure import REMOVED_TEXT
from crowdspirit.forum.models import Post
from crowdspirit.notifications.models import Notification
from crowdspirit.pipeline import services as pipeline
from crowdspirit.projects import nda
from crowdspirit.search import index, indexer

NAME, EMAIL = "Zelda Quintanilla", "zelda.q@example.org"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40  # what the upload check takes for a PNG


def fresh(client):
    g.pop("_login_user", None)  # Flask-Login caches the user in the test's long-lived context
    return client


def tables_holding(*needles: str) -> list[str]:
    """Every table.column (text columns of every table of this database) that holds one of the needles."""
    found = []
    dialect = db.session.get_bind().dialect.name
    for table in db.metadata.sorted_tables:
        if not belongs_on(table, dialect):
            continue
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for needle in needles:
                if db.session.scalar(select(func.count()).select_from(table).where(
                        func.lower(column).contains(needle.lower(), autoescape=True))):
                    found.append(f"{table.name}.{column.name} ({needle})")
    return found


def index_holding(*needles: str) -> list[str]:
    """The live documents of the search index whose stored fields or indexed words hold one of the needles."""
    indexer.drain()
    found = []
    with whoosh_index.open_dir(str(index.live_folder())).searcher() as searcher:
        for stored in searcher.reader().all_stored_fields():
            found += [f"stored {key}" for key, value in stored.items() for needle in needles
                      if needle.lower() in str(value).lower()]
        for field in searcher.reader().indexed_field_names():
            found += [f"{word} in {field}" for needle in needles for word in needle.lower().split()
                      if searcher.search(Term(field, word), limit=1)]
    return found


def test_a_deleted_account_leaves_nothing_personal_and_its_work_stays(app, client, make_user, make_project,
                                                                     make_idea, login_as):
    """A member who proposed, voted, posted, got a notification and made an API token deletes their account: every
    table and the search index lose their name and address, their sign-ins end at once, their idea, vote and post
    stay (attributed to "Deleted member"), and the audit log says "user #id" only."""
    member = make_user(name=NAME)
    member.email, member.bio, member.skills = EMAIL, "Zelda builds radios.", "radio, Quintanilla craft"
    db.session.commit()
    other = make_user(name="Olga Other")
    project = make_project(other, vote_threshold=100)
    theirs = make_idea(project=project, author=member, title="Crank radio")
    voted = make_idea(project=project, author=other, stage="vote", title="Solar lamp")
    pipeline.cast_vote(voted, member)
    thread = forum.thread_of_idea(voted)
    post = forum.add_post(thread, member, "I would buy one.")
    forum.add_post(thread, other, "Thanks!", reply_to_id=post.id)  # notifies the member
    tokens.create_token(member, "my script", write=False, days=None)
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == member.id))
    assert tables_holding(NAME, EMAIL) and index_holding("Quintanilla")  # the scan finds them while they exist

    login_as(member)
    cookie = client.get_cookie("session").value
    page = client.get("/settings/delete")
    assert page.status_code == 200 and "What stays" in page.text and "cannot be undone" in page.text
    answer = client.post("/settings/delete", data={"current": PASSWORD, "confirm": "y"})
    assert answer.status_code == 303

    assert tables_holding(NAME, EMAIL) == []
    assert index_holding(NAME, EMAIL, "Quintanilla") == []
    db.session.expire_all()
    gone = db.session.get(User, member.id)
    assert gone.display_name == erasure.DELETED_NAME and gone.deleted_at is not None
    fresh(client).set_cookie("session", cookie)  # the cookie copied before is refused everywhere
    assert client.get("/settings/profile").status_code == 302
    assert fresh(client).post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 422
    assert client.get(f"/users/{member.id}").status_code == 404
    # the work stays: the idea, the exact vote count, the post's text, attributed to the deleted member
    assert "Deleted member" in fresh(client).get(f"/ideas/{theirs.id}").text
    db.session.refresh(voted)
    assert voted.vote_count == 1
    assert db.session.get(Post, post.id).body == "I would buy one."
    deletions = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.deleted")).all()
    assert [(event.target, event.details, event.actor_id) for event in deletions] == [(f"user #{member.id}", "",
                                                                                       None)]


def test_posts_text_goes_when_asked_and_a_wrong_password_changes_nothing(client, make_user, make_idea, login_as):
    """A wrong password is a clear 422 and the account stays; asked, the posts' text and earlier versions go."""
    member = make_user(name=NAME)
    thread = forum.thread_of_idea(make_idea(stage="vote"))
    post = forum.add_post(thread, member, "Quintanilla was here.")
    login_as(member)
    refused = client.post("/settings/delete", data={"current": "not my password", "confirm": "y", "remove_posts": "y"})
    assert refused.status_code == 422 and "Your current password is not this one." in refused.text
    unconfirmed = client.post("/settings/delete", data={"current": PASSWORD})
    assert unconfirmed.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is None and db.session.get(Post, post.id).body.startswith(
        "Quintanilla")
    assert client.post("/settings/delete", data={"current": PASSWORD, "confirm": "y",
                                                 "remove_posts": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == REMOVED_TEXT
    assert tables_holding(NAME, "Quintanilla") == [] and index_holding("Quintanilla") == []


def test_a_member_downloads_their_data_checked_field_by_field(app, client, mailbox, make_user, make_project,
                                                              make_idea, login_as):
    """"Prepare my archive" builds a ZIP off the request and emails the data page; the archive holds the account
    (without secrets), ideas, votes, posts, amendments, karma, NDA acceptances, audit entries and the uploaded files,
    field by field; nobody else can download it, and deleting the account deletes it."""
    member = make_user(name=NAME)
    owner = make_user(name="Olga Owner")
    project = make_project(owner, vote_threshold=100)
    nda.publish(project, owner, "Keep it to yourself.")
    nda.accept(project, member, 1)
    idea = make_idea(project=project, author=member, title="Crank radio")
    voted = make_idea(project=project, author=owner, stage="vote", title="Solar lamp")
    pipeline.cast_vote(voted, member)
    post = forum.add_post(forum.thread_of_idea(voted), member, "I would buy one.")
    upload = attachments.attach(idea, member, "idea", "sketch.png", PNG)
    login_as(member)
    assert client.get("/settings/data/archive.zip").status_code == 404  # nothing prepared yet
    assert "Prepare my archive" in client.get("/settings/data").text

    answer = client.post("/settings/data")
    assert answer.status_code == 303 and "we will email you" in client.get(answer.location).text
    [(to, subject, body)] = mailbox()
    assert to == member.email and subject == "CrowdSpirit: your data archive is ready"
    page = client.get(emailed_path(body, "/settings/data"))
    assert "Download my archive" in page.text
    download = client.get("/settings/data/archive.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        def section(name):
            return json.loads(archive.read(f"{name}.json"))

        account = section("account")
        assert (account["id"], account["email"], account["display_name"]) == (member.id, member.email, NAME)
        assert "password_hash" not in account and "session_token" not in account
        assert [(i["id"], i["title"], i["project_id"]) for i in section("ideas")] == [
            (idea.id, "Crank radio", project.id)]
        assert [(v["idea_id"], v["user_id"]) for v in section("votes")] == [(voted.id, member.id)]
        assert [(p["id"], p["body"]) for p in section("posts")] == [(post.id, "I would buy one.")]
        assert [(k["rule"], k["source_kind"], k["source_id"]) for k in section("karma")] == [
            ("idea_proposed", "idea", idea.id), ("vote_cast", "idea", voted.id), ("comment", "post", post.id)]
        assert [a["user_id"] for a in section("nda_acceptances")] == [member.id]
        assert [f["filename"] for f in section("files")] == ["sketch.png"]
        assert archive.read(f"files/files/{upload.id}-sketch.png") == PNG
        assert section("amendments") == [] and section("payments") == []

    other = make_user(name="Nosy Neighbour")
    login_as(other)
    assert fresh(client).get("/settings/data/archive.zip").status_code == 404  # theirs only: none prepared
    login_as(member)
    fresh(client).post("/settings/delete", data={"current": PASSWORD, "confirm": "y"})
    assert list((Path(app.instance_path) / "archives").glob("*.zip")) == []


def test_an_archive_asked_for_before_the_account_is_deleted_is_never_built(app, client, mailbox, make_user, login_as):
    """The archive waits in the outbox; the member deletes their account meanwhile: delivering it builds nothing and
    sends nothing (a deleted account keeps no archive and gets no mail)."""
    app.config["EVENTS_DELIVERY"] = "off"
    login_as(make_user(name=NAME))
    client.post("/settings/data")
    assert client.post("/settings/delete", data={"current": PASSWORD, "confirm": "y"}).status_code == 303
    assert events.deliver_all() == 1
    assert list((Path(app.instance_path) / "archives").glob("*")) == [] and mailbox() == []
