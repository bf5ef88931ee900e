"""The three questions every surface asks: may this user do this to this object (`can`, `require`), and which rows
of a query may they see (`visible`). The answers come from the rules the domains registered."""

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, Forbidden, NotFound
from .registry import FILTERS, RULES, STANDINGS, VIEW_ACTIONS, Standing, reads
from .scope import viewer_only

#: what a team's viewer is told when only their role stops them
VIEWER_REFUSAL = _l("You are a viewer in your organisation's team: you read what the team reads, but only its "
                    "members and administrators act for it. Ask an administrator of your team for the member role.")


class SignInRequired(DomainError):
    """The action needs a signed-in user; the error handler sends the visitor to sign in."""

    status = 401


def unmet_standing(user, action: str | None = None) -> Standing | None:
    """The first standing a signed-in member lacks to take part (for an action that does, when one is named)."""
    if action is not None and not RULES[action].takes_part:
        return None
    return next((standing for standing in STANDINGS.values() if not standing.met(user)), None)


def _unproxied(user):
    """The user object behind Flask-Login's current_user (each look through the proxy finds it again)."""
    found = getattr(user, "_get_current_object", None)
    return found() if found is not None else user


def can(user, action: str, obj) -> bool:
    """May this user perform this action on this object? Admins may do everything; suspended members only read;
    taking part needs good standing (a confirmed address, the current charter)."""
    rule, user = RULES[action], _unproxied(user)
    if not user.is_authenticated:
        return not rule.needs_account and rule.allowed(user, obj)
    if user.is_suspended and not reads(action):
        return False
    if unmet_standing(user, action) is not None:
        return False
    return user.is_admin or rule.allowed(user, obj)


def require(user, action: str, obj):
    """Return obj if allowed; else 404 for who may not know it exists, sign-in or 403 otherwise."""
    user = _unproxied(user)
    view_action = VIEW_ACTIONS.get(type(obj))
    if obj is None or (view_action and not can(user, view_action, obj)):
        raise NotFound(_l("This page does not exist, or you may not see it."))
    if can(user, action, obj):
        return obj
    if not user.is_authenticated:
        raise SignInRequired(_l("Please sign in to do this."))
    if user.is_suspended and not reads(action):
        raise Forbidden(_l("Your account is suspended until %(date)s: you can read but not take part.",
                           date=format_datetime(user.suspended_until, "short")))
    if (standing := unmet_standing(user, action)) is not None:
        raise Forbidden(standing.refusal, standing.remedy() if standing.remedy else None)
    if viewer_only(user, RULES[action].allowed, obj):
        raise Forbidden(VIEWER_REFUSAL)
    raise Forbidden(RULES[action].refusal or _l("You may not do this."))


def visible(query, user):
    """Restrict a select() to the rows the user may see, with the filter its model's domain registered.

    Every list, count, feed, export and profile passes its query through here; each filter mirrors the model's
    view rule in SQL, so a row is listed exactly when its page would open.
    """
    if user.is_authenticated and user.is_admin:
        return query
    entity = query.column_descriptions[0]["entity"]
    restrict = FILTERS.get(entity)
    if restrict is None:
        raise TypeError(f"visible() does not know how to filter {entity!r}")
    return restrict(query, user)
