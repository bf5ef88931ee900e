"""Account rules: sign-up, sign-in with argon2 hashes, profiles, and a member's activity."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import Conflict
from ..extensions import db
from ..signals import member_registered
from .models import Organisation, User


def _hasher() -> PasswordHasher:
    """An argon2id hasher with the configured cost."""
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and lowercased."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register(email, display_name, password, profile_kind, skills="", organisation=None, referral_code=None) -> User:
    """Create an account (through a member's invitation when referral_code is given); a taken email is a conflict
    the form shows inline."""
    if find_by_email(email):
        raise Conflict(_l("An account with this email already exists."))
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=_hasher().hash(password),
        profile_kind=profile_kind,
        skills=(skills or "").strip(),
        organisation=organisation,
    )
    db.session.add(user)
    db.session.commit()
    member_registered.send(user, referral_code=referral_code)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; upgrades outdated hashes on the way."""
    user = find_by_email(email)
    hasher = _hasher()
    if user is None:
        hasher.hash(password)  # spend the same time whether or not the account exists
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return user


def update_profile(user: User, display_name, profile_kind, skills, bio) -> User:
    """Save the editable parts of a profile."""
    user.display_name = display_name.strip()
    user.profile_kind = profile_kind
    user.skills = (skills or "").strip()
    user.bio = (bio or "").strip()
    db.session.commit()
    return user


def get_user(user_id: int) -> User | None:
    """The user with this id, or None."""
    return db.session.get(User, user_id)


def organisations() -> list[Organisation]:
    """All organisations, by name (to choose an R&D partner)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(org_id: int) -> Organisation | None:
    """The organisation with this id, or None."""
    return db.session.get(Organisation, org_id)



def get_organisation_by_slug(slug: str) -> Organisation | None:
    """The organisation with this slug, or None."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))
