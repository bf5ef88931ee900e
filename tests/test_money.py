"""Money through the ledger, driven over HTTP: contests and a partnership's reward pool put money in escrow, pay
members and the platform, and return the rest; every line sums to zero per currency, and the sponsor's statement,
its CSV and the members' payouts show what the ledger holds, naming only what each reader may see."""

import csv
import io
import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from test_contests import enter, entry_of, opened

from crowdspirit.contests import services as contests
from crowdspirit.extensions import db
from crowdspirit.ledger import services as ledger
from crowdspirit.ledger.models import LedgerLine
from crowdspirit.pipeline.models import Stage
from crowdspirit.rnd import services as rnd
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

READY = {**{name: f"The {name}" for name in SECTIONS}, "open_questions": "- [x] Settled"}
NEUTRAL_CONTEST = "a contest you can no longer see"


@pytest.fixture
def people(make_user, make_org):
    helios = make_org("Helios Audio")
    return {"sponsor": make_user(name="Sam Sponsor", organisation=helios), "owner": make_user(name="Olga Owner"),
            "ann": make_user(name="Ann Artist"), "bob": make_user(name="Bob Builder"),
            "max": make_user(name="Max Maker"), "author": make_user(name="Ada Author"),
            "outsider": make_user(name="Otto Outsider"),
            "rival": make_user(name="Rita Rival", organisation=make_org("Veloce Mobility"))}


def win_contest(client, login_as, p, clock, **fields):
    """A contest opened by Helios, entered by Ann and Bob, both finalists; Bob wins and signs (Ann gets a bonus)."""
    contest = opened(client, login_as, p["sponsor"], **fields)
    for user, title in ((p["ann"], "A"), (p["bob"], "B")):
        assert enter(client, login_as, contest, user, title).status_code == 303
    a, b = entry_of(p["ann"], "A"), entry_of(p["bob"], "B")
    clock.advance(hours=72 + 96)
    contests.catch_up_all()
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/finalists", data={"entry_id": [a.id, b.id]}).status_code == 303
    assert client.post(f"/contests/{contest.id}/advance").status_code == 303
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": b.id}).status_code == 303
    login_as(p["bob"])
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 303
    return contest


def partnered_idea(client, login_as, take_into_rnd, make_project, make_idea, p, pool="1500.00"):
    """A ready spec idea of Olga's open project, taken into R&D by Helios with a reward pool; Max invited."""
    project = make_project(owner=p["owner"], spec_approvals_needed=0)
    idea = make_idea(project=project, author=p["author"], title="Modular speaker", stage=Stage.SPEC)
    specs.save_revision(idea, p["author"], 1, "ready", **READY)
    assert take_into_rnd(idea, p["sponsor"], p["owner"], reward_pool=pool).status_code == 303
    login_as(p["sponsor"])
    assert client.post(f"/ideas/{idea.id}/workspace/members", data={"who": p["max"].email}).status_code == 303
    return idea


def pay(client, idea, user, amount, confirm=True):
    data = {"user_id": str(user.id), "amount": amount, **({"confirm": "y"} if confirm else {})}
    return client.post(f"/ideas/{idea.id}/workspace/rewards", data=data)


def position(html: str) -> dict[str, dict[str, int]]:
    """currency -> figure -> cents, as the sponsor's statement shows them."""
    found = {}
    for currency, block in re.findall(r'data-currency="(\w+)">(.*?)</ul>', html, re.S):
        found[currency] = {key: int(cents) for key, cents in re.findall(r'data-money="(\w+)" data-cents="(-?\d+)"',
                                                                        block)}
    return found


def read_csv(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def every_line() -> list[LedgerLine]:
    return db.session.scalars(select(LedgerLine)).all()


def test_contests_and_a_reward_pool_balance_to_the_cent(client, login_as, people, clock, take_into_rnd,
                                                         make_project, make_idea):
    p = people
    closed = win_contest(client, login_as, p, clock, pool="20.00")
    running = opened(client, login_as, p["sponsor"], title="A jingle", currency="USD")
    idea = partnered_idea(client, login_as, take_into_rnd, make_project, make_idea, p)
    partnership = rnd.partnership_of(idea)
    assert rnd.pool_held(partnership) == 150000
    login_as(p["sponsor"])
    assert 'data-pool-held="150000"' in client.get(f"/ideas/{idea.id}/workspace").text

    # paying from the pool: confirmed, to an invited contributor, within what it holds; else a clear 4xx
    unconfirmed = pay(client, idea, p["max"], "400.00", confirm=False)
    assert unconfirmed.status_code == 422 and "Tick the box to confirm the payment." in unconfirmed.text
    too_much = pay(client, idea, p["max"], "2000.00")
    assert too_much.status_code == 422 and "The reward pool holds only €1,500.00." in too_much.text
    stranger = pay(client, idea, p["outsider"], "10.00")
    assert stranger.status_code == 422 and "Choose a contributor invited into this workspace." in stranger.text
    assert rnd.pool_held(partnership) == 150000
    assert pay(client, idea, p["max"], "400.00").status_code == 303
    assert pay(client, idea, p["author"], "100.00").status_code == 303
    login_as(p["author"])
    assert pay(client, idea, p["max"], "1.00").status_code == 403  # contributors do not pay
    login_as(p["outsider"])
    assert pay(client, idea, p["max"], "1.00").status_code == 404

    # the partnership ends with the idea archived: what is left returns to the sponsor, and nothing more is paid
    login_as(p["owner"])
    assert client.post(f"/ideas/{idea.id}/move/archived", data={"reason": "Shelved"}).status_code == 303
    assert rnd.pool_held(partnership) == 0
    login_as(p["sponsor"])
    ended = pay(client, idea, p["max"], "1.00")
    assert ended.status_code == 422 and "This partnership has ended" in ended.text

    # every line sums to zero per currency
    sums = defaultdict(int)
    for line in every_line():
        sums[line.currency] += line.amount_cents
    assert dict(sums) == {"EUR": 0, "USD": 0} == ledger.totals()

    # the sponsor's statement shows what the ledger holds, counted here from every line
    org = p["sponsor"].organisation_id
    own = ledger.sponsor_account(org)
    escrows = {ledger.escrow_account(closed.id), ledger.escrow_account(running.id),
               ledger.escrow_account(partnership.id, "partnership")}
    expected = defaultdict(lambda: dict.fromkeys(("committed", "held", "members", "platform", "refunded"), 0))
    for line in every_line():
        figures = expected[line.currency]
        if line.account == own:
            figures["committed" if line.amount_cents < 0 else "refunded"] += abs(line.amount_cents)
        elif line.account in escrows:
            figures["held"] += line.amount_cents
        elif line.account.startswith("member:"):
            figures["members"] += line.amount_cents
        elif line.account == ledger.PLATFORM:
            figures["platform"] += line.amount_cents
    login_as(p["sponsor"])
    page = client.get("/payouts?account=organisation").text
    assert position(page) == {"EUR": expected["EUR"], "USD": expected["USD"]}
    assert expected["EUR"] == {"committed": 62000 + 150000, "held": 0, "members": 6000 + 31000 + 40000 + 10000,
                               "platform": 20000, "refunded": 5000 + 100000}
    assert expected["USD"] == {"committed": running.escrow_cents, "held": running.escrow_cents, "members": 0,
                               "platform": 0, "refunded": 0}
    for figures in expected.values():
        assert figures["committed"] == figures["held"] + figures["members"] + figures["platform"] + figures["refunded"]
    assert -ledger.balance(own, "EUR") == expected["EUR"]["committed"] - expected["EUR"]["refunded"]
    held = re.findall(r'data-escrow="([^"]+)"><a href="([^"]+)">([^<]+)</a>: <strong>([^<]+)</strong>', page)
    assert held == [(ledger.escrow_account(running.id), f"/contests/{running.id}", "A jingle", "$630.00")]

    # its CSV: every line of its accounts, ISO dates, decimal amounts with their currency
    response = client.get("/payouts/organisation.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="helios-audio-statement.csv"'
    rows = read_csv(response)
    assert list(rows[0]) == ["date", "transaction", "account", "what", "source", "amount", "currency"]
    assert {row["account"] for row in rows} == {own, *escrows}
    assert all(datetime.fromisoformat(row["date"]) for row in rows)
    per_account = defaultdict(Decimal)
    for row in rows:
        assert re.fullmatch(r"-?\d+\.\d\d", row["amount"])
        per_account[row["account"], row["currency"]] += Decimal(row["amount"])
    for (account, currency), total in per_account.items():
        assert total * 100 == ledger.balance(account, currency)
    assert {row["source"] for row in rows} == {"A logo for Helios", "A jingle", "Modular speaker"}

    # each member's payouts show their ledger balance, and the source of each line
    for name, cents in (("ann", 6000), ("bob", 31000), ("max", 40000), ("author", 10000)):
        assert ledger.balances(ledger.member_account(p[name].id)) == {"EUR": cents}
        login_as(p[name])
        shown = client.get("/payouts").text
        assert f"€{cents // 100:,}.00" in shown
    assert "Modular speaker" in shown and "Reward from a partnership&#39;s pool" in shown
    mine = read_csv(client.get("/payouts/mine.csv"))
    assert [(row["what"], row["source"], row["amount"], row["currency"]) for row in mine] == [
        ("Reward from a partnership's pool", "Modular speaker", "100.00", "EUR")]

    # a contributor taken out of the workspace no longer reads its idea's title on their payouts
    login_as(p["sponsor"])
    assert client.post(f"/ideas/{idea.id}/workspace/members/{p['max'].id}/remove").status_code == 303
    login_as(p["max"])
    shown = client.get("/payouts").text
    assert "Modular speaker" not in shown and "a partnership you can no longer see" in shown
    assert "Modular speaker" not in client.get("/payouts/mine.csv").text


def test_payouts_name_only_the_contests_the_reader_may_see(client, login_as, people, clock, make_project,
                                                           add_member):
    p = people
    project = make_project(owner=p["sponsor"], kind="sponsored", policy_idea="project", policy_vote="project",
                           policy_spec="project", policy_partner_rnd="project")
    for user in (p["ann"], p["bob"]):
        add_member(project, user)
    contest = win_contest(client, login_as, p, clock, project_id=str(project.id), title="Zephyr logo",
                         pool="0.00")
    login_as(p["ann"])
    assert "Zephyr logo" in client.get("/payouts").text
    login_as(p["sponsor"])
    assert client.post(f"/projects/{project.slug}/members/{p['ann'].id}/remove").status_code == 303
    login_as(p["ann"])
    assert client.get(f"/contests/{contest.id}").status_code == 404
    shown = client.get("/payouts").text
    assert "Zephyr logo" not in shown and f"/contests/{contest.id}" not in shown and NEUTRAL_CONTEST in shown
    assert "€50.00" in shown  # the money stays hers, and shown
    rows = read_csv(client.get("/payouts/mine.csv"))
    assert [(row["source"], row["amount"]) for row in rows] == [(NEUTRAL_CONTEST, "50.00")]
    login_as(p["bob"])  # still a member: the title and its link
    shown = client.get("/payouts").text
    assert "Zephyr logo" in shown and f'href="/contests/{contest.id}"' in shown


def test_only_the_organisations_team_reads_its_statement(client, login_as, people):
    p = people
    opened(client, login_as, p["sponsor"], title="Helios secret brief")
    login_as(p["sponsor"])
    page = client.get("/payouts?account=organisation").text
    assert "Helios secret brief" in page and position(page)["EUR"]["held"] == 63000
    for who in ("outsider", "rival"):
        login_as(p[who])
        assert "Helios secret brief" not in client.get("/payouts?account=organisation").text
        assert "Helios secret brief" not in client.get("/payouts/organisation.csv").text
    login_as(p["outsider"])  # no organisation: no organisation's statement
    assert client.get("/payouts/organisation.csv").status_code == 404
    assert client.get("/payouts?account=organisation").status_code == 200  # their own payouts
    login_as(p["rival"])
    assert position(client.get("/payouts?account=organisation").text) == {}
    assert read_csv(client.get("/payouts/organisation.csv")) == []
    assert client.get("/payouts/nobody.csv").status_code == 404
