"""Non-disclosure agreements: versioned texts, acceptances, and who may see confidential stages."""

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access, notices
from ..access import forget_facts
from ..audit import services as audit
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from .models import MemberRole, NdaAcceptance, NdaVersion, Project, ProjectMembership
from .rules import cleared_for, team_of

MAX_NDA_LENGTH = 50_000


def current(project: Project) -> NdaVersion | None:
    """The project's newest NDA version, or None when it never published one."""
    return db.session.scalar(select(NdaVersion).where(NdaVersion.project_id == project.id)
                             .order_by(NdaVersion.number.desc()).limit(1))


def versions(project: Project) -> list[NdaVersion]:
    """Every published version of the project's NDA, newest first."""
    return list(db.session.scalars(select(NdaVersion).where(NdaVersion.project_id == project.id)
                                   .order_by(NdaVersion.number.desc())))


def last_accepted(project: Project, user) -> int | None:
    """The number of the newest version of the project's NDA the user accepted (None: they accepted none)."""
    return db.session.scalar(select(func.max(NdaVersion.number)).join(
        NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id).where(
        NdaVersion.project_id == project.id, NdaAcceptance.user_id == user.id))


def _asked(value: str | None) -> int | None:
    """A version number as the comparison form sends it (None when not given); 400 when it is no number."""
    if value is None or not value.strip():
        return None
    if not value.strip().isascii() or not value.strip().isdigit():
        raise DomainError(_l("Choose the versions to compare by their number."))
    return int(value)


def compared(history: list[NdaVersion], old: str | None, new: str | None) -> tuple[NdaVersion | None, NdaVersion]:
    """Of a project's versions, the two to compare as asked (?from=N&to=M), by default the previous and the current
    one (no previous: None, the NDA has a single version); 404 naming a version the project never published."""
    published = {version.number: version for version in history}
    if not published:
        raise NotFound(_l("This project has no NDA."))
    newest = max(published)
    asked_new, asked_old = _asked(new), _asked(old)
    new_number = newest if asked_new is None else asked_new
    old_number = (new_number - 1 if new_number > 1 else None) if asked_old is None else asked_old
    for number in (new_number, old_number):
        if number is not None and number not in published:
            raise NotFound(_l("The NDA has no version %(n)d: its versions run from 1 to %(last)d.", n=number,
                              last=newest))
    return published.get(old_number), published[new_number]


def publish(project: Project, actor, text: str) -> NdaVersion:
    """Publish a new NDA version; every member must accept it again before confidential access."""
    text = text.strip()
    if not text:
        raise Conflict(_l("The NDA text cannot be empty."))
    latest = current(project)
    asked_again = _losing_clearance(project)
    version = NdaVersion(project_id=project.id, number=(latest.number + 1) if latest else 1, text=text,
                         published_by_id=actor.id)
    db.session.add(version)
    audit.record(project.id, actor, "nda.published", f"NDA v{version.number}")
    access.changed(project.id, "nda.published")
    notices.tell("project.nda", project, to=asked_again, actor=actor, detail=str(version.number))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another version was published at the same moment; reload the page.")) from None
    return version


def _losing_clearance(project: Project) -> list[int]:
    """The members cleared for the confidential stages now whom a new version will hold out until they accept it:
    not its owner, nor the sponsor's team (who see them whatever the NDA)."""
    return list(db.session.scalars(cleared_for(project).where(
        ProjectMembership.role != MemberRole.OWNER, ProjectMembership.user_id.not_in(team_of(project)))))


def accept(project: Project, user, version_number: int) -> NdaAcceptance:
    """Record that the user accepted the current version (the one they read: version_number)."""
    version = current(project)
    if version is None:
        raise NotFound(_l("This project has no NDA."))
    if version.number != version_number:
        raise Conflict(_l("A newer version of the NDA was published while you were reading; read it again."))
    if has_accepted(version, user):
        raise Conflict(_l("You have already accepted this version."))
    acceptance = NdaAcceptance(nda_version_id=version.id, user_id=user.id,
                               ip_address=request.remote_addr or "" if has_request_context() else "")
    db.session.add(acceptance)
    audit.record(project.id, user, "nda.accepted", f"NDA v{version.number}", user.display_name)
    access.changed(project.id, "nda.accepted")
    forget_facts(user)
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the first acceptance stands
        db.session.rollback()
        raise Conflict(_l("You have already accepted this version.")) from None
    return acceptance


def has_accepted(version: NdaVersion | None, user) -> bool:
    """Did the user accept this version?"""
    if version is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(func.count(NdaAcceptance.id)).where(
        NdaAcceptance.nda_version_id == version.id, NdaAcceptance.user_id == user.id)) > 0

