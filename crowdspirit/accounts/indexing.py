"""What search holds of the accounts: members' public profiles, and the `author:` filter (names)."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from .. import search
from ..extensions import db
from ..search.documents import document
from ..visibility import Visibility
from .models import User


def person_document(user: User) -> dict | None:
    """Members' public profiles; banned and deleted members leave search."""
    if user.banned or user.deleted_at is not None:
        return None
    return document(f"person:{user.id}", Visibility.PUBLIC.value, user.display_name, f"{user.skills}\n{user.bio}",
                    user.created_at, author=user.id)


def show_person(user: User) -> search.Shown | None:
    """A member's hit: their profile, skills and bio for the snippet (none for banned or deleted members)."""
    if user.banned or user.deleted_at is not None:
        return None
    return search.Shown(user.display_name, url_for("accounts.profile", user_id=user.id), f"{user.skills}\n{user.bio}",
                        user.created_at)


def author_filter(names: list[str]) -> tuple[str, list[str]]:
    """`author:` as the ids of members whose name contains the text (names are public, on profiles)."""
    ids = db.session.scalars(select(User.id).where(
        or_(*[func.lower(User.display_name).contains(v, autoescape=True) for v in names])).limit(50))
    return "author", [str(i) for i in ids]


def register() -> None:
    """Add the members' profiles to search (called from the accounts' init_app)."""
    search.register(
        kinds=[search.Kind("person", User, person_document, show_person, None, "user", _l("People"), _l("Member"),
                           aliases=("people", "member", "members", "user"))],
        rows=[search.Rows(User, order=40)],
        sources={"user": search.Source(search.row_documents(User), ("key", "person:"))},
        watches={User: (search.Watch("user", frozenset({"display_name", "skills", "bio", "profile_kind", "banned"})),)},
        filters={"author": author_filter},
    )
