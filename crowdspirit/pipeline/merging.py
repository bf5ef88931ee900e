"""Duplicate ideas: similar ideas suggested while a member proposes one, and the moderators' merge of a duplicate into
another idea of its project (its votes move exactly, one per member; its discussion and followers follow through
the `idea_merged` event; it is archived, pointing to the other idea, whose page credits both authors)."""

import re
from collections import Counter
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, literal, select, update
from werkzeug.exceptions import HTTPException

from .. import events, notices
from ..access import can, require, visible
from ..audit import services as audit
from ..database import utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..search import services as search
from ..signals import idea_merged
from . import services
from .models import Idea, Stage, Support, Vote

#: the stages a duplicate may be merged from (a specification or an R&D partnership has work of its own)
MERGEABLE = frozenset({Stage.IDEA, Stage.VOTE})
#: how many similar ideas are suggested, and how many words of a title are looked for
SIMILAR, MAX_WORDS = 5, 6
#: the hits read per word looked for
PER_WORD = 20
#: the other open ideas of the project offered by the merge page besides the similar ones
MAX_CANDIDATES = 200

_IDEAS, _VOTES = Idea.__table__, Vote.__table__


def _words(title: str) -> list[str]:
    """The distinct words of a title worth looking for (three letters or more), the first MAX_WORDS of them."""
    return list(dict.fromkeys(word for word in re.findall(r"\w+", (title or "").casefold()) if len(word) >= 3))[
        :MAX_WORDS]


def _idea_id(url: str) -> int | None:
    """The id of the idea whose page a search hit links to (None for another page)."""
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(
            urlsplit(url).path.removeprefix(request.script_root))
    except HTTPException:
        return None
    return values["idea_id"] if endpoint == "pipeline.show" else None


def similar_ideas(user, project, title: str, exclude: int | None = None, limit: int = SIMILAR) -> list[Idea]:
    """The project's open ideas that the user may see and whose text holds at least half of the title's words, those
    matching most first: each word searched as the member's own search does it (access filtered before ranking, every
    hit checked again). Nothing for an empty title."""
    words = _words(title)
    matched: Counter = Counter()
    for word in words:
        found = search.search(user, word, {"kind": "idea", "project": str(project.id)}, per_page=PER_WORD)
        matched.update({_idea_id(hit.url) for hit in found.page.items} - {None, exclude})
    wanted = [idea_id for idea_id, count in matched.most_common() if count * 2 >= len(words)]
    if not wanted:
        return []
    ideas = {idea.id: idea for idea in db.session.scalars(visible(select(Idea).where(
        Idea.id.in_(wanted), Idea.stage != Stage.ARCHIVED), user))}
    return [ideas[idea_id] for idea_id in wanted if idea_id in ideas][:limit]


def merge_candidates(duplicate: Idea, user) -> tuple[list[Idea], list[Idea]]:
    """The ideas the merge page offers to merge a duplicate into: the similar ones, then the project's other open
    ideas that the user may see, by title."""
    similar = similar_ideas(user, duplicate.project, duplicate.title, exclude=duplicate.id)
    others = db.session.scalars(visible(select(Idea).where(
        Idea.project_id == duplicate.project_id, Idea.stage != Stage.ARCHIVED,
        Idea.id.not_in([duplicate.id, *(idea.id for idea in similar)])).order_by(Idea.title).limit(MAX_CANDIDATES),
        user)).all()
    return similar, list(others)


def check_duplicate(duplicate: Idea, actor) -> None:
    """Raise why the actor may not merge this idea into another: 404/403 for who may not, 409 once it has moved on
    or was merged already."""
    require(actor, "idea.merge", duplicate)
    if duplicate.merged_into_id is not None:
        raise Conflict(_l("This idea has already been merged into another."))
    if duplicate.stage not in MERGEABLE:
        raise Conflict(_l("Only an idea in the idea or voting stage can be merged into another: a specification or "
                          "an R&D partnership has work of its own."))


def check_merge(duplicate: Idea, target: Idea | None, actor) -> None:
    """Raise why the actor may not merge duplicate into target now: 400 for a choice that is not another idea of the
    project that the actor sees, 409 for an idea merged or archived."""
    check_duplicate(duplicate, actor)
    if target is not None and target.id == duplicate.id:
        raise DomainError(_l("An idea cannot be merged into itself."))
    if target is None or target.project_id != duplicate.project_id or not can(actor, "idea.view", target):
        raise DomainError(_l("Choose another idea of the same project."))
    if target.merged_into_id is not None:
        raise Conflict(_l("“%(title)s” was itself merged into another idea: merge into that one.", title=target.title))
    if target.stage == Stage.ARCHIVED:
        raise Conflict(_l("“%(title)s” is archived: merge into an idea that is still open.", title=target.title))


def load_target(idea_id: int | None) -> Idea | None:
    """The idea chosen to merge into, if it exists (check_merge decides whether it may be)."""
    return db.session.get(Idea, idea_id) if idea_id else None


def merge(duplicate: Idea, target: Idea, actor, reason: str) -> Idea:
    """Merge duplicate into target, in one transaction: both ideas' rows locked, the checks made again on their state
    as locked, the authors and voters told, the votes and supports moved (one per member, the counts set from their
    rows), the event that moves its discussion and followers said, and the duplicate archived through the lifecycle,
    pointing to the target. Returns the target."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Say why these ideas are merged."))
    _lock(duplicate, target)
    try:
        check_merge(duplicate, target, actor)
    except DomainError:
        db.session.rollback()
        raise
    _tell(duplicate, target, actor, reason)
    for rows, count in ((_VOTES, "vote_count"), (Support.__table__, "support_count")):
        _move_rows(rows, count, duplicate.id, target.id)
    audit.record(duplicate.project_id, actor, "idea.merged", f"idea #{duplicate.id}", f"into idea #{target.id}")
    events.emit(idea_merged, duplicate, target=target, actor=actor)
    services._move(duplicate, Stage.ARCHIVED, actor,
                   str(_l("Merged into idea #%(id)d: %(reason)s", id=target.id, reason=reason)),
                   merged_into_id=target.id)
    db.session.refresh(target)
    return target


def _lock(*ideas: Idea) -> None:
    """Write-lock the ideas' rows in id order, then read them again as they are now. A vote's count waits for these
    locks and is refused once the idea is merged (services._count_vote, its vote row rolled back with it): no vote
    stays on a merged idea, and two merges never wait for each other in a circle."""
    for idea in sorted(ideas, key=lambda idea: idea.id):
        db.session.execute(update(_IDEAS).where(_IDEAS.c.id == idea.id).values(updated_at=utcnow()))
    for idea in ideas:
        db.session.refresh(idea)


def _tell(duplicate: Idea, target: Idea, actor, reason: str) -> None:
    """Tell the duplicate's author, the target's author and the duplicate's voters that it was merged (in the
    merge's transaction: the notice names the target, which each of them must see when it is delivered)."""
    voters = set(db.session.scalars(select(Vote.user_id).where(Vote.idea_id == duplicate.id)))
    told = {"author": {duplicate.author_id}, "target": {target.author_id} - {duplicate.author_id},
            "voter": voters - {duplicate.author_id, target.author_id}}
    for detail, people in told.items():
        if people:
            notices.tell("idea.merged", target, to=people, actor=actor, detail=detail, note=reason)


def _move_rows(table, count: str, duplicate_id: int, target_id: int) -> None:
    """Give the duplicate's voters (or supporters: the rows of table) one for the target (who gave both keeps the
    one), delete the duplicate's, and set both ideas' counts from their rows."""
    theirs = table.alias("theirs")
    moved = select(literal(target_id), table.c.user_id, table.c.created_at).where(
        table.c.idea_id == duplicate_id,
        ~exists().where(theirs.c.idea_id == target_id, theirs.c.user_id == table.c.user_id))
    db.session.execute(insert(table).from_select(["idea_id", "user_id", "created_at"], moved))
    db.session.execute(delete(table).where(table.c.idea_id == duplicate_id))
    rows = select(func.count()).select_from(table).where(table.c.idea_id == _IDEAS.c.id).scalar_subquery()
    db.session.execute(update(_IDEAS).where(_IDEAS.c.id.in_([duplicate_id, target_id])).values({count: rows}))


def shared_voters(duplicate: Idea, target: Idea) -> int:
    """How many members voted for both ideas (they keep one vote on the target)."""
    theirs = _VOTES.alias("theirs")
    return db.session.scalar(select(func.count()).select_from(_VOTES).where(
        _VOTES.c.idea_id == duplicate.id,
        exists().where(theirs.c.idea_id == target.id, theirs.c.user_id == _VOTES.c.user_id)))
