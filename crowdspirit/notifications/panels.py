"""What notifications show on other domains' pages: the follow button of a thread."""

from ..web import panels
from . import services


def follow_button(thread, user) -> dict | None:
    """A signed-in reader follows the thread, or stops following it."""
    if not user.is_authenticated:
        return None
    return {"thread": thread, "following": services.is_following(thread, user)}


def register() -> None:
    """Put the follow button on thread pages."""
    panels.register("thread", panels.Panel("follow", "notifications/_follow_button.html", follow_button, "actions"))
