"""Specification rules: the first revision at promotion, new revisions, and diffs."""

import difflib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotFound
from ..extensions import db
from ..pipeline.models import Idea, Stage
from .models import SECTIONS, SpecRevision


def start_spec(idea: Idea) -> SpecRevision:
    """Open the idea's specification with a first revision drawn from the idea (no commit)."""
    revision = SpecRevision(idea_id=idea.id, number=1, author_id=idea.author_id,
                            note=str(_l("Started from the idea.")),
                            problem=idea.body or idea.summary)
    db.session.add(revision)
    return revision


def current_revision(idea: Idea) -> SpecRevision | None:
    """The latest revision of the idea's spec, or None if it never reached the spec stage."""
    return db.session.scalar(
        select(SpecRevision).where(SpecRevision.idea_id == idea.id)
        .order_by(SpecRevision.number.desc()).limit(1)
    )


def revisions(idea: Idea) -> list[SpecRevision]:
    """Every revision of the idea's spec, newest first."""
    return list(db.session.scalars(
        select(SpecRevision).where(SpecRevision.idea_id == idea.id)
        .order_by(SpecRevision.number.desc())
    ))


def get_revision(idea: Idea, number: int) -> SpecRevision:
    """One revision by number; 404 if the spec has no such revision."""
    revision = db.session.scalar(
        select(SpecRevision).where(SpecRevision.idea_id == idea.id, SpecRevision.number == number)
    )
    if revision is None:
        raise NotFound(_l("This revision does not exist."))
    return revision


def check_editable(idea: Idea) -> None:
    """Refuse with a reason once the idea has left the spec stage."""
    if idea.stage != Stage.SPEC:
        raise Conflict(_l("The specification can only be edited while the idea is in the spec stage."))


def save_revision(idea: Idea, author, base_number: int, note: str, **sections) -> SpecRevision:
    """Save the sections as a new revision, refusing if someone saved since base_number."""
    check_editable(idea)
    latest = db.session.scalar(
        select(func.max(SpecRevision.number)).where(SpecRevision.idea_id == idea.id)
    ) or 0
    if base_number != latest:
        raise Conflict(_l("Someone saved revision %(n)d while you were editing; "
                          "copy your changes, reload and apply them again.", n=latest))
    revision = SpecRevision(idea_id=idea.id, number=latest + 1, author_id=author.id,
                            note=note.strip(), **{name: sections[name] for name in SECTIONS})
    db.session.add(revision)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Someone saved a revision at the same moment; reload and try again.")) from None
    return revision


@dataclass(frozen=True)
class DiffLine:
    """One line of a section diff: kind is ' ', '+', '-' or '@' (a hunk header)."""

    kind: str
    text: str


def diff(old: SpecRevision, new: SpecRevision) -> dict[str, list[DiffLine]]:
    """Per section, the unified diff from old to new (sections without changes are left out)."""
    result = {}
    for name in SECTIONS:
        lines = list(difflib.unified_diff(old.section(name).splitlines(),
                                          new.section(name).splitlines(), lineterm="", n=2))
        if lines:
            result[name] = [DiffLine(line[0], line[1:]) for line in lines[2:]]
    return result
