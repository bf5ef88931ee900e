"""Email addresses members proved they read: verification of a new account's address by a signed one-use link, and a
change of address confirmed from the new one and announced to the old one."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import mail
from ..database import utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..signals import account_audit
from . import links
from .models import User
from .services import find_by_email, normalise_email, password_matches


def _max_age() -> int:
    return current_app.config["EMAIL_TOKEN_MAX_AGE"]


def send_verification(user: User) -> None:
    """Email the member a link that confirms their address (for as long as EMAIL_TOKEN_MAX_AGE, once)."""
    link = links.make("verify-email", "accounts.verify_email", [user.id, user.email])
    mail.send(user.email, _("CrowdSpirit: confirm your email address"),
              _("Hello %(name)s,\n\nTo confirm that this address is yours, open this link:\n%(link)s\n\n"
                "Until then you can read everything but not post, vote or propose. If you did not create an "
                "account on CrowdSpirit, ignore this email.", name=user.display_name, link=link))


def verify(token: str, apply: bool = True) -> User:
    """Confirm the address a verification link names (apply=False: only check the link, writing nothing); a forged,
    expired, replayed or outdated link is refused."""
    payload = links.read("verify-email", token, _max_age())
    user = db.session.get(User, payload[0]) if payload and len(payload) == 2 and isinstance(payload[0], int) else None
    if user is None or user.deleted_at is not None or user.email != payload[1]:
        raise links.refuse("verify-email", "forged or expired" if payload is None else "address changed since",
                           _l("This confirmation link is wrong or has expired. Ask for a new one in your settings."),
                           record=apply)
    if user.email_verified_at is not None:
        raise links.refuse("verify-email", "already used",
                           _l("This confirmation link was already used: your address is confirmed."), record=apply)
    if apply:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


def request_change(user: User, new_email: str, password: str) -> None:
    """Send a confirmation link to the new address, after checking the member's password (the account's address
    changes only once the link is opened)."""
    if not password_matches(user, password):
        raise DomainError(_l("Your current password is not this one."))
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise DomainError(_l("This is already your address."))
    if find_by_email(new_email) is not None:
        raise Conflict(_l("An account with this email already exists."))
    link = links.make("change-email", "accounts.confirm_email_change", [user.id, user.email, new_email])
    mail.send(new_email, _("CrowdSpirit: confirm your new email address"),
              _("Hello %(name)s,\n\nTo make %(email)s the address of your CrowdSpirit account, open this link:\n"
                "%(link)s\n\nIf you did not ask for it, ignore this email.", name=user.display_name, email=new_email,
                link=link))


def confirm_change(token: str, apply: bool = True) -> str:
    """Apply a change of address from the link sent to the new one, confirm it, and tell the old address (apply=False:
    only check the link, writing nothing). Returns the new address."""
    payload = links.read("change-email", token, _max_age())
    valid = payload and len(payload) == 3 and isinstance(payload[0], int)
    user = db.session.get(User, payload[0]) if valid else None
    if user is None or user.deleted_at is not None or user.email != payload[1]:
        raise links.refuse("change-email", "forged or expired" if payload is None else "already used",
                           _l("This link is wrong, expired or already used. Ask for the change again."), record=apply)
    new_email = payload[2]
    if db.session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise links.refuse("change-email", "address taken meanwhile", _l(
            "Another account uses this address now."), record=apply)
    if not apply:
        return new_email
    old_email, user.email, user.email_verified_at = user.email, new_email, utcnow()
    account_audit.send(user, action="account.email_changed", target=f"user #{user.id}", details="")
    db.session.commit()
    mail.send(old_email, _("CrowdSpirit: your email address was changed"),
              _("Hello %(name)s,\n\nThe address of your CrowdSpirit account is now %(email)s. If you did not make "
                "this change, reset your password at once and write to the moderators.",
                name=user.display_name, email=new_email))
    return new_email
