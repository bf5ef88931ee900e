"""Users and the organisations (sponsors) they may act for."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class OrganisationRole(enum.StrEnum):
    """What a member of an organisation's team may do for it (what each may do is written on the team page)."""

    ADMIN = "admin"  # manages the team, its sign-in, and the organisation's projects and contests
    MEMBER = "member"  # acts for the organisation: its dashboard, offers, contests
    VIEWER = "viewer"  # reads the organisation's dashboard only


class Organisation(db.Model):
    """A company or lab that sponsors projects and takes ideas into partner R&D."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="organisation")
    identity_provider: Mapped["IdentityProvider | None"] = relationship(back_populates="organisation")


class OrganisationInvitation(db.Model):
    """An invitation to join an organisation's team, emailed as a signed link (the row holds no secret: a copy of the
    database accepts nothing); used once, or revoked."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: the invited address (normalised): only the account using it may accept
    email: Mapped[str] = mapped_column(String(254))
    #: the role on the team once accepted (OrganisationRole)
    role: Mapped[str] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship()


class IdentityProvider(db.Model):
    """An organisation's OpenID provider: people of its allowed email domains sign in through it and join its team."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    #: the provider's issuer URL, exactly as its discovery document and its ID tokens name it
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    #: the client secret encrypted with a key derived from SECRET_KEY (accounts.oidc.seal); never shown back
    client_secret: Mapped[str] = mapped_column(Text)
    #: lowercased email domains whose people may sign in, separated by spaces ("helios.example lab.helios.example")
    allowed_domains: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="identity_provider")

    @property
    def domains(self) -> list[str]:
        """The allowed email domains, as a list."""
        return self.allowed_domains.split()


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
    #: the language the member reads ("en", "fr"): their pages once signed in, their notifications and emails
    #: (None: not chosen yet, the platform's default)
    language: Mapped[str | None] = mapped_column(String(5))
    bio: Mapped[str] = mapped_column(Text, default="")
    #: set for sponsors: the organisation this user acts for
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_moderator: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: a moderator's suspension: the member reads but may not take part until then
    suspended_until: Mapped[datetime | None]
    #: the member's role on their organisation's team (OrganisationRole; meaningless without organisation_id)
    organisation_role: Mapped[str] = mapped_column(String(10), default=OrganisationRole.MEMBER,
                                                   server_default=OrganisationRole.MEMBER.value)
    #: set when the member deleted their account: the row stays, emptied of everything personal, so that what they
    #: contributed is attributed to "a deleted member"
    deleted_at: Mapped[datetime | None]
    #: a banned member cannot sign in any more
    banned: Mapped[bool] = mapped_column(default=False)
    #: platform-wide karma: the sum of the member's karma events, changed only by atomic SQL increments
    karma: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    #: part of every session's user id: changing it (a new password) signs out every other session
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, server_default="")
    #: when the member proved they read this address (a signed link, an identity provider, or an administrator);
    #: None: they read but may not take part while EMAIL_VERIFICATION is on
    email_verified_at: Mapped[datetime | None]
    #: wrong passwords in a row; reaching LOGIN_LOCKOUT_ATTEMPTS locks sign-in until locked_until
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    #: the key of the sign-in being opened or loaded (not a column; which sign-in a request runs under is read
    #: from its session cookie: accounts.sessions.current)
    session_key = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the key of this sign-in, checked on every request (a
        user outside any sign-in gets an id that loads nobody)."""
        return f"{self.id}:{self.session_key or ''}"

    @property
    def email_verified(self) -> bool:
        """True once the member proved they read their address."""
        return self.email_verified_at is not None

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
    def is_org_admin(self) -> bool:
        """True for an administrator of their organisation's team."""
        return self.organisation_id is not None and self.organisation_role == OrganisationRole.ADMIN

    @is_org_admin.setter
    def is_org_admin(self, admin: bool) -> None:
        """Make the member an administrator of their organisation's team, or an ordinary member of it."""
        self.organisation_role = OrganisationRole.ADMIN if admin else OrganisationRole.MEMBER

    @property
    def skill_list(self) -> list[str]:
        """Skills as a list of trimmed, non-empty names."""
        return [s.strip() for s in self.skills.split(",") if s.strip()]


class UserSession(db.Model):
    """One sign-in: the browser holds its key, the server only the key's hash; deleting the row signs it out."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_last_seen", "user_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: SHA-256 of the key kept in the browser's session cookie (a stolen database opens no session)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: how the member signed in: "password", "reset", "signup" or "oidc" (their organisation's provider)
    method: Mapped[str] = mapped_column(String(20), default="password")
    #: the browser's User-Agent (shortened), to tell devices apart in the settings
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: refreshed at most once a minute; SESSION_IDLE_MINUTES after it the sign-in ends
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CharterVersion(db.Model):
    """One published version of the platform's charter, in both languages; the highest number is in force."""

    __tablename__ = "charter_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    #: Markdown, rendered through the sanitising `markdown` filter
    text_en: Mapped[str] = mapped_column(Text)
    text_fr: Mapped[str] = mapped_column(Text)
    #: what changed since the previous version (shown to members asked to accept again)
    note: Mapped[str] = mapped_column(String(300), default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    def text(self, language: str) -> str:
        """The charter in a language (English when there is no such translation)."""
        return self.text_fr if language == "fr" and self.text_fr else self.text_en


class CharterAcceptance(db.Model):
    """A member accepted one version of the charter (at sign-up, or when a new version came)."""

    __tablename__ = "charter_acceptances"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("charter_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
