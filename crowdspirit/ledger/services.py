"""Ledger rules: post balanced transactions only; balances and statements are sums of lines.

Sign convention: a positive amount is money into the account, a negative one money out of it. A sponsor's
account goes negative when it funds a contest's escrow; a member's is positive with what they earned.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, joinedload

from .. import clock
from ..access import can
from ..database import paginate
from ..errors import DomainError
from ..extensions import db
from ..text import spreadsheet_safe
from .models import LedgerLine, LedgerTransaction

PLATFORM = "platform:commission"
#: memo codes -> what a statement shows (domains register theirs; other memos show as written)
MEMOS: dict[str, object] = {}
CURRENCIES = ("EUR", "USD", "GBP", "CHF")


@dataclass(frozen=True)
class Source:
    """What a transaction's source kind is to a statement: its model, the action that decides whether the reader may
    see a row of it, what names and links the rows the reader may see, and what stands for the others."""

    model: type
    action: str
    #: function(ids) -> {id: (title, url)}
    label: object
    hidden: object


#: source kind -> Source (domains register theirs with register_source)
SOURCES: dict[str, Source] = {}


def register_source(kind: str, model: type, action: str, label, hidden) -> None:
    """Let statements name and link the transactions of a source kind, for readers allowed `action` on the row."""
    SOURCES[kind] = Source(model, action, label, hidden)


def sponsor_account(organisation_id: int) -> str:
    return f"sponsor:{organisation_id}"


def escrow_account(source_id: int, kind: str = "contest") -> str:
    """The account holding a contest's (or another kind of source's) money until it is paid out or returned."""
    return f"escrow:{kind}:{source_id}"


def escrow_source(account: str) -> tuple[str, int]:
    """(kind, id) of the source an escrow account holds money for."""
    _escrow, kind, source_id = account.split(":")
    return kind, int(source_id)


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


def _titles(wanted: dict[str, set[int]], reader) -> dict[str, dict[int, tuple[str, str | None]]]:
    """kind -> {id: (title, url)} for the sources the reader may see; the others are named neutrally, unlinked."""
    found: dict[str, dict] = {}
    for kind, ids in wanted.items():
        source = SOURCES.get(kind)
        if source is None:
            continue
        rows = db.session.scalars(select(source.model).where(source.model.id.in_(ids))).all()
        allowed = {row.id for row in rows if can(reader, source.action, row)}
        found[kind] = {**dict.fromkeys(ids - allowed, (str(source.hidden), None)),
                       **(source.label(allowed) if allowed else {})}
    return found


def describe(lines, reader) -> dict[int, tuple[str, str, str | None]]:
    """line id -> (what happened, source title, source url) for a statement's lines, naming and linking only the
    sources the reader may see (the others: "a contest you can no longer see")."""
    wanted = defaultdict(set)
    for line in lines:
        if line.transaction.source_kind and line.transaction.source_id is not None:
            wanted[line.transaction.source_kind].add(line.transaction.source_id)
    found = _titles(wanted, reader)
    described = {}
    for line in lines:
        t = line.transaction
        title, url = found.get(t.source_kind, {}).get(t.source_id, ("", None))
        described[line.id] = (str(MEMOS.get(t.memo, t.memo)), title, url)
    return described


def statement(accounts: list[str], page: int, per_page: int):
    """One page of the lines of these accounts, newest first, each with its transaction."""
    query = (select(LedgerLine).where(LedgerLine.account.in_(accounts))
             .options(joinedload(LedgerLine.transaction)).order_by(LedgerLine.id.desc()))
    return paginate(query, page, per_page)


def all_lines(accounts: list[str]) -> list[LedgerLine]:
    """Every line of these accounts, oldest first, each with its transaction (for a CSV)."""
    return db.session.scalars(select(LedgerLine).where(LedgerLine.account.in_(accounts))
                              .options(joinedload(LedgerLine.transaction)).order_by(LedgerLine.id)).all()


# --- A sponsor's money -----------------------------------------------------------------------------
@dataclass
class Flow:
    """Where the money that went into an escrow (or a sponsor's whole account) stands, in one currency (cents)."""

    committed: int = 0
    held: int = 0
    to_members: int = 0
    to_platform: int = 0
    refunded: int = 0

    @property
    def paid(self) -> int:
        """Paid out: to members and the platform's share."""
        return self.to_members + self.to_platform


def escrow_flows(accounts: list[str]) -> dict[str, dict[str, Flow]]:
    """escrow account -> currency -> Flow: what went in, what it still holds, what it paid to members and to the
    platform, and what it returned to a sponsor; two grouped queries, whatever the number of accounts."""
    flows: dict[str, dict[str, Flow]] = defaultdict(lambda: defaultdict(Flow))
    if not accounts:
        return {}
    for account, currency, funded, held in db.session.execute(
            select(LedgerLine.account, LedgerLine.currency,
                   func.sum(case((LedgerLine.amount_cents > 0, LedgerLine.amount_cents), else_=0)),
                   func.sum(LedgerLine.amount_cents))
            .where(LedgerLine.account.in_(accounts)).group_by(LedgerLine.account, LedgerLine.currency)):
        flows[account][currency].committed, flows[account][currency].held = funded, held
    out, to = aliased(LedgerLine), aliased(LedgerLine)
    paid = (select(out.account, out.currency, _receiver(to.account).label("receiver"), to.amount_cents)
            .join(to, and_(to.transaction_id == out.transaction_id, to.amount_cents > 0))
            .where(out.account.in_(accounts), out.amount_cents < 0)).subquery()
    for account, currency, receiver, cents in db.session.execute(
            select(paid.c.account, paid.c.currency, paid.c.receiver, func.sum(paid.c.amount_cents))
            .group_by(paid.c.account, paid.c.currency, paid.c.receiver)):
        _add(flows[account][currency], receiver, cents)
    return {account: dict(by_currency) for account, by_currency in flows.items()}


def _receiver(account):
    """SQL: what kind of account receives a payment: "member", "platform" or "sponsor"."""
    return case((account.like("member:%"), "member"), (account == PLATFORM, "platform"),
                (account.like("sponsor:%"), "sponsor"), else_="other")


def _add(flow: Flow, receiver: str, cents: int) -> None:
    """Count a payment out of an escrow (or a sponsor's account) by who received it."""
    if receiver == "member":
        flow.to_members += cents
    elif receiver == "platform":
        flow.to_platform += cents
    elif receiver == "sponsor":
        flow.refunded += cents


def sponsor_escrows(organisation_id: int) -> list[str]:
    """The escrow accounts the organisation funded (each holds one contest's or partnership's money)."""
    funding = select(LedgerLine.transaction_id).where(LedgerLine.account == sponsor_account(organisation_id),
                                                      LedgerLine.amount_cents < 0)
    return list(db.session.scalars(select(LedgerLine.account).distinct().where(
        LedgerLine.transaction_id.in_(funding), LedgerLine.account.like("escrow:%")).order_by(LedgerLine.account)))


@dataclass
class Held:
    """An escrow still holding some of a sponsor's money, named as the reader may see its source."""

    account: str
    currency: str
    cents: int
    title: str
    url: str | None


@dataclass
class SponsorStatement:
    """A sponsor's money per currency: committed, held in escrow (and where), paid out, refunded."""

    totals: dict[str, Flow] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)


def sponsor_statement(organisation_id: int, reader) -> SponsorStatement:
    """What an organisation put in (committed), what its escrows still hold, what they paid to members and to the
    platform, and what came back, per currency; committed = held + paid out + refunded."""
    own = sponsor_account(organisation_id)
    escrows = sponsor_escrows(organisation_id)
    totals: dict[str, Flow] = defaultdict(Flow)
    for currency, put_in, came_back in db.session.execute(
            select(LedgerLine.currency, func.sum(case((LedgerLine.amount_cents < 0, -LedgerLine.amount_cents),
                                                      else_=0)),
                   func.sum(case((LedgerLine.amount_cents > 0, LedgerLine.amount_cents), else_=0)))
            .where(LedgerLine.account == own).group_by(LedgerLine.currency)):
        totals[currency].committed, totals[currency].refunded = put_in, came_back
    flows = escrow_flows([own, *escrows])
    for account, by_currency in flows.items():
        for currency, flow in by_currency.items():
            totals[currency].to_members += flow.to_members
            totals[currency].to_platform += flow.to_platform
            if account != own:
                totals[currency].held += flow.held
    sources = defaultdict(set)
    for account in escrows:
        kind, source_id = escrow_source(account)
        sources[kind].add(source_id)
    titles = _titles(sources, reader)
    held = []
    for account in escrows:
        for currency, flow in flows.get(account, {}).items():
            if flow.held:
                kind, source_id = escrow_source(account)
                title, url = titles.get(kind, {}).get(source_id, (account, None))
                held.append(Held(account, currency, flow.held, title, url))
    return SponsorStatement(dict(sorted(totals.items())), held)


def decimal_amount(cents: int) -> str:
    """Cents as a decimal amount with two places ("-630.00")."""
    return str(Decimal(cents).scaleb(-2).quantize(Decimal("0.01")))


def statement_csv(lines, reader) -> str:
    """Lines as CSV: ISO date, transaction, account, what happened, its source (as the reader may see it), amount as
    a decimal and its currency."""
    described = describe(lines, reader)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "transaction", "account", "what", "source", "amount", "currency"])
    for line in lines:
        what, title, _url = described[line.id]
        writer.writerow([line.transaction.created_at.isoformat(timespec="seconds"), line.transaction_id,
                         spreadsheet_safe(line.account), spreadsheet_safe(what), spreadsheet_safe(title),
                         decimal_amount(line.amount_cents), line.currency])
    return out.getvalue()
