"""What the projects domain shows on other pages: the invitations waiting for a member, on their own profile."""

from ..web import panels
from . import services


def profile_invitations(member, user) -> dict | None:
    """On one's own profile, the personal invitations waiting for an answer."""
    if not user.is_authenticated or user.id != member.id:
        return None
    invitations = services.invitations_for(member)
    return {"invitations": invitations} if invitations else None


def register() -> None:
    """Put the waiting invitations on the member's own profile."""
    panels.register("profile", panels.Panel("invitations", "projects/_profile_invitations.html", profile_invitations,
                                            "notice"))
