"""The double-entry ledger: only balanced transactions are written; balances and statements are sums of lines."""

import pytest
from sqlalchemy import func, select

from crowdspirit.errors import DomainError
from crowdspirit.extensions import db
from crowdspirit.ledger import services as ledger
from crowdspirit.ledger.models import LedgerLine, LedgerTransaction


def count() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(LedgerTransaction.id))),
            db.session.scalar(select(func.count(LedgerLine.id))))


@pytest.mark.parametrize("lines, currency, message", [
    ([("sponsor:1", -100), ("escrow:contest:1", 99)], "EUR", "must balance"),
    ([("sponsor:1", 0), ("escrow:contest:1", 0)], "EUR", "at least two accounts"),
    ([("sponsor:1", -1.5), ("escrow:contest:1", 1.5)], "EUR", "whole cents"),
    ([("sponsor:1", -100), ("escrow:contest:1", 100)], "XYZ", "Unknown currency"),
    ([], "EUR", "at least two accounts"),
])
def test_unbalanced_or_malformed_transactions_are_refused(app, lines, currency, message):
    with pytest.raises(DomainError, match=message):
        ledger.post("test", lines, currency)
    db.session.rollback()
    assert count() == (0, 0)


def test_balances_totals_and_statement(app):
    ledger.post("fund", [("sponsor:1", -10000), ("escrow:contest:1", 10000)], "EUR", ("contest", 1))
    ledger.post("pay", [("escrow:contest:1", -6000), ("member:7", 6000), ("member:8", 0)], "EUR", ("contest", 1))
    ledger.post("fund", [("sponsor:1", -300), ("escrow:contest:2", 300)], "USD", ("contest", 2))
    db.session.commit()
    assert count() == (3, 6)  # the zero line is dropped
    assert ledger.balances("sponsor:1") == {"EUR": -10000, "USD": -300}
    assert ledger.balance("escrow:contest:1", "EUR") == 4000
    assert ledger.balance("member:7", "EUR") == 6000 and ledger.balance("member:7", "USD") == 0
    assert ledger.totals() == {"EUR": 0, "USD": 0}
    page = ledger.statement(["member:7"], 1, 20)
    assert [(line.amount_cents, line.transaction.memo) for line in page.items] == [(6000, "pay")]


def test_payout_statement_is_paginated_and_private(app, client, login_as, make_user, make_org):
    member, other = make_user(name="Mia"), make_user(name="Other")
    sponsor = make_user(name="Sam", organisation=make_org("Helios Audio"))
    for n in range(25):
        ledger.post("contest.bonuses", [(ledger.sponsor_account(sponsor.organisation_id), -(100 + n)),
                                        (ledger.member_account(member.id), 100 + n)], "EUR")
    db.session.commit()
    assert client.get("/payouts").status_code == 302  # sign in first
    login_as(member)
    first = client.get("/payouts").text
    assert "Finalist" in first and "€1.24" in first and "€1.00" not in first  # newest first, 20 a page
    assert "€1.00" in client.get("/payouts?page=2").text
    assert "€28.00" in first  # the balance: the sum of the 25 lines (2,800 cents)
    login_as(other)
    assert "€1.24" not in client.get("/payouts").text
    assert "€1.24" not in client.get("/payouts?account=organisation").text  # not a sponsor: their own account
    login_as(sponsor)
    assert "-€1.24" in client.get("/payouts?account=organisation").text.replace("\u2212", "-")
