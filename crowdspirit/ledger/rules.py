"""The ledger's part of the access policy: every member reads their own statement; an organisation's team reads the
organisation's (what it committed, holds in escrow, paid out and got back)."""

from flask_babel import lazy_gettext as _l

from .. import access
from ..access import Rule, signed_in


def organisation_team(user, organisation) -> bool:
    """On the organisation's team, whatever their role."""
    return user.organisation_id is not None and user.organisation_id == organisation.id


RULES = {
    "payouts.view": Rule(signed_in, reads=True),
    "payouts.organisation": Rule(organisation_team, _l("Only the organisation's team reads its statement."),
                                 reads=True),
}


def register() -> None:
    """Register the ledger's rules with the access core."""
    access.register(rules=RULES)
