"""Project rules: creation, gates and stage policies, and memberships (requests, invitations, removal)."""

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, false, func, select
from sqlalchemy.orm import joinedload

from .. import access, notices, stamps
from ..access import fact, forget_facts, require, visible
from ..accounts.models import User
from ..audit import services as audit
from ..database import paginate, utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..signals import project_created
from ..text import slugify
from . import nda
from .models import (
    DEFAULT_POLICIES,
    GATE_COLUMNS,
    POLICY_STAGES,
    SPONSOR_DECIDERS,
    Invitation,
    JoinRequest,
    MemberRole,
    Project,
    ProjectKind,
    ProjectMembership,
)
from .rules import team_of

INVITATION_DAYS_USER = 30
INVITATION_DAYS_LINK = 7
#: what a project's card counts, registered by the domain that owns it: name -> (user, project ids) -> {id: count}
CARD_COUNTS: dict[str, Callable] = {}


def _unique_slug(title: str) -> str:
    """A slug for title that no project uses yet; a random suffix keeps hidden projects unguessable."""
    slug = slugify(title)
    while db.session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        slug = f"{slugify(title)}-{secrets.token_hex(3)}"
    return slug


def create_project(owner, title, summary, description, kind) -> Project:
    """Create a project owned by owner; a sponsored one is sponsored by the owner's organisation."""
    if kind == ProjectKind.SPONSORED and not owner.is_sponsor:
        raise Conflict(_l("Only a member acting for an organisation can create a sponsored project."))
    organisation_id = owner.organisation_id if kind == ProjectKind.SPONSORED else None
    policies = {f"policy_{stage}": level
                for stage, level in zip(POLICY_STAGES, DEFAULT_POLICIES[ProjectKind(kind)], strict=True)}
    project = Project(slug=_unique_slug(title), title=title.strip(), summary=summary.strip(),
                      description=description, kind=kind, owner=owner, organisation_id=organisation_id,
                      rnd_partner_id=organisation_id, **policies)
    project.memberships.append(ProjectMembership(user=owner, role=MemberRole.OWNER))
    db.session.add(project)
    db.session.flush()
    audit.record(project.id, owner, "project.created", project.title, _describe(policies))
    access.changed(project.id, "project.created")
    db.session.commit()
    project_created.send(project)
    return project


def _describe(changes: dict) -> str:
    """Settings as "name: value" pairs for the audit log."""
    return "; ".join(f"{name}: {value}" for name, value in changes.items())


def update_settings(project: Project, actor, **settings) -> Project:
    """Change a project's description, gates and stage policies; audit what changed."""
    if project.organisation_id is None and any(settings.get(column) in SPONSOR_DECIDERS for column in GATE_COLUMNS):
        raise DomainError(_l("Only a project sponsored by an organisation can give its sponsor a say."))
    changed = {name: f"{getattr(project, name)} -> {value}" for name, value in settings.items()
               if getattr(project, name) != value}
    for name, value in settings.items():
        setattr(project, name, value)
    policies = {name: change for name, change in changed.items() if name.startswith("policy_")}
    if policies:
        audit.record(project.id, actor, "policy.changed", project.title, _describe(policies))
        access.changed(project.id, "policy.changed")
    others = {name: change for name, change in changed.items() if name not in policies and name != "description"}
    if others:
        audit.record(project.id, actor, "settings.changed", project.title, _describe(others))
    db.session.commit()
    return project


def load_project(slug: str, user, action: str = "project.view") -> Project:
    """The project with this slug (with its owner and organisation, which its pages show) if the user may perform
    action on it (else 404/403)."""
    return require(user, action, db.session.scalar(_project_statement(), {"slug": slug}))


@cache
def _project_statement():
    """load_project's select(), built once: the project of slug "slug" with its owner and organisation."""
    return select(Project).where(Project.slug == bindparam("slug")).options(
        joinedload(Project.owner), joinedload(Project.organisation))


def _newest(user, kind: str | None = None):
    """The select() of the projects the user may see, newest first, with what their cards show."""
    query = select(Project).options(joinedload(Project.owner), joinedload(Project.organisation))
    if kind:
        query = query.where(Project.kind == kind)
    return visible(query.order_by(Project.id.desc()), user)


def list_projects(user, kind: str | None, page: int, per_page: int):
    """One page of the projects the user may see, newest first."""
    return paginate(_newest(user, kind), page, per_page)


def newest_projects(user, limit: int) -> list[Project]:
    """The newest projects the user may see (no total: the home page shows a few)."""
    return db.session.scalars(_newest(user).limit(limit)).unique().all()


def card_counts(user, project_ids: list[int]) -> dict[str, dict[int, int]]:
    """For each registered count (the pipeline's "ideas"), its value on these projects' cards, as the user may see."""
    return {name: count(user, project_ids) for name, count in CARD_COUNTS.items()}


def membership_of(project: Project, user) -> ProjectMembership | None:
    """The user's membership in the project, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(_membership_statement(), {"project": project.id, "user": user.id})


@cache
def _membership_statement():
    """membership_of's select(), built once: the membership of user "user" in project "project"."""
    return select(ProjectMembership).where(ProjectMembership.project_id == bindparam("project"),
                                           ProjectMembership.user_id == bindparam("user"))


def standing(project: Project, user) -> dict:
    """Where the user stands, as the project's page shows it: their membership and the NDA version they must still
    accept (none read unless their scope, remembered per access version, says they are a member not cleared), or,
    outside the project, their pending request and open invitation."""
    scope = fact("scope", user, None)
    if scope is None or project.id not in scope.member_of:
        return {"membership": None, "nda_version": None, "pending_request": pending_request_of(project, user),
                "invitation": invitation_to(project, user)}
    return {"membership": membership_of(project, user),
            "nda_version": None if project.id in scope.cleared else nda.current(project),
            "pending_request": None, "invitation": None}


def _add_member(project: Project, user, actor, how: str) -> ProjectMembership:
    """Make user a contributor (no commit); how says why, for the audit log."""
    membership = ProjectMembership(project_id=project.id, user_id=user.id, role=MemberRole.CONTRIBUTOR)
    db.session.add(membership)
    audit.record(project.id, actor, f"membership.{how}", user.display_name)
    access.changed(project.id, f"membership.{how}")
    forget_facts(user)
    return membership


def request_to_join(project: Project, user, message: str) -> JoinRequest:
    """Ask the project's managers to let the user in."""
    pending = db.session.scalar(select(JoinRequest).where(
        JoinRequest.project_id == project.id, JoinRequest.user_id == user.id, JoinRequest.status == "pending"))
    if pending is not None:
        raise Conflict(_l("You already asked to join; the project's managers will answer."))
    join_request = JoinRequest(project_id=project.id, user_id=user.id, message=message.strip())
    db.session.add(join_request)
    audit.record(project.id, user, "membership.requested", user.display_name, message.strip())
    db.session.commit()
    stamps.forget("join-request-pending", user.id)
    return join_request


def pending_requests(project: Project) -> list[JoinRequest]:
    """Requests to join that wait for a decision, oldest first."""
    return list(db.session.scalars(
        select(JoinRequest).where(JoinRequest.project_id == project.id, JoinRequest.status == "pending")
        .options(joinedload(JoinRequest.user)).order_by(JoinRequest.id)))


def _newest_pending_request(member_id):
    """The id of the member's newest join request waiting for a decision, else NULL (a member's stamp, read with the
    sign-in: a project page asks for the member's request only when they have one somewhere)."""
    return (select(func.max(JoinRequest.id))
            .where(JoinRequest.user_id == member_id, JoinRequest.status == "pending").scalar_subquery())


def _newest_invitation(member_id):
    """The id of the newest invitation addressed to the member and not revoked, expired or not, else NULL (a member's
    stamp: a project page asks for the member's invitation only when they have one somewhere)."""
    return (select(func.max(Invitation.id))
            .where(Invitation.user_id == member_id, Invitation.revoked.is_(False)).scalar_subquery())


stamps.register("join-request-pending", _newest_pending_request, per_member=True)
stamps.register("invitation-addressed", _newest_invitation, per_member=True)


def pending_request_of(project: Project, user) -> JoinRequest | None:
    """The user's own request waiting for a decision, if any."""
    if not user.is_authenticated or not stamps.value("join-request-pending", user.id):
        return None
    return db.session.scalar(_pending_request_statement(), {"project": project.id, "user": user.id})


@cache
def _pending_request_statement():
    """pending_request_of's select(), built once: the pending request of user "user" to join project "project"."""
    return select(JoinRequest).where(JoinRequest.project_id == bindparam("project"),
                                     JoinRequest.user_id == bindparam("user"), JoinRequest.status == "pending")


def decide_request(project: Project, request_id: int, actor, approve: bool) -> JoinRequest:
    """Approve (the requester becomes a contributor) or refuse a pending request."""
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.project_id != project.id or join_request.status != "pending":
        raise NotFound(_l("This request does not exist or was already decided."))
    join_request.status = "approved" if approve else "refused"
    join_request.decided_by_id, join_request.decided_at = actor.id, utcnow()
    if approve and membership_of(project, join_request.user) is None:
        _add_member(project, join_request.user, actor, "approved")
    elif not approve:
        audit.record(project.id, actor, "membership.refused", join_request.user.display_name)
    notices.tell("project.request", project, to=[join_request.user_id], actor=actor, detail=join_request.status)
    db.session.commit()
    return join_request


def invite(project: Project, actor, user=None) -> Invitation:
    """Invite one member (user) or, without user, create a link that anyone signed in may use."""
    if user is not None and membership_of(project, user) is not None:
        raise Conflict(_l("%(name)s is already a member.", name=user.display_name))
    days = INVITATION_DAYS_USER if user else INVITATION_DAYS_LINK
    invitation = Invitation(project_id=project.id, token=secrets.token_urlsafe(24), user_id=user and user.id,
                            created_by_id=actor.id, expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    audit.record(project.id, actor, "invitation.created", user.display_name if user else str(_l("invitation link")))
    if user is not None:
        db.session.flush()  # the notice names the invitation by its key
        notices.tell("project.invitation", invitation, to=[user.id], actor=actor)
        stamps.forget("invitation-addressed", user.id)
    db.session.commit()
    return invitation


def open_invitations(project: Project) -> list[Invitation]:
    """Invitations not yet used, revoked or expired, newest first."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.project_id == project.id, Invitation.revoked.is_(False),
                                 Invitation.expires_at > utcnow())
        .options(joinedload(Invitation.user)).order_by(Invitation.id.desc())))


def invitations_for(user) -> list[Invitation]:
    """Personal invitations waiting for the user's answer."""
    if not user.is_authenticated:
        return []
    return list(db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.revoked.is_(False),
                                 Invitation.expires_at > utcnow())
        .options(joinedload(Invitation.project))))


def invitation_to(project: Project, user) -> Invitation | None:
    """The user's open personal invitation to this project, if any."""
    if not user.is_authenticated or not stamps.value("invitation-addressed", user.id):
        return None
    return db.session.scalar(_invitation_statement(), {"project": project.id, "user": user.id, "now": utcnow()})


@cache
def _invitation_statement():
    """invitation_to's select(), built once: the newest open invitation of user "user" to project "project"."""
    return (select(Invitation).where(Invitation.project_id == bindparam("project"),
                                     Invitation.user_id == bindparam("user"), Invitation.revoked.is_(False),
                                     Invitation.expires_at > bindparam("now", type_=Invitation.expires_at.type))
            .order_by(Invitation.id.desc()).limit(1))


def load_invitation(token: str, user) -> Invitation:
    """A usable invitation for this user; anything else (expired, revoked, someone else's) is 404."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    if (invitation is None or invitation.revoked or invitation.expires_at <= utcnow()
            or (invitation.user_id is not None and invitation.user_id != user.id)):
        raise NotFound(_l("This invitation does not exist, has expired or is not for you."))
    return invitation


def accept_invitation(invitation: Invitation, user) -> ProjectMembership:
    """Join the invitation's project; a personal invitation is used up."""
    project = invitation.project
    membership = membership_of(project, user)
    if membership is None:
        membership = _add_member(project, user, user, "invited")
    if invitation.user_id is not None:
        invitation.revoked = True
    db.session.commit()
    return membership


def revoke_invitation(project: Project, invitation_id: int, actor) -> None:
    """Make an invitation unusable."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.project_id != project.id:
        raise NotFound(_l("This invitation does not exist."))
    invitation.revoked = True
    audit.record(project.id, actor, "invitation.revoked", invitation.user.display_name if invitation.user else "")
    db.session.commit()


def leave(project: Project, user) -> None:
    """Remove the user from the project; the owner cannot leave their own project."""
    _remove(project, membership_of(project, user), user, "left")


def remove_member(project: Project, user_id: int, actor) -> None:
    """Take a member out of the project: they lose every project and confidential access at once."""
    membership = db.session.scalar(select(ProjectMembership).where(
        ProjectMembership.project_id == project.id, ProjectMembership.user_id == user_id))
    _remove(project, membership, actor, "removed")


def _remove(project: Project, membership, actor, how: str) -> None:
    """Delete a membership with an audit event; a removal also revokes the member's personal invitations
    and every open invitation link of the project, so that nobody removed can let themselves back in."""
    if membership is None:
        raise Conflict(_l("This person is not a member of the project."))
    if membership.role == MemberRole.OWNER:
        raise Conflict(_l("The owner cannot leave their own project."))
    links = Invitation.user_id.is_(None) if how == "removed" else false()
    for invitation in db.session.scalars(select(Invitation).where(
            Invitation.project_id == project.id, (Invitation.user_id == membership.user_id) | links)):
        invitation.revoked = True
    audit.record(project.id, actor, f"membership.{how}", membership.user.display_name)
    access.changed(project.id, f"membership.{how}")
    forget_facts(membership.user)
    db.session.delete(membership)
    db.session.commit()


def set_role(project: Project, user_id: int, role: str, actor) -> ProjectMembership:
    """Make a member a project moderator or a contributor again (not the owner)."""
    membership = db.session.scalar(select(ProjectMembership).where(
        ProjectMembership.project_id == project.id, ProjectMembership.user_id == user_id))
    if membership is None or membership.role == MemberRole.OWNER or role not in (
            MemberRole.MODERATOR, MemberRole.CONTRIBUTOR):
        raise Conflict(_l("This role cannot be given to this person."))
    membership.role = role
    audit.record(project.id, actor, "membership.role", membership.user.display_name, role)
    access.changed(project.id, "membership.role")
    forget_facts(membership.user)
    db.session.commit()
    return membership


def members(project: Project) -> list[ProjectMembership]:
    """The project's members, owner first, then by name."""
    order = case({MemberRole.OWNER.value: 0, MemberRole.MODERATOR.value: 1}, value=ProjectMembership.role, else_=2)
    return list(db.session.scalars(
        select(ProjectMembership).where(ProjectMembership.project_id == project.id)
        .join(User, User.id == ProjectMembership.user_id).options(joinedload(ProjectMembership.user))
        .order_by(order, User.display_name)))


def manager_ids(project: Project) -> set[int]:
    """The ids of the project's owner and project moderators."""
    return set(db.session.scalars(select(ProjectMembership.user_id).where(
        ProjectMembership.project_id == project.id,
        ProjectMembership.role.in_((MemberRole.OWNER, MemberRole.MODERATOR)))))


def sponsor_team_ids(project: Project) -> set[int]:
    """The ids of the sponsoring organisation's members (none for a self-carried project)."""
    return set(db.session.scalars(team_of(project)))


def member_count(project: Project) -> int:
    """How many members the project has (remembered: every membership change raises the access version)."""
    return access.remembered(("members", project.id), lambda: db.session.scalar(
        select(func.count(ProjectMembership.id)).where(ProjectMembership.project_id == project.id)))

