"""What the forum shows on the idea and project pages: the way to their discussion."""

from ..web import panels


def idea_discussion(idea, user) -> dict:
    return {"idea": idea}


def project_discussion(project, user) -> dict:
    return {"project": project}


def register() -> None:
    """Put the links to the discussions on the idea and project pages."""
    panels.register("idea", panels.Panel("discussion", "forum/_idea_discussion.html", idea_discussion, order=10))
    panels.register("project", panels.Panel("discussion", "forum/_project_discussion.html", project_discussion,
                                            "aside", order=20))
