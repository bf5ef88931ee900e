"""The platform's charter: versions published by administrators in both languages, accepted at sign-up and again
whenever a new version is published (until then a member reads but does not take part; rules.py says which version
is in force and who accepted it)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import stamps
from ..database import insert_once
from ..errors import Conflict, DomainError
from ..extensions import db
from ..requestcache import forget
from .models import CharterAcceptance, CharterVersion, User
from .rules import charter_accepted as accepted_current  # noqa: F401  (the views ask)
from .rules import charter_in_force as current


def version(number: int) -> CharterVersion | None:
    """A published version by its number."""
    return db.session.scalar(select(CharterVersion).where(CharterVersion.number == number))


def versions() -> list[CharterVersion]:
    """Every published version, newest first."""
    return list(db.session.scalars(select(CharterVersion).order_by(CharterVersion.number.desc())))


def publish(admin: User, text_en: str, text_fr: str, note: str) -> CharterVersion:
    """Publish a new version (members accept it before taking part again); admins only, checked by the view."""
    if not text_en.strip() or not text_fr.strip():
        raise DomainError(_l("Write the charter in both languages."))
    number = (db.session.scalar(select(func.max(CharterVersion.number))) or 0) + 1
    charter = CharterVersion(number=number, text_en=text_en.strip(), text_fr=text_fr.strip(), note=note.strip(),
                             published_by_id=admin.id)
    db.session.add(charter)
    db.session.commit()
    forget("charter-current")
    stamps.forget("charter-unaccepted", admin.id)
    return charter


def accept(user: User, number: int) -> None:
    """Record that the member accepted this version, which must be the one in force (accepting twice is one)."""
    charter = current()
    if charter is None or charter.number != number:
        raise Conflict(_l("A newer version of the charter was published meanwhile: read it, then accept it."))
    insert_once(CharterAcceptance, version_id=charter.id, user_id=user.id)
    db.session.commit()
    stamps.forget("charter-unaccepted", user.id)
