"""Attachment rules: accepted types (sniffed from the content, not trusted from the browser), sizes, storage."""

import secrets
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..access import can
from ..accounts.models import User
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..pipeline.models import Idea, Stage
from .models import Attachment

#: content signatures of the binary types we accept, and the type each proves
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
#: text files are accepted by extension when their content is UTF-8 text without NUL bytes
TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv"}
PARTS = ("idea", "spec")  # the pages that list attachments anyone allowed may add to
WORKSPACE_PART = "rnd"  # files of an R&D workspace's documents: added through the workspace only


def _sniff(filename: str, content: bytes) -> str:
    """The content type the bytes really are, or a refusal naming what is accepted."""
    for signature, content_type in SIGNATURES:
        if content.startswith(signature):
            return content_type
    extension = Path(filename).suffix.lower()
    if extension in TEXT_TYPES and b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return TEXT_TYPES[extension]
    raise DomainError(_l("Only PDF, PNG, JPEG, GIF and UTF-8 text (.txt, .md, .csv) files can be attached."))


def _clean_name(filename: str) -> str:
    """A display name without directories or control characters."""
    name = Path(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "file"


def storage_dir() -> Path:
    """Where attachment bytes live: instance/attachments, never under static/."""
    return Path(current_app.instance_path) / "attachments"


def checked_upload(filename: str, content: bytes) -> tuple[str, str]:
    """Refuse an empty, oversize or unaccepted file; else its clean display name and its sniffed content type."""
    if not content:
        raise DomainError(_l("Choose a file to attach."))
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if len(content) > limit:
        raise DomainError(_l("Files are limited to %(mb)s MB.", mb=f"{limit / 1024 / 1024:.0f}"))
    return _clean_name(filename), _sniff(filename, content)


def store(content: bytes) -> str:
    """Write bytes under a random name in the attachments folder; return that name."""
    storage_name = secrets.token_hex(16)
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / storage_name).write_bytes(content)
    return storage_name


def stored_path(storage_name: str) -> Path:
    """The stored file with this name (404 if it went missing)."""
    path = storage_dir() / storage_name
    if not path.is_file():
        raise NotFound(_l("This file is no longer available."))
    return path


def may_attach(user, idea: Idea) -> bool:
    """Whether the user may attach files to the idea or its spec: the rule the upload enforces, on an idea that is
    not archived (the upload form shows exactly then)."""
    return can(user, "attachment.add", idea) and idea.stage != Stage.ARCHIVED


def attach(idea: Idea, uploader, part: str, filename: str, content: bytes) -> Attachment:
    """Store a file for an idea or its spec after checking its size and real type."""
    if part not in (*PARTS, WORKSPACE_PART):
        raise DomainError(_l("Unknown attachment place."))
    if idea.stage == Stage.ARCHIVED:
        raise Conflict(_l("Files cannot be attached to an archived idea."))
    name, content_type = checked_upload(filename, content)
    attachment = Attachment(idea_id=idea.id, part=part, uploader_id=uploader.id, filename=name,
                            content_type=content_type, size=len(content), storage_name=store(content))
    db.session.add(attachment)
    db.session.commit()
    return attachment


def get(attachment_id: int) -> Attachment | None:
    """The attachment with this id, or None."""
    return db.session.get(Attachment, attachment_id)


def path_of(attachment: Attachment) -> Path:
    """The stored file (404 if it went missing)."""
    return stored_path(attachment.storage_name)


@cache
def _attached_statement():
    """of_idea's select(), built once: the files of idea "idea" in part "part", with their uploader's name."""
    return (select(Attachment).where(Attachment.idea_id == bindparam("idea"), Attachment.part == bindparam("part"))
            .options(joinedload(Attachment.uploader).load_only(User.display_name)).order_by(Attachment.id))


#: whether idea "idea" has a file in part "part": a Core statement (most ideas have none, and of_idea's own, with its
#: uploaders joined, costs the ORM about 60 µs when it finds none)
_ANY_FILE = select(Attachment.__table__.c.id).where(Attachment.__table__.c.idea_id == bindparam("idea"),
                                                    Attachment.__table__.c.part == bindparam("part")).limit(1)


def of_idea(idea: Idea, part: str) -> list[Attachment]:
    """The files attached to an idea or to its spec, oldest first."""
    params = {"idea": idea.id, "part": part}
    if db.session.execute(_ANY_FILE, params).first() is None:
        return []
    return list(db.session.scalars(_attached_statement(), params))


def remove(attachment: Attachment) -> None:
    """Delete the file and its record."""
    (storage_dir() / attachment.storage_name).unlink(missing_ok=True)
    db.session.delete(attachment)
    db.session.commit()


def files_of(user) -> list[tuple[str, Path]]:
    """(name in a member's data archive, path) of each file the member uploaded."""
    return [(f"{attachment.id}-{attachment.filename}", path_of(attachment)) for attachment in db.session.scalars(
        select(Attachment).where(Attachment.uploader_id == user.id).order_by(Attachment.id))]
