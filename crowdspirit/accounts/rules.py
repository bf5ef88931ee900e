"""Accounts' part of the access policy: an organisation's team (its roles: admins manage it and its sign-in, every
member and viewer reads its dashboard and team) and its identity provider, and the standing a member needs before
taking part (a confirmed address, the charter in force accepted)."""

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import access, stamps
from ..access import Rule, Standing
from ..extensions import db
from ..requestcache import per_request
from .models import CharterAcceptance, CharterVersion, Organisation, OrganisationRole


def organisation_member(user, organisation) -> bool:
    """On the organisation's team, whatever their role: reads its sponsor dashboard and its team."""
    return user.organisation_id is not None and user.organisation_id == organisation.id


def organisation_admin(user, organisation) -> bool:
    """An administrator of the organisation's team: manages the team and registers its identity provider."""
    return organisation_member(user, organisation) and user.organisation_role == OrganisationRole.ADMIN


def email_confirmed(user) -> bool:
    """A member takes part once their address is confirmed, unless EMAIL_VERIFICATION is off (an organisation's
    token, acting for a team, has no address of its own to confirm)."""
    if isinstance(user, access.OrganisationActor):
        return True
    return not current_app.config["EMAIL_VERIFICATION"] or user.email_verified_at is not None


def charter_in_force() -> CharterVersion | None:
    """The charter version in force (None before the first is published), read once per request."""
    return per_request("charter-current", lambda: db.session.scalar(
        select(CharterVersion).order_by(CharterVersion.number.desc()).limit(1)))


def _charter_unaccepted(member_id: int):
    """The id of the charter version in force if the member has not accepted it, else NULL (a member's stamp, read
    with the others in the sign-in loader's statement: no statement of its own)."""
    newest = select(func.max(CharterVersion.number)).scalar_subquery()
    accepted = select(CharterAcceptance.id).where(CharterAcceptance.version_id == CharterVersion.id,
                                                  CharterAcceptance.user_id == member_id).exists()
    return select(CharterVersion.id).where(CharterVersion.number == newest, ~accepted).scalar_subquery()


stamps.register("charter-unaccepted", _charter_unaccepted, per_member=True)


def charter_accepted(user) -> bool:
    """A member takes part once they accepted the charter in force (always, while there is none; an organisation's
    token acts for a team that accepted nothing of its own)."""
    if isinstance(user, access.OrganisationActor):
        return True
    return stamps.value("charter-unaccepted", user.id) is None


def charter_link() -> tuple:
    """Where a member who has not accepted the charter in force reads and accepts it, coming back to the page they
    read (a page, not a form that was refused) once they have."""
    back = request.full_path.rstrip("?") if has_request_context() and request.method == "GET" else None
    if back and request.endpoint == "accounts.charter_page":
        back = None
    return url_for("accounts.charter_page", next=back), _l("Read and accept the charter")


def resend_link() -> tuple:
    """Where a member without a confirmed address gets a new link."""
    return url_for("accounts.email_settings"), _l("Send me a new confirmation link")


RULES = {
    # an organisation's public page is anyone's (it has no rule); its dashboard and team are its team's (viewers
    # too), and who is not on it is not told that they exist (404)
    "organisation.dashboard": Rule(organisation_member, reads=True),
    "organisation.team": Rule(organisation_member, reads=True),
    "organisation.leave": Rule(organisation_member),
    "organisation.manage_team": Rule(organisation_admin, _l(
        "Only your organisation's administrators invite people to its team, change roles and remove members.")),
    "organisation.identity_provider": Rule(organisation_admin, _l(
        "Only your organisation's administrators set up its sign-in.")),
}
STANDINGS = {
    "email": Standing(email_confirmed, _l("Confirm your email address first: open the link we sent you when you "
                                          "signed up. Until then you can read but not post, vote or propose."),
                      resend_link),
    "charter": Standing(charter_accepted, _l("A new version of the platform's charter is in force: read and accept "
                                             "it to go on posting, voting and proposing."), charter_link),
}


def register() -> None:
    """Register the accounts' rules and standings with the access core."""
    access.register(rules=RULES, views={Organisation: "organisation.dashboard"}, standings=STANDINGS)
