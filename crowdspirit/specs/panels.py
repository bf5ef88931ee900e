"""What the specification shows on the idea page: the way to read it."""

from ..web import panels
from . import services


def spec_link(idea, user) -> dict | None:
    """Once the idea has a specification, a link to its current revision."""
    spec = services.current_revision(idea)
    return {"idea": idea, "spec": spec} if spec else None


def register() -> None:
    """Put the specification's link on the idea page."""
    panels.register("idea", panels.Panel("spec", "specs/_idea_spec.html", spec_link, order=20))
