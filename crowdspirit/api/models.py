"""Personal access tokens for the JSON API, and the log of the calls made with them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db
from ..projects.models import Project


class ApiToken(db.Model):
    """A member's token for tools and bots: stored hashed, shown once, with scopes and an expiry."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who created it; the token acts as this user
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: set for an organisation's token (its R&D tools): every member of the organisation sees and may revoke it,
    #: and it stops working if its creator leaves the organisation
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the token (tokens are 256 random bits: a slow hash would add nothing)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the token's first characters, so that its owner can tell tokens apart
    prefix: Mapped[str] = mapped_column(String(12))
    #: "read" or "read write"
    scopes: Mapped[str] = mapped_column(String(40), default="read")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def scope_list(self) -> list[str]:
        """The scopes as a list."""
        return self.scopes.split()

    @property
    def active(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())


class ApiCall(db.Model):
    """One API call made with a token: which token, what, and the answer's status."""

    __tablename__ = "api_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(db.Model):
    """An HTTPS endpoint a project owner or an organisation registers to hear about events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: exactly one of project_id (managed by the project's owner) or organisation_id (by its members) is set
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    #: who registered it: deliveries carry only what this user may see
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500))
    #: the HMAC key deliveries are signed with (shown once to who registers the hook)
    secret: Mapped[str] = mapped_column(String(64))
    #: space-separated event names (activity events and notice kinds: every one of them is a few hundred characters)
    events: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship()
    project: Mapped[Project | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def event_list(self) -> list[str]:
        """The events as a list."""
        return self.events.split()


class WebhookDelivery(db.Model):
    """One event sent (or to send) to one hook, with its attempts and their outcome."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    #: "pending" (waiting for its next attempt), "delivered" or "failed" (attempts exhausted)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    webhook: Mapped[Webhook] = relationship()
