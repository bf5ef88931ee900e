"""A member's copy of their data (the rights of access and portability): a ZIP of JSON files, one per section that
a domain registers, plus the files they uploaded; prepared off the request, announced by email, kept a few days.

A request emits `data_archive_requested` through the event outbox; once the delivery that applies it has committed,
the archive is built (outside any write transaction, however long it takes) into instance/archives. A member has at
most one archive; deleting the account deletes it.
"""

import json
import logging
import secrets
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import events, mail
from ..database import after_commit, utcnow
from ..extensions import db
from ..signals import data_archive_requested
from .models import User

log = logging.getLogger(__name__)
#: section name -> (rows(user) -> list of dicts, files(user) -> [(name in the archive, path on disk)] or None)
SECTIONS: dict[str, tuple] = {}
#: how long a prepared archive can be downloaded
KEEP_DAYS = 7
#: what the account section leaves out: secrets, not data about the member
SECRET_COLUMNS = {"password_hash", "session_token"}


def register(name: str, rows, files=None) -> None:
    """Add a section to every archive: rows(user) gives its JSON records, files(user) the files to add under
    files/<name>/ (at start-up, by the domain that owns the data)."""
    SECTIONS[name] = (rows, files)


def rows_of(model, *where, leave_out: set = frozenset()) -> list[dict]:
    """Every column of the model's rows matching where, as JSON-ready dicts, in the order of their key (oldest
    first)."""
    columns = [column for column in model.__table__.columns if column.name not in leave_out]
    return [{column.name: _plain(getattr(row, column.key)) for column in columns}
            for row in db.session.scalars(select(model).where(*where).order_by(*model.__table__.primary_key.columns))]


def _plain(value):
    """A column value as JSON holds it (times in ISO 8601, UTC)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _folder() -> Path:
    """Where prepared archives wait: instance/archives, never under static/."""
    return Path(current_app.instance_path) / "archives"


def ready(user: User) -> Path | None:
    """The member's prepared archive, while it may still be downloaded."""
    found = sorted(_folder().glob(f"{user.id}-*.zip"), key=lambda path: path.stat().st_mtime)
    if not found or prepared_at(found[-1]) < utcnow() - timedelta(days=KEEP_DAYS):
        return None
    return found[-1]


def prepared_at(path: Path) -> datetime:
    """When an archive was prepared (naive UTC, as every stored time)."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def request_archive(user: User, page: str) -> None:
    """Ask for a fresh archive of the member's data (prepared in the background, then emailed about with a link to
    page, the absolute address where they download it)."""
    events.emit(data_archive_requested, user, page=page)
    db.session.commit()


def prepare(occurrences) -> None:
    """The durable subscriber of `data_archive_requested`: build each member's archive once this delivery has
    committed (a deleted account gets none)."""
    pages = {user.id: details["page"] for user, details in occurrences if user is not None}
    for user_id, page in sorted(pages.items()):
        after_commit(lambda user_id=user_id, page=page: _build_or_log(user_id, page))


def _build_or_log(user_id: int, page: str) -> None:
    """Build an archive after the delivery's commit; a failure is logged (the member may ask again)."""
    try:
        build(user_id, page)
    except Exception:
        log.exception("could not prepare the data archive of user #%s", user_id)


def build(user_id: int, page: str) -> Path | None:
    """Write the member's archive (replacing an earlier one) and email them that it is ready."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        return None
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{user_id}-{secrets.token_hex(8)}.part"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.json", _json(rows_of(User, User.id == user.id, leave_out=SECRET_COLUMNS)[0]))
        for name, (rows, files) in sorted(SECTIONS.items()):
            archive.writestr(f"{name}.json", _json(rows(user)))
            for stored_name, path in files(user) if files else ():
                archive.write(path, f"files/{name}/{stored_name}")
    remove_archives(user_id)
    final = partial.rename(folder / f"{user_id}-{secrets.token_hex(8)}.zip")
    db.session.refresh(user)
    if user.deleted_at is not None:  # deleted while it was being built: the deletion's own cleanup may have run
        remove_archives(user_id)
        return None
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):  # prepared off the request
        mail.send(user.email, _("CrowdSpirit: your data archive is ready"),
                  _("Hello %(name)s,\n\nThe archive of your CrowdSpirit data you asked for is ready. Sign in and "
                    "download it from this page within %(days)d days:\n%(link)s\n", name=user.display_name,
                    days=KEEP_DAYS, link=page))
    return final


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def remove_archives(user_id: int) -> None:
    """Delete the member's prepared archives (a new one replaces them; a deleted account keeps none)."""
    for path in _folder().glob(f"{user_id}-*.zip"):
        path.unlink(missing_ok=True)
