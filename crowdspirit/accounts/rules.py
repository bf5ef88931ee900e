"""Accounts' part of the access policy: an organisation's team and its identity provider, and the standing a member
needs before taking part (a confirmed address)."""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from .. import access
from ..access import Rule, Standing
from .models import Organisation


def organisation_member(user, organisation) -> bool:
    """A member of the organisation: its team reads its sponsor dashboard."""
    return user.organisation_id is not None and user.organisation_id == organisation.id


def email_confirmed(user) -> bool:
    """A member takes part once their address is confirmed, unless EMAIL_VERIFICATION is off (an organisation's
    token, acting for a team, has no address of its own to confirm)."""
    return not current_app.config["EMAIL_VERIFICATION"] or getattr(user, "email_verified_at", True) is not None


def resend_link() -> tuple:
    """Where a member without a confirmed address gets a new link."""
    return url_for("accounts.email_settings"), _l("Send me a new confirmation link")


RULES = {
    # organisations have no page of their own yet: knowing one is reading its dashboard
    "organisation.dashboard": Rule(organisation_member, reads=True),
}
STANDINGS = {
    "email": Standing(email_confirmed, _l("Confirm your email address first: open the link we sent you when you "
                                          "signed up. Until then you can read but not post, vote or propose."),
                      resend_link),
}


def register() -> None:
    """Register the accounts' rules and standings with the access core."""
    access.register(rules=RULES, views={Organisation: "organisation.dashboard"}, standings=STANDINGS)
