"""An organisation's team: its public face, its members and their roles, invitations by email (a signed link
accepted by the account using that address), role changes, removals and leaving. The team always keeps an
administrator; every change leaves a line in the platform's audit log."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update

from .. import access, mail
from ..database import utcnow
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..signals import account_audit
from . import links, services
from .models import Organisation, OrganisationInvitation, OrganisationRole, User

#: days an emailed invitation may be accepted
INVITATION_DAYS = 7
PURPOSE = "organisation-invitation"
ROLE_LABELS = {
    OrganisationRole.ADMIN: _l("Administrator"),
    OrganisationRole.MEMBER: _l("Member"),
    OrganisationRole.VIEWER: _l("Viewer"),
}
#: the buttons that give a team member each role
ROLE_ACTIONS = {
    OrganisationRole.ADMIN: _l("Make administrator"),
    OrganisationRole.MEMBER: _l("Make member"),
    OrganisationRole.VIEWER: _l("Make viewer"),
}
#: what each role may do, as the team page states it
ROLE_POWERS = {
    OrganisationRole.ADMIN: _l("Manages the team (invitations, roles, removals) and its sign-in, and the "
                               "organisation's projects and contests."),
    OrganisationRole.MEMBER: _l("Acts for the organisation: its sponsor dashboard, offers of partnership, "
                                "contests."),
    OrganisationRole.VIEWER: _l("Reads the sponsor dashboard and the team; acts for nobody."),
}
#: the roles shown on the public page (viewers only read: they are listed to the team alone)
PUBLIC_ROLES = (OrganisationRole.ADMIN, OrganisationRole.MEMBER)
LAST_ADMIN = _l("The team must keep an administrator: make someone else administrator first.")
INVITATION_REFUSED = _l("This invitation is wrong, expired, already used or withdrawn. Ask the organisation for a "
                        "new one.")


def _rank():
    """Administrators first, then members, then viewers (an ORDER BY term)."""
    return case({OrganisationRole.ADMIN.value: 0, OrganisationRole.MEMBER.value: 1}, value=User.organisation_role,
                else_=2)


def team(organisation: Organisation, roles=tuple(OrganisationRole)) -> list[User]:
    """The organisation's team with one of these roles: administrators first, then by name."""
    return list(db.session.scalars(select(User).where(
        User.organisation_id == organisation.id, User.organisation_role.in_([role.value for role in roles]))
        .order_by(_rank(), User.display_name, User.id)))


def public_team(organisation: Organisation) -> list[User]:
    """The team as anyone sees it: the administrators and members who act for the organisation."""
    return team(organisation, PUBLIC_ROLES)


def parse_role(value: str) -> OrganisationRole:
    """The role a form names; anything else is a clear 400."""
    try:
        return OrganisationRole(value)
    except ValueError:
        raise DomainError(_l("Choose a role: administrator, member or viewer.")) from None


def _open():
    """The SQL condition of an invitation neither used nor withdrawn."""
    return OrganisationInvitation.revoked.is_(False) & OrganisationInvitation.accepted_at.is_(None)


def open_invitations(organisation: Organisation) -> list[OrganisationInvitation]:
    """Invitations neither used, withdrawn nor expired, newest first."""
    return list(db.session.scalars(select(OrganisationInvitation).where(
        OrganisationInvitation.organisation_id == organisation.id, _open(),
        OrganisationInvitation.created_at > utcnow() - timedelta(days=INVITATION_DAYS))
        .order_by(OrganisationInvitation.id.desc())))


def expires_at(invitation: OrganisationInvitation):
    """When an invitation stops working."""
    return invitation.created_at + timedelta(days=INVITATION_DAYS)


def _audit(actor, action: str, organisation: Organisation, target: str, details: str = "") -> None:
    """A team change in the platform's audit log (in the current transaction)."""
    account_audit.send(actor, action=action, target=target,
                       details=f"organisation #{organisation.id}" + (f"; {details}" if details else ""))


def invite(organisation: Organisation, email: str, role: OrganisationRole, actor: User) -> OrganisationInvitation:
    """Email a signed invitation to join the team with a role; an address already on the team is a conflict, and
    inviting an address again withdraws its earlier invitation."""
    email = services.normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email, User.organisation_id == organisation.id)):
        raise Conflict(_l("%(email)s is already on the team.", email=email))
    db.session.execute(update(OrganisationInvitation).where(
        OrganisationInvitation.organisation_id == organisation.id, OrganisationInvitation.email == email,
        _open()).values(revoked=True))
    invitation = OrganisationInvitation(organisation_id=organisation.id, email=email, role=role,
                                        invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()  # the link names the invitation by its id
    _audit(actor, "team.invited", organisation, email, f"as {role}")
    _send_invitation(invitation, actor)
    db.session.commit()
    return invitation


def _send_invitation(invitation: OrganisationInvitation, actor: User) -> None:
    """Queue the invitation's email, sent after the commit."""
    link = links.make(PURPOSE, "accounts.organisation_invitation", [invitation.id, invitation.email])
    name = invitation.organisation.name
    mail.queue(invitation.email, _("CrowdSpirit: join the team of %(organisation)s", organisation=name), _(
        "Hello,\n\n%(name)s invites you to join the team of %(organisation)s on CrowdSpirit as %(role)s: "
        "%(powers)s\n\nOpen this link within %(days)s days, signed in with this address (or create an account "
        "with it first):\n%(link)s\n\nIf you do not expect it, ignore this email.",
        name=actor.display_name, organisation=name, role=ROLE_LABELS[invitation.role].lower(),
        powers=ROLE_POWERS[invitation.role], days=INVITATION_DAYS, link=link))


def revoke_invitation(organisation: Organisation, invitation_id: int, actor: User) -> OrganisationInvitation:
    """Withdraw an open invitation: its link stops working."""
    invitation = db.session.get(OrganisationInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound(_l("This invitation does not exist."))
    if not invitation.revoked and invitation.accepted_at is None:
        invitation.revoked = True
        _audit(actor, "team.invitation_revoked", organisation, invitation.email)
        db.session.commit()
    return invitation


def load_invitation(token: str, record: bool = True) -> OrganisationInvitation:
    """The open invitation a link names; a forged, expired, used or withdrawn one is a clear 400 (and an audit line
    when record: not when the link's page is only shown)."""
    payload = links.read(PURPOSE, token, INVITATION_DAYS * 86400)
    valid = payload and len(payload) == 2 and isinstance(payload[0], int)
    invitation = db.session.get(OrganisationInvitation, payload[0]) if valid else None
    if invitation is None or invitation.email != payload[1] or invitation.revoked or invitation.accepted_at:
        why = "forged or expired" if payload is None else "already used or withdrawn"
        raise links.refuse(PURPOSE, why, INVITATION_REFUSED, record=record)
    return invitation


def check_invitee(invitation: OrganisationInvitation, user: User) -> None:
    """Only the account using the invited address may accept (403), and not while it acts for another
    organisation (409)."""
    if services.normalise_email(user.email) != invitation.email:
        raise Forbidden(_l("This invitation was sent to another address: sign in with the account using it."))
    if user.organisation_id not in (None, invitation.organisation_id):
        raise Conflict(_l("You act for %(organisation)s: leave its team before joining another.",
                          organisation=user.organisation.name))


def accept(invitation: OrganisationInvitation, user: User) -> bool:
    """Join the team with the invitation's role, using the invitation up; False when the member was on it already
    (their role stays as it is)."""
    check_invitee(invitation, user)
    invitation.accepted_at = utcnow()
    joined = user.organisation_id is None
    if joined:
        user.organisation_id, user.organisation_role = invitation.organisation_id, invitation.role
        access.changed(None, "team.joined")
        _audit(user, "team.joined", invitation.organisation, f"user #{user.id}", f"as {invitation.role}")
    db.session.commit()
    return joined


def member_of(organisation: Organisation, user_id: int) -> User:
    """A member of the organisation's team (404 for anyone else)."""
    member = db.session.get(User, user_id)
    if member is None or member.organisation_id != organisation.id:
        raise NotFound(_l("This person is not on the team."))
    return member


def _lock(organisation: Organisation) -> None:
    """Hold the organisation's row until the commit: team changes of one organisation run one after the other
    (PostgreSQL; SQLite writes one at a time anyway)."""
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())


def _set_role_unless_last_admin(organisation: Organisation, member: User, role: OrganisationRole | None) -> None:
    """Give the member a role on the team (None: take them off it) in one guarded UPDATE that refuses (409) to
    leave the team without an administrator, even when two changes race."""
    guard = [User.id == member.id, User.organisation_id == organisation.id]
    if role != OrganisationRole.ADMIN:
        other_admins = select(func.count(User.id)).where(
            User.organisation_id == organisation.id, User.organisation_role == OrganisationRole.ADMIN.value,
            User.id != member.id).scalar_subquery()
        guard.append((User.organisation_role != OrganisationRole.ADMIN.value) | (other_admins > 0))
    values = {"organisation_role": (role or OrganisationRole.MEMBER).value,
              "organisation_id": organisation.id if role else None}
    changed = db.session.execute(update(User).where(*guard).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(LAST_ADMIN)
    db.session.expire(member, ["organisation_role", "organisation_id"])


def set_role(organisation: Organisation, user_id: int, role: OrganisationRole, actor: User) -> User:
    """Change a team member's role (the last administrator keeps theirs: 409)."""
    member = member_of(organisation, user_id)
    before = member.organisation_role
    _lock(organisation)
    _set_role_unless_last_admin(organisation, member, role)
    _audit(actor, "team.role_changed", organisation, f"user #{member.id}", f"{before} -> {role}")
    db.session.commit()
    return member


def remove(organisation: Organisation, user_id: int, actor: User) -> User:
    """Take a member off the team: they stop acting for the organisation at once (not the last administrator)."""
    member = member_of(organisation, user_id)
    _take_off(organisation, member, actor, "team.removed")
    return member


def leave(organisation: Organisation, user: User) -> None:
    """Leave the organisation's team (not as its last administrator)."""
    _take_off(organisation, member_of(organisation, user.id), user, "team.left")


def _take_off(organisation: Organisation, member: User, actor: User, action: str) -> None:
    """Take the member off the team, with an audit line, in one commit."""
    _lock(organisation)
    _set_role_unless_last_admin(organisation, member, None)
    access.changed(None, action)
    _audit(actor, action, organisation, f"user #{member.id}")
    db.session.commit()


def leave_team(user: User) -> None:
    """Take the member off their organisation's team, whatever their role (in the current transaction: an identity
    provider stopped vouching for them, or their account is being deleted)."""
    user.organisation_id, user.organisation_role = None, OrganisationRole.MEMBER
    access.changed(None, "team.left")
