"""A sponsor's dashboard: the pipeline, participation, contributors, time per stage and decisions of one organisation.

What counts: the ideas of the projects the organisation sponsors, and the ideas it took into partner R&D from
projects that no other organisation sponsors; the votes on those ideas; the published posts (neither hidden nor
held) of their discussions and of the organisation's project threads. Nothing of another organisation's projects
is ever read. The organisation's team sees its own projects fully (the access policy), so the figures count
everything in that scope. Weeks run from Monday 00:00 to Monday 00:00 UTC; the last one is the current week.
Every chart is one or two grouped queries that read each table once, whatever the number of weeks: a timestamp's
week is day arithmetic on its date (exact, written for SQLite and for PostgreSQL). The organisation's contests and
challenges come with their entries and their money read from the ledger: three queries, whatever their number.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from math import ceil, floor, log10

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, case, cast, distinct, func, literal_column, or_, select, union_all
from sqlalchemy.orm import contains_eager

from ..accounts.models import Organisation, User
from ..contests.models import Contest, Entry
from ..database import utcnow
from ..errors import DomainError, NotFound
from ..extensions import db
from ..forum.models import Post, Thread
from ..ledger import services as ledger
from ..pipeline.models import Idea, Stage, StageTransition, Vote
from ..pipeline.services import STAGE_LABELS, veto_open_until
from ..projects.models import Decider, Project
from ..rnd.models import Interest, InterestStatus
from ..rnd.services import veto_open_until as offer_veto_open_until
from ..specs.models import SpecApproval
from ..specs.services import readiness_of
from ..text import spreadsheet_safe

DEFAULT_WEEKS, MAX_WEEKS = 12, 52
WEEK = timedelta(days=7)
TOP_CONTRIBUTORS = 10
STAGES = (Stage.IDEA, Stage.VOTE, Stage.SPEC, Stage.PARTNER_RND, Stage.ARCHIVED)
#: the stages an idea passes through on its way to R&D (archived is where it stops)
FUNNEL = STAGES[:4]
ACTIVITY = ("ideas", "votes", "posts")

#: what each column of a chart is called in the tables and legends (the CSV uses the keys)
SERIES_LABELS = {
    **{stage.value: label for stage, label in STAGE_LABELS.items()},
    "contributors": _l("Contributors"), "ideas": _l("Ideas proposed"), "votes": _l("Votes"),
    "posts": _l("Posts"), "total": _l("Total"), "reached": _l("Reached the stage"),
    "share": _l("Share of the ideas proposed (%)"), "now": _l("In the stage now"),
    "stays": _l("Ideas that left the stage"), "median_days": _l("Median days"), "mean_days": _l("Mean days"),
}
#: the first CSV columns, naming what each row is
KEY_FIELDS = {"week": ("week_start",), "stage": ("stage",), "contributor": ("user_id", "name")}


# --- The window --------------------------------------------------------------------------------------
def parse_weeks(text: str | None) -> int:
    """The `weeks` parameter: a whole number from 1 to MAX_WEEKS (DEFAULT_WEEKS when absent); 400 otherwise."""
    if text is None or text == "":
        return DEFAULT_WEEKS
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 1 <= int(text) <= MAX_WEEKS:
        raise DomainError(_l("The number of weeks must be a whole number from 1 to %(max)d.", max=MAX_WEEKS))
    return int(text)


@dataclass(frozen=True)
class Window:
    """The weeks a dashboard covers: the Monday (00:00 UTC) of each, oldest first, and the moment it was read."""

    starts: tuple[datetime, ...]
    now: datetime

    @property
    def begin(self) -> datetime:
        """The first week's Monday."""
        return self.starts[0]

    @property
    def stop(self) -> datetime:
        """The end of the current week."""
        return self.starts[-1] + WEEK

    def until(self, index: int) -> datetime:
        """The moment week `index` is read at: its end, or now for the current week."""
        return min(self.starts[index] + WEEK, self.now)


def window(weeks: int, now: datetime | None = None) -> Window:
    """The last `weeks` weeks up to now, the current one included."""
    now = now or utcnow()
    monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time())
    return Window(tuple(monday - WEEK * (weeks - 1 - i) for i in range(weeks)), now)


def _week_index(column, win: Window):
    """SQL: which week of the window a timestamp falls in, counted from 0 (before the window: 0 or below; after it:
    the number of weeks or more). Weeks start at midnight, so the day alone decides: whole days divided by 7."""
    first = win.begin.date()
    if db.session.get_bind().dialect.name == "postgresql":
        days = cast(cast(column, Date) - first, Integer)
    else:
        days = cast(func.julianday(func.date(column)) - func.julianday(first.isoformat()), Integer)
    return days // 7


# --- What belongs to the organisation ---------------------------------------------------------------
def _projects(org: Organisation):
    """SQL: ids of the projects the organisation sponsors."""
    return select(Project.id).where(Project.organisation_id == org.id).correlate(None)


def _ideas(org: Organisation):
    """SQL: ids of the organisation's ideas: in its projects, or partnered from projects no other one sponsors."""
    return (select(Idea.id).join(Project, Project.id == Idea.project_id)
            .where(or_(Project.organisation_id == org.id,
                       and_(Idea.partner_id == org.id, Project.organisation_id.is_(None))))
            .correlate(None))


def _activity(org: Organisation, win: Window):
    """SQL rows (user_id, at, kind): every idea proposed, vote cast and post published on the organisation's ideas
    during the window."""
    ideas = _ideas(org)
    threads = select(Thread.id).where(or_(Thread.idea_id.in_(ideas), Thread.project_id.in_(_projects(org))))

    def during(column):
        return and_(column >= win.begin, column < win.stop)

    return union_all(
        select(Idea.author_id.label("user_id"), Idea.created_at.label("at"), literal_column("'ideas'").label("kind"))
        .where(Idea.id.in_(ideas), during(Idea.created_at)),
        select(Vote.user_id, Vote.created_at, literal_column("'votes'"))
        .where(Vote.idea_id.in_(ideas), during(Vote.created_at)),
        select(Post.author_id, Post.created_at, literal_column("'posts'"))
        .where(Post.thread_id.in_(threads), Post.hidden_at.is_(None), Post.pending.is_(False), during(Post.created_at)),
    ).subquery("activity")


def activity_totals(org: Organisation, win: Window) -> dict[str, int]:
    """Distinct contributors, ideas proposed, votes cast and posts published on the organisation's ideas during the
    window, as one row."""
    activity = _activity(org, win)
    counts = db.session.execute(select(func.count(distinct(activity.c.user_id)), *[
        func.count(case((activity.c.kind == kind, 1))) for kind in ACTIVITY])).one()
    return dict(zip(("contributors", *ACTIVITY), counts, strict=True))


def _stays(org: Organisation):
    """SQL rows (stage, entered, left): each stay of an organisation's idea in a stage, from the stage history
    (left is the next move's time, None while the idea is still there)."""
    left = func.lead(StageTransition.created_at).over(partition_by=StageTransition.idea_id,
                                                      order_by=StageTransition.id)
    return (select(StageTransition.to_stage.label("stage"), StageTransition.created_at.label("entered"),
                   left.label("left"))
            .where(StageTransition.idea_id.in_(_ideas(org))).subquery("stays"))


def _days(later, earlier):
    """SQL: the days (with fractions) between two timestamps, on SQLite and on PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


# --- Charts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One row of a chart: what it is (a week's Monday, a stage, a Contributor) and its value in each series."""

    key: object
    values: dict


@dataclass(frozen=True)
class Contributor:
    """A member as a row of the top contributors."""

    id: int
    name: str


@dataclass(frozen=True)
class Chart:
    """One chart's numbers: its SVG, the table under it and its CSV all read these rows."""

    key: str
    #: what a row is: "week", "stage" or "contributor"
    kind: str
    series: tuple[str, ...]
    rows: list[Row]
    #: the series the picture draws (the table and the CSV give them all)
    drawn: tuple[str, ...]
    stacked: bool = False

    def drawn_total(self, row: Row) -> float:
        """The sum of a row's drawn values (how long its stacked bar is)."""
        return sum(row.values[s] for s in self.drawn)

    @property
    def ticks(self) -> list[float]:
        """Axis ticks from 0 in steps of 1, 2 or 5 times a power of ten, up to the largest drawn value or above."""
        top = max([self.drawn_total(row) if self.stacked else max(row.values[s] for s in self.drawn)
                   for row in self.rows] or [0])
        if top <= 0:
            return [0, 1]
        magnitude = 10 ** floor(log10(top / 4))
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= top / 4)
        step = max(step, 1) if top >= 1 else step
        return [round(step * i, 6) for i in range(ceil(top / step - 1e-9) + 1)]

    @property
    def scale(self) -> float:
        """The value at the top of the axis."""
        return self.ticks[-1]


def pipeline(org: Organisation, win: Window) -> Chart:
    """At the end of each week (now, for the current one): how many of the organisation's ideas stood in each stage.

    An idea stands in a stage at a moment when it entered it before and had not left it yet, so the count is the
    stays entered before the moment minus those left before it: two grouped counts, added up week by week.
    """
    stays = _stays(org)
    entered, left = (_per_stage_and_week(stays.c.stage, moment, win) for moment in (stays.c.entered, stays.c.left))
    series = tuple(s.value for s in STAGES)
    rows, standing = [], dict.fromkeys(series, 0)
    for i, start in enumerate(win.starts):
        for stage in series:
            standing[stage] += entered[stage, i] - left[stage, i]
        rows.append(Row(start, dict(standing)))
    return Chart("pipeline", "week", series, rows, drawn=series, stacked=True)


def _per_stage_and_week(stage, moment, win: Window) -> Counter:
    """How many stays have their moment (entered, or left) in each week of the window, per stage; the first week
    also holds everything earlier, and nothing after now counts."""
    weekly = (select(stage.label("stage"), _week_index(moment, win).label("week"))
              .where(moment.is_not(None), moment < win.now).subquery())
    found = Counter()
    for stage_name, week, n in db.session.execute(select(weekly.c.stage, weekly.c.week, func.count())
                                                  .group_by(weekly.c.stage, weekly.c.week)).all():
        found[stage_name, max(int(week), 0)] += n
    return found


def funnel(org: Organisation, win: Window) -> Chart:
    """How many of the organisation's ideas (all time) ever reached each stage, and how many are in it now."""
    ideas = _ideas(org)
    reached = dict(db.session.execute(
        select(StageTransition.to_stage, func.count(distinct(StageTransition.idea_id)))
        .where(StageTransition.idea_id.in_(ideas)).group_by(StageTransition.to_stage)).all())
    now = dict(db.session.execute(
        select(Idea.stage, func.count()).where(Idea.id.in_(ideas)).group_by(Idea.stage)).all())
    proposed = reached.get(Stage.IDEA.value, 0)
    return Chart("funnel", "stage", ("reached", "share", "now"), [
        Row(s.value, {"reached": reached.get(s.value, 0), "share": _percent(reached.get(s.value, 0), proposed),
                      "now": now.get(s.value, 0)}) for s in STAGES], drawn=("reached",))


def _percent(part: int, whole: int) -> int:
    """part as a whole percentage of whole (0 when there is no whole)."""
    return round(100 * part / whole) if whole else 0


def participation(org: Organisation, win: Window) -> Chart:
    """Per week: distinct contributors (who proposed, voted or posted), ideas proposed, votes cast, posts published."""
    activity = _activity(org, win)
    weekly = select(activity.c.user_id, activity.c.kind, _week_index(activity.c.at, win).label("week")).subquery()
    counted = [func.count(distinct(weekly.c.user_id)), *[func.count(case((weekly.c.kind == k, 1))) for k in ACTIVITY]]
    found = {int(week): numbers for week, *numbers in db.session.execute(
        select(weekly.c.week, *counted).group_by(weekly.c.week)).all()}
    series = ("contributors", *ACTIVITY)
    return Chart("participation", "week", series,
                 [Row(start, dict(zip(series, found.get(i, (0,) * len(series)), strict=True)))
                  for i, start in enumerate(win.starts)], drawn=series)


def contributors(org: Organisation, win: Window) -> Chart:
    """The most active people of the window: ideas proposed + votes cast + posts published on the organisation's
    ideas, added up (ties by name)."""
    activity = _activity(org, win)
    total = func.count().label("total")
    rows = db.session.execute(
        select(User.id, User.display_name, *[func.count(case((activity.c.kind == k, 1))) for k in ACTIVITY], total)
        .join(activity, activity.c.user_id == User.id)
        .group_by(User.id, User.display_name).order_by(total.desc(), User.display_name, User.id)
        .limit(TOP_CONTRIBUTORS)).all()
    series = (*ACTIVITY, "total")
    return Chart("contributors", "contributor", series,
                 [Row(Contributor(uid, name), dict(zip(series, numbers, strict=True))) for uid, name, *numbers in rows],
                 drawn=ACTIVITY, stacked=True)


def stage_time(org: Organisation, win: Window) -> Chart:
    """For the stays that ended during the window: how many, and the median and mean days spent in each stage."""
    stays = _stays(org)
    ended = (select(stays.c.stage, _days(stays.c.left, stays.c.entered).label("days"))
             .where(stays.c.left >= win.begin, stays.c.left < win.stop, stays.c.stage.in_(FUNNEL)).subquery("ended"))
    summary = {stage: (n, mean) for stage, n, mean in db.session.execute(
        select(ended.c.stage, func.count(), func.avg(ended.c.days)).group_by(ended.c.stage)).all()}
    rows = []
    for stage in FUNNEL:
        n, mean = summary.get(stage, (0, None))
        rows.append(Row(stage.value, {"stays": n, "median_days": _median(ended, stage, n),
                                      "mean_days": round(float(mean), 1) if n else 0.0}))
    return Chart("stage-time", "stage", ("stays", "median_days", "mean_days"), rows, drawn=("median_days", "mean_days"))


def _median(ended, stage: str, n: int) -> float:
    """The median days of a stage's n stays (the middle one, or the mean of the middle two), read with OFFSET."""
    if not n:
        return 0.0
    middle = db.session.scalars(select(ended.c.days).where(ended.c.stage == stage).order_by(ended.c.days)
                                .offset((n - 1) // 2).limit(2 - n % 2)).all()
    return round(sum(float(days) for days in middle) / len(middle), 1)


#: every chart of the dashboard, by the name its CSV goes by, in the page's order
CHARTS: dict[str, Callable[[Organisation, Window], Chart]] = {
    "pipeline": pipeline, "funnel": funnel, "stage-time": stage_time, "participation": participation,
    "contributors": contributors,
}


def chart(org: Organisation, key: str, weeks: int) -> Chart:
    """One chart by name (404 for a name the dashboard does not have)."""
    if key not in CHARTS:
        raise NotFound(_l("This dashboard has no such chart."))
    return CHARTS[key](org, window(weeks))


def chart_csv(found: Chart) -> str:
    """A chart's rows as CSV: what each row is, then one column per series (cells safe for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*KEY_FIELDS[found.kind], *found.series])
    for row in found.rows:
        writer.writerow([spreadsheet_safe(cell) for cell in (*_key_cells(found.kind, row.key),
                                                             *(row.values[s] for s in found.series))])
    return out.getvalue()


def _key_cells(kind: str, key) -> list:
    """The CSV cells naming a row: a week's Monday (ISO date), a stage, or a member's id and name."""
    if kind == "week":
        return [key.date().isoformat()]
    if kind == "contributor":
        return [key.id, key.name]
    return [key]


# --- Decisions waiting for the organisation ----------------------------------------------------------
@dataclass(frozen=True)
class Awaiting:
    """An idea (or an offer of partnership on it) waiting for the organisation's decision: `kind` names the decision
    (a key of DECISIONS)."""

    kind: str
    idea: Idea
    #: when the idea entered its current stage (an offer: when it was made or selected)
    since: datetime | None
    #: (count, threshold) of the crowd's signal at the gate: votes, supports or backers (see `counted`)
    progress: tuple[int, int] | None = None
    #: until when the organisation may decide, where a deadline applies
    deadline: datetime | None = None
    #: what progress counts: "votes", "supports" or "backers"
    counted: str = "votes"

    @property
    def question(self) -> str:
        """What the organisation is asked."""
        return DECISIONS[self.kind].question

    @property
    def url(self) -> str:
        """Where the organisation decides."""
        return DECISIONS[self.kind].link(self)


def _entered(ideas: list[Idea]) -> dict[int, datetime]:
    """When each of these ideas entered its current stage (its latest history row), in one query."""
    if not ideas:
        return {}
    return dict(db.session.execute(
        select(StageTransition.idea_id, func.max(StageTransition.created_at))
        .where(StageTransition.idea_id.in_([i.id for i in ideas])).group_by(StageTransition.idea_id)).all())


def _organisation_ideas(org: Organisation, *where):
    """SQL: the ideas of the organisation's projects matching where, with their project loaded."""
    return (select(Idea).join(Project, Project.id == Idea.project_id)
            .where(Project.organisation_id == org.id, *where).options(contains_eager(Idea.project)))


def _picks(org: Organisation, kind: str, stage: Stage, decider, count, threshold, counted: str) -> list[Awaiting]:
    """Ideas in a stage of the organisation's projects where it decides the next gate (the decider column): all of
    them where the sponsor decides, those the crowd shortlisted (count at threshold) where it picks among them;
    those past the threshold first."""
    at_threshold = count >= threshold
    ideas = db.session.scalars(
        _organisation_ideas(org, Idea.stage == stage, or_(decider == Decider.SPONSOR,
                                                          and_(decider == Decider.SHORTLIST, at_threshold)))
        .order_by(case((at_threshold, 0), else_=1), count.desc(), Idea.id)
    ).all()
    since = _entered(ideas)
    return [Awaiting(kind, idea, since.get(idea.id), (getattr(idea, count.key), getattr(idea.project, threshold.key)),
                     counted=counted) for idea in ideas]


def openings(org: Organisation) -> list[Awaiting]:
    """Proposed ideas waiting for the organisation to open voting on them (gate 1)."""
    return _picks(org, "opening", Stage.IDEA, Project.vote_decider, Idea.support_count, Project.support_threshold,
                  "supports")


def promotions(org: Organisation) -> list[Awaiting]:
    """Ideas open for votes waiting for the organisation to promote them to specification (gate 2)."""
    return _picks(org, "promotion", Stage.VOTE, Project.promotion_decider, Idea.vote_count, Project.vote_threshold,
                  "votes")


def _vetoes(org: Organisation, kind: str, stage: Stage, decider) -> list[Awaiting]:
    """Ideas the crowd has just moved into this stage in the organisation's projects under its veto, while it may
    still veto them (soonest deadline first)."""
    candidates = db.session.scalars(_organisation_ideas(org, Idea.stage == stage, decider == Decider.VETO)).all()
    since, now = _entered(candidates), utcnow()
    recent = [idea for idea in candidates  # moved within the veto window: only those may still be vetoed
              if since.get(idea.id) and since[idea.id] + timedelta(days=idea.project.veto_days) > now]
    items = [Awaiting(kind, idea, since[idea.id], deadline=veto_open_until(idea)) for idea in recent]
    return sorted((item for item in items if item.deadline), key=lambda item: (item.deadline, item.idea.id))


def opening_vetoes(org: Organisation) -> list[Awaiting]:
    """Ideas the crowd's supports have just opened for voting, while the organisation may veto it (gate 1)."""
    return _vetoes(org, "opening_veto", Stage.VOTE, Project.vote_decider)


def vetoes(org: Organisation) -> list[Awaiting]:
    """Ideas the crowd has just promoted to specification, while the organisation may veto it (gate 2)."""
    return _vetoes(org, "veto", Stage.SPEC, Project.promotion_decider)


def _offers(org: Organisation, *where):
    """SQL: the offers of partnership on spec-stage ideas of the organisation's projects matching where."""
    return (select(Interest).join(Idea, Idea.id == Interest.idea_id).join(Project, Project.id == Idea.project_id)
            .where(Project.organisation_id == org.id, Idea.stage == Stage.SPEC, *where)
            .options(contains_eager(Interest.idea).contains_eager(Idea.project)).order_by(Interest.id))


def partner_picks(org: Organisation) -> list[Awaiting]:
    """Offers waiting for the organisation to choose the R&D partner (gate 3): every pending offer where the sponsor
    chooses, those the crowd shortlisted (backers at the threshold) where it picks among them."""
    at_threshold = Interest.backer_count >= Project.backing_threshold
    offers = db.session.scalars(_offers(org, Interest.status == InterestStatus.PENDING, or_(
        Project.partner_decider == Decider.SPONSOR,
        and_(Project.partner_decider == Decider.SHORTLIST, at_threshold)))).all()
    return [Awaiting("partner", offer.idea, offer.created_at,
                     (offer.backer_count, offer.idea.project.backing_threshold), counted="backers") for offer in offers]


def offer_vetoes(org: Organisation) -> list[Awaiting]:
    """Offers the crowd's backing has just selected, while the organisation may veto the selection (gate 3)."""
    offers = db.session.scalars(_offers(org, Interest.status == InterestStatus.SELECTED,
                                        Project.partner_decider == Decider.VETO)).all()
    items = [Awaiting("offer_veto", offer.idea, offer.decided_at, deadline=offer_veto_open_until(offer))
             for offer in offers]
    return sorted((item for item in items if item.deadline), key=lambda item: (item.deadline, item.idea.id))


def ready_for_rnd(org: Organisation) -> list[Awaiting]:
    """Spec-stage ideas of the organisation's projects whose R&D partner is the organisation (or not chosen yet),
    whose specification passes the readiness checklist, and to which the organisation has not made an offer yet
    (once it has, the choice is the idea's author's and moderators')."""
    approvals = select(func.count()).where(SpecApproval.idea_id == Idea.id).scalar_subquery()
    offered = select(Interest.idea_id).where(Interest.organisation_id == org.id)
    candidates = db.session.scalars(  # enough approvals of any revision is necessary, so it narrows the checks
        _organisation_ideas(org, Idea.stage == Stage.SPEC,
                            or_(Project.rnd_partner_id == org.id, Project.rnd_partner_id.is_(None)),
                            approvals >= Project.spec_approvals_needed, Idea.id.not_in(offered))
        .order_by(Idea.id)).all()
    checklists = readiness_of(candidates) if candidates else {}
    ideas = [idea for idea in candidates if checklists[idea.id].ready]
    since = _entered(ideas)
    return [Awaiting("rnd", idea, since.get(idea.id)) for idea in ideas]


def _idea_page(item: Awaiting) -> str:
    return url_for("pipeline.show", idea_id=item.idea.id)


@dataclass(frozen=True)
class Decision:
    """A kind of decision the dashboard lists: the question put to the sponsor, what finds the ideas, and where
    the sponsor decides (the idea's page unless said otherwise)."""

    question: object
    find: Callable[[Organisation], list[Awaiting]]
    link: Callable[[Awaiting], str] = _idea_page


def _partners_page(item: Awaiting) -> str:
    return url_for("rnd.partners", idea_id=item.idea.id)


#: the kinds of decision waiting for a sponsor, in the page's order (the pipeline's gates in turn); a new kind is one
#: entry here
DECISIONS = {
    "opening": Decision(_l("Open voting?"), openings),
    "opening_veto": Decision(_l("Veto the crowd's opening of voting?"), opening_vetoes),
    "promotion": Decision(_l("Promote to specification?"), promotions),
    "veto": Decision(_l("Veto the crowd's promotion?"), vetoes),
    "rnd": Decision(_l("Make an offer for partner R&D?"), ready_for_rnd, _partners_page),
    "partner": Decision(_l("Choose the R&D partner?"), partner_picks, _partners_page),
    "offer_veto": Decision(_l("Veto the offer the crowd selected?"), offer_vetoes, _partners_page),
}


def awaiting_decision(organisation: Organisation) -> list[Awaiting]:
    """Every idea waiting for the organisation's decision, kind by kind (DECISIONS lists the kinds)."""
    return [item for decision in DECISIONS.values() for item in decision.find(organisation)]


# --- Contests and challenges -------------------------------------------------------------------------
@dataclass(frozen=True)
class ContestSpend:
    """One of the organisation's contests or challenges: its entries kept, and its money in its currency (put in
    escrow, still held, paid to members and the platform, returned)."""

    contest: Contest
    entries: int
    money: ledger.Flow


def contests_of(org: Organisation) -> list[ContestSpend]:
    """The organisation's contests and challenges, newest first, with entries and spend (three queries)."""
    contests = db.session.scalars(select(Contest).where(Contest.organisation_id == org.id)
                                  .order_by(Contest.id.desc())).all()
    if not contests:
        return []
    entries = dict(db.session.execute(
        select(Entry.contest_id, func.count()).where(Entry.contest_id.in_([c.id for c in contests]),
                                                     Entry.withdrawn_at.is_(None)).group_by(Entry.contest_id)).all())
    flows = ledger.escrow_flows([ledger.escrow_account(c.id) for c in contests])
    return [ContestSpend(c, entries.get(c.id, 0), flows.get(ledger.escrow_account(c.id), {}).get(
        c.currency, ledger.Flow())) for c in contests]


# --- The page ----------------------------------------------------------------------------------------
@dataclass
class Dashboard:
    """What the sponsor dashboard shows; every figure is a count over the database."""

    organisation: Organisation
    weeks: int
    window: Window
    projects: list[Project]
    #: ideas taken into R&D from community projects (counted beside the organisation's projects)
    partnered: int
    figures: dict
    charts: dict[str, Chart]
    awaiting: list[Awaiting]
    contests: list[ContestSpend]


def _contributors_in(org: Organisation, win: Window) -> int:
    """How many different people proposed, voted or posted on the organisation's ideas during the window."""
    activity = _activity(org, win)
    return db.session.scalar(select(func.count(distinct(activity.c.user_id))))


def dashboard(org: Organisation, weeks: int) -> Dashboard:
    """The organisation's charts over the last `weeks` weeks, headline figures and decisions waiting for it."""
    win = window(weeks)
    charts = {key: build(org, win) for key, build in CHARTS.items()}
    week_rows = charts["participation"].rows
    current = {row.key: row.values["now"] for row in charts["funnel"].rows}
    awaiting = awaiting_decision(org)
    figures = {
        "in_pipeline": sum(n for stage, n in current.items() if stage != Stage.ARCHIVED),
        "contributors": _contributors_in(org, win),
        **{kind: sum(row.values[kind] for row in week_rows) for kind in ACTIVITY},
        "awaiting": len(awaiting),
    }
    projects = db.session.scalars(select(Project).where(Project.organisation_id == org.id)
                                  .order_by(Project.title)).all()
    partnered = db.session.scalar(select(func.count()).select_from(Idea).join(Project, Project.id == Idea.project_id)
                                  .where(Idea.partner_id == org.id, Project.organisation_id.is_(None)))
    return Dashboard(org, weeks, win, projects, partnered, figures, charts, awaiting, contests_of(org))
