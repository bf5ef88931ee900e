"""What the specification shows on the idea page: the way to read it."""

from ..pipeline.models import Stage
from ..web import panels
from . import services

#: the governing stages of an idea that never reached specification
BEFORE_SPEC = (Stage.IDEA, Stage.VOTE)


def spec_link(idea, user) -> dict | None:
    """Once the idea has a specification, a link to its current revision (ideas only move forward: one that never
    reached the spec stage has none, and nothing is read for it)."""
    if idea.governing_stage in BEFORE_SPEC:
        return None
    spec = services.current_revision(idea)
    return {"idea": idea, "spec": spec} if spec else None


def register() -> None:
    """Put the specification's link on the idea page."""
    panels.register("idea", panels.Panel("spec", "specs/_idea_spec.html", spec_link, order=20))
