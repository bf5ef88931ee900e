"""What partner R&D shows on the idea and project pages: the partner and its workspace, the offers, and the
public status updates of what became of an idea."""

from ..web import panels
from . import services


def partner_notice(idea, user) -> dict | None:
    """An idea in partner R&D names its partner (and, for who may know it, the workspace)."""
    if idea.stage != "partner_rnd" or idea.partner is None:
        return None
    return {"idea": idea, "partnership": services.partnership_of(idea)}


def offers_and_updates(idea, user) -> dict:
    """The way to the offers of partnership, and the partner's public status updates (an idea that never had a
    partner has no partnership: nothing to read)."""
    partnership = services.partnership_of(idea) if idea.partner_id is not None else None
    return {"idea": idea, "updates": services.updates_of(partnership) if partnership else []}


def project_outcomes(project, user) -> dict | None:
    """The latest status updates of the project's partnerships."""
    updates = services.project_updates(project, limit=5)
    return {"updates": updates} if updates else None


def register() -> None:
    """Put partner R&D's panels on the idea and project pages."""
    panels.register("idea", panels.Panel("partner", "rnd/_idea_partner.html", partner_notice, "notice"))
    panels.register("idea", panels.Panel("rnd", "rnd/_idea_rnd.html", offers_and_updates, order=40))
    panels.register("project", panels.Panel("outcomes", "rnd/_project_outcomes.html", project_outcomes, "aside",
                                            order=10))
