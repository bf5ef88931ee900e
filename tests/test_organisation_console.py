"""The organisation console: an organisation's public page, its team (roles, invitations by email, role changes,
removals, leaving), the rule that the team keeps an administrator, and the audit of every change."""

import pytest
from conftest import emailed_path
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from crowdspirit.accounts.models import OrganisationInvitation, User
from crowdspirit.audit.models import AuditEvent
from crowdspirit.extensions import db

SECRET_TITLE = "Quietcoil prototype"


@pytest.fixture
def helios(make_org, make_user):
    """Helios Audio with an administrator, a member and a viewer."""
    org = make_org("Helios Audio")
    org.description = "We make **headphones** that last."
    people = {role: make_user(name=f"{role.title()} Helios", organisation=org)
              for role in ("admin", "member", "viewer")}
    for role, person in people.items():
        person.organisation_role = role
    db.session.commit()
    return org, people


def team_url(org) -> str:
    """The team page of an organisation."""
    return f"/organisations/{org.slug}/team"


def page(client, url) -> tuple[int, str]:
    """A GET's status and text."""
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def audit_actions() -> list[str]:
    """The team's audit lines, oldest first."""
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("team.%"))
                                   .order_by(AuditEvent.id)))


def role_of(user) -> tuple:
    """The user's organisation and role as stored."""
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    return stored.organisation_id, stored.organisation_role


# --- The public page ---------------------------------------------------------------------------------------------
def test_the_public_page_shows_the_organisation_its_acting_team_and_only_the_projects_each_reader_may_see(
        client, login_as, make_user, make_project, helios):
    """Anyone reads the page: name, description, admins and members (viewers stay on the team page), and the
    sponsored projects the reader may see; a closed project shows to its team only."""
    org, people = helios
    make_project(owner=people["admin"], title="Open headphones", kind="sponsored")
    make_project(owner=people["admin"], title=SECRET_TITLE, kind="sponsored",
                 **{f"policy_{stage}": "project" for stage in ("idea", "vote", "spec", "partner_rnd")})
    status, html = page(client, f"/organisations/{org.slug}")
    assert status == 200
    assert "Helios Audio" in html and "<strong>headphones</strong>" in html
    assert "Admin Helios" in html and "Member Helios" in html and "Viewer Helios" not in html
    assert "Open headphones" in html and SECRET_TITLE not in html
    assert team_url(org) not in html and f"/organisations/{org.slug}/dashboard" not in html
    login_as(make_user())
    assert SECRET_TITLE not in page(client, f"/organisations/{org.slug}")[1]
    login_as(people["viewer"])
    html = page(client, f"/organisations/{org.slug}")[1]
    assert SECRET_TITLE in html and team_url(org) in html and f"/organisations/{org.slug}/dashboard" in html


def test_an_unknown_organisation_is_404_and_an_empty_one_says_so(client, make_org):
    """No such slug: 404; an organisation without projects or team says it plainly."""
    assert client.get("/organisations/nobody").status_code == 404
    org = make_org("Lone Lab")
    html = page(client, f"/organisations/{org.slug}")[1]
    assert "Nobody acts for this organisation yet." in html
    assert "This organisation sponsors no project you can see yet." in html


# --- The team page -----------------------------------------------------------------------------------------------
def test_the_team_page_is_the_teams_and_states_what_each_role_may_do(client, login_as, make_user, helios):
    """Visitors sign in first; who is not on the team gets 404; every role reads the page and the powers of each
    role; only administrators get the tools and the link to the sign-in settings."""
    org, people = helios
    response = client.get(team_url(org))
    assert response.status_code == 302 and "/login" in response.location
    login_as(make_user())
    assert client.get(team_url(org)).status_code == 404
    for role in ("viewer", "member"):
        login_as(people[role])
        status, html = page(client, team_url(org))
        assert status == 200 and "Viewer Helios" in html and "Reads the sponsor dashboard" in html
        assert "Send the invitation" not in html and f"/organisations/{org.slug}/sign-in" not in html
        assert "Leave the team" in html
    login_as(people["admin"])
    html = page(client, team_url(org))[1]
    assert "Send the invitation" in html and f"/organisations/{org.slug}/sign-in" in html
    assert "Manages the team" in html and "No invitation waiting." in html
    login_as(people["viewer"])
    assert client.get(f"/organisations/{org.slug}/dashboard").status_code == 200  # viewers read the dashboard


def test_only_administrators_manage_the_team(client, login_as, make_user, helios):
    """A member or viewer who posts a team change gets 403 with the reason; an outsider 404; nothing changes."""
    org, people = helios
    target = people["viewer"]
    changes = [(f"{team_url(org)}/invitations", {"email": "new@example.org", "role": "member"}),
               (f"{team_url(org)}/{target.id}/role", {"role": "admin"}),
               (f"{team_url(org)}/{target.id}/remove", {})]
    for who, status in ((people["member"], 403), (people["viewer"], 403), (make_user(), 404)):
        login_as(who)
        for url, data in changes:
            response = client.post(url, data=data)
            assert response.status_code == status, url
        if status == 403:
            assert "invite people to its team, change roles and remove members" in response.get_data(as_text=True)
    assert role_of(target) == (org.id, "viewer")
    assert db.session.scalar(select(OrganisationInvitation.id)) is None and audit_actions() == []


# --- Invitations -------------------------------------------------------------------------------------------------
def test_an_invitation_by_email_is_accepted_by_the_account_using_that_address(client, login_as, make_user, mailbox,
                                                                              helios):
    """The admin invites an address with a role; the emailed link shows the invitation to anyone, asks visitors to
    sign in, refuses another account (403, nothing changed), and makes the invited account a viewer, once."""
    org, people = helios
    invitee, stranger = make_user(name="Ivy Invitee"), make_user(name="Sid Stranger")
    login_as(people["admin"])
    response = client.post(f"{team_url(org)}/invitations", data={"email": f" {invitee.email.upper()} ",
                                                                  "role": "viewer"})
    assert response.status_code == 303
    html = page(client, team_url(org))[1]
    assert "We have emailed an invitation to" in html and invitee.email in html
    [(to, subject, body)] = mailbox()
    assert to == invitee.email and "Helios Audio" in subject and "Admin Helios" in body
    link = emailed_path(body, "/team-invitations/")
    client.post("/logout")
    status, html = page(client, link)
    assert status == 200 and invitee.email in html and "Sign in" in html and ">Join the team</button>" not in html
    login_as(stranger)
    status, html = page(client, link)
    assert status == 200 and "sent to another address" in html and ">Join the team</button>" not in html
    assert client.post(link).status_code == 403
    assert role_of(stranger) == (None, "member")
    login_as(invitee)
    assert ">Join the team</button>" in page(client, link)[1]
    response = client.post(link)
    assert response.status_code == 303 and response.location.endswith(team_url(org))
    assert role_of(invitee) == (org.id, "viewer")
    assert client.post(link).status_code == 400  # used up
    assert "Ivy Invitee" in page(client, team_url(org))[1]
    assert audit_actions() == ["team.invited", "team.joined"]


def test_a_withdrawn_forged_or_repeated_invitation_stops_working(client, login_as, make_user, mailbox, helios):
    """Inviting an address again withdraws the first link; a withdrawn or forged link is a clear 400."""
    org, people = helios
    invitee = make_user()
    login_as(people["admin"])
    for _ in range(2):
        client.post(f"{team_url(org)}/invitations", data={"email": invitee.email, "role": "member"})
    first, second = (emailed_path(body, "/team-invitations/") for _to, _subject, body in mailbox())
    assert client.get(first).status_code == 400 and client.get(second).status_code == 200
    [invitation] = db.session.scalars(select(OrganisationInvitation).where(OrganisationInvitation.revoked.is_(False)))
    assert f"{invitation.email}" in page(client, team_url(org))[1]
    response = client.post(f"{team_url(org)}/invitations/{invitation.id}/revoke")
    assert response.status_code == 303
    assert "No invitation waiting." in page(client, team_url(org))[1]
    login_as(invitee)
    assert client.post(second).status_code == 400
    assert client.get("/team-invitations/forged-token").status_code == 400
    assert role_of(invitee) == (None, "member")
    assert client.post(f"{team_url(org)}/invitations/999999/revoke").status_code == 404


def test_bad_invitations_are_refused_and_store_nothing(client, login_as, make_org, make_user, mailbox, helios):
    """A bad address or role is a 422 beside the field; a team member's address a conflict shown the same way;
    someone acting for another organisation is refused at acceptance (409)."""
    org, people = helios
    login_as(people["admin"])
    for data in ({"email": "not an address", "role": "member"}, {"email": "x@example.org", "role": "owner"},
                 {"email": people["member"].email, "role": "member"}):
        assert client.post(f"{team_url(org)}/invitations", data=data).status_code == 422
    assert "is already on the team" in client.post(f"{team_url(org)}/invitations", data={
        "email": people["member"].email, "role": "member"}).get_data(as_text=True)
    assert db.session.scalar(select(OrganisationInvitation.id)) is None and mailbox() == []
    other = make_user(organisation=make_org("Domia"))
    client.post(f"{team_url(org)}/invitations", data={"email": other.email, "role": "member"})
    link = emailed_path(mailbox()[0][2], "/team-invitations/")
    login_as(other)
    response = client.post(link)
    assert response.status_code == 409 and "leave its team before joining another" in response.get_data(as_text=True)
    assert role_of(other)[0] != org.id


# --- Roles, removal, leaving -------------------------------------------------------------------------------------
def test_administrators_change_roles_and_the_team_keeps_an_administrator(client, login_as, helios):
    """Roles change with an audit line; an unknown role is 400; the last administrator may not step down (409)."""
    org, people = helios
    admin, member = people["admin"], people["member"]
    login_as(admin)
    assert client.post(f"{team_url(org)}/{member.id}/role", data={"role": "emperor"}).status_code == 400
    assert client.post(f"{team_url(org)}/{admin.id}/role", data={"role": "member"}).status_code == 409
    assert role_of(admin) == (org.id, "admin")
    assert client.post(f"{team_url(org)}/{member.id}/role", data={"role": "admin"}).status_code == 303
    assert "Member Helios is now administrator." in page(client, team_url(org))[1]
    assert client.post(f"{team_url(org)}/{admin.id}/role", data={"role": "viewer"}).status_code == 303
    assert role_of(admin) == (org.id, "viewer") and role_of(member) == (org.id, "admin")
    login_as(admin)
    assert client.post(f"{team_url(org)}/{member.id}/role", data={"role": "viewer"}).status_code == 403
    assert audit_actions() == ["team.role_changed", "team.role_changed"]


def test_removing_and_leaving_take_people_off_the_team_but_never_its_last_administrator(client, login_as,
                                                                                       make_user, helios):
    """An admin removes a member; anyone leaves; the last admin can neither leave nor be removed (409, even by a
    platform administrator); someone not on the team is 404."""
    org, people = helios
    login_as(people["admin"])
    assert client.post(f"{team_url(org)}/{people['member'].id}/remove").status_code == 303
    assert role_of(people["member"]) == (None, "member")
    assert client.post(f"{team_url(org)}/{people['member'].id}/remove").status_code == 404
    response = client.post(f"{team_url(org)}/leave")
    assert response.status_code == 409 and "keep an administrator" in response.get_data(as_text=True)
    login_as(make_user(admin=True))
    assert client.post(f"{team_url(org)}/{people['admin'].id}/remove").status_code == 409
    assert role_of(people["admin"]) == (org.id, "admin")
    login_as(people["viewer"])
    response = client.post(f"{team_url(org)}/leave")
    assert response.status_code == 303 and response.location.endswith(f"/organisations/{org.slug}")
    assert role_of(people["viewer"]) == (None, "member")
    assert client.get(team_url(org)).status_code == 404
    assert audit_actions() == ["team.removed", "team.left"]


def test_a_demoted_administrator_loses_the_sign_in_settings(client, login_as, helios):
    """The sign-in settings follow the role: an admin opens them, the same person as a member gets 403."""
    org, people = helios
    people["member"].organisation_role = "admin"
    db.session.commit()
    login_as(people["admin"])
    assert client.get(f"/organisations/{org.slug}/sign-in").status_code == 200
    client.post(f"{team_url(org)}/{people['admin'].id}/role", data={"role": "member"})
    assert client.get(f"/organisations/{org.slug}/sign-in").status_code == 403


# --- The migration -----------------------------------------------------------------------------------------------
def test_the_migration_keeps_every_right(app):
    """Existing organisation administrators stay administrators; a team that had none gets all its members as
    administrators; the others stay members; going down, administrators are is_org_admin again."""
    db.session.remove()
    rows = "INSERT INTO users (id, email, display_name, password_hash, profile_kind, skills, bio, is_moderator, " \
           "is_admin, created_at, organisation_id, is_org_admin) VALUES "
    try:
        downgrade(revision="f1a2b3c4d5e6")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO organisations (id, slug, name, description, created_at) VALUES "
                                    "(1, 'a', 'A', '', '2026-01-01'), (2, 'b', 'B', '', '2026-01-01')"))
            connection.execute(text(rows + ", ".join(
                f"({n}, 'u{n}@example.org', 'U{n}', 'x', 'amateur', '', '', false, false, '2026-01-01', {org}, {adm})"
                for n, org, adm in ((1, 1, "true"), (2, 1, "false"), (3, 2, "false"), (4, "NULL", "false")))))
        upgrade(revision="f2b3c4d5e6a7")
        with db.engine.connect() as connection:
            roles = connection.execute(text("SELECT id, organisation_role FROM users ORDER BY id")).all()
        assert roles == [(1, "admin"), (2, "member"), (3, "admin"), (4, "member")]
        downgrade(revision="f1a2b3c4d5e6")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id FROM users WHERE is_org_admin ORDER BY id")).scalars().all() \
                == [1, 3]
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM users"))
            connection.execute(text("DELETE FROM organisations"))
        upgrade()
    db.engine.dispose()
