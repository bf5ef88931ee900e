"""Project rules: creation by members and sponsors, gate settings, joining and leaving."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..access import require, visible
from ..database import paginate
from ..errors import Conflict
from ..extensions import db
from ..text import slugify
from .models import MemberRole, Project, ProjectKind, ProjectMembership


def _unique_slug(title: str) -> str:
    """A slug for title that no project uses yet."""
    base = slugify(title)
    taken = set(db.session.scalars(select(Project.slug).where(Project.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_project(owner, title, summary, description, kind) -> Project:
    """Create a project owned by owner; a sponsored one is sponsored by the owner's organisation."""
    if kind == ProjectKind.SPONSORED and not owner.is_sponsor:
        raise Conflict(_l("Only a member acting for an organisation can create a sponsored project."))
    organisation_id = owner.organisation_id if kind == ProjectKind.SPONSORED else None
    project = Project(
        slug=_unique_slug(title),
        title=title.strip(),
        summary=summary.strip(),
        description=description,
        kind=kind,
        owner=owner,
        organisation_id=organisation_id,
        rnd_partner_id=organisation_id,
    )
    project.memberships.append(ProjectMembership(user=owner, role=MemberRole.OWNER))
    db.session.add(project)
    db.session.commit()
    return project


def update_settings(project: Project, **settings) -> Project:
    """Change a project's description and gates (vote opener, threshold, window, decider)."""
    for name, value in settings.items():
        setattr(project, name, value)
    db.session.commit()
    return project


def load_project(slug: str, user, action: str = "project.view") -> Project:
    """The project with this slug if the user may perform action on it (else 404/403)."""
    return require(user, action, db.session.scalar(select(Project).where(Project.slug == slug)))


def list_projects(user, kind: str | None, page: int, per_page: int):
    """One page of the projects the user may see, newest first."""
    query = select(Project).order_by(Project.id.desc())
    if kind:
        query = query.where(Project.kind == kind)
    return paginate(visible(query, user), page, per_page)


def join(project: Project, user) -> ProjectMembership:
    """Make the user a contributor of the project (members may edit its specifications)."""
    membership = membership_of(project, user)
    if membership is None:
        membership = ProjectMembership(project=project, user=user, role=MemberRole.CONTRIBUTOR)
        db.session.add(membership)
        db.session.commit()
    return membership


def leave(project: Project, user) -> None:
    """Remove the user from the project; the owner cannot leave their own project."""
    membership = membership_of(project, user)
    if membership is None:
        raise Conflict(_l("You are not a member of this project."))
    if membership.role == MemberRole.OWNER:
        raise Conflict(_l("The owner cannot leave their own project."))
    db.session.delete(membership)
    db.session.commit()


def membership_of(project: Project, user) -> ProjectMembership | None:
    """The user's membership in the project, if any."""
    if not user.is_authenticated:
        return None
    return next((m for m in project.memberships if m.user_id == user.id), None)


def member_count(project: Project) -> int:
    """How many members the project has."""
    return db.session.scalar(
        select(func.count(ProjectMembership.id)).where(ProjectMembership.project_id == project.id)
    )
