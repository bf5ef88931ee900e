"""Personal access tokens for the JSON API, and the log of the calls made with them."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db


class ApiToken(db.Model):
    """A member's token for tools and bots: stored hashed, shown once, with scopes and an expiry."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
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
