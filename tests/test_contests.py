"""Contests (the Wilogo flow) through the HTTP client: phases moved by the clock (applied by the scheduler's round
or by a write, never by a page) with their history, entries, coups de cœur, finalists, adjustments, the winner, the
ledger and the copyright transfer; expert challenges."""

import io
import time
from datetime import timedelta

import pytest
from conftest import TEST_CONFIG
from flask import g
from PIL import Image
from sqlalchemy import event, func, select, text

from crowdspirit import background, create_app
from crowdspirit.contests import services as contests
from crowdspirit.contests.models import (
    Contest,
    ContestInvitation,
    CopyrightTransfer,
    Entry,
    EntryHeart,
    EntryRevision,
    Phase,
    PhaseChange,
    TermsAcceptance,
)
from crowdspirit.errors import Conflict
from crowdspirit.extensions import db
from crowdspirit.karma.maintenance import check as karma_check
from crowdspirit.karma.models import KarmaEvent
from crowdspirit.ledger import services as ledger
from crowdspirit.ledger.models import LedgerTransaction
from crowdspirit.signals import contest_entry_submitted, contest_finalists_chosen, contest_phase_changed, contest_won

CONTEST = {"kind": "contest", "title": "A logo for Helios", "brief": "We want a **logo**.", "project_id": "0",
           "prize": "500.00", "currency": "EUR", "winner_share": "60", "finalists_wanted": "3",
           "finalist_bonus": "50.00", "pool": "30.00", "min_entries": "5", "private_hours": "72",
           "public_hours": "96", "shortlist_hours": "72", "adjustments_hours": "120",
           "terms_text": "Your entry is your own work.", "transfer_text": "I transfer my rights.", "criteria": ""}


def png(color=(200, 40, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def sign_out(client) -> None:
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()


@pytest.fixture
def people(make_user, make_org):
    helios = make_org("Helios Audio")
    return {"sponsor": make_user(name="Sam Sponsor", organisation=helios),
            "hana": make_user(name="Hana Helios", organisation=helios),
            "ann": make_user(name="Ann Artist"), "bob": make_user(name="Bob Builder"),
            "cat": make_user(name="Cat Creator"), "voter": make_user(name="Vic Voter"),
            "late": make_user(name="Lou Late"), "outsider": make_user(name="Otto Outsider")}


def create(client, login_as, sponsor, **fields):
    login_as(sponsor)
    response = client.post("/contests/new", data={**CONTEST, **fields})
    assert response.status_code == 303, response.text[-1500:]
    return db.session.scalar(select(Contest).order_by(Contest.id.desc()))


def opened(client, login_as, sponsor, **fields):
    contest = create(client, login_as, sponsor, **fields)
    assert client.post(f"/contests/{contest.id}/open").status_code == 303
    db.session.refresh(contest)
    return contest


def enter(client, login_as, contest, user, title="My logo", files=None, accept=True, version=None):
    login_as(user)
    data = {"title": title, "text": "A round **sun**.", "terms_version": str(version or contest.terms_version),
            "files": [(io.BytesIO(content), name) for name, content in (files or [("logo.png", png())])]}
    if accept:
        data["accept_terms"] = "y"
    return client.post(f"/contests/{contest.id}/enter", data=data, content_type="multipart/form-data")


def entry_of(user, title="My logo") -> Entry:
    db.session.expire_all()
    return db.session.scalar(select(Entry).where(Entry.author_id == user.id, Entry.title == title))


def statement_total(user) -> int:
    return ledger.balance(ledger.member_account(user.id), "EUR")


def assert_balanced():
    assert all(total == 0 for total in ledger.totals().values()), ledger.totals()


def history(contest) -> list[tuple[str, str, int | None]]:
    """(from, to, actor id) of the contest's phase changes, oldest first."""
    return [(c.from_phase, c.to_phase, c.actor_id) for c in db.session.scalars(
        select(PhaseChange).where(PhaseChange.contest_id == contest.id).order_by(PhaseChange.id))]


# --- The whole Wilogo flow -----------------------------------------------------------------------
def test_the_wilogo_flow_end_to_end(client, login_as, people, clock):
    """Draft -> private -> public -> shortlist -> adjustments -> winner -> transfer signed -> closed; money follows."""
    received = {"entries": [], "finalists": [], "won": [], "phases": []}
    handlers = [(contest_entry_submitted, lambda e: received["entries"].append(e.id)),
                (contest_finalists_chosen, lambda c, entries: received["finalists"].append(len(entries))),
                (contest_won, lambda c, entry: received["won"].append(entry.id)),
                (contest_phase_changed, lambda c, source, **_move: received["phases"].append((source, c.phase)))]
    for signal, handler in handlers:
        signal.connect(handler)
    try:
        _run_flow(client, login_as, people, clock, received)
    finally:
        for signal, handler in handlers:
            signal.disconnect(handler)
    # karma follows the same signals: entries, finalists and the win earn their authors, and the log adds up
    winners = set(db.session.scalars(select(KarmaEvent.user_id).where(KarmaEvent.rule == "contest_win")))
    assert winners == {people["ann"].id}
    earned = set(db.session.scalars(select(KarmaEvent.rule).where(KarmaEvent.user_id == people["ann"].id)))
    assert {"contest_entry", "contest_finalist", "contest_win"} <= earned
    assert not karma_check()


def _run_flow(client, login_as, people, clock, received):
    p = people
    contest = create(client, login_as, p["sponsor"])
    assert contest.phase == Phase.DRAFT
    login_as(p["ann"])
    assert client.get(f"/contests/{contest.id}").status_code == 404  # a draft is the sponsor's team's
    login_as(p["hana"])
    assert client.post(f"/contests/{contest.id}/open").status_code == 303  # any member of the team
    db.session.refresh(contest)
    assert contest.phase == Phase.PRIVATE and contest.escrow_cents == 50000 + 2 * 5000 + 3000
    assert ledger.balance(ledger.escrow_account(contest.id), "EUR") == 63000
    assert ledger.balance(ledger.sponsor_account(contest.organisation_id), "EUR") == -63000
    assert client.post(f"/contests/{contest.id}/open").status_code == 409  # opening twice moves nothing
    assert ledger.balance(ledger.escrow_account(contest.id), "EUR") == 63000

    # Private creation: several entries per member, each seen only by its author and the sponsor's team.
    assert enter(client, login_as, contest, p["ann"], "Sun").status_code == 303
    assert enter(client, login_as, contest, p["ann"], "Moon", [("moon.jpg", png((0, 0, 90)))]).status_code == 303
    assert enter(client, login_as, contest, p["bob"], "Wave", [("wave.pdf", b"%PDF-1.4 wave")]).status_code == 303
    assert enter(client, login_as, contest, p["cat"], "Comet").status_code == 303
    assert len(received["entries"]) == 4
    sun, moon, wave, star = (entry_of(p["ann"], "Sun"), entry_of(p["ann"], "Moon"), entry_of(p["bob"], "Wave"),
                             entry_of(p["cat"], "Comet"))
    assert db.session.scalar(select(TermsAcceptance.text).where(TermsAcceptance.user_id == p["ann"].id)) == \
        CONTEST["terms_text"]
    login_as(p["bob"])
    assert client.get(f"/entries/{sun.id}").status_code == 404
    page = client.get(f"/contests/{contest.id}").text
    assert "Wave" in page and "Sun" not in page and "1 entry you can see" in page
    login_as(p["cat"])
    assert client.post(f"/entries/{star.id}/withdraw").status_code == 303
    login_as(p["sponsor"])
    page = client.get(f"/contests/{contest.id}").text
    assert all(t in page for t in ("Sun", "Moon", "Wave")) and "Comet" not in page and "3 entries you can see" in page

    # The public phase starts by date, with the scheduler's next round.
    clock.advance(hours=72)
    assert contests.catch_up_all() == 1
    login_as(p["voter"])
    page = client.get(f"/contests/{contest.id}").text
    db.session.refresh(contest)
    assert contest.phase == Phase.PUBLIC and all(t in page for t in ("Sun", "Moon", "Wave")) and "Comet" not in page
    assert client.get(f"/entries/{star.id}").status_code == 404  # withdrawn: its author's only
    late = enter(client, login_as, contest, p["late"], "Late")
    assert late.status_code == 409 and "Entries are closed" in late.text
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.author_id == p["late"].id)) == 0
    login_as(p["ann"])
    assert client.post(f"/entries/{sun.id}/withdraw").status_code == 409
    assert client.post(f"/entries/{sun.id}/heart").status_code == 403  # never on one's own
    login_as(p["sponsor"])
    refused = client.post(f"/entries/{sun.id}/heart")  # nor from the sponsor's team: hearts share the pool
    assert refused.status_code == 403 and "Coups de cœur come from the community" in refused.text
    assert f"/entries/{sun.id}/heart" not in client.get(f"/entries/{sun.id}").text  # nor offered to them
    login_as(p["voter"])
    assert client.post(f"/entries/{sun.id}/heart").status_code == 303
    assert client.post(f"/entries/{sun.id}/heart").status_code == 409
    assert client.post(f"/entries/{sun.id}/comments", data={"body": "Love the rays"}).status_code == 303
    db.session.refresh(sun)
    assert sun.heart_count == 1 and db.session.scalar(select(func.count(EntryHeart.id))) == 1
    assert client.get(f"/contest-files/{sun.files[0].id}/thumbnail.png").status_code == 200
    assert client.get(f"/contest-files/{sun.files[0].id}/logo.png").status_code == 403  # originals stay the author's
    assert client.post(f"/contests/{contest.id}/advance").status_code == 403
    sign_out(client)
    assert client.get(f"/entries/{sun.id}").status_code == 404  # visitors see the brief, not the entries
    assert "Sign in to see the entries" in client.get(f"/contests/{contest.id}").text

    # Shortlist: the sponsor starts it now; at most three finalists.
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/advance").status_code == 303
    db.session.refresh(contest)
    assert contest.phase == Phase.SHORTLIST
    assert client.post(f"/contests/{contest.id}/advance").status_code == 409  # finalists first
    fourth = enter(client, login_as, contest, p["late"], "Too late")
    assert fourth.status_code == 409
    login_as(p["sponsor"])
    too_many = client.post(f"/contests/{contest.id}/finalists",
                           data={"entry_id": [sun.id, moon.id, wave.id, star.id]})
    assert too_many.status_code == 400 and "3 finalists at most" in too_many.text
    assert contests.finalists(contest) == []
    assert client.post(f"/contests/{contest.id}/finalists", data={"entry_id": [star.id]}).status_code == 400
    assert client.post(f"/contests/{contest.id}/finalists",
                       data={"entry_id": [sun.id, moon.id, wave.id]}).status_code == 303
    assert received["finalists"] == [3]
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": sun.id}).status_code == 409  # too early

    # Adjustments start by date; the sponsor asks, the finalist revises (a new revision, files kept).
    clock.advance(hours=73)
    login_as(p["bob"])
    client.get(f"/entries/{wave.id}")
    db.session.refresh(contest)
    assert contest.phase == Phase.SHORTLIST  # a page shows the stored phase
    assert contests.catch_up_all() == 1
    db.session.refresh(contest)
    assert contest.phase == Phase.ADJUSTMENTS
    login_as(p["sponsor"])
    assert client.post(f"/entries/{wave.id}/adjustment", data={"request": "Bluer, please"}).status_code == 303
    login_as(p["bob"])
    assert "Bluer, please" in client.get(f"/entries/{wave.id}").text
    revised = client.post(f"/entries/{wave.id}/revisions", content_type="multipart/form-data", data={
        "title": "Wave (blue)", "text": "Bluer", "note": "colour", "files": [(io.BytesIO(png((0, 0, 255))), "w.png")]})
    assert revised.status_code == 303
    db.session.expire_all()
    assert [r.number for r in db.session.get(Entry, wave.id).revisions] == [2, 1]
    login_as(p["cat"])
    assert client.post(f"/entries/{star.id}/revisions", data={"title": "x"}).status_code in (404, 409)

    # The winner: bonuses to the other finalists, the pool shared; awarding twice refused.
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": sun.id}).status_code == 303
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": wave.id}).status_code == 409
    assert received["won"] == [sun.id]
    db.session.refresh(contest)
    assert contest.phase == Phase.WINNER and contest.winner_entry_id == sun.id
    # pool 3000: Ann 2 entries + 1 coup de cœur = 3 points, Bob 1, Vic 1 comment -> 1800 / 600 / 600
    assert statement_total(p["ann"]) == 5000 + 1800 and statement_total(p["bob"]) == 5000 + 600
    assert statement_total(p["voter"]) == 600 and statement_total(p["cat"]) == 0
    assert_balanced()

    # Originals: refused to the sponsor until the winner signs; then the contest closes and the winner is paid.
    original = f"/contest-files/{sun.files[0].id}/logo.png"
    refused = client.get(original)
    assert refused.status_code == 403 and "copyright transfer" in refused.text
    assert client.get(f"/contests/{contest.id}/transfer").status_code == 403
    login_as(p["bob"])
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 403
    login_as(p["ann"])
    assert client.get(original).status_code == 200
    assert client.post(f"/contests/{contest.id}/transfer", data={"version": "1"}).status_code == 422
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "0"}).status_code == 409
    assert db.session.scalar(select(func.count(CopyrightTransfer.id))) == 0
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 303
    transfer = db.session.scalar(select(CopyrightTransfer))
    assert (transfer.user_id, transfer.version, transfer.text, transfer.ip_address) == (
        p["ann"].id, 1, CONTEST["transfer_text"], "203.0.113.7")
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 409
    db.session.refresh(contest)
    assert contest.phase == Phase.CLOSED
    # Every phase change has its history row (who: None when by date) and its signal.
    team, ann = p["hana"].id, p["ann"].id
    assert history(contest) == [("draft", "private", team), ("private", "public", None),
                                ("public", "shortlist", p["sponsor"].id), ("shortlist", "adjustments", None),
                                ("adjustments", "winner", p["sponsor"].id), ("winner", "closed", ann)]
    assert received["phases"] == [(before, after) for before, after, _actor in history(contest)]
    login_as(p["sponsor"])
    download = client.get(original)
    assert download.status_code == 200 and download.data == png()
    assert client.get(f"/contest-files/{wave.files[0].id}/wave.pdf").status_code == 403  # not the winner's

    # The ledger: everything out of escrow, every line balanced, each member's statement.
    assert statement_total(p["ann"]) == 30000 + 5000 + 1800
    assert ledger.balance(ledger.PLATFORM, "EUR") == 20000
    assert ledger.balance(ledger.escrow_account(contest.id), "EUR") == 0
    assert ledger.balance(ledger.sponsor_account(contest.organisation_id), "EUR") == -63000
    assert_balanced()
    login_as(p["ann"])
    statement = client.get("/payouts").text
    assert "368,00" in statement.replace("\u202f", "").replace(",", ",") or "368.00" in statement
    assert "Prize to the winner" in statement and "A logo for Helios" in statement
    login_as(p["sponsor"])
    assert "-€630.00" in client.get("/payouts?account=organisation").text.replace("\u2212", "-")


def test_unused_bonuses_and_pool_return_to_the_sponsor(client, login_as, people, clock):
    """Two finalists of three announced and nobody to share the pool with... the rest goes back on closing."""
    p = people
    contest = opened(client, login_as, p["sponsor"], pool="20.00")
    for user, title in ((p["ann"], "A"), (p["bob"], "B")):
        assert enter(client, login_as, contest, user, title).status_code == 303
    a, b = entry_of(p["ann"], "A"), entry_of(p["bob"], "B")
    clock.advance(hours=72 + 96)
    assert contests.catch_up_all() == 2
    login_as(p["sponsor"])
    client.get(f"/contests/{contest.id}")
    db.session.refresh(contest)
    assert contest.phase == Phase.SHORTLIST
    assert contest.phase_started_at == contest.opened_at + timedelta(hours=168)
    assert client.post(f"/contests/{contest.id}/finalists", data={"entry_id": [a.id, b.id]}).status_code == 303
    assert client.post(f"/contests/{contest.id}/advance").status_code == 303
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": b.id}).status_code == 303
    login_as(p["bob"])
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 303
    escrow = 50000 + 2 * 5000 + 2000
    # pool: Ann 1 point, Bob 1 point -> 1000 each; one bonus (Ann) paid; the other bonus (5000) returns
    assert statement_total(p["ann"]) == 5000 + 1000 and statement_total(p["bob"]) == 30000 + 1000
    assert ledger.balance(ledger.sponsor_account(contest.organisation_id), "EUR") == -escrow + 5000
    assert ledger.balance(ledger.escrow_account(contest.id), "EUR") == 0
    assert_balanced()
    kinds = [t.memo for t in db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id))]
    assert kinds == ["contest.opened", "contest.bonuses", "contest.pool", "contest.prize", "contest.refund"]


def test_phases_advance_once_and_on_schedule(app, people, clock, client, login_as):
    """A stale read never advances a phase twice; catching up applies phases at their scheduled times."""
    contest = opened(client, login_as, people["sponsor"])
    clock.advance(hours=72)
    db.session.commit()
    assert contest.phase == Phase.PRIVATE  # read now...
    with db.engine.begin() as other:  # ...then another process moves it first, behind this session's back
        other.execute(text("UPDATE contests SET phase = 'public' WHERE id = :id"), {"id": contest.id})
    assert contest.phase == Phase.PRIVATE
    with pytest.raises(Conflict):
        contests.LIFECYCLE.move(contest, Phase.PUBLIC, {"phase_started_at": clock.now()}, at=clock.now())
    assert contest.phase == Phase.PUBLIC
    assert history(contest) == [("draft", "private", people["sponsor"].id)]  # the losing move wrote nothing
    public_started = contest.phase_started_at
    clock.advance(hours=96 + 500)
    assert contests.catch_up(contest) == 1
    assert contest.phase == Phase.SHORTLIST  # waits there for the sponsor's finalists, however late
    assert contest.phase_started_at == public_started + timedelta(hours=96)  # when it was due, not now
    change = db.session.scalar(select(PhaseChange).order_by(PhaseChange.id.desc()))
    assert (change.to_phase, change.actor_id, change.changed_at) == ("shortlist", None, contest.phase_started_at)
    assert contests.catch_up_all() == 0  # nothing more is due: the scheduler's round writes nothing


def test_pages_show_the_stored_phase_and_writes_catch_up(app, people, clock, client, login_as):
    """Once a dated phase has ended, no page moves the contest (nothing is written but the sign-in's last use, noted
    once a minute); the scheduler's round, or a write that needs the current phase, applies the change (the coup de
    cœur finds the public phase)."""
    contest = opened(client, login_as, people["sponsor"])
    assert enter(client, login_as, contest, people["ann"], "Sun").status_code == 303
    sun = entry_of(people["ann"], "Sun")
    clock.advance(hours=72)
    writes = []

    def count(_connection, _cursor, statement, *_args) -> None:
        """A statement that writes, other than the note of a sign-in's last use."""
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE") \
                and not statement.lstrip().upper().startswith("UPDATE USER_SESSIONS SET LAST_SEEN_AT"):
            writes.append(statement)

    login_as(people["voter"])
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url in (f"/contests/{contest.id}", "/contests", f"/entries/{sun.id}",
                    f"/contest-files/{sun.files[0].id}/thumbnail.png", f"/contests/{contest.id}/enter"):
            client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert writes == [] and history(contest) == [("draft", "private", people["sponsor"].id)]
    late = client.get(f"/contests/{contest.id}/enter")  # the entry form still knows the creation phase is over
    assert late.status_code == 409 and "Entries are closed" in late.text
    assert client.post(f"/entries/{sun.id}/heart").status_code == 303  # the write found the public phase
    db.session.refresh(contest)
    assert contest.phase == Phase.PUBLIC and contest.phase_started_at == contest.opened_at + timedelta(hours=72)
    assert history(contest)[-1] == ("private", "public", None)


def test_the_contest_phases_command_applies_due_changes(app, people, clock, client, login_as):
    """`flask crowdspirit contest-phases` (cron) applies what is due, and says how much."""
    contest = opened(client, login_as, people["sponsor"])
    runner = app.test_cli_runner()
    assert "0 contest phase change(s) applied." in runner.invoke(args=["crowdspirit", "contest-phases"]).output
    clock.advance(hours=72 + 96)
    result = runner.invoke(args=["crowdspirit", "contest-phases"])
    assert result.exit_code == 0 and "2 contest phase change(s) applied." in result.output
    db.session.refresh(contest)
    assert contest.phase == Phase.SHORTLIST


def test_the_scheduler_thread_applies_due_changes(database_url, people, clock, client, login_as):
    """CONTEST_SCHEDULER=thread: the first request starts this process's scheduler, whose round moves the contest."""
    contest = opened(client, login_as, people["sponsor"])
    clock.advance(hours=72)
    threaded = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CONTEST_SCHEDULER": "thread"})
    try:
        assert threaded.test_client().get("/healthz").status_code == 200
        contests.scheduler_wake.set()  # its round now, rather than in a minute
        deadline = time.monotonic() + 10
        while db.session.scalar(select(Contest.phase).where(Contest.id == contest.id)) != Phase.PUBLIC:
            assert time.monotonic() < deadline, "the scheduler thread did not apply the due phase change"
            db.session.rollback()
            time.sleep(0.05)
    finally:
        assert background.stop_all(2 * contests.SCHEDULER_SECONDS) == []
        with threaded.app_context():
            db.engine.dispose()
    assert history(contest)[-1] == ("private", "public", None)


# --- Refusals --------------------------------------------------------------------------------------
def test_only_sponsors_create_and_run_contests(client, login_as, people, make_user, make_org):
    login_as(people["ann"])
    assert client.get("/contests/new").status_code == 403
    assert client.post("/contests/new", data=CONTEST).status_code == 403
    contest = create(client, login_as, people["sponsor"])
    other = make_user(name="Victor", organisation=make_org("Veloce"))
    login_as(other)
    assert client.post(f"/contests/{contest.id}/open").status_code == 404  # another sponsor's draft
    login_as(people["sponsor"])
    client.post(f"/contests/{contest.id}/open")
    login_as(other)
    assert client.post(f"/contests/{contest.id}/advance").status_code == 403
    login_as(people["hana"])
    assert client.get(f"/contests/{contest.id}/enter").status_code == 403  # the team does not enter
    assert ledger.totals() == {"EUR": 0}


@pytest.mark.parametrize("field, value", [("prize", "-5"), ("prize", "0"), ("prize", "12.345"), ("prize", "abc"),
                                          ("finalist_bonus", "-1"), ("winner_share", "120"), ("pool", "1e9"),
                                          ("finalists_wanted", "0"), ("private_hours", "0"), ("currency", "XXX")])
def test_bad_amounts_are_refused_and_nothing_stored(client, login_as, people, field, value):
    login_as(people["sponsor"])
    response = client.post("/contests/new", data={**CONTEST, field: value})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count(Contest.id))) == 0


def test_entering_needs_the_terms_and_valid_files(client, login_as, people, clock):
    contest = opened(client, login_as, people["sponsor"])
    refused = enter(client, login_as, contest, people["ann"], accept=False)
    assert refused.status_code == 422 and "Accept the contest" in refused.text
    bad = enter(client, login_as, contest, people["ann"], files=[("logo.exe", b"MZ\x90\x00")])
    assert bad.status_code == 422 and "Only PDF, PNG" in bad.text
    broken = enter(client, login_as, contest, people["ann"], files=[("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20)])
    assert broken.status_code == 422 and "could not be read" in broken.text
    assert enter(client, login_as, contest, people["ann"], version=7).status_code == 409
    assert db.session.scalar(select(func.count(Entry.id))) == 0
    assert db.session.scalar(select(func.count(TermsAcceptance.id))) == 0


def test_withdrawn_entries_leave_the_lists(client, login_as, people, clock):
    contest = opened(client, login_as, people["sponsor"])
    enter(client, login_as, contest, people["ann"], "Gone")
    gone = entry_of(people["ann"], "Gone")
    assert client.post(f"/entries/{gone.id}/withdraw").status_code == 303
    assert client.post(f"/entries/{gone.id}/withdraw").status_code == 409
    assert db.session.scalar(select(func.sum(KarmaEvent.points)).where(  # its karma is taken back
        KarmaEvent.source_kind == "entry", KarmaEvent.source_id == gone.id)) == 0
    login_as(people["bob"])
    assert client.post(f"/entries/{gone.id}/withdraw").status_code == 404
    assert contests.entry_counts([contest.id], people["sponsor"]) == {}


# --- Who sees what ---------------------------------------------------------------------------------
def test_nobody_sees_or_counts_private_entries_of_others(client, login_as, people, clock):
    """Lists, counts and pages agree: in the private phase only one's own entries (and the team all)."""
    contest = opened(client, login_as, people["sponsor"])
    enter(client, login_as, contest, people["ann"], "Secret sun")
    enter(client, login_as, contest, people["bob"], "Secret wave")
    for who, expected in (("ann", 1), ("bob", 1), ("voter", 0), ("sponsor", 2), ("hana", 2)):
        user = people[who]
        assert contests.entry_counts([contest.id], user).get(contest.id, 0) == expected, who
        login_as(user)
        listing = client.get("/contests").text
        assert ("Secret sun" in client.get(f"/contests/{contest.id}").text) == (who in ("ann", "sponsor", "hana"))
        assert "Secret" not in listing
    sign_out(client)
    assert "Secret" not in client.get(f"/contests/{contest.id}").text
    clock.advance(hours=72)
    contests.catch_up_all()
    login_as(people["voter"])
    assert "Secret sun" in client.get(f"/contests/{contest.id}").text  # the public phase started by date
    assert contests.entry_counts([contest.id], people["voter"]) == {contest.id: 2}


def test_a_contest_in_a_project_follows_its_visibility(client, login_as, people, make_project, add_member):
    project = make_project(owner=people["sponsor"], kind="sponsored", policy_idea="project", policy_vote="project",
                           policy_spec="project", policy_partner_rnd="project")
    contest = opened(client, login_as, people["sponsor"], project_id=str(project.id))
    add_member(project, people["ann"])
    login_as(people["ann"])
    assert client.get(f"/contests/{contest.id}").status_code == 200
    assert enter(client, login_as, contest, people["ann"]).status_code == 303
    login_as(people["outsider"])
    assert client.get(f"/contests/{contest.id}").status_code == 404
    assert contest.title not in client.get("/contests").text
    login_as(people["ann"])
    assert client.post("/contests/new", data={**CONTEST, "project_id": str(project.id)}).status_code == 403


# --- Expert challenges -------------------------------------------------------------------------------
def test_expert_challenge_private_submissions_scored_with_a_rubric(client, login_as, people, clock, make_user):
    p = people
    expert = make_user(name="Eve Expert", kind="expert")
    expert.skills = "acoustics, DSP"
    db.session.commit()
    contest = opened(client, login_as, p["sponsor"], kind="challenge", criteria="Feasibility: 3\nOriginality")
    assert contest.finalists_wanted == 1 and contest.escrow_cents == 50000 + 3000
    login_as(p["sponsor"])
    found = client.get(f"/contests/{contest.id}/experts?skill=dsp&kind=expert").text
    assert "Eve Expert" in found and "Ann Artist" not in found
    assert client.post(f"/contests/{contest.id}/experts", data={"user_id": expert.id}).status_code == 303
    assert client.post(f"/contests/{contest.id}/experts", data={"user_id": expert.id}).status_code == 409
    assert db.session.scalar(select(func.count(ContestInvitation.id))) == 1
    enter(client, login_as, contest, p["ann"], "Plan A")
    enter(client, login_as, contest, expert, "Plan B")
    a, b = entry_of(p["ann"], "Plan A"), entry_of(expert, "Plan B")
    clock.advance(hours=72)
    contests.catch_up_all()
    login_as(p["bob"])
    client.get(f"/contests/{contest.id}")
    db.session.refresh(contest)
    assert contest.phase == Phase.SHORTLIST  # no public phase
    assert client.get(f"/entries/{a.id}").status_code == 404
    assert contests.entry_counts([contest.id], p["bob"]) == {}
    login_as(p["ann"])
    assert client.get(f"/entries/{b.id}").status_code == 404
    assert client.post(f"/entries/{b.id}/heart").status_code == 404
    login_as(p["sponsor"])
    rubric = contests.criteria(contest)
    assert [(c.name, c.weight) for c in rubric] == [("Feasibility", 3), ("Originality", 1)]
    assert client.post(f"/entries/{a.id}/scores", data={f"criterion-{rubric[0].id}": "11"}).status_code == 400
    client.post(f"/entries/{a.id}/scores", data={f"criterion-{rubric[0].id}": "4", f"criterion-{rubric[1].id}": "8"})
    client.post(f"/entries/{b.id}/scores", data={f"criterion-{rubric[0].id}": "9", f"criterion-{rubric[1].id}": "1"})
    ranking = contests.ranking(contest, p["sponsor"])
    assert [(e.id, total) for e, total, _given in ranking] == [(b.id, 7.0), (a.id, 5.0)]
    assert "Ranking" in client.get(f"/contests/{contest.id}").text
    login_as(p["ann"])
    assert client.post(f"/entries/{a.id}/scores", data={}).status_code == 403
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": b.id}).status_code == 303
    login_as(expert)
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 303
    assert statement_total(expert) == 30000 + 1500 and statement_total(p["ann"]) == 1500
    assert_balanced()


def test_revisions_and_adjustments_only_for_finalists_in_their_phase(client, login_as, people, clock):
    contest = opened(client, login_as, people["sponsor"])
    enter(client, login_as, contest, people["ann"], "Draft")
    entry = entry_of(people["ann"], "Draft")
    assert client.post(f"/entries/{entry.id}/revisions", data={"title": "New"}).status_code == 409
    login_as(people["sponsor"])
    assert client.post(f"/entries/{entry.id}/adjustment", data={"request": "x"}).status_code == 409
    assert db.session.scalar(select(func.count(EntryRevision.id))) == 1
