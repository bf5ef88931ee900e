"""Account rules: sign-up, sign-in with argon2 hashes and lockout, passwords and their reset, profiles."""

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import access, mail
from ..database import utcnow
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..signals import language_chosen, member_registered
from . import links, sessions
from .models import Organisation, User, new_session_token


class AccountLocked(Forbidden):
    """Too many wrong passwords in a row: sign-in waits until the lock ends (or a password reset)."""


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


def register(email, display_name, password, profile_kind, skills="", organisation=None, referral_code=None,
             confirmed=False) -> User:
    """Create an account (through a member's invitation when referral_code is given); a taken email is a conflict
    the form shows inline. confirmed: the address is known to be theirs already (the demo's accounts, an admin made
    on the command line), so no confirmation link is needed."""
    if find_by_email(email):
        raise Conflict(_l("An account with this email already exists."))
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=_hasher().hash(password),
        profile_kind=profile_kind,
        skills=(skills or "").strip(),
        organisation=organisation,
        email_verified_at=utcnow() if confirmed else None,
        language=str(get_locale()) if has_request_context() else None,  # the page's, where they signed up
    )
    db.session.add(user)
    if organisation is not None:
        access.changed(None, "team.joined")  # the organisation's team sees more people: audiences change
    db.session.commit()
    member_registered.send(user, referral_code=referral_code)
    return user


def password_matches(user: User, password: str) -> bool:
    """True when password is the user's; upgrades an outdated hash on the way."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _lock_message(user: User) -> str:
    """What a locked-out member reads: until when, and the way out."""
    minutes = max(1, round((user.locked_until - utcnow()).total_seconds() / 60))
    return _("Too many wrong passwords: this account is locked for %(minutes)s more minute(s). "
             "Reset your password to unlock it now.", minutes=minutes)


def _count_failure(user: User) -> None:
    """Count a wrong password in SQL (parallel guesses all count) and lock the account at the limit."""
    attempts = current_app.config["LOGIN_LOCKOUT_ATTEMPTS"]
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    db.session.refresh(user, ["failed_logins"])
    if attempts and user.failed_logins >= attempts:
        user.failed_logins = 0
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; raises AccountLocked while wrong passwords lock it."""
    user = find_by_email(email)
    if user is None:
        _hasher().hash(password)  # spend the same time whether or not the account exists
        return None
    if user.is_locked:
        raise AccountLocked(_lock_message(user))
    if not password_matches(user, password):
        _count_failure(user)
        if user.is_locked:
            raise AccountLocked(_lock_message(user))
        return None
    if user.failed_logins or user.locked_until:  # no write on an ordinary sign-in
        user.failed_logins, user.locked_until = 0, None
    db.session.commit()  # also stores a hash _password_matches upgraded
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password, end every other sign-in (and its live connections) and lift a lockout; the new token
    makes the reset links sent before useless."""
    user.password_hash = _hasher().hash(password)
    user.session_token = new_session_token()
    user.failed_logins, user.locked_until = 0, None
    sessions.revoke_others(user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Replace a signed-in member's password after checking the current one."""
    if not password_matches(user, current):
        raise DomainError(_l("Your current password is not this one."))
    set_password(user, new)


def send_password_reset(email: str) -> None:
    """Email a reset link to the account using this address, if there is one (the caller says the same either
    way). The link works once (a new password changes the session token it names) and expires."""
    user = find_by_email(email)
    if user is None or user.banned or user.deleted_at is not None:
        return
    link = links.make("password-reset", "accounts.reset_password", [user.id, user.session_token])
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    mail.send(user.email, _("CrowdSpirit: reset your password"),
              _("Hello %(name)s,\n\nTo choose a new password, open this link within %(hours)s hour(s):\n%(link)s\n\n"
                "If you did not ask for it, ignore this email: your password stays as it is.",
                name=user.display_name, hours=hours, link=link))


def user_of_reset_token(token: str, record: bool = True) -> User:
    """The member a reset link was made for; a wrong, used or expired link is a clear 400 (and an audit line when
    record: not when the link's page is only shown)."""
    payload = links.read("password-reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload[0]) if payload and len(payload) == 2 and isinstance(payload[0], int) else None
    if user is None or user.banned or user.deleted_at is not None or user.session_token != payload[1]:
        why = "forged or expired" if payload is None else "already used or account closed"
        raise links.refuse("password-reset", why, _l(
            "This password reset link is wrong, expired or already used. Ask for a new one."), record=record)
    return user


def update_profile(user: User, display_name, profile_kind, skills, bio, language=None) -> User:
    """Save the editable parts of a profile (and the language the member reads, when given)."""
    user.display_name = display_name.strip()
    user.profile_kind = profile_kind
    user.skills = (skills or "").strip()
    user.bio = (bio or "").strip()
    if language in current_app.config["LANGUAGES"]:
        user.language = language
    db.session.commit()
    return user


@language_chosen.connect
def keep_language(code: str, user, **_extra) -> None:
    """A signed-in member chose a language with the switcher: their account keeps it (their emails speak it)."""
    if user.language != code:
        user.language = code
        db.session.commit()


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
