"""The API's part of the access policy: tokens and webhooks belong to whom."""

from flask_babel import lazy_gettext as _l

from .. import access
from ..access import Rule, acts_for
from .models import ApiToken, Webhook


def _holder(user, obj, organisation_member) -> bool:
    """A personal token or a project's hook is its creator's or owner's; an organisation's, its team's as
    organisation_member(user, organisation id) says."""
    if obj.organisation_id is not None:
        return organisation_member(user, obj.organisation_id)
    return obj.project.owner_id == user.id if isinstance(obj, Webhook) else obj.user_id == user.id


def _in_team(user, organisation_id) -> bool:
    return user.organisation_id == organisation_id


def token_reader(user, token) -> bool:
    """A personal token is its creator's; an organisation's token is seen by all the organisation's team."""
    return _holder(user, token, _in_team)


def token_holder(user, token) -> bool:
    """A personal token is its creator's; an organisation's token is made and revoked by its team's members who
    act for it (not its viewers)."""
    return _holder(user, token, acts_for)


def hook_reader(user, hook) -> bool:
    """A project's webhooks are its owner's; an organisation's are seen by all its team."""
    return _holder(user, hook, _in_team)


def hook_manager(user, hook) -> bool:
    """A project's webhooks are its owner's; an organisation's are managed by its team's members who act for it."""
    return _holder(user, hook, acts_for)


ACTS_FOR_ORGANISATION = _l("Only the members of your organisation's team who act for it manage its tokens and "
                           "webhooks.")

RULES = {
    "token.view": Rule(token_reader, reads=True),
    "token.manage": Rule(token_holder, ACTS_FOR_ORGANISATION, reads=True),
    "webhook.view": Rule(hook_reader, reads=True),
    "webhook.manage": Rule(hook_manager, ACTS_FOR_ORGANISATION, reads=True),
}


def register() -> None:
    """Register the API's rules with the access core."""
    access.register(rules=RULES, views={ApiToken: "token.view", Webhook: "webhook.view"})
