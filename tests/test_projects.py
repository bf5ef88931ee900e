"""Projects as members and sponsors use them: creation, listing, settings, joining and leaving."""

import re

import pytest
from sqlalchemy import func, select

from crowdspirit.extensions import db
from crowdspirit.projects.models import JoinRequest, Project, ProjectMembership

NEW_PROJECT = {"title": "Quiet city bike", "summary": "A bike that makes cities calmer",
               "description": "Let us **explore**.", "kind": "self_carried"}
SETTINGS = {"summary": "A calmer summary", "description": "New rules", "vote_decider": "moderator",
            "support_threshold": "4", "vote_threshold": "7", "voting_days": "5", "promotion_decider": "moderator",
            "partner_decider": "community", "backing_threshold": "3", "rnd_partner_id": "0"}


def project_count() -> int:
    return db.session.scalar(select(func.count(Project.id)))


def field_error(html: str, field: str) -> str:
    """The error text shown next to one form field ('' when there is none)."""
    found = re.search(rf'<small class="error" id="{field}-error">([^<]*)</small>', html)
    return found.group(1) if found else ""


def card(html: str, title: str) -> str:
    """The HTML of the project card with this title on a list page."""
    return next(c for c in html.split('<article class="project-card">')[1:] if f"<strong>{title}</strong>" in c)


def test_create_self_carried_project(client, login_as, make_user):
    """A member opens a self-carried project, owns it and lands on its page."""
    owner = login_as(make_user(name="Olga Owner"))
    response = client.post("/projects/new", data=NEW_PROJECT)
    assert response.status_code == 303
    project = db.session.scalar(select(Project).where(Project.title == "Quiet city bike"))
    assert (project.kind, project.owner_id, project.organisation_id) == ("self_carried", owner.id, None)
    assert [(m.user_id, m.role) for m in project.memberships] == [(owner.id, "owner")]
    page = client.get(response.headers["Location"]).text
    assert "Quiet city bike" in page and "Self-carried" in page and "Owner: Olga Owner" in page


def test_sponsor_creates_sponsored_project(client, login_as, make_user, make_org):
    """A sponsor's project is sponsored by their organisation and says so."""
    org = make_org("Veloce Mobility")
    login_as(make_user(organisation=org))
    response = client.post("/projects/new", data={**NEW_PROJECT, "kind": "sponsored"})
    assert response.status_code == 303
    project = db.session.scalar(select(Project))
    assert (project.kind, project.organisation_id) == ("sponsored", org.id)
    assert "Sponsored by Veloce Mobility" in client.get(response.headers["Location"]).text


def test_non_sponsor_cannot_create_sponsored_project(client, login_as, make_user):
    """A member without an organisation choosing 'sponsored' is told why, inline, and nothing is saved."""
    login_as(make_user())
    response = client.post("/projects/new", data={**NEW_PROJECT, "kind": "sponsored"})
    assert response.status_code == 422
    assert field_error(response.text, "kind") == (
        "Only a member acting for an organisation can create a sponsored project.")
    assert project_count() == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"title": ""}, "title", "This field is required."),
    ({"summary": "x" * 301}, "summary", "Field cannot be longer than 300 characters."),
    ({"kind": "secret"}, "kind", "Not a valid choice."),
], ids=["missing-title", "oversize-summary", "unknown-kind"])
def test_bad_project_input_is_refused(client, login_as, make_user, changes, field, message):
    """Bad project input gives 422 with the message next to the field, and nothing is saved."""
    login_as(make_user())
    response = client.post("/projects/new", data={**NEW_PROJECT, **changes})
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert project_count() == 0


def test_list_filters_by_kind(client, make_user, make_org, make_project):
    """The kind tabs show only sponsored or only self-carried projects."""
    make_project(owner=make_user(organisation=make_org()), title="Sponsored field", kind="sponsored")
    make_project(title="Member concept")
    sponsored = client.get("/projects?kind=sponsored").text
    carried = client.get("/projects?kind=self_carried").text
    assert "Sponsored field" in sponsored and "Member concept" not in sponsored
    assert "Member concept" in carried and "Sponsored field" not in carried


@pytest.fixture
def many_projects(app, make_user, make_project):
    """Two projects more than fit on one page (PER_PAGE lowered to keep the test quick)."""
    app.config["PER_PAGE"] = 3
    owner = make_user()
    return [make_project(owner=owner, title=f"Field {letter}") for letter in "ABCDE"]


def test_list_pagination(client, many_projects):
    """Page 1 shows the newest projects, page 2 the rest, with nothing shown twice."""
    first, second = client.get("/projects").text, client.get("/projects?page=2").text
    titles = [p.title for p in many_projects]
    assert [t for t in titles if t in first] == titles[2:]
    assert [t for t in titles if t in second] == titles[:2]


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_list_odd_page_numbers(client, many_projects, page):
    """A page past the end is an empty page; a malformed number shows page 1; neither is an error."""
    response = client.get(f"/projects?page={page}")
    assert response.status_code == 200
    if page == "999":
        assert "No project here yet." in response.text
        assert not any(p.title in response.text for p in many_projects)
    else:
        assert many_projects[-1].title in response.text


def test_owner_changes_gates(client, login_as, make_project):
    """The owner's settings are stored and the project's rules show them."""
    project = make_project()
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/settings", data=SETTINGS)
    assert response.status_code == 303
    db.session.refresh(project)
    assert (project.summary, project.vote_decider, project.support_threshold, project.vote_threshold,
            project.voting_days, project.promotion_decider, project.partner_decider, project.backing_threshold,
            project.rnd_partner_id) == ("A calmer summary", "moderator", 4, 7, 5, "moderator", "community", 3, None)
    page = client.get(f"/projects/{project.slug}").text
    assert "Voting stays open 5 days." in page and "Only the project's managers open voting" in page


def test_settings_refuse_bad_threshold(client, login_as, make_project):
    """A threshold below 1 is refused inline and the stored one is kept."""
    project = make_project()
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/settings", data={**SETTINGS, "vote_threshold": "0"})
    assert response.status_code == 422
    assert field_error(response.text, "vote_threshold") == "Number must be between 1 and 100000."
    db.session.refresh(project)
    assert project.vote_threshold == 10


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_owner_cannot_change_settings(client, login_as, make_user, make_project, method):
    """Another member gets 403 with the reason, and nothing changes."""
    project = make_project()
    login_as(make_user())
    response = getattr(client, method)(f"/projects/{project.slug}/settings", data=SETTINGS)
    assert response.status_code == 403
    assert "Only the project owner can change its settings." in response.text
    db.session.refresh(project)
    assert project.vote_decider == "community"


def test_anonymous_settings_redirects_to_sign_in(client, make_project):
    """A visitor is sent to sign in first."""
    response = client.get(f"/projects/{make_project().slug}/settings")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/projects/no-such-project", "/projects/no-such-project/settings"])
def test_unknown_project_is_404(client, login_as, make_user, url):
    """An unknown slug is a 404, for the page and its settings."""
    login_as(make_user())
    assert client.get(url).status_code == 404


def test_join_request_approved_then_leave(client, login_as, make_user, make_project):
    """A member asks to join, the owner approves, the member is a contributor and can leave again."""
    project = make_project()
    member = login_as(make_user())
    assert client.post(f"/projects/{project.slug}/join", data={"message": "I design PCBs"}).status_code == 303
    assert "Request to join sent" in client.get(f"/projects/{project.slug}").text
    assert db.session.scalar(select(ProjectMembership).filter_by(user_id=member.id)) is None
    login_as(project.owner)
    page = client.get(f"/projects/{project.slug}/members").text
    assert "I design PCBs" in page
    join_request = db.session.scalar(select(JoinRequest).filter_by(user_id=member.id))
    assert client.post(f"/projects/{project.slug}/requests/{join_request.id}/approve").status_code == 303
    membership = db.session.scalar(select(ProjectMembership).filter_by(project_id=project.id, user_id=member.id))
    assert membership.role == "contributor"
    assert "2 members" in client.get(f"/projects/{project.slug}").text
    login_as(member)
    assert client.post(f"/projects/{project.slug}/leave").status_code == 303
    assert db.session.scalar(select(ProjectMembership).filter_by(user_id=member.id)) is None
    assert "1 member" in client.get(f"/projects/{project.slug}").text


def test_owner_cannot_leave(client, login_as, make_project):
    """The owner leaving their own project gets 409 with the reason and stays owner."""
    project = make_project()
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/leave")
    assert response.status_code == 409
    assert "The owner cannot leave their own project." in response.text
    assert db.session.scalar(select(ProjectMembership.role).filter_by(user_id=project.owner_id)) == "owner"


def test_cards_count_non_archived_ideas(client, make_project, make_idea):
    """Each project card counts the project's ideas that are not archived."""
    busy, quiet = make_project(title="Busy field"), make_project(title="Quiet field")
    for stage in ["idea", "idea", "vote", "spec", "archived"]:
        make_idea(project=busy, stage=stage)
    make_idea(project=quiet)
    make_idea(project=quiet, stage="archived")
    page = client.get("/projects").text
    assert "4 ideas" in card(page, "Busy field")
    assert "1 idea" in card(page, "Quiet field")
