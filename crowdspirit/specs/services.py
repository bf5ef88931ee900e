"""Specification rules: revisions and diffs, restore, amendments, approvals and the readiness checklist."""

import difflib
import re
from dataclasses import dataclass, field
from functools import cache

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from .. import notices
from ..accounts.models import User
from ..database import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..pipeline.models import Idea, Stage
from ..projects.services import manager_ids, sponsor_team_ids
from ..signals import amendment_accepted
from ..text import rendered_diff
from .models import SECTIONS, Amendment, FeatureRating, SpecApproval, SpecRevision


class StaleEdit(Conflict):
    """Someone saved since the revision the editor started from; carries what they saved, for the merge view."""

    def __init__(self, message, latest: SpecRevision):
        super().__init__(message)
        self.latest = latest


def start_spec(idea: Idea, **_move) -> SpecRevision:
    """Open the idea's specification with a first revision drawn from the idea (no commit): the pipeline's
    on-enter hook of the spec stage."""
    revision = SpecRevision(idea_id=idea.id, number=1, author_id=idea.author_id,
                            note=str(_l("Started from the idea.")),
                            problem=idea.body or idea.summary)
    db.session.add(revision)
    return revision


@cache
def _current_statement():
    """current_revision's select(), built once: the latest revision of idea "idea"."""
    return (select(SpecRevision).where(SpecRevision.idea_id == bindparam("idea"))
            .order_by(SpecRevision.number.desc()).limit(1))


def current_revision(idea: Idea) -> SpecRevision | None:
    """The latest revision of the idea's spec, or None if it never reached the spec stage."""
    return db.session.scalar(_current_statement(), {"idea": idea.id})


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
    """Save the sections as a new revision (sections not given keep their text), refusing if someone saved
    since base_number."""
    check_editable(idea)
    latest = db.session.scalar(
        select(func.max(SpecRevision.number)).where(SpecRevision.idea_id == idea.id)
    ) or 0
    if base_number != latest:
        raise StaleEdit(_l("Someone saved revision %(n)d while you were editing. Nothing was lost: compare "
                           "below, adjust your text, and save again.", n=latest), current_revision(idea))
    current = current_revision(idea)
    revision = SpecRevision(idea_id=idea.id, number=latest + 1, author_id=author.id, note=note.strip()[:200],
                            **{name: sections.get(name, current.section(name) if current else "") for name in SECTIONS})
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


def section_diff(old: str, new: str) -> list[DiffLine]:
    """The unified diff of one section's text (empty when nothing changed)."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2))
    return [DiffLine(line[0], line[1:]) for line in lines[2:]]


def diff(old: SpecRevision, new: SpecRevision) -> dict[str, list[DiffLine]]:
    """Per section, the unified diff from old to new (sections without changes are left out)."""
    changes = {name: section_diff(old.section(name), new.section(name)) for name in SECTIONS}
    return {name: lines for name, lines in changes.items() if lines}


def rendered_changes(old: SpecRevision, new: SpecRevision) -> dict[str, Markup]:
    """Per changed section, the new text rendered with the words added and removed marked in place."""
    return {name: rendered_diff(old.section(name), new.section(name)) for name in SECTIONS
            if old.section(name) != new.section(name)}


def restore(idea: Idea, author, number: int) -> SpecRevision:
    """Save an older revision's text again as the newest revision."""
    old = get_revision(idea, number)
    current = current_revision(idea)
    return save_revision(idea, author, current.number, str(_l("Restored revision %(n)d.", n=number)),
                         **{name: old.section(name) for name in SECTIONS})


# --- Amendments ------------------------------------------------------------------------------------
def propose_amendment(idea: Idea, author, section: str, text: str, reason: str) -> Amendment:
    """A contributor proposes new text for one section."""
    check_editable(idea)
    if section not in SECTIONS:
        raise DomainError(_l("Choose a section of the specification."))
    current = current_revision(idea)
    if text.strip() == current.section(section).strip():
        raise DomainError(_l("The proposed text is the same as the current one."))
    amendment = Amendment(idea_id=idea.id, author_id=author.id, section=section, text=text,
                          reason=reason.strip()[:500], base_number=current.number)
    db.session.add(amendment)
    db.session.flush()  # the notice names the amendment by its key
    notices.tell("amendment.proposed", amendment, to=editors(idea), actor=author, detail=section, note=amendment.reason)
    db.session.commit()
    return amendment


def editors(idea: Idea) -> set[int]:
    """The ids of the spec's editors: the idea's author, the project's owner and moderators, the sponsor's team."""
    return {idea.author_id, *manager_ids(idea.project), *sponsor_team_ids(idea.project)}


def amendments(idea: Idea) -> list[Amendment]:
    """The spec's amendments, pending first, then newest first."""
    return list(db.session.scalars(select(Amendment).where(Amendment.idea_id == idea.id)
                                   .order_by((Amendment.status != "pending"), Amendment.id.desc())))


def get_amendment(idea: Idea, amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or amendment.idea_id != idea.id:
        raise NotFound(_l("This amendment does not exist."))
    return amendment


def decide_amendment(idea: Idea, amendment: Amendment, editor, accept: bool, reason: str) -> Amendment:
    """An editor accepts (the section becomes the amendment's text, in a new revision) or rejects, with a reason."""
    check_editable(idea)
    if amendment.status != "pending":
        raise Conflict(_l("This amendment was already decided."))
    if not accept and not reason.strip():
        raise DomainError(_l("Say why you reject it: its author will read your reason."))
    amendment.status = "accepted" if accept else "rejected"
    amendment.decided_by_id, amendment.decision_reason, amendment.decided_at = editor.id, reason.strip()[:500], utcnow()
    notices.tell("amendment.decided", amendment, to=[amendment.author_id], actor=editor, detail=amendment.status,
                 note=amendment.decision_reason)
    if not accept:
        db.session.commit()
        return amendment
    current = current_revision(idea)
    sections = {name: current.section(name) for name in SECTIONS}
    sections[amendment.section] = amendment.text
    amendment.revision_number = current.number + 1
    try:  # the decision and the new revision are one commit
        save_revision(idea, editor, current.number,
                      str(_l("Amendment by %(name)s accepted.", name=amendment.author.display_name)), **sections)
    except DomainError:
        db.session.rollback()
        raise
    amendment_accepted.send(amendment)
    return amendment


def credited(idea: Idea) -> list:
    """Who had amendments accepted, with how many (the spec's credits)."""
    return db.session.execute(
        select(User, func.count(Amendment.id)).join(Amendment, Amendment.author_id == User.id)
        .where(Amendment.idea_id == idea.id, Amendment.status == "accepted")
        .group_by(User.id).order_by(func.count(Amendment.id).desc())).all()


# --- Readiness -----------------------------------------------------------------------------------
_OPEN_QUESTION = re.compile(r"^\s*[-*]\s*\[ \]", re.MULTILINE)


@dataclass
class Readiness:
    """The checklist that gates partner R&D: sections filled, questions settled, enough approvals."""

    empty_sections: list[str] = field(default_factory=list)
    open_questions: int = 0
    approvals: int = 0
    needed: int = 0

    @property
    def ready(self) -> bool:
        return not self.empty_sections and not self.open_questions and self.approvals >= self.needed


def _checklist(idea: Idea, current: SpecRevision | None, approvals: int) -> Readiness:
    """The checklist of a revision (None: no spec yet) approved by this many members."""
    if current is None:
        return Readiness(list(SECTIONS), 0, 0, idea.project.spec_approvals_needed)
    return Readiness([name for name in SECTIONS if name != "open_questions" and not current.section(name).strip()],
                     len(_OPEN_QUESTION.findall(current.open_questions)), approvals,
                     idea.project.spec_approvals_needed)


def readiness(idea: Idea) -> Readiness:
    """Where the current revision stands on the checklist."""
    current = current_revision(idea)
    return _checklist(idea, current, current and db.session.scalar(
        select(func.count()).select_from(SpecApproval).where(
            SpecApproval.idea_id == idea.id, SpecApproval.revision_number == current.number)))


def ready_for_rnd(idea: Idea, **_move) -> None:
    """The pipeline's gate into partner R&D: the specification's readiness checklist is complete."""
    if not readiness(idea).ready:
        raise Conflict(_l("The specification is not ready for partner R&D yet: see its readiness checklist."))


def readiness_of(ideas: list[Idea]) -> dict[int, Readiness]:
    """The checklists of many ideas at once (two queries), for the boards that list them."""
    latest = (select(SpecRevision.idea_id, func.max(SpecRevision.number).label("number"))
              .where(SpecRevision.idea_id.in_([idea.id for idea in ideas])).group_by(SpecRevision.idea_id).subquery())
    current = {revision.idea_id: revision for revision in db.session.scalars(select(SpecRevision).join(
        latest, and_(latest.c.idea_id == SpecRevision.idea_id, latest.c.number == SpecRevision.number)))}
    approvals = dict(db.session.execute(
        select(SpecApproval.idea_id, func.count()).join(latest, and_(
            latest.c.idea_id == SpecApproval.idea_id, latest.c.number == SpecApproval.revision_number))
        .group_by(SpecApproval.idea_id)).all())
    return {idea.id: _checklist(idea, current.get(idea.id), approvals.get(idea.id, 0)) for idea in ideas}


def approve(idea: Idea, user) -> None:
    """A member approves the current revision (approving twice changes nothing)."""
    check_editable(idea)
    number = current_revision(idea).number
    exists = db.session.scalar(select(SpecApproval.id).where(
        SpecApproval.idea_id == idea.id, SpecApproval.user_id == user.id, SpecApproval.revision_number == number))
    if exists is None:
        db.session.add(SpecApproval(idea_id=idea.id, user_id=user.id, revision_number=number))
        try:
            db.session.commit()
        except IntegrityError:  # a double click: the approval is there all the same
            db.session.rollback()


def approvers(idea: Idea) -> list:
    """Who approved the current revision."""
    number = current_revision(idea).number
    return [a.user for a in db.session.scalars(select(SpecApproval).where(
        SpecApproval.idea_id == idea.id, SpecApproval.revision_number == number).order_by(SpecApproval.id))]


# --- Feature polls -------------------------------------------------------------------------------
RATINGS = ("must", "should", "could")
_FEATURE = re.compile(r"^\s*(?:[-*]\s*)?(must|should|could|won'?t)\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Feature:
    """A feature of the spec with its MoSCoW priority and the community's ratings."""

    name: str
    priority: str
    counts: dict = field(default_factory=dict)
    mine: str | None = None

    @property
    def key(self) -> str:
        return " ".join(self.name.lower().split())[:200]

    @property
    def community_choice(self) -> str | None:
        """The rating most members gave (None before anyone rated)."""
        return max(RATINGS, key=lambda r: self.counts.get(r, 0)) if any(self.counts.values()) else None


def features(idea: Idea, user=None) -> list[Feature]:
    """The features the current revision lists ("Must: ..." lines), with the ratings they received."""
    current = current_revision(idea)
    listed = [Feature(name, priority.lower().replace("'", "")) for priority, name in
              _FEATURE.findall(current.features if current else "")]
    rows = db.session.execute(select(FeatureRating.feature, FeatureRating.rating, func.count())
                              .where(FeatureRating.idea_id == idea.id)
                              .group_by(FeatureRating.feature, FeatureRating.rating)).all()
    mine = dict(db.session.execute(select(FeatureRating.feature, FeatureRating.rating).where(
        FeatureRating.idea_id == idea.id, FeatureRating.user_id == user.id)).all()) if user is not None else {}
    for feature in listed:
        feature.counts = {rating: count for key, rating, count in rows if key == feature.key}
        feature.mine = mine.get(feature.key)
    return listed


def rate_feature(idea: Idea, user, feature_key: str, rating: str) -> None:
    """Record (or change) the user's rating of a feature the spec lists."""
    check_editable(idea)
    if rating not in RATINGS:
        raise DomainError(_l("Rate a feature must, should or could."))
    if feature_key not in {f.key for f in features(idea)}:
        raise NotFound(_l("The specification no longer lists this feature."))
    existing = db.session.scalar(select(FeatureRating).where(
        FeatureRating.idea_id == idea.id, FeatureRating.feature == feature_key, FeatureRating.user_id == user.id))
    if existing is None:
        db.session.add(FeatureRating(idea_id=idea.id, feature=feature_key, user_id=user.id, rating=rating))
    else:
        existing.rating = rating
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced itself: the first rating stands
        db.session.rollback()
