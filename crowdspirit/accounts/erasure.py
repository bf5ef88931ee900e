"""Deleting an account (the right to erasure): the row stays, emptied of everything personal, so that what the member
contributed reads "a deleted member"; every domain erases what it keeps about them (`account_erasing`)."""

from flask_babel import lazy_gettext as _l

from ..database import after_commit, utcnow
from ..errors import DomainError
from ..extensions import db
from ..signals import account_audit, account_erasing
from . import archive, sessions
from .models import User, new_session_token
from .services import password_matches

#: the name contributions of a deleted account show (the same in every language: it is stored, like any name)
DELETED_NAME = "Deleted member"


def deleted_email(user_id: int) -> str:
    """The address a deleted account keeps: unique, reserved (.invalid), and nobody's."""
    return f"deleted-{user_id}@deleted.invalid"


def delete_account(user: User, password: str, remove_posts: bool = False) -> None:
    """Erase the member's account after checking their password: personal data goes, sign-ins end at once, each
    domain erases what it keeps about them, and the platform's audit log records the deletion by account number
    only."""
    if not password_matches(user, password):
        raise DomainError(_l("Your current password is not this one."))
    account_erasing.send(user, remove_posts=remove_posts)
    sessions.revoke_all(user)
    user_id = user.id
    after_commit(lambda: archive.remove_archives(user_id))  # one being built meanwhile sees the deletion and goes
    user.email, user.display_name, user.password_hash = deleted_email(user.id), DELETED_NAME, "!"
    user.bio = user.skills = ""
    user.organisation_id, user.is_moderator, user.is_admin, user.is_org_admin = None, False, False, False
    user.email_verified_at = user.locked_until = None
    user.failed_logins, user.session_token, user.deleted_at = 0, new_session_token(), utcnow()
    account_audit.send(None, action="account.deleted", target=f"user #{user.id}", details="")
    db.session.commit()
