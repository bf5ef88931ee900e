"""Contests' part of the access policy: a draft is its sponsor's team's, an open contest as visible as its project;
entries stay private to their author and the sponsor until a contest's public phase; originals stay the author's
until the copyright transfer is signed."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select

from .. import access
from ..access import Rule, acting_sponsor, acts_for, author, signed_in
from ..extensions import db
from ..projects.models import Project
from ..projects.rules import project_visible
from .models import Contest, ContestKind, CopyrightTransfer, Entry, EntryFile, Phase


def contest_team(user, obj) -> bool:
    """The team of the organisation that runs a contest (or the contest of an entry or file)."""
    contest = obj if isinstance(obj, Contest) else obj.contest
    return user.is_authenticated and user.organisation_id is not None and (
        user.organisation_id == contest.organisation_id)


def contest_runner(user, obj) -> bool:
    """The members of the contest's team who act for it (not its viewers): they open, decide, judge and pay."""
    contest = obj if isinstance(obj, Contest) else obj.contest
    return acts_for(user, contest.organisation_id)


def contest_visible(user, contest) -> bool:
    """A draft is its sponsor's team's; an open contest is as visible as its project (everyone's without one)."""
    if contest.phase == Phase.DRAFT and not contest_team(user, contest):
        return False
    return contest.project is None or project_visible(user, contest.project)


def entry_visible(user, obj) -> bool:
    """An entry (and its files' previews): its author always; the sponsor's team unless withdrawn; other members
    only once a contest's public phase has begun (never in an expert challenge)."""
    entry = obj.entry if isinstance(obj, EntryFile) else obj
    contest = entry.contest
    if not user.is_authenticated or not contest_visible(user, contest):
        return False
    if entry.author_id == user.id:
        return True
    if entry.withdrawn_at is not None:
        return False
    return contest_team(user, contest) or (
        contest.kind == ContestKind.CONTEST and contest.phase not in (Phase.DRAFT, Phase.PRIVATE))


def visible_contests_sql(user):
    """SQL on contests mirroring contest_visible."""
    opened = Contest.phase != Phase.DRAFT
    if user.is_authenticated and user.organisation_id:
        opened = or_(opened, Contest.organisation_id == user.organisation_id)
    return and_(opened, or_(Contest.project_id.is_(None),
                            Contest.project_id.in_(access.visible(select(Project.id), user))))


def visible_entries_sql(user):
    """SQL on entries mirroring entry_visible: nobody is ever counted or shown someone else's private entry."""
    if not user.is_authenticated:
        return false()
    seen = select(Contest.id).where(visible_contests_sql(user))
    public = seen.where(Contest.kind == ContestKind.CONTEST, Contest.phase.not_in((Phase.DRAFT, Phase.PRIVATE)))
    others = [Entry.contest_id.in_(public)]
    if user.organisation_id:
        others.append(Entry.contest_id.in_(seen.where(Contest.organisation_id == user.organisation_id)))
    return or_(and_(Entry.author_id == user.id, Entry.contest_id.in_(seen)),
               and_(Entry.withdrawn_at.is_(None), or_(*others)))


def visible_contests(query, user):
    """A select() of contests restricted to those the user may see (the condition built once per access version)."""
    return query.where(access.remembered_for(user, "contest-condition", lambda: visible_contests_sql(user)))


def visible_entries(query, user):
    """A select() of entries restricted to those the user may see (the condition built once per access version)."""
    return query.where(access.remembered_for(user, "entry-condition", lambda: visible_entries_sql(user)))


def entrant(user, contest) -> bool:
    return not contest_team(user, contest)


def independent_of(user, entry) -> bool:
    """Neither the entry's author nor the sponsor's team (whose coups de cœur would tilt how the pool is shared)."""
    return entry.author_id != user.id and not contest_team(user, entry)


def original_reader(user, file) -> bool:
    """An entry's original files are its author's; the sponsor's team gets the winner's once the transfer is signed."""
    entry = file.entry
    if entry.author_id == user.id:
        return True
    return contest_team(user, entry) and entry.won_at is not None and db.session.scalar(
        select(CopyrightTransfer.id).where(CopyrightTransfer.entry_id == entry.id)) is not None


def contest_winner(user, contest) -> bool:
    return contest.winner_entry_id is not None and db.session.get(Entry, contest.winner_entry_id).author_id == user.id


RULES = {
    "contest.view": Rule(contest_visible, needs_account=False),
    "contest.create": Rule(acting_sponsor, _l("Only sponsors' teams open contests.")),
    "contest.manage": Rule(contest_runner, _l("Only the sponsor's team runs this contest.")),
    "contest.enter": Rule(entrant, _l("The sponsor's team does not enter its own contest."), takes_part=True),
    "contest.sign": Rule(contest_winner, _l("Only the winner signs the copyright transfer.")),
    "entry.view": Rule(entry_visible, needs_account=False),
    "entry.withdraw": Rule(author, _l("Only the entry's author can withdraw it.")),
    "entry.revise": Rule(author, _l("Only the entry's author can revise it.")),
    "entry.vote": Rule(independent_of, _l("Coups de cœur come from the community: not for your own entry, nor in "
                                          "your organisation's contest."), takes_part=True),
    "entry.comment": Rule(signed_in, takes_part=True),
    "entry.judge": Rule(contest_runner, _l("Only the sponsor's team judges the entries.")),
    "entry.original": Rule(original_reader, _l(
        "The original files stay with their author until the winner signs the copyright transfer; the sponsor can "
        "download the winning entry's originals once it is signed.")),
}


def register() -> None:
    """Register the contests' rules and the SQL filters of contests and entries with the access core."""
    access.register(rules=RULES, views={Contest: "contest.view", Entry: "entry.view", EntryFile: "entry.view"},
                    filters={Contest: visible_contests, Entry: visible_entries})
