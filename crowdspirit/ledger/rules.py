"""The ledger's part of the access policy: every member reads their own statement."""

from .. import access
from ..access import Rule, signed_in

RULES = {"payouts.view": Rule(signed_in, reads=True)}


def register() -> None:
    """Register the ledger's rules with the access core."""
    access.register(rules=RULES)
