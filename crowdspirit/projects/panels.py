"""What the projects domain shows on other pages: the invitations waiting for a member, on their own profile, and
an organisation's projects, on its page."""

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import visible
from ..extensions import db
from ..web import panels
from ..web.fragments import drawn
from . import services
from .models import Project

#: what the project's rules say, besides the R&D partner's name
RULE_SETTINGS = ("vote_decider", "support_threshold", "voting_days", "promotion_decider", "vote_threshold",
                 "partner_decider", "backing_threshold", "veto_days")


def profile_invitations(member, user) -> dict | None:
    """On one's own profile, the personal invitations waiting for an answer."""
    if not user.is_authenticated or user.id != member.id:
        return None
    invitations = services.invitations_for(member)
    return {"invitations": invitations} if invitations else None


def organisation_projects(organisation, user) -> dict:
    """On an organisation's page, the projects it sponsors that the reader may see, newest first."""
    projects = db.session.scalars(visible(
        select(Project).where(Project.organisation_id == organisation.id)
        .options(joinedload(Project.owner), joinedload(Project.organisation)).order_by(Project.id.desc()), user)
    ).unique().all()
    return {"projects": projects, "counts": services.card_counts(user, [project.id for project in projects])}


def project_rules(project) -> Markup:
    """A Jinja global: the project's rules in plain words (its page, the proposal form and the idea page's stepper
    show them), drawn once per project, settings and language."""
    partner = project.rnd_partner.name if project.rnd_partner_id else None
    return drawn("projects/_rules.html", (project.id, *(getattr(project, name) for name in RULE_SETTINGS), partner),
                 lambda: {"project": project})


def register() -> None:
    """Put the waiting invitations on the member's own profile, and its projects on an organisation's page."""
    panels.register("profile", panels.Panel("invitations", "projects/_profile_invitations.html", profile_invitations,
                                            "notice"))
    panels.register("organisation", panels.Panel("projects", "projects/_organisation_projects.html",
                                                 organisation_projects))
