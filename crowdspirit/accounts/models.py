"""Users and the organisations (sponsors) they may act for."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


def new_session_token() -> str:
    """A fresh random session token."""
    return secrets.token_hex(16)


class ProfileKind(enum.StrEnum):
    """How a member describes their background (the field study's community mix)."""

    AMATEUR = "amateur"
    STUDENT = "student"
    PROFESSIONAL = "professional"
    EXPERT = "expert"


class Organisation(db.Model):
    """A company or lab that sponsors projects and takes ideas into partner R&D."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):
    """A person with an account: member, sponsor (acting for an organisation), moderator, admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    profile_kind: Mapped[str] = mapped_column(String(20), default=ProfileKind.AMATEUR)
    #: free-text skills, comma separated ("electronics, industrial design")
    skills: Mapped[str] = mapped_column(String(500), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    #: set for sponsors: the organisation this user acts for
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_moderator: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: a moderator's suspension: the member reads but may not take part until then
    suspended_until: Mapped[datetime | None]
    #: a banned member cannot sign in any more
    banned: Mapped[bool] = mapped_column(default=False)
    #: platform-wide karma: the sum of the member's karma events, changed only by atomic SQL increments
    karma: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    #: part of every session's user id: changing it (a new password) signs out every other session
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, server_default="")
    #: wrong passwords in a row; reaching LOGIN_LOCKOUT_ATTEMPTS locks sign-in until locked_until
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session token, checked on every request."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_locked(self) -> bool:
        """True while too many wrong passwords keep the account from signing in."""
        return self.locked_until is not None and self.locked_until > utcnow()

    @property
    def is_suspended(self) -> bool:
        """True while a suspension runs."""
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_sponsor(self) -> bool:
        """True when the user acts for an organisation."""
        return self.organisation_id is not None

    @property
    def skill_list(self) -> list[str]:
        """Skills as a list of trimmed, non-empty names."""
        return [s.strip() for s in self.skills.split(",") if s.strip()]
