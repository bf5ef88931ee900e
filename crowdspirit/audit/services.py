"""Recording and reading the audit log."""

import csv
import io

from flask import has_request_context, request
from sqlalchemy import or_, select, update

from ..accounts.archive import rows_of
from ..database import paginate
from ..extensions import db
from ..text import spreadsheet_safe
from .models import AuditEvent


def record(project_id: int | None, actor, action: str, target: str = "", details: str = "",
           target_user=None) -> None:
    """Add an audit event to the current transaction (it commits with the change it describes); a change of who may
    see what also says so with access.changed. target_user: the member it was done to, found by id whatever their
    name becomes."""
    db.session.add(AuditEvent(
        project_id=project_id,
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        action=action, target=target[:200], details=details,
        target_user_id=target_user.id if target_user is not None else None,
        ip_address=request.remote_addr or "" if has_request_context() else "",
    ))


def _project_events(project_id: int):
    """The select() of a project's events, newest first."""
    return select(AuditEvent).where(AuditEvent.project_id == project_id).order_by(AuditEvent.id.desc())


def events(project_id: int, page: int, per_page: int):
    """One page of a project's audit log, newest first."""
    return paginate(_project_events(project_id), page, per_page)


def export_csv(project_id: int) -> str:
    """A project's whole audit log as CSV text (UTF-8, one header row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time_utc", "actor", "action", "target", "details", "ip_address"])
    for event in db.session.scalars(_project_events(project_id)):
        writer.writerow([spreadsheet_safe(cell) for cell in (
            event.id, event.created_at.isoformat(timespec="seconds"),
            event.actor.display_name if event.actor else "", event.action, event.target, event.details,
            event.ip_address)])
    return out.getvalue()


def record_account_event(actor, action: str, target: str = "", details: str = "", **_extra) -> None:
    """The accounts' `account_audit` signal: a platform-wide event (no project), added to the current transaction."""
    record(None, actor, action, target, details)


def platform_events(page: int, per_page: int):
    """One page of the platform's own events (accounts: address changes, refused links), newest first."""
    return paginate(select(AuditEvent).where(AuditEvent.project_id.is_(None)).order_by(AuditEvent.id.desc()),
                    page, per_page)


def erase_member(user, **_extra) -> None:
    """The `account_erasing` listener: the network addresses kept with what the member did go (the events stay)."""
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(ip_address=""))


def about_member(user) -> list[dict]:
    """The audit entries about a member (theirs, or naming their account), for their data archive."""
    return rows_of(AuditEvent, or_(AuditEvent.actor_id == user.id, AuditEvent.target == f"user #{user.id}"))
