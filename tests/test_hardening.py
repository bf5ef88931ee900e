"""Findings of the access review, kept fixed: crafted input, redirects, re-entry after removal."""

import pytest
from sqlalchemy import func, select

from crowdspirit.accounts.models import User
from crowdspirit.extensions import db
from crowdspirit.projects import nda
from crowdspirit.projects import services as projects
from crowdspirit.projects.models import Visibility

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("url", [
    "/ideas/99999999999999999999", "/ideas/2147483648", "/users/99999999999999999999",
    "/attachments/99999999999999999999/f", "/ideas?page=99999999999999999999",
    "/ideas?tag=a%00b", "/projects/a%00b", "/invitations/a%00b",
])
def test_crafted_urls_get_a_clear_4xx(client, url):
    """Huge numbers and NUL bytes are answered 400 or 404 with the site's error page, never 500."""
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert "<nav" in response.text


def test_crafted_spec_numbers_get_404(client, make_idea):
    """Revision numbers beyond any integer column name nothing: 404."""
    idea = make_idea(stage="spec")
    for query in ("revision=99999999999999999999", "from=99999999999999999999&to=1"):
        url = f"/ideas/{idea.id}/spec" + ("?" if "revision" in query else "/diff?") + query
        assert client.get(url).status_code == 404


def test_nul_in_a_form_is_refused_and_nothing_written(client):
    """A sign-in or sign-up carrying a NUL byte gets 400 and creates nothing."""
    response = client.post("/signup", data={"email": "a\x00@example.org", "display_name": "A",
                                            "password": "x" * 12, "confirm": "x" * 12, "profile_kind": "amateur"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example", "/a\r\nX: 1"])
def test_htmx_sign_up_never_redirects_off_site(client, target):
    """The next parameter of an htmx sign-up cannot send the new member to another site."""
    response = client.post("/signup", query_string={"next": target}, headers=HTMX, data={
        "email": "new@example.org", "display_name": "New", "password": "x" * 12, "confirm": "x" * 12,
        "profile_kind": "amateur"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


def test_signup_without_skills_field_works(client):
    """A client that leaves optional fields out still gets an account."""
    response = client.post("/signup", data={"email": "min@example.org", "display_name": "Min",
                                            "password": "x" * 12, "confirm": "x" * 12, "profile_kind": "amateur"})
    assert response.status_code == 303


def test_pagination_ignores_underscore_arguments(client, app, make_project, make_idea):
    """Query arguments url_for treats specially are not passed on to page links (no 500, no external URLs)."""
    app.config["PER_PAGE"] = 1
    project = make_project()
    make_idea(project=project)
    make_idea(project=project, title="Second idea")
    response = client.get("/ideas?page=1&_method=POST&_external=1", headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert "http://evil.example" not in response.text


def test_removed_member_cannot_come_back_through_an_open_link(client, login_as, make_user, make_project,
                                                              make_idea, add_member):
    """Removing a member revokes the project's open invitation links: no way back in."""
    project = make_project(policy_idea=Visibility.PROJECT)
    idea = make_idea(project=project)
    member = make_user()
    add_member(project, member, "moderator")
    link = projects.invite(project, member)  # created by the member themselves
    projects.remove_member(project, member.id, project.owner)
    login_as(member)
    assert client.post(f"/invitations/{link.token}").status_code == 404
    assert client.get(f"/ideas/{idea.id}").status_code == 404


def test_member_of_a_fully_confidential_project_can_reach_its_nda(client, login_as, make_user, make_project,
                                                                 add_member):
    """A member who has not accepted the NDA of an all-confidential project can still read and accept it."""
    policies = {f"policy_{stage}": Visibility.CONFIDENTIAL for stage in ("idea", "vote", "spec", "partner_rnd")}
    project = make_project(**policies)
    nda.publish(project, project.owner, "Secret.")
    member = make_user()
    add_member(project, member)
    login_as(member)
    assert client.get(f"/projects/{project.slug}").status_code == 200
    assert client.get(f"/projects/{project.slug}/nda").status_code == 200
    assert client.post(f"/projects/{project.slug}/nda/accept", data={"version": 1}).status_code == 303
    login_as(make_user())
    assert client.get(f"/projects/{project.slug}").status_code == 404


def test_double_nda_acceptance_is_409(client, login_as, make_user, make_project, add_member):
    """Accepting the same version twice (a double click) answers 409 and stores one acceptance."""
    project = make_project(policy_spec=Visibility.CONFIDENTIAL)
    nda.publish(project, project.owner, "Secret.")
    member = make_user()
    add_member(project, member)
    login_as(member)
    assert client.post(f"/projects/{project.slug}/nda/accept", data={"version": 1}).status_code == 303
    assert client.post(f"/projects/{project.slug}/nda/accept", data={"version": 1}).status_code == 409


def test_slug_of_a_hidden_project_is_not_guessable(make_user, make_project):
    """A second project with the same title gets a random suffix, not "-2"."""
    first = make_project(title="Secret bike")
    second = make_project(title="Secret bike")
    assert first.slug == "secret-bike" and second.slug != "secret-bike-2" and second.slug.startswith("secret-bike-")


def test_history_restore_gets_the_whole_page(client, make_idea):
    """After Back, htmx asks again with HX-History-Restore-Request and must get the full page."""
    make_idea()
    response = client.get("/ideas", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.text
