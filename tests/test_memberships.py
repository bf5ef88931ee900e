"""Memberships as members and managers use them: requests to join, invitations, removal, roles, audit."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crowdspirit.audit.models import AuditEvent
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.projects.models import Invitation, JoinRequest, ProjectMembership

HIDDEN = {f"policy_{stage}": "project" for stage in ("idea", "vote", "spec", "partner_rnd")}


def field_error(html: str, field: str) -> str:
    """The error text shown next to one form field ('' when there is none)."""
    found = re.search(rf'<small class="error" id="{field}-error">([^<]*)</small>', html)
    return found.group(1) if found else ""


def role_of(project, user) -> str | None:
    """The user's stored role in the project, or None when they are not a member."""
    db.session.expire_all()
    return db.session.scalar(select(ProjectMembership.role).filter_by(project_id=project.id, user_id=user.id))


def events(project, action: str) -> list[tuple[int | None, str]]:
    """The project's audit events with this action, as (actor id, target), oldest first."""
    return [tuple(row) for row in db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.target)
        .filter_by(project_id=project.id, action=action).order_by(AuditEvent.id))]


def request_join(client, login_as, user, project, message="I design PCBs") -> JoinRequest:
    """The user asks to join through the form; returns the stored request."""
    login_as(user)
    assert client.post(f"/projects/{project.slug}/join", data={"message": message}).status_code == 303
    return db.session.scalar(select(JoinRequest).filter_by(project_id=project.id, user_id=user.id))


def invite(client, login_as, project, email="") -> Invitation:
    """The owner invites by email (or makes a link with no email); returns the newest invitation."""
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/invitations", data={"email": email}).status_code == 303
    return db.session.scalar(select(Invitation).filter_by(project_id=project.id).order_by(Invitation.id.desc()))


# --- Requests to join -----------------------------------------------------------------------
def test_join_form_shows(client, login_as, make_user, make_project):
    """A non-member opens the join form."""
    project = make_project(title="Quiet bike")
    login_as(make_user())
    response = client.get(f"/projects/{project.slug}/join")
    assert response.status_code == 200
    assert "Ask to join Quiet bike" in response.text and 'name="message"' in response.text


def test_request_to_join_is_pending_and_shown(client, login_as, make_user, make_project):
    """Asking to join stores a pending request with the message, shows it, and is audited."""
    project = make_project()
    member = make_user(name="Mia Member")
    join_request = request_join(client, login_as, member, project)
    assert (join_request.status, join_request.message) == ("pending", "I design PCBs")
    assert "Request to join sent" in client.get(f"/projects/{project.slug}").text
    assert role_of(project, member) is None
    assert events(project, "membership.requested") == [(member.id, "Mia Member")]


def test_second_request_is_409(client, login_as, make_user, make_project):
    """A second request while one is pending gets 409 with the reason, and is not stored."""
    project = make_project()
    member = make_user()
    request_join(client, login_as, member, project)
    response = client.post(f"/projects/{project.slug}/join", data={"message": "again"})
    assert response.status_code == 409
    assert "You already asked to join" in response.text
    assert db.session.scalar(select(func.count(JoinRequest.id))) == 1


def test_member_cannot_request_to_join(client, login_as, make_user, make_project, add_member):
    """A member asking to join the project they are in gets 403 with the reason."""
    project = make_project()
    member = make_user()
    add_member(project, member)
    login_as(member)
    response = client.post(f"/projects/{project.slug}/join", data={"message": "hi"})
    assert response.status_code == 403
    assert "already a member" in response.text


@pytest.mark.parametrize("decider", ["owner", "moderator"])
@pytest.mark.parametrize("decision, status, role, action", [
    ("approve", "approved", "contributor", "membership.approved"),
    ("refuse", "refused", None, "membership.refused"),
])
def test_manager_decides_request(client, login_as, make_user, make_project, add_member,
                                 decider, decision, status, role, action):
    """The owner or a project moderator approves (membership) or refuses (none) a request, audited."""
    project = make_project()
    moderator = make_user()
    add_member(project, moderator, role="moderator")
    member = make_user(name="Mia Member")
    join_request = request_join(client, login_as, member, project)
    actor = login_as(project.owner if decider == "owner" else moderator)
    response = client.post(f"/projects/{project.slug}/requests/{join_request.id}/{decision}")
    assert response.status_code == 303
    db.session.expire_all()
    assert (join_request.status, join_request.decided_by_id) == (status, actor.id)
    assert role_of(project, member) == role
    assert events(project, action) == [(actor.id, "Mia Member")]


@pytest.mark.parametrize("who, gates, code", [
    ("contributor", {}, 403),
    ("outsider", {}, 403),
    ("outsider", HIDDEN, 404),
], ids=["contributor", "outsider-visible-project", "outsider-hidden-project"])
@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_non_manager_cannot_decide(client, login_as, make_user, make_project, add_member,
                                   who, gates, code, decision):
    """A plain contributor gets 403; an outsider 403, or 404 when they may not see the project."""
    project = make_project(**gates)
    member = make_user()
    join_request = JoinRequest(project_id=project.id, user_id=member.id)  # a hidden project has no join form
    db.session.add(join_request)
    db.session.commit()
    user = make_user()
    if who == "contributor":
        add_member(project, user)
    login_as(user)
    response = client.post(f"/projects/{project.slug}/requests/{join_request.id}/{decision}")
    assert response.status_code == code
    db.session.expire_all()
    assert join_request.status == "pending"
    assert role_of(project, member) is None


# --- Invitations ----------------------------------------------------------------------------
def test_personal_invitation_is_accepted(client, login_as, make_user, make_project):
    """The invitee opens the invitation, joins, and the invitation and joining are audited."""
    project = make_project(title="Quiet bike")
    invitee = make_user(name="Ivy Invitee")
    invitation = invite(client, login_as, project, invitee.email)
    assert invitation.user_id == invitee.id
    assert events(project, "invitation.created") == [(project.owner_id, "Ivy Invitee")]
    login_as(invitee)
    page = client.get(f"/invitations/{invitation.token}")
    assert page.status_code == 200 and "You are invited to join Quiet bike" in page.text
    assert client.post(f"/invitations/{invitation.token}").status_code == 303
    assert role_of(project, invitee) == "contributor"
    assert events(project, "membership.invited") == [(invitee.id, "Ivy Invitee")]


def test_the_project_page_offers_the_invitation_until_it_is_revoked(client, login_as, make_user, make_project):
    """The invitee finds "Accept the invitation" on the project's page, in the project whose invitation it is only;
    revoked, the page offers to ask to join instead."""
    project, other = make_project(title="Quiet bike"), make_project(title="Loud bike")
    invitee = make_user(name="Ivy Invitee")
    invitation = invite(client, login_as, project, invitee.email)
    login_as(invitee)
    assert f'href="/invitations/{invitation.token}"' in client.get(f"/projects/{project.slug}").text
    assert "Accept the invitation" not in client.get(f"/projects/{other.slug}").text
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/invitations/{invitation.id}/revoke").status_code == 303
    login_as(invitee)
    page = client.get(f"/projects/{project.slug}").text
    assert "Accept the invitation" not in page and f"/projects/{project.slug}/join" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_else_cannot_use_personal_invitation(client, login_as, make_user, make_project, method):
    """Another member using a personal invitation's token gets 404 and does not join."""
    project = make_project()
    invitation = invite(client, login_as, project, make_user().email)
    intruder = login_as(make_user())
    assert getattr(client, method)(f"/invitations/{invitation.token}").status_code == 404
    assert role_of(project, intruder) is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_used_personal_invitation_is_404(client, login_as, make_user, make_project, method):
    """Once used, a personal invitation cannot be opened or used again, even after leaving."""
    project = make_project()
    invitee = make_user()
    invitation = invite(client, login_as, project, invitee.email)
    login_as(invitee)
    assert client.post(f"/invitations/{invitation.token}").status_code == 303
    assert getattr(client, method)(f"/invitations/{invitation.token}").status_code == 404
    assert client.post(f"/projects/{project.slug}/leave").status_code == 303
    assert getattr(client, method)(f"/invitations/{invitation.token}").status_code == 404
    assert role_of(project, invitee) is None


def test_unknown_email_gets_the_same_answer_and_nothing_is_stored(client, login_as, make_user, make_project):
    """Inviting an email nobody has answers exactly as for a member (emails stay private); nothing is stored."""
    project = make_project()
    invitee = make_user(name="Ines Invitee")
    login_as(project.owner)
    unknown = client.post(f"/projects/{project.slug}/invitations", data={"email": "nobody@example.org"})
    known = client.post(f"/projects/{project.slug}/invitations", data={"email": invitee.email})
    assert unknown.status_code == known.status_code == 303
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
    page = client.get(f"/projects/{project.slug}/members", follow_redirects=True).text
    assert "Ines Invitee" not in page  # the invitee's name is not shown


def test_inviting_a_member_is_422_inline(client, login_as, make_user, make_project, add_member):
    """Inviting someone who is already a member gives 422 with the reason inline."""
    project = make_project()
    member = make_user(name="Mia Member")
    add_member(project, member)
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/invitations", data={"email": member.email})
    assert response.status_code == 422
    assert field_error(response.text, "email") == "Mia Member is already a member."


def test_link_serves_several_members_until_revoked(client, login_as, make_user, make_project):
    """An invitation link lets several members join; once revoked it is 404, audited."""
    project = make_project()
    link = invite(client, login_as, project)
    assert link.user_id is None
    first, second, late = make_user(), make_user(), make_user()
    for user in (first, second):
        login_as(user)
        assert client.post(f"/invitations/{link.token}").status_code == 303
        assert role_of(project, user) == "contributor"
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/invitations/{link.id}/revoke").status_code == 303
    assert events(project, "invitation.revoked") == [(project.owner_id, "")]
    login_as(late)
    assert client.get(f"/invitations/{link.token}").status_code == 404
    assert client.post(f"/invitations/{link.token}").status_code == 404
    assert role_of(project, late) is None


def test_expired_link_is_404(client, login_as, make_user, make_project):
    """A link past its expiry date is 404 and lets nobody in."""
    project = make_project()
    link = invite(client, login_as, project)
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    user = login_as(make_user())
    assert client.get(f"/invitations/{link.token}").status_code == 404
    assert client.post(f"/invitations/{link.token}").status_code == 404
    assert role_of(project, user) is None


@pytest.mark.parametrize("who, code", [("contributor", 403), ("outsider", 403)])
def test_non_manager_cannot_invite(client, login_as, make_user, make_project, add_member, who, code):
    """Only the owner and project moderators invite; others get 403 and nothing is stored."""
    project = make_project()
    user = make_user()
    if who == "contributor":
        add_member(project, user)
    login_as(user)
    assert client.post(f"/projects/{project.slug}/invitations", data={"email": ""}).status_code == code
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


# --- Removal, leaving, roles ----------------------------------------------------------------
def test_owner_removes_member(client, login_as, make_user, make_project, make_idea, add_member):
    """The owner removes a member: the membership and its project-only access are gone, audited."""
    project = make_project(policy_spec="project")
    idea = make_idea(project=project, stage="spec")
    member = make_user(name="Mia Member")
    add_member(project, member)
    login_as(member)
    assert client.get(f"/ideas/{idea.id}").status_code == 200
    login_as(project.owner)
    assert client.post(f"/projects/{project.slug}/members/{member.id}/remove").status_code == 303
    assert role_of(project, member) is None
    assert events(project, "membership.removed") == [(project.owner_id, "Mia Member")]
    login_as(member)
    assert client.get(f"/ideas/{idea.id}").status_code == 404


@pytest.mark.parametrize("actor", ["owner", "moderator"])
def test_owner_cannot_be_removed(client, login_as, make_user, make_project, add_member, actor):
    """Removing the owner (by themselves or a project moderator) gets 409 and the owner stays."""
    project = make_project()
    moderator = make_user()
    add_member(project, moderator, role="moderator")
    login_as(project.owner if actor == "owner" else moderator)
    response = client.post(f"/projects/{project.slug}/members/{project.owner_id}/remove")
    assert response.status_code == 409
    assert "The owner cannot leave their own project." in response.text
    assert role_of(project, project.owner) == "owner"


def test_contributor_cannot_remove(client, login_as, make_user, make_project, add_member):
    """A plain contributor removing another member gets 403 and nothing changes."""
    project = make_project()
    member, other = make_user(), make_user()
    add_member(project, member)
    add_member(project, other)
    login_as(member)
    assert client.post(f"/projects/{project.slug}/members/{other.id}/remove").status_code == 403
    assert role_of(project, other) == "contributor"


def test_leaving_is_audited(client, login_as, make_user, make_project, add_member):
    """A member leaving the project is recorded in the audit log."""
    project = make_project()
    member = make_user(name="Mia Member")
    add_member(project, member)
    login_as(member)
    assert client.post(f"/projects/{project.slug}/leave").status_code == 303
    assert role_of(project, member) is None
    assert events(project, "membership.left") == [(member.id, "Mia Member")]


def test_owner_changes_role(client, login_as, make_user, make_project, add_member):
    """The owner makes a contributor a project moderator; the change is audited."""
    project = make_project()
    member = make_user(name="Mia Member")
    add_member(project, member)
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/members/{member.id}/role", data={"role": "moderator"})
    assert response.status_code == 303
    assert role_of(project, member) == "moderator"
    assert events(project, "membership.role") == [(project.owner_id, "Mia Member")]


def test_project_moderator_cannot_change_roles(client, login_as, make_user, make_project, add_member):
    """A project moderator changing a role gets 403 with the reason; the role stays."""
    project = make_project()
    moderator, member = make_user(), make_user()
    add_member(project, moderator, role="moderator")
    add_member(project, member)
    login_as(moderator)
    response = client.post(f"/projects/{project.slug}/members/{member.id}/role", data={"role": "moderator"})
    assert response.status_code == 403
    assert "Only the project owner" in response.text
    assert role_of(project, member) == "contributor"
    assert events(project, "membership.role") == []


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_role_cannot_be_given(client, login_as, make_user, make_project, add_member, role):
    """Roles other than moderator/contributor are refused with 409."""
    project = make_project()
    member = make_user()
    add_member(project, member)
    login_as(project.owner)
    response = client.post(f"/projects/{project.slug}/members/{member.id}/role", data={"role": role})
    assert response.status_code == 409
    assert role_of(project, member) == "contributor"


# --- The members page -----------------------------------------------------------------------
@pytest.mark.parametrize("who, gates, code", [
    ("owner", {}, 200),
    ("contributor", {}, 200),
    ("outsider", {}, 403),
    ("outsider", HIDDEN, 404),
], ids=["owner", "contributor", "outsider-visible-project", "outsider-hidden-project"])
def test_members_page(client, login_as, make_user, make_project, add_member, who, gates, code):
    """Members see who is in the project; others get 403, or 404 when they may not see the project."""
    project = make_project(**gates)
    member = make_user(name="Mia Member")
    add_member(project, member)
    login_as({"owner": project.owner, "contributor": member, "outsider": make_user()}[who])
    response = client.get(f"/projects/{project.slug}/members")
    assert response.status_code == code
    assert ("Mia Member" in response.text) == (code == 200)
    if code == 403:
        assert "Only the project's members can see who else is in it." in html.unescape(response.text)


def test_members_page_shows_manager_tools_only_to_managers(client, login_as, make_user, make_project,
                                                           add_member):
    """Pending requests appear to the owner, not to a plain contributor."""
    project = make_project()
    contributor = make_user()
    add_member(project, contributor)
    request_join(client, login_as, make_user(), project, message="Let me in please")
    login_as(project.owner)
    assert "Let me in please" in client.get(f"/projects/{project.slug}/members").text
    login_as(contributor)
    assert "Let me in please" not in client.get(f"/projects/{project.slug}/members").text
