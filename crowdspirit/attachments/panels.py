"""What attachments show on the idea page: its files, and the upload form for who may attach."""

from ..web import panels
from . import services


def idea_files(idea, user) -> dict | None:
    """The idea's files, with the upload form when the user may attach and the idea is not archived."""
    attachments = services.of_idea(idea, "idea")
    may_attach = services.may_attach(user, idea)
    if not attachments and not may_attach:
        return None
    return {"idea": idea, "attachments": attachments, "may_attach": may_attach}


def register() -> None:
    """Put the files on the idea page."""
    panels.register("idea", panels.Panel("files", "attachments/_idea_files.html", idea_files, order=60))
