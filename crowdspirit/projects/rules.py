"""The projects domain's part of the access policy: who knows a project, who belongs to it and runs it, and the
relations (membership, NDA clearance, the sponsor's team) that the access core turns into who sees each level."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select

from .. import access
from ..access import (
    OrganisationActor,
    Rule,
    Scope,
    acting_team,
    author,
    fact,
    scope,
    sees,
    sees_sql,
    sponsor_team,
)
from ..accounts.models import User
from ..database import among
from ..extensions import db
from ..requestcache import per_request
from .models import POLICY_STAGES, MemberRole, NdaAcceptance, NdaVersion, Project, ProjectMembership


def project_of(obj) -> Project:
    """The project whose policy protects an object (projects protect themselves)."""
    return obj if isinstance(obj, Project) else obj.project


def load_scope(user) -> Scope:
    """Read the user's memberships and NDA acceptances (three small indexed queries; none for organisation tokens)."""
    if isinstance(user, OrganisationActor):
        return Scope()
    roles = dict(db.session.execute(
        select(ProjectMembership.project_id, ProjectMembership.role).where(ProjectMembership.user_id == user.id)
    ).all())
    current = (select(NdaVersion.project_id, func.max(NdaVersion.number).label("number"))
               .where(NdaVersion.project_id.in_(roles)).group_by(NdaVersion.project_id).subquery())
    with_nda = set(db.session.scalars(select(current.c.project_id)))
    accepted = set(db.session.scalars(
        select(NdaVersion.project_id)
        .join(current, and_(current.c.project_id == NdaVersion.project_id, current.c.number == NdaVersion.number))
        .join(NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id)
        .where(NdaAcceptance.user_id == user.id)
    ))
    return Scope(
        member_of=frozenset(roles),
        managing=frozenset(p for p, role in roles.items() if role in (MemberRole.OWNER, MemberRole.MODERATOR)),
        cleared=frozenset(p for p, role in roles.items()
                          if role == MemberRole.OWNER or p not in with_nda or p in accepted),
    )


def _current_nda(project):
    """SQL: the number of the project's newest NDA version (NULL without one)."""
    return select(func.max(NdaVersion.number)).where(NdaVersion.project_id == project.id).scalar_subquery()


def members_of(project):
    """SQL: the ids of the project's members (the "member_of" relation, seen from the project)."""
    return select(ProjectMembership.user_id).where(ProjectMembership.project_id == project.id)


def cleared_for(project):
    """SQL: the ids of those cleared for the project's confidential stages: its owner and the members who accepted
    its current NDA, or every member when it has none (the "cleared" relation, seen from the project)."""
    signed = (select(NdaAcceptance.user_id).join(NdaVersion, NdaVersion.id == NdaAcceptance.nda_version_id)
              .where(NdaVersion.project_id == project.id, NdaVersion.number == _current_nda(project)))
    return members_of(project).where(or_(_current_nda(project).is_(None), ProjectMembership.role == MemberRole.OWNER,
                                         ProjectMembership.user_id.in_(signed)))


def team_of(project):
    """SQL: the ids of the sponsoring organisation's members (none for a self-carried project)."""
    if project.organisation_id is None:
        return select(User.id).where(false())
    return select(User.id).where(User.organisation_id == project.organisation_id)


def project_visible(user, project) -> bool:
    """Someone may know a project exists if they may see one of its stages, belong to it, or partner one of its
    ideas."""
    if user.is_authenticated and (project.id in scope(user).member_of or sponsor_team(user, project)
                                  or project.id in fact("partnered", user)):
        return True
    return any(sees(user, project, project.policy(stage)) for stage in POLICY_STAGES)


def visible_projects(query, user):
    """SQL mirroring project_visible, built once per user and access version."""
    return query.where(access.remembered_for(user, "project-condition", lambda: _projects_condition(user)))


def _projects_condition(user):
    """The condition of visible_projects: the projects the user belongs to, their organisation's and those it
    partners, and those with a stage the user sees."""
    belongs = []
    if user.is_authenticated:
        belongs.append(among(Project.id, scope(user).member_of))
        if user.organisation_id:
            belongs += [Project.organisation_id == user.organisation_id, among(Project.id, fact("partnered", user))]
    return or_(*belongs, *[sees_sql(user, Project, getattr(Project, f"policy_{stage}")) for stage in POLICY_STAGES])


def project_keys(user) -> set[str]:
    """The search keys of every project stage the user sees, and of the projects they may know."""
    keys = set()
    for project in db.session.scalars(select(Project)):
        keys.update(f"{project.id}:{stage}" for stage in (*POLICY_STAGES, "archived")
                    if sees(user, project, project.policy(stage)))
        if project_visible(user, project):
            keys.add(f"{project.id}:any")
    return keys


def nda_cleared(user, project) -> bool:
    """Bound by the project's current NDA: its owner, who accepted it, or anyone when the project has none."""
    if project.id in scope(user).cleared:
        return True
    with_nda = per_request("projects-with-nda", lambda: frozenset(db.session.scalars(
        select(NdaVersion.project_id).distinct())))
    return project.id not in with_nda


def owner(user, obj) -> bool:
    return project_of(obj).owner_id == user.id


def member_or_team(user, obj) -> bool:
    """A project member (any role) or the sponsor's team, its viewers too (for what they read)."""
    project = project_of(obj)
    return project.id in scope(user).member_of or sponsor_team(user, project)


def member(user, obj) -> bool:
    """A project member (any role) or the sponsor's team acting for it (not its viewers): they take part."""
    project = project_of(obj)
    return project.id in scope(user).member_of or acting_team(user, project)


def author_or_member(user, obj) -> bool:
    return author(user, obj) or member(user, obj)


def not_member(user, obj) -> bool:
    return project_of(obj).id not in scope(user).member_of


def member_manager(user, obj) -> bool:
    """The project's owner and project moderators manage its members."""
    return project_of(obj).id in scope(user).managing


def manager(user, obj) -> bool:
    """Project owner, project moderator or platform moderator: they run the pipeline."""
    return user.is_moderator or member_manager(user, obj)


def sees_every_stage(user, project) -> bool:
    """Figures summed over all of a project's stages are for those who see every stage (they reveal nothing new)."""
    return all(sees(user, project, project.policy(stage)) for stage in POLICY_STAGES)


RULES = {
    "project.view": Rule(project_visible, needs_account=False),
    "project.edit": Rule(owner, _l("Only the project owner can change its settings.")),
    "project.audit": Rule(owner, _l("Only the project owner can read its audit log."), reads=True),
    "project.leaderboard": Rule(sees_every_stage, _l(
        "This project's leaderboard counts work done in stages you may not see."), needs_account=False, reads=True),
    "project.join": Rule(not_member, _l("You are already a member of this project.")),
    "project.members": Rule(member_or_team, _l("Only the project's members can see who else is in it."), reads=True),
    "project.manage_members": Rule(member_manager, _l("Only the project's owner and moderators manage its members.")),
    "nda.view": Rule(member_or_team, _l(
        "Only the project's members are asked to accept its NDA; join the project first.")),
    "nda.publish": Rule(owner, _l("Only the project owner can publish its NDA.")),
    "project.schedule": Rule(member_manager, _l(
        "Only the project's owner and moderators schedule who sees its stages.")),
}


def register() -> None:
    """Register the projects' rules, filter, relations and search keys with the access core."""
    access.register(rules=RULES, views={Project: "project.view"}, filters={Project: visible_projects},
                    facts={"scope": load_scope}, keys={"projects": project_keys},
                    people={"member_of": members_of, "cleared": cleared_for, "team": team_of})
