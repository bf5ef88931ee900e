"""Ledger rules: post balanced transactions only; balances and statements are sums of lines.

Sign convention: a positive amount is money into the account, a negative one money out of it. A sponsor's
account goes negative when it funds a contest's escrow; a member's is positive with what they earned.
"""

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..database import paginate
from ..errors import DomainError
from ..extensions import db
from .models import LedgerLine, LedgerTransaction

PLATFORM = "platform:commission"
#: memo codes -> what a statement shows (domains register theirs; other memos show as written)
MEMOS: dict[str, object] = {}
#: source kind -> function(ids) -> {id: (title, url)} for the statement's links (domains register theirs)
SOURCES: dict = {}
CURRENCIES = ("EUR", "USD", "GBP", "CHF")


def sponsor_account(organisation_id: int) -> str:
    return f"sponsor:{organisation_id}"


def escrow_account(contest_id: int) -> str:
    return f"escrow:contest:{contest_id}"


def member_account(user_id: int) -> str:
    return f"member:{user_id}"


def post(memo: str, lines: list[tuple[str, int]], currency: str, source: tuple[str, int | None] = ("", None)
         ) -> LedgerTransaction:
    """Add (uncommitted, inside the caller's transaction) a movement whose lines sum to zero, or refuse it.

    Zero lines are dropped; amounts must be whole cents; a transaction needs at least two accounts.
    """
    if currency not in CURRENCIES:
        raise DomainError(_l("Unknown currency."))
    if any(not isinstance(amount, int) or isinstance(amount, bool) for _account, amount in lines):
        raise DomainError(_l("Ledger amounts are whole cents."))
    kept = [(account, amount) for account, amount in lines if amount != 0]
    if sum(amount for _account, amount in kept) != 0:
        raise DomainError(_l("A ledger transaction must balance: its lines do not sum to zero."))
    if len(kept) < 2:
        raise DomainError(_l("A ledger transaction moves money between at least two accounts."))
    kind, source_id = source
    transaction = LedgerTransaction(memo=str(memo)[:200], source_kind=kind, source_id=source_id, created_at=clock.now(),
                                    lines=[LedgerLine(account=a, amount_cents=n, currency=currency) for a, n in kept])
    db.session.add(transaction)
    db.session.flush()
    return transaction


def payees(transaction: LedgerTransaction) -> list[tuple[int, LedgerLine]]:
    """(user id, line) of each member a transaction pays."""
    return [(int(line.account.removeprefix("member:")), line) for line in transaction.lines
            if line.account.startswith("member:") and line.amount_cents > 0]


def balance(account: str, currency: str) -> int:
    """What an account holds in one currency (the sum of its lines)."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerLine.amount_cents), 0)).where(
        LedgerLine.account == account, LedgerLine.currency == currency))


def balances(account: str) -> dict[str, int]:
    """An account's balance in every currency it has moved."""
    return dict(db.session.execute(select(LedgerLine.currency, func.sum(LedgerLine.amount_cents))
                                   .where(LedgerLine.account == account).group_by(LedgerLine.currency)
                                   .order_by(LedgerLine.currency)).all())


def totals() -> dict[str, int]:
    """The sum of every line per currency: zero in every currency as long as only `post` writes."""
    found = defaultdict(int)
    for currency, total in db.session.execute(select(LedgerLine.currency, func.sum(LedgerLine.amount_cents))
                                              .group_by(LedgerLine.currency)):
        found[currency] = total
    return dict(found)


def describe(lines) -> dict[int, tuple[str, str, str | None]]:
    """line id -> (what happened, source title, source url) for a statement's lines."""
    wanted = defaultdict(set)
    for line in lines:
        if line.transaction.source_kind in SOURCES and line.transaction.source_id is not None:
            wanted[line.transaction.source_kind].add(line.transaction.source_id)
    found = {kind: SOURCES[kind](ids) for kind, ids in wanted.items()}
    described = {}
    for line in lines:
        t = line.transaction
        title, url = found.get(t.source_kind, {}).get(t.source_id, ("", None))
        described[line.id] = (str(MEMOS.get(t.memo, t.memo)), title, url)
    return described


def statement(account: str, page: int, per_page: int):
    """One page of an account's lines, newest first, each with its transaction."""
    query = (select(LedgerLine).where(LedgerLine.account == account)
             .options(joinedload(LedgerLine.transaction)).order_by(LedgerLine.id.desc()))
    return paginate(query, page, per_page)
