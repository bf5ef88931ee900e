"""The sponsor dashboard: figures equal to counts computed from the database, its scope, access and input checks.

The expectations below are computed in Python from every row of the tables involved (ideas, stage history,
votes, posts), independently of the service's grouped SQL, and compared with the CSV, the HTML tables and
the key figures the dashboard serves.
"""

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import TEST_CONFIG
from sqlalchemy import select
from test_contests import create, enter, opened
from test_money import win_contest
from test_query_budget import statements

from crowdspirit import create_app
from crowdspirit.accounts.models import Organisation, User
from crowdspirit.database import utcnow
from crowdspirit.extensions import db
from crowdspirit.forum import services as forum
from crowdspirit.forum.models import Post, Thread
from crowdspirit.home import sponsor_dashboard as service
from crowdspirit.ledger import services as ledger
from crowdspirit.pipeline import services as pipeline
from crowdspirit.pipeline.models import Idea, Stage, StageTransition, Vote
from crowdspirit.projects.models import Project
from crowdspirit.rnd import services as rnd
from crowdspirit.rnd.models import Interest
from crowdspirit.specs import services as specs
from crowdspirit.specs.models import SECTIONS

CHARTS = ("pipeline", "funnel", "stage-time", "participation", "contributors")
FUNNEL = ("idea", "vote", "spec", "partner_rnd")
FRENCH_PO = Path(__file__).resolve().parent.parent / "crowdspirit/translations/fr/LC_MESSAGES/messages.po"
READY = {**{name: f"The {name.replace('_', ' ')}" for name in SECTIONS}, "open_questions": "- [x] Battery size"}


# --- Reading what the dashboard serves -----------------------------------------------------------
def url(slug: str, chart: str | None = None, weeks: int | None = None) -> str:
    path = f"/organisations/{slug}/dashboard" + (f"/{chart}.csv" if chart else "")
    return path + (f"?weeks={weeks}" if weeks else "")


def read_csv(client, slug: str, chart: str, weeks: int | None = None) -> list[dict]:
    """A chart's CSV as dicts, numbers as numbers."""
    response = client.get(url(slug, chart, weeks))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{slug}-{chart}-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return [{key: _number(value) if key not in ("week_start", "stage", "name") else value
             for key, value in row.items()} for row in rows]


def _number(text: str):
    return float(text) if "." in text else int(text)


def figures(html: str) -> dict[str, int]:
    return {key: int(value.replace(",", "")) for key, value in re.findall(r'data-figure="(\w+)">([\d,]+)<', html)}


def decisions(html: str) -> set[tuple[str, int]]:
    return {(kind, int(idea)) for kind, idea in re.findall(r'data-decision="(\w+)" data-idea="(\d+)"', html)}


def table_cells(html: str, chart: str) -> list[float]:
    """The numbers of a chart's HTML table, in reading order."""
    section = html.split(f'id="chart-{chart}"', 1)[1].split("</section>", 1)[0]
    return [float(v.replace(",", "")) for v in re.findall(r'data-series="\w+">([\d.,]+)<', section)]


def week_bounds(rows: list[dict]) -> list[datetime]:
    """The Mondays the CSV's rows start on, checked to be consecutive weeks ending with the current one."""
    starts = [datetime.fromisoformat(row["week_start"]) for row in rows]
    assert all(start.weekday() == 0 for start in starts)
    assert all(b - a == timedelta(weeks=1) for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] <= utcnow() < starts[-1] + timedelta(weeks=1)
    return starts


# --- Counting straight from the tables, row by row -------------------------------------------------
class Truth:
    """What an organisation's dashboard must show, computed in Python from every row of the tables."""

    def __init__(self, org: Organisation):
        projects = {p.id: p for p in db.session.scalars(select(Project))}
        self.ideas = [i for i in db.session.scalars(select(Idea)) if
                      projects[i.project_id].organisation_id == org.id
                      or (i.partner_id == org.id and projects[i.project_id].organisation_id is None)]
        ids = {i.id for i in self.ideas}
        self.history = defaultdict(list)
        for move in db.session.scalars(select(StageTransition).order_by(StageTransition.id)):
            if move.idea_id in ids:
                self.history[move.idea_id].append(move)
        threads = {t.id for t in db.session.scalars(select(Thread)) if t.idea_id in ids or (
            t.project_id is not None and projects[t.project_id].organisation_id == org.id)}
        self.activity = [(i.author_id, i.created_at, "ideas") for i in self.ideas]
        self.activity += [(v.user_id, v.created_at, "votes") for v in db.session.scalars(select(Vote))
                          if v.idea_id in ids]
        self.activity += [(p.author_id, p.created_at, "posts") for p in db.session.scalars(select(Post))
                          if p.thread_id in threads and p.hidden_at is None and not p.pending]
        self.names = {u.id: u.display_name for u in db.session.scalars(select(User))}

    def stage_at(self, idea_id: int, moment: datetime) -> str | None:
        stage = None
        for move in self.history[idea_id]:
            if move.created_at < moment:
                stage = move.to_stage
        return stage

    def pipeline(self, starts) -> list[dict]:
        rows = []
        for i, start in enumerate(starts):
            if i == len(starts) - 1:  # the current week is read now: the ideas' current stages
                counts = Counter(idea.stage for idea in self.ideas)
            else:
                counts = Counter(self.stage_at(idea.id, start + timedelta(weeks=1)) for idea in self.ideas)
            rows.append({"week_start": start.date().isoformat(), **{s.value: counts[s.value] for s in Stage}})
        return rows

    def funnel(self) -> list[dict]:
        reached = Counter(stage for moves in self.history.values() for stage in {m.to_stage for m in moves})
        now = Counter(idea.stage for idea in self.ideas)
        proposed = len(self.ideas)
        return [{"stage": s.value, "reached": reached[s.value], "share": round(100 * reached[s.value] / proposed)
                 if proposed else 0, "now": now[s.value]} for s in Stage]

    def stays_ended(self, begin, stop) -> dict[str, list[float]]:
        days = defaultdict(list)
        for moves in self.history.values():
            for move, after in zip(moves, moves[1:], strict=False):
                if begin <= after.created_at < stop and move.to_stage in FUNNEL:
                    days[move.to_stage].append((after.created_at - move.created_at).total_seconds() / 86400)
        return days

    def in_window(self, begin, stop):
        return [a for a in self.activity if begin <= a[1] < stop]

    def participation(self, starts) -> list[dict]:
        rows = []
        for start in starts:
            week = self.in_window(start, start + timedelta(weeks=1))
            kinds = Counter(kind for _, _, kind in week)
            rows.append({"week_start": start.date().isoformat(), "contributors": len({u for u, _, _ in week}),
                         "ideas": kinds["ideas"], "votes": kinds["votes"], "posts": kinds["posts"]})
        return rows

    def contributors(self, begin, stop) -> list[dict]:
        per_user = defaultdict(Counter)
        for user_id, _, kind in self.in_window(begin, stop):
            per_user[user_id][kind] += 1
        rows = [{"user_id": uid, "name": self.names[uid], "ideas": c["ideas"], "votes": c["votes"],
                 "posts": c["posts"], "total": sum(c.values())} for uid, c in per_user.items()]
        return sorted(rows, key=lambda r: (-r["total"], r["name"], r["user_id"]))[:service.TOP_CONTRIBUTORS]


def expected_decisions(org: Organisation) -> set[tuple[str, int]]:
    """Vote-stage ideas where the sponsor decides (or picks among the shortlisted), crowd promotions it may still
    veto, and ready specs where it is (or may be) the R&D partner and has made no offer yet."""
    offered = {i.idea_id for i in db.session.scalars(select(Interest)) if i.organisation_id == org.id}
    found = set()
    for idea in db.session.scalars(select(Idea)):
        project = idea.project
        if project.organisation_id != org.id:
            continue
        if idea.stage == Stage.VOTE and (project.promotion_decider == "sponsor" or (
                project.promotion_decider == "shortlist" and idea.vote_count >= project.vote_threshold)):
            found.add(("promotion", idea.id))
        if idea.stage == Stage.SPEC and pipeline.veto_open_until(idea):
            found.add(("veto", idea.id))
        if idea.stage == Stage.SPEC and project.rnd_partner_id in (org.id, None) and specs.readiness(idea).ready \
                and idea.id not in offered:
            found.add(("rnd", idea.id))
    return found


def assert_dashboard_matches_database(client, org: Organisation, weeks: int | None) -> dict:
    """Every chart's CSV, the HTML tables and the key figures against the Truth; returns the CSVs."""
    truth = Truth(org)
    served = {chart: read_csv(client, org.slug, chart, weeks) for chart in CHARTS}
    starts = week_bounds(served["pipeline"])
    assert len(starts) == (weeks or service.DEFAULT_WEEKS)
    begin, stop = starts[0], starts[-1] + timedelta(weeks=1)
    assert served["pipeline"] == truth.pipeline(starts)
    assert served["funnel"] == truth.funnel()
    assert served["participation"] == truth.participation(starts)
    assert served["contributors"] == truth.contributors(begin, stop)
    stays = truth.stays_ended(begin, stop)
    assert [row["stage"] for row in served["stage-time"]] == list(FUNNEL)
    for row in served["stage-time"]:
        days = stays[row["stage"]]
        assert row["stays"] == len(days)
        assert row["median_days"] == pytest.approx(statistics.median(days) if days else 0, abs=0.051)
        assert row["mean_days"] == pytest.approx(statistics.mean(days) if days else 0, abs=0.051)
    html = client.get(url(org.slug, weeks=weeks)).get_data(as_text=True)
    window = truth.in_window(begin, stop)
    assert figures(html) == {
        "in_pipeline": sum(1 for idea in truth.ideas if idea.stage != Stage.ARCHIVED),
        "contributors": len({user for user, _, _ in window}),
        **{kind: sum(1 for _, _, k in window if k == kind) for kind in ("ideas", "votes", "posts")},
        "awaiting": len(expected_decisions(org))}
    assert decisions(html) == expected_decisions(org)
    for chart, rows in served.items():  # the tables under the pictures hold the CSV's numbers
        assert table_cells(html, chart) == [float(v) for row in rows for k, v in row.items()
                                            if k not in ("week_start", "stage", "name", "user_id")]
    return served


# --- Fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def seeded(app):
    assert app.test_cli_runner().invoke(args=["crowdspirit", "seed-demo"]).exit_code == 0


def monday(weeks_ago: int = 0) -> datetime:
    """Monday 00:00 UTC of this week, or of an earlier one."""
    today = utcnow().date()
    return datetime.combine(today - timedelta(days=today.weekday()), time()) - timedelta(weeks=weeks_ago)


def set_history(idea: Idea, *moments: datetime) -> None:
    """Put the idea's stage moves (in order) and its proposal at these moments."""
    moves = db.session.scalars(select(StageTransition).where(StageTransition.idea_id == idea.id)
                               .order_by(StageTransition.id)).all()
    assert len(moves) == len(moments)
    for move, moment in zip(moves, moments, strict=True):
        move.created_at = moment
    idea.created_at = moments[0]
    db.session.commit()


def add_vote(idea: Idea, user: User, moment: datetime) -> None:
    db.session.add(Vote(idea_id=idea.id, user_id=user.id, created_at=moment))
    db.session.commit()


def add_post(thread: Thread, user: User, moment: datetime, **state) -> Post:
    post = forum.add_post(thread, user, "A word on it")
    post.created_at = moment
    for name, value in state.items():
        setattr(post, name, value)
    db.session.commit()
    return post


@pytest.fixture
def history(make_user, make_org, make_project, make_idea):
    """Four weeks of a sponsor's activity with known dates, beside a rival organisation's (which must not count).

    Weeks w0..w3 (w3 is the current week). Helios: idea A (idea w0, vote w1, spec w2); B (idea w1, archived w1,
    3 days later); C (idea w3); E, a community idea Helios took into R&D before the window. Votes on A in w1,
    a post on A in w2 (plus a hidden and a held one that do not count), a project-thread post in w3.
    """
    helios, veloce = make_org("Helios Audio"), make_org("Veloce Mobility")
    sponsor = make_user(name="Sam Sponsor", organisation=helios)
    rival = make_user(name="Rita Rival", organisation=veloce)
    lab = make_project(owner=sponsor, title="Helios lab", kind="sponsored")
    community = make_project(title="Open reader")
    rival_lab = make_project(owner=rival, title="Veloce lab", kind="sponsored")
    w0, now = monday(3), utcnow()
    current = monday() + (now - monday()) / 2
    day = timedelta(days=1)
    people = {name: make_user(name=name) for name in ("Ada Author", "Ben Author", "Cleo Author", "Eve Partner",
                                                      "Uma Voter", "Vic Voter", "Wes Writer", "Xavier Zephyr",
                                                      "Yolanda Zephyr")}
    a = make_idea(project=lab, author=people["Ada Author"], stage=Stage.SPEC, title="Idea A")
    set_history(a, w0 + day, w0 + 8 * day, w0 + 15 * day)
    b = make_idea(project=lab, author=people["Ben Author"], stage=Stage.ARCHIVED, title="Idea B")
    set_history(b, w0 + 9 * day, w0 + 12 * day)
    c = make_idea(project=lab, author=people["Cleo Author"], title="Idea C")
    set_history(c, current)
    e = make_idea(project=community, author=people["Eve Partner"], stage=Stage.PARTNER_RND, partner=helios,
                  title="Idea E")
    set_history(e, w0 - 5 * day, w0 - 4 * day, w0 - 3 * day, w0 - 2 * day)
    add_vote(a, people["Uma Voter"], w0 + 9 * day)
    add_vote(a, people["Vic Voter"], w0 + 10 * day)
    add_post(forum.thread_of_idea(a), people["Wes Writer"], w0 + 16 * day)
    add_post(forum.thread_of_idea(a), people["Xavier Zephyr"], w0 + 16 * day, hidden_at=now)
    add_post(forum.thread_of_idea(a), people["Yolanda Zephyr"], w0 + 16 * day, pending=True)
    add_post(forum.thread_of_project(lab), people["Uma Voter"], current)
    # What must never count for Helios: a rival's project (even an idea Helios partners there), a community
    # idea partnered by the rival, and everyone's activity on them in the same weeks.
    d = make_idea(project=rival_lab, author=people["Xavier Zephyr"], stage=Stage.VOTE, title="Zephyr secret")
    set_history(d, w0 + 2 * day, w0 + 3 * day)
    add_vote(d, people["Yolanda Zephyr"], w0 + 9 * day)
    add_post(forum.thread_of_idea(d), people["Yolanda Zephyr"], w0 + 9 * day)
    add_post(forum.thread_of_project(rival_lab), people["Xavier Zephyr"], current)
    g = make_idea(project=rival_lab, author=people["Xavier Zephyr"], stage=Stage.PARTNER_RND, partner=helios,
                  title="Zephyr partnered")
    set_history(g, w0 + day, w0 + 2 * day, w0 + 3 * day, w0 + 4 * day)
    f = make_idea(project=community, author=people["Yolanda Zephyr"], stage=Stage.PARTNER_RND, partner=veloce,
                  title="Zephyr community")
    set_history(f, w0 + day, w0 + 2 * day, w0 + 3 * day, w0 + 4 * day)
    return {"helios": helios, "veloce": veloce, "sponsor": sponsor, "rival": rival, "people": people, "lab": lab}


# --- Figures --------------------------------------------------------------------------------------
def test_figures_equal_database_counts_for_every_demo_organisation(client, login_as, seeded):
    """On the demo data, every chart, table and key figure equals what the tables say, for each sponsor."""
    for slug, email in (("helios", "sponsor"), ("veloce", "victor"), ("domia", "dora")):
        org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        login_as(db.session.scalar(select(User).where(User.email == f"{email}@demo.crowdspirit.org")))
        for weeks in (None, 3, 52):
            assert_dashboard_matches_database(client, org, weeks)


def test_the_demo_gives_the_helios_sponsor_a_dashboard_with_history(client, login_as, seeded):
    """The demo's history spreads over the weeks, and Helios has decisions of both kinds waiting."""
    login_as(db.session.scalar(select(User).where(User.email == "sponsor@demo.crowdspirit.org")))
    served = read_csv(client, "helios", "participation")
    assert sum(1 for row in served if row["contributors"]) >= 6  # activity in most weeks, not all today
    assert len({tuple(row.values()) for row in read_csv(client, "helios", "pipeline")}) >= 6
    assert all(row["stays"] for row in read_csv(client, "helios", "stage-time")[:3])
    html = client.get(url("helios")).get_data(as_text=True)
    assert {kind for kind, _ in decisions(html)} == {"promotion", "rnd"}
    assert 'href="/organisations/helios/dashboard"' in client.get("/dashboard").get_data(as_text=True)


def test_hand_counted_history(client, login_as, history):
    """Known dates give known figures: stock per week, funnel, stays, participation, top contributors."""
    login_as(history["sponsor"])
    served = assert_dashboard_matches_database(client, history["helios"], 4)
    stages = [tuple(row[s] for s in ("idea", "vote", "spec", "partner_rnd", "archived")) for row in served["pipeline"]]
    assert stages == [(1, 0, 0, 1, 0), (0, 1, 0, 1, 1), (0, 0, 1, 1, 1), (1, 0, 1, 1, 1)]
    assert [(r["reached"], r["share"], r["now"]) for r in served["funnel"]] == [
        (4, 100, 1), (2, 50, 0), (2, 50, 1), (1, 25, 1), (1, 25, 1)]
    assert [(r["stays"], r["median_days"], r["mean_days"]) for r in served["stage-time"]] == [
        (2, 5.0, 5.0), (1, 7.0, 7.0), (0, 0.0, 0.0), (0, 0.0, 0.0)]
    assert [tuple(r[k] for k in ("contributors", "ideas", "votes", "posts")) for r in served["participation"]] == [
        (1, 1, 0, 0), (3, 1, 2, 0), (1, 0, 0, 1), (2, 1, 0, 1)]
    assert [(r["name"], r["total"]) for r in served["contributors"]] == [
        ("Uma Voter", 2), ("Ada Author", 1), ("Ben Author", 1), ("Cleo Author", 1), ("Vic Voter", 1), ("Wes Writer", 1)]
    html = client.get(url("helios-audio", weeks=4)).get_data(as_text=True)
    assert figures(html) == {"in_pipeline": 3, "contributors": 6, "ideas": 3, "votes": 2, "posts": 2, "awaiting": 0}


def test_another_organisations_data_never_appears(client, login_as, history):
    """Nothing of the rival's projects (nor its partnerships) is counted or named, in the page or any CSV."""
    login_as(history["sponsor"])
    texts = [client.get(url("helios-audio", weeks=52)).get_data(as_text=True)]
    texts += [client.get(url("helios-audio", chart, 52)).get_data(as_text=True) for chart in CHARTS]
    assert not [text for text in texts if "Zephyr" in text or "Veloce" in text]
    login_as(history["rival"])  # the rival's own dashboard does count them
    rival = client.get(url("veloce-mobility", "contributors", 52)).get_data(as_text=True)
    assert "Xavier Zephyr" in rival and "Yolanda Zephyr" in rival and "Uma Voter" not in rival


def test_the_service_is_the_same_without_http(app, history):
    """The service reads the same figures for a fixed window (no request involved)."""
    window = service.window(4, now=utcnow())
    assert [row.values["archived"] for row in service.pipeline(history["helios"], window).rows] == [0, 1, 1, 1]
    assert service.participation(history["helios"], window).rows[1].values == {
        "contributors": 3, "ideas": 1, "votes": 2, "posts": 0}


# --- Decisions waiting --------------------------------------------------------------------------
def test_decisions_waiting_for_the_sponsor(client, login_as, make_user, make_org, make_project, make_idea, add_member):
    """Votes where the sponsor decides (with progress), and ready specs where it is or may become the partner."""
    helios, other = make_org("Helios Audio"), make_org("Other Labs")
    sponsor = make_user(name="Sam Sponsor", organisation=helios)
    decides = make_project(owner=sponsor, title="Sponsor decides", kind="sponsored", promotion_decider="sponsor",
                           vote_threshold=5, spec_approvals_needed=1)
    crowd = make_project(owner=sponsor, title="Crowd decides", kind="sponsored", rnd_partner_id=None,
                         spec_approvals_needed=1)
    elsewhere = make_project(owner=sponsor, title="Other partner", kind="sponsored", rnd_partner_id=other.id,
                             spec_approvals_needed=1)
    approver = make_user()
    for project in (decides, crowd, elsewhere):
        add_member(project, approver)
    voting = make_idea(project=decides, stage=Stage.VOTE, title="Voting here")
    for voter in (make_user(), make_user(), make_user()):
        db.session.add(Vote(idea_id=voting.id, user_id=voter.id))
    voting.vote_count = 3
    db.session.commit()
    make_idea(project=crowd, stage=Stage.VOTE, title="The crowd decides this one")
    ready = {}
    for project in (decides, crowd, elsewhere):
        idea = make_idea(project=project, stage=Stage.SPEC, title=f"Ready in {project.title}")
        specs.save_revision(idea, sponsor, 1, "complete", **READY)
        specs.approve(idea, approver)
        ready[project.title] = idea
    make_idea(project=decides, stage=Stage.SPEC, title="Not ready yet")
    login_as(sponsor)
    html = client.get(url("helios-audio")).get_data(as_text=True)
    assert decisions(html) == {("promotion", voting.id), ("rnd", ready["Sponsor decides"].id),
                               ("rnd", ready["Crowd decides"].id)}
    assert "3 of 5 votes needed" in html and "Promote to specification?" in html
    assert "Make an offer for partner R&D?" in html and f'href="/ideas/{ready["Crowd decides"].id}/partners"' in html
    items = service.awaiting_decision(helios)
    assert [(item.kind, item.idea.id) for item in items][0] == ("promotion", voting.id)
    assert items[0].progress == (3, 5) and items[0].since is not None
    assert service.awaiting_decision(other) == []
    rnd.express_interest(ready["Crowd decides"], sponsor, "We want it", "Prototypes", 0, "EUR", "assignment")
    assert {item.idea.id for item in service.awaiting_decision(helios)} == {voting.id, ready["Sponsor decides"].id}


def test_shortlisted_ideas_and_crowd_promotions_under_veto_wait_for_the_sponsor(
        client, login_as, make_user, make_org, make_project, make_idea):
    """Where the crowd shortlists, the ideas at the threshold wait for the sponsor's pick; where it decides under the
    sponsor's veto, its promotions wait while the veto window is open."""
    sponsor = make_user(organisation=make_org("Helios Audio"))
    shortlist = make_project(owner=sponsor, title="Shortlist", kind="sponsored", promotion_decider="shortlist",
                             vote_threshold=2)
    vetoed = make_project(owner=sponsor, title="Veto", kind="sponsored", promotion_decider="veto", vote_threshold=1,
                          veto_days=7)
    shortlisted, not_yet = (make_idea(project=shortlist, stage=Stage.VOTE, title=t) for t in ("Shortlisted", "Not yet"))
    for idea, voters in ((shortlisted, 2), (not_yet, 1)):
        for _ in range(voters):
            pipeline.cast_vote(idea, make_user())
    fresh, old = (make_idea(project=vetoed, stage=Stage.VOTE, title=t) for t in ("Fresh pick", "Old pick"))
    for idea in (fresh, old):
        pipeline.cast_vote(idea, make_user())  # the threshold promotes it at once, by the crowd
    promotion = db.session.scalars(select(StageTransition).where(StageTransition.idea_id == old.id)
                                   .order_by(StageTransition.id.desc())).first()
    promotion.created_at -= timedelta(days=8)
    db.session.commit()
    assert (shortlisted.stage, fresh.stage, old.stage) == (Stage.VOTE, Stage.SPEC, Stage.SPEC)
    login_as(sponsor)
    html = client.get(url("helios-audio")).get_data(as_text=True)
    assert decisions(html) == {("promotion", shortlisted.id), ("veto", fresh.id)}
    assert "Veto the crowd&#39;s promotion?" in html or "Veto the crowd's promotion?" in html
    assert "2 of 2 votes needed" in html and "Until " in html


def test_the_first_and_third_gates_wait_for_the_sponsor_too(client, login_as, make_user, make_org, make_project,
                                                             make_idea):
    """Where the sponsor opens voting or picks from the crowd's shortlist of supported ideas, and where it chooses the
    R&D partner or picks among the offers the crowd backed, the ideas and offers wait on the dashboard; the crowd's
    opening of voting and its selection of an offer wait while the sponsor may veto them."""
    helios, lab = make_org("Helios Audio"), make_org("Lab")
    sponsor, scout = make_user(organisation=helios), make_user(organisation=lab)
    gates = {name: make_project(owner=sponsor, title=name, kind="sponsored", **settings) for name, settings in {
        "opens": {"vote_decider": "sponsor"}, "shortlist": {"vote_decider": "shortlist", "support_threshold": 2},
        "veto": {"vote_decider": "veto", "support_threshold": 1, "veto_days": 7},
        "chooses": {"partner_decider": "sponsor", "rnd_partner_id": None},
        "backed": {"partner_decider": "veto", "backing_threshold": 1, "rnd_partner_id": None}}.items()}
    proposed = make_idea(project=gates["opens"], title="Proposed")
    shortlisted, not_yet = (make_idea(project=gates["shortlist"], title=t) for t in ("Shortlisted", "Not yet"))
    for idea, supporters in ((shortlisted, 2), (not_yet, 1)):
        for _ in range(supporters):
            pipeline.support(idea, make_user())
    opened = make_idea(project=gates["veto"], title="Opened by the crowd")
    pipeline.support(opened, make_user())
    offered = make_idea(project=gates["chooses"], stage=Stage.SPEC, title="Offered")
    rnd.express_interest(offered, scout, "Our lab", "Prototypes", 0, "EUR", "assignment")
    backed = make_idea(project=gates["backed"], stage=Stage.SPEC, title="Backed")
    rnd.back(rnd.express_interest(backed, scout, "Our lab", "Prototypes", 0, "EUR", "assignment"), make_user())
    db.session.expire_all()
    assert (shortlisted.stage, opened.stage) == (Stage.IDEA, Stage.VOTE)
    login_as(sponsor)
    html = client.get(url("helios-audio")).get_data(as_text=True)
    assert decisions(html) == {("opening", proposed.id), ("opening", shortlisted.id), ("opening_veto", opened.id),
                               ("partner", offered.id), ("offer_veto", backed.id)}
    assert "2 of 2 supports needed" in html and "0 of 5 backers needed" in html
    assert f'href="/ideas/{offered.id}/partners"' in html and f'href="/ideas/{backed.id}/partners"' in html
    assert html.count("Until ") == 2


def test_a_new_kind_of_decision_is_one_entry(client, login_as, make_user, make_org, make_project, make_idea,
                                             monkeypatch):
    """Another engineer adds a kind by registering a finder and its question; the page lists it as it is."""
    helios = make_org("Helios Audio")
    sponsor = make_user(organisation=helios)
    idea = make_idea(project=make_project(owner=sponsor, kind="sponsored"), title="Chosen by the owner")
    monkeypatch.setitem(service.DECISIONS, "interest", service.Decision(
        "Accept the owner's selection?", lambda org: [service.Awaiting("interest", idea, None)]))
    login_as(sponsor)
    html = client.get(url("helios-audio")).get_data(as_text=True)
    assert decisions(html) == {("interest", idea.id)} and "Accept the owner&#39;s selection?" in html
    assert figures(html)["awaiting"] == 1


# --- Contests and challenges ---------------------------------------------------------------------
def contest_rows(html: str) -> dict[int, dict]:
    """contest id -> its phase, entries and money (cents) as the dashboard's table shows them."""
    section = html.split('id="contests-title"', 1)[1].split("</section>", 1)[0]
    rows = {}
    for contest_id, row in re.findall(r'<tr data-contest="(\d+)">(.*?)</tr>', section, re.S):
        cents = [int(n) for n in re.findall(r'data-cents="(-?\d+)"', row)]
        rows[int(contest_id)] = {"phase": re.search(r'class="badge phase-(\w+)"', row)[1],
                                 "entries": int(re.search(r'data-entries="(\d+)"', row)[1]),
                                 "money": dict(zip(("escrowed", "held", "paid", "refunded"), cents, strict=True)),
                                 "link": f'href="/contests/{contest_id}"' in row}
    return rows


def test_contests_and_challenges_with_their_spend(client, login_as, make_user, make_org, clock):
    """Each of the organisation's contests with its phase, entries kept and money from the ledger; none of another
    organisation's; an empty state before the first; as many statements for four contests as for one."""
    people = {"sponsor": make_user(name="Sam Sponsor", organisation=make_org("Helios Audio")),
              "ann": make_user(name="Ann Artist"), "bob": make_user(name="Bob Builder")}
    login_as(people["sponsor"])
    page = client.get(url("helios-audio")).text
    assert "No contest or challenge yet." in page and 'data-contest="' not in page
    closed = win_contest(client, login_as, people, clock, pool="20.00")
    draft = create(client, login_as, people["sponsor"], title="Draft brief")
    alone = statements(client.application, client, url("helios-audio"))
    challenge = opened(client, login_as, people["sponsor"], kind="challenge", title="Expert review",
                       currency="CHF")
    enter(client, login_as, challenge, people["ann"], "Review")
    running = opened(client, login_as, people["sponsor"], title="A jingle")
    rival = opened(client, login_as, make_user(organisation=make_org("Veloce Mobility")), title="Rival")
    login_as(people["sponsor"])
    assert statements(client.application, client, url("helios-audio")) == alone
    rows = contest_rows(client.get(url("helios-audio")).text)
    assert rival.id not in rows and list(rows) == [running.id, challenge.id, draft.id, closed.id]
    assert rows[closed.id] == {"phase": "closed", "entries": 2, "link": True, "money": {
        "escrowed": 62000, "held": 0, "paid": 5000 + 2000 + 30000 + 20000, "refunded": 5000}}
    assert rows[draft.id] == {"phase": "draft", "entries": 0, "link": True, "money": dict.fromkeys(
        ("escrowed", "held", "paid", "refunded"), 0)}
    assert rows[challenge.id]["entries"] == 1 and rows[challenge.id]["money"]["held"] == challenge.escrow_cents
    assert "CHF" in client.get(url("helios-audio")).text.split(f'data-contest="{challenge.id}"')[1].split("</tr>")[0]
    assert rows[running.id]["phase"] == "private" and rows[running.id]["money"]["escrowed"] == 63000
    for contest_id, row in rows.items():
        escrow = ledger.escrow_account(contest_id)
        assert row["money"]["held"] == sum(ledger.balances(escrow).values())
        assert row["money"]["escrowed"] == row["money"]["held"] + row["money"]["paid"] + row["money"]["refunded"]


# --- Access and input ---------------------------------------------------------------------------
def test_only_the_organisations_team_and_admins_see_it(client, login_as, make_user, make_org, make_project):
    """Members of the organisation and admins read it; everyone else gets 404, visitors are asked to sign in."""
    helios, veloce = make_org("Helios Audio"), make_org("Veloce Mobility")
    team = make_user(organisation=helios)
    make_project(owner=team, kind="sponsored")
    paths = [url("helios-audio"), url("helios-audio", "funnel")]
    for path in paths:
        assert client.get(path).status_code == 302
    for user, status in ((team, 200), (make_user(admin=True), 200), (make_user(organisation=veloce), 404),
                         (make_user(moderator=True), 404), (make_user(), 404)):
        login_as(user)
        assert [client.get(path).status_code for path in paths] == [status, status], user.display_name
    login_as(team)
    assert client.get(url("nobody")).status_code == 404
    assert client.get(url("helios-audio", "secrets")).status_code == 404
    assert client.get(url("veloce-mobility")).status_code == 404


def test_a_suspended_sponsor_still_reads_it(client, login_as, make_user, make_org):
    """Reading the dashboard is a read: a suspension does not take it away."""
    user = make_user(organisation=make_org("Helios Audio"))
    user.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    login_as(user)
    assert client.get(url("helios-audio")).status_code == 200


@pytest.mark.parametrize("weeks", ["0", "53", "-1", "1.5", "abc", "12abc", "１２", "9999", " 4"])
def test_bad_weeks_get_a_clear_400(client, login_as, make_user, make_org, weeks):
    """weeks must be a whole number from 1 to 52: anything else is refused with the rule, page and CSV alike."""
    login_as(make_user(organisation=make_org("Helios Audio")))
    for path in ("/organisations/helios-audio/dashboard", "/organisations/helios-audio/dashboard/pipeline.csv"):
        response = client.get(path, query_string={"weeks": weeks})
        assert response.status_code == 400
        assert "The number of weeks must be a whole number from 1 to 52." in response.get_data(as_text=True)


def test_window_edges(client, login_as, make_user, make_org):
    """One week and 52 weeks both answer, with as many rows; an empty weeks parameter means the default."""
    login_as(make_user(organisation=make_org("Helios Audio")))
    assert len(read_csv(client, "helios-audio", "participation", 1)) == 1
    assert len(read_csv(client, "helios-audio", "pipeline", 52)) == 52
    assert client.get("/organisations/helios-audio/dashboard?weeks=").status_code == 200
    assert 'value="12"' in client.get("/organisations/helios-audio/dashboard").get_data(as_text=True)


def test_csv_cells_are_spreadsheet_safe(client, login_as, make_user, make_org, make_project, make_idea):
    """A member whose name looks like a formula is exported as text."""
    helios = make_org("Helios Audio")
    sponsor = make_user(organisation=helios)
    make_idea(project=make_project(owner=sponsor, kind="sponsored"), author=make_user(name="=HYPERLINK(1)"))
    login_as(sponsor)
    assert "'=HYPERLINK(1)" in client.get(url("helios-audio", "contributors")).get_data(as_text=True)


def test_charts_are_accessible_svg_with_a_table_and_a_csv_link(client, login_as, history):
    """Each chart is an image with a title and a description, followed by its table and its CSV link; French too."""
    login_as(history["sponsor"])
    html = client.get(url("helios-audio")).get_data(as_text=True)
    assert "<script" not in html.split("<main", 1)[1]
    for chart in CHARTS:
        section = html.split(f'id="chart-{chart}"', 1)[1].split("</section>", 1)[0]
        assert re.search(rf'<svg [^>]*role="img"\s+aria-labelledby="{chart}-svg-title {chart}-svg-desc"', section)
        assert f'<title id="{chart}-svg-title">' in section and f'<desc id="{chart}-svg-desc">' in section
        assert "<table" in section and f'href="/organisations/helios-audio/dashboard/{chart}.csv?weeks=12"' in section


def test_the_dashboard_speaks_french(database_url, tmp_path, history):
    """With the committed French catalog, the page is in French, with French typography and number formats."""
    target = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with FRENCH_PO.open("rb") as po, (target / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po))
    french = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                         "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})
    client = french.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["lang"] = history["sponsor"].get_id(), "fr"
    html = client.get(url("helios-audio", weeks=4)).get_data(as_text=True)
    with french.app_context():
        db.engine.dispose()
    assert "Helios Audio\u00a0: tableau de bord du sponsor" in html and "Entonnoir" in html
    assert "25\u00a0%" in html  # the funnel's share, French style


def test_the_member_dashboard_leads_sponsors_to_their_organisations(client, login_as, make_user, make_org):
    login_as(make_user(organisation=make_org("Helios Audio")))
    assert 'href="/organisations/helios-audio/dashboard"' in client.get("/dashboard").get_data(as_text=True)
    login_as(make_user())
    assert "/organisations/" not in client.get("/dashboard").get_data(as_text=True)
