"""The API's part of the access policy: tokens and webhooks belong to whom."""

from .. import access
from ..access import Rule
from .models import ApiToken, Webhook


def token_holder(user, token) -> bool:
    """A personal token is its creator's; an organisation's token belongs to all the organisation's members."""
    if token.organisation_id is not None:
        return token.organisation_id == user.organisation_id
    return token.user_id == user.id


def hook_manager(user, hook) -> bool:
    """A project's webhooks are its owner's; an organisation's webhooks belong to all its members."""
    if hook.project_id is not None:
        return hook.project.owner_id == user.id
    return hook.organisation_id == user.organisation_id


RULES = {
    "token.manage": Rule(token_holder, reads=True),
    "webhook.manage": Rule(hook_manager, reads=True),
}


def register() -> None:
    """Register the API's rules with the access core."""
    access.register(rules=RULES, views={ApiToken: "token.manage", Webhook: "webhook.manage"})
