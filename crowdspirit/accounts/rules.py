"""Accounts' part of the access policy: an organisation's team."""

from .. import access
from ..access import Rule
from .models import Organisation


def organisation_member(user, organisation) -> bool:
    """A member of the organisation: its team reads its sponsor dashboard."""
    return user.organisation_id is not None and user.organisation_id == organisation.id


RULES = {
    # organisations have no page of their own yet: knowing one is reading its dashboard
    "organisation.dashboard": Rule(organisation_member, reads=True),
}


def register() -> None:
    """Register the accounts' rules with the access core."""
    access.register(rules=RULES, views={Organisation: "organisation.dashboard"})
