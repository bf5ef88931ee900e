"""What search holds of the contests: a document per entry (not withdrawn), with the access of its contest in its
current phase, rewritten when the entry changes or the contest moves to another phase.

An entry's access key says who may see it as the contest now stands: during the private phase (and in expert
challenges) the sponsor's team, afterwards every signed-in member who may see the contest (its project, or the
whole community). The keys a user holds follow the current project policies, so a project's change takes effect at
once; a phase change rewrites the contest's entries, and only ever widens who sees them.
"""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import access, search
from ..extensions import db
from ..projects.models import Project
from ..search.documents import document
from ..search.models import SearchOutbox
from .models import Contest, ContestKind, Entry, Phase, PhaseChange

#: the scope of the entries of a contest run outside any project
COMMUNITY = "community"


def _scope(project_id: int | None) -> str:
    return str(project_id) if project_id is not None else COMMUNITY


def entry_key(entry: Entry, contest: Contest) -> str:
    """The access key of an entry's document: the contest's scope, and its sponsor's team while only the team (and
    the author) may see it."""
    scope = _scope(contest.project_id)
    if contest.kind == ContestKind.CONTEST and contest.phase not in (Phase.DRAFT, Phase.PRIVATE):
        return f"entries:{scope}"
    return f"entries:{scope}:team:{contest.organisation_id}"


def entry_keys(user) -> set[str]:
    """The search keys of the entries the user may see: in the projects they may see and the community's contests,
    and their team's private ones (visitors see no entry)."""
    if not user.is_authenticated:
        return set()
    scopes = [COMMUNITY, *(str(project_id) for project_id in db.session.scalars(
        access.visible(select(Project.id), user)))]
    keys = {f"entries:{scope}" for scope in scopes}
    if user.organisation_id:
        keys.update(f"entries:{scope}:team:{user.organisation_id}" for scope in scopes)
    return keys


def entry_document(entry: Entry, contest: Contest | None = None) -> dict | None:
    """An entry's document (contest: the entry's, when the caller holds it); withdrawn entries stay out of search."""
    if entry.withdrawn_at is not None:
        return None
    contest = contest if contest is not None else entry.contest
    return document(f"entry:{entry.id}", entry_key(entry, contest), entry.title, entry.text, entry.created_at,
                    contest.project_id, author=entry.author_id)


def walk_entries():
    """A full walk's entry builder: every contest read once and held for the walk."""
    contests = {contest.id: contest for contest in db.session.scalars(select(Contest))}
    return lambda entry: entry_document(entry, contests[entry.contest_id])


def contest_entries(contest_id: int):
    """(key, document or None) for every entry of a contest (it moved to another phase)."""
    for entry in db.session.scalars(select(Entry).where(Entry.contest_id == contest_id)
                                    .execution_options(yield_per=search.BATCH)):
        yield f"entry:{entry.id}", entry_document(entry)


def entry_changed(entry: Entry) -> None:
    """Have the indexer rewrite an entry that a statement changed behind the session's watches (no commit)."""
    db.session.add(SearchOutbox(kind="entry", object_id=entry.id))


def show_entry(entry: Entry) -> search.Shown | None:
    """An entry's hit: its page, its text for the snippet (none once withdrawn)."""
    if entry.withdrawn_at is not None:
        return None
    return search.Shown(entry.title, url_for("contests.entry", entry_id=entry.id), entry.text, entry.created_at,
                        entry.contest.project)


def register() -> None:
    """Add the contests' entries to search and their keys to the access policy (called from the contests'
    init_app). A contest's phase moves by a compare-and-set statement: its history row queues the rewrite; the
    contest itself has no document, so nothing waits hidden meanwhile (a new phase only widens who sees)."""
    access.register(keys={"contest-entries": entry_keys})
    search.register(
        kinds=[search.Kind("entry", Entry, entry_document, show_entry, "entry.view", "entry", _l("Contest entries"),
                           _l("Contest entry"), aliases=("entries", "contest", "contests"),
                           eager=(joinedload(Entry.contest).joinedload(Contest.project),), walk=walk_entries)],
        rows=[search.Rows(Entry, order=35)],
        sources={"entry": search.Source(search.row_documents(Entry), ("key", "entry:")),
                 "contest": search.Source(contest_entries, ("key", "contest:"))},
        watches={Entry: (search.Watch("entry", frozenset({"title", "text", "withdrawn_at"})),),
                 PhaseChange: (search.Watch("contest", id_attribute="contest_id", deleted=False),)},
    )
