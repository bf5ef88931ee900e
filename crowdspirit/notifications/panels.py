"""What notifications show on other domains' pages: the follow button of a thread, and on the pages of what
notifications name (an idea, a project) the mark that reads them."""

from ..web import panels
from . import services


def follow_button(thread, user) -> dict | None:
    """A signed-in reader follows the thread, or stops following it."""
    if not user.is_authenticated:
        return None
    return {"thread": thread, "following": services.is_following(thread, user)}


def read_mark(subject, user) -> dict | None:
    """The page of something the member has unread notifications about marks them read once shown."""
    if not services.unread_about(user, subject):
        return None
    return {"subject_type": type(subject).__name__, "subject_id": subject.id}


def register() -> None:
    """Put the follow button on thread pages, and the read mark on idea and project pages."""
    panels.register("thread", panels.Panel("follow", "notifications/_follow_button.html", follow_button, "actions"))
    for page, slot in (("idea", "notice"), ("project", "aside")):
        panels.register(page, panels.Panel("read-mark", "notifications/_read_about.html", read_mark, slot))
