"""What karma shows on other domains' pages: a member's recent karma history on their page in the moderation
console (told as far as the moderator may see each source)."""

from ..web import panels
from . import rules, services, sources

#: how many of a member's latest karma events their console page lists
RECENT = 20


def moderated_member(member, viewer) -> dict:
    """The member's net points per rule and their latest events, for the moderators' page about them."""
    events = services.history(member, 1, RECENT)
    return {"member": member, "breakdown": services.breakdown(member), "labels": rules.LABELS,
            "entries": sources.describe(events.items, viewer), "more": events.has_next}


def register() -> None:
    """Put a member's karma history on their page in the moderation console."""
    panels.register("moderated-member", panels.Panel("karma", "karma/_moderated_member.html", moderated_member))
