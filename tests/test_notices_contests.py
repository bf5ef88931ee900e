"""The contests' notices over HTTP: entrants hear of the phases (moved by the sponsor or by date), finalists of
their shortlisting and of the sponsor's requests for changes, the winner of the win and of the transfer to sign, the
other finalists of the result, members of what is booked to their payouts (with the amount), the sponsor's team of the
decisions waiting; never the actor, withdrawn entrants or outsiders; nobody who may no longer see the contest."""

import html
import io

import pytest
from PIL import Image
from sqlalchemy import select

from crowdspirit.contests import services as contests
from crowdspirit.contests.models import Contest, Entry
from crowdspirit.extensions import db
from crowdspirit.notifications.models import Notification
from crowdspirit.projects import services as projects

CONTEST = {"kind": "contest", "title": "A logo for Helios", "brief": "We want a **logo**.", "project_id": "0",
           "prize": "500.00", "currency": "EUR", "winner_share": "60", "finalists_wanted": "3",
           "finalist_bonus": "50.00", "pool": "0.00", "min_entries": "0", "private_hours": "72",
           "public_hours": "96", "shortlist_hours": "72", "adjustments_hours": "120",
           "terms_text": "Your entry is your own work.", "transfer_text": "I transfer my rights.", "criteria": ""}
TITLE = "“A logo for Helios”"
HOURS = {"private": 72, "public": 96}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def people(make_user, make_org):
    helios = make_org("Helios Audio")
    return {"sponsor": make_user(name="Sam Sponsor", organisation=helios),
            "hana": make_user(name="Hana Helios", organisation=helios),
            "ann": make_user(name="Ann Artist"), "bob": make_user(name="Bob Builder"),
            "cat": make_user(name="Cat Creator"), "dan": make_user(name="Dan Dropout"),
            "outsider": make_user(name="Otto Outsider")}


def opened(client, login_as, sponsor, **fields) -> Contest:
    """The sponsor writes and opens a contest through its pages."""
    login_as(sponsor)
    assert client.post("/contests/new", data={**CONTEST, **fields}).status_code == 303
    contest = db.session.scalar(select(Contest).order_by(Contest.id.desc()))
    assert client.post(f"/contests/{contest.id}/open").status_code == 303
    return contest


def enter(client, login_as, contest, user, title="My logo") -> Entry:
    """The member enters the contest through its form."""
    login_as(user)
    response = client.post(f"/contests/{contest.id}/enter", content_type="multipart/form-data", data={
        "title": title, "text": "A round sun.", "terms_version": "1", "accept_terms": "y",
        "files": [(io.BytesIO(png()), "logo.png")]})
    assert response.status_code == 303, response.text[-800:]
    return db.session.scalar(select(Entry).where(Entry.author_id == user.id, Entry.title == title))


def page(client, login_as, user) -> str:
    """The member's notifications page, as its text reads."""
    login_as(user)
    return html.unescape(client.get("/notifications").text)


def told(kind: str) -> list[int]:
    """The ids of the members who got a notification of this kind, in order."""
    db.session.expire_all()
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def moved_by_date(clock, phase: str) -> None:
    """The phase's end date passes and the scheduler's round applies the change."""
    clock.advance(hours=HOURS[phase])
    assert contests.catch_up_all() == 1


@pytest.fixture
def shortlisting(client, login_as, people, clock):
    """A contest whose entries (Ann's, Bob's, Cat's; Dan withdrew his) reached the shortlist by date."""
    contest = opened(client, login_as, people["sponsor"])
    entries = {name: enter(client, login_as, contest, people[name]) for name in ("ann", "bob", "cat", "dan")}
    login_as(people["dan"])
    assert client.post(f"/entries/{entries['dan'].id}/withdraw").status_code == 303
    moved_by_date(clock, "private")
    moved_by_date(clock, "public")
    return contest, entries


def test_phases_moved_by_date_reach_the_entrants_and_the_shortlist_the_sponsors_team(client, login_as, people,
                                                                                     shortlisting):
    """The scheduler moved the contest to its public phase, then to its shortlist: each entrant still in reads both
    moves; the sponsor's whole team is asked to choose the finalists; Dan who withdrew and outsiders hear nothing."""
    contest, _entries = shortlisting
    p = people
    entrants = sorted(p[name].id for name in ("ann", "bob", "cat"))
    assert told("contest.phase") == sorted(entrants * 2)
    text = page(client, login_as, p["ann"])
    assert text.index(f"The contest {TITLE} moved on: entries are closed and the sponsor is choosing") < text.index(
        f"The contest {TITLE} moved on: its public phase began, every member sees the entries")
    assert told("contest.decide") == sorted([p["sponsor"].id, p["hana"].id])
    for member in (p["sponsor"], p["hana"]):
        assert f"The contest {TITLE} waits for your decision: choose the finalists" in page(client, login_as, member)
    for member in (p["dan"], p["outsider"]):
        assert "Helios" not in page(client, login_as, member)
    assert "choose the finalists" not in page(client, login_as, p["ann"])


def test_finalists_changes_the_win_and_the_payouts(client, login_as, people, shortlisting):
    """Through the sponsor's pages: the finalists are told once each, a finalist reads the changes asked with the
    sponsor's words, the winner reads the win and the transfer to sign, the other finalist the result and the bonus
    booked, then the winner their prize; the sponsor who acted is told none of it."""
    contest, entries = shortlisting
    p = people
    login_as(p["sponsor"])
    for chosen in (["ann"], ["ann", "bob"]):  # choosing again tells the newly chosen only
        data = {"entry_id": [str(entries[name].id) for name in chosen]}
        assert client.post(f"/contests/{contest.id}/finalists", data=data).status_code == 303
    assert told("contest.shortlisted") == sorted([p["ann"].id, p["bob"].id])
    assert f"Your entry is a finalist of the contest {TITLE}" in page(client, login_as, p["bob"])
    assert "finalist" not in page(client, login_as, p["cat"])

    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/advance").status_code == 303
    assert client.post(f"/entries/{entries['ann'].id}/adjustment",
                       data={"request": "Make the sun bigger, please."}).status_code == 303
    assert told("contest.adjust") == [p["ann"].id]
    text = page(client, login_as, p["ann"])
    assert f"The sponsor of the contest {TITLE} asks for changes to your entry" in text
    assert "Make the sun bigger, please." in text
    assert "the finalists adjust their entries at the sponsor's request" in text
    assert "asks for changes" not in page(client, login_as, p["bob"])

    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": entries["ann"].id}).status_code == 303
    text = page(client, login_as, p["ann"])
    assert f"Your entry won the contest {TITLE}" in text
    assert f"You won the contest {TITLE}: sign the copyright transfer to receive your prize" in text
    assert "another finalist" not in text
    text = page(client, login_as, p["bob"])
    assert f"The winner of the contest {TITLE} is picked: another finalist's entry won" in text
    assert f"Your finalist's bonus, €50.00 from {TITLE}, is booked to your payouts" in text
    assert f"The contest {TITLE} moved on: the winner is picked" in page(client, login_as, p["cat"])
    assert told("contest.won") == told("contest.transfer") == [p["ann"].id]
    assert told("contest.result") == told("contest.payout") == [p["bob"].id]
    assert "pick the winner" not in page(client, login_as, p["hana"])  # the sponsor picked it: nothing waits

    login_as(p["ann"])
    assert client.post(f"/contests/{contest.id}/transfer", data={"accept": "y", "version": "1"}).status_code == 303
    text = page(client, login_as, p["ann"])
    assert f"Your prize, €300.00 from {TITLE}, is booked to your payouts" in text
    assert f"The contest {TITLE} moved on: the winner signed the copyright transfer, the contest is closed" in \
        page(client, login_as, p["bob"])
    sponsor_told = db.session.scalars(select(Notification.kind).where(Notification.user_id == p["sponsor"].id))
    assert list(sponsor_told) == ["contest.decide"]  # the shortlist by date; nothing the sponsor did


def test_a_challenge_asks_its_sponsor_for_the_winner(client, login_as, people, clock):
    """An expert challenge's shortlist asks the team to pick the winner (it has no finalists); picking one tells the
    winner and the other entrant that the winner is picked."""
    p = people
    contest = opened(client, login_as, p["sponsor"], kind="challenge", criteria="Feasibility: 3")
    ann, bob = (enter(client, login_as, contest, p[name], title) for name, title in (("ann", "A"), ("bob", "B")))
    moved_by_date(clock, "private")
    assert f"The contest {TITLE} waits for your decision: pick the winner" in page(client, login_as, p["hana"])
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": ann.id}).status_code == 303
    assert told("contest.won") == [p["ann"].id] and told("contest.result") == []
    assert f"The contest {TITLE} moved on: the winner is picked" in page(client, login_as, p["bob"])
    assert told("contest.transfer") == [ann.author_id] and "won" not in page(client, login_as, bob.author)


def test_a_contest_in_a_project_tells_only_who_sees_the_project_and_while_they_do(client, login_as, people, clock,
                                                                                    make_project, add_member):
    """In a project open to its members only: Bob, taken out before the move, is not told; Ann, taken out after it,
    no longer reads what she was told."""
    p = people
    project = make_project(owner=p["sponsor"], kind="sponsored", policy_idea="project", policy_vote="project",
                           policy_spec="project", policy_partner_rnd="project")
    contest = opened(client, login_as, p["sponsor"], project_id=str(project.id))
    for name in ("ann", "bob"):
        add_member(project, p[name])
        enter(client, login_as, contest, p[name])
    projects.remove_member(project, p["bob"].id, p["sponsor"])
    moved_by_date(clock, "private")
    assert told("contest.phase") == [p["ann"].id]
    assert f"The contest {TITLE} moved on" in page(client, login_as, p["ann"])
    projects.remove_member(project, p["ann"].id, p["sponsor"])
    assert "moved on" not in page(client, login_as, p["ann"])
    assert told("contest.phase") == [p["ann"].id]  # still stored, no longer shown


def test_the_transfer_to_sign_is_emailed_at_once(client, login_as, people, shortlisting, smtp_mailbox):
    """The winner gets the transfer to sign by email at once, in both parts, with the link to sign; the win itself
    stays in the app by default."""
    contest, entries = shortlisting
    p = people
    login_as(p["sponsor"])
    assert client.post(f"/contests/{contest.id}/finalists", data={"entry_id": [entries["ann"].id]}).status_code == 303
    assert client.post(f"/contests/{contest.id}/advance").status_code == 303
    del smtp_mailbox.messages[:]  # the shortlisting's and the sponsors' emails
    assert client.post(f"/contests/{contest.id}/winner", data={"entry_id": entries["ann"].id}).status_code == 303
    [message] = smtp_mailbox.messages  # Ann alone, the only finalist (no bonus): the win and the phase stay in the app
    assert message["To"] == p["ann"].email
    text, html_part = (message.get_body((part,)).get_content() for part in ("plain", "html"))
    sentence = f"You won the contest {TITLE}: sign the copyright transfer to receive your prize"
    assert message["Subject"] == f"CrowdSpirit: {sentence}"
    assert sentence in text and f"https://crowdspirit.example/contests/{contest.id}/transfer" in text
    assert sentence in html.unescape(html_part) and f"/contests/{contest.id}/transfer" in html_part
