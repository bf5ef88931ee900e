"""Audit events."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db


class AuditEvent(db.Model):
    """Something that changed who may see or do what: who did it, when, to what, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_project_time", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: None for changes the platform made by itself (e.g. the vote threshold promoting an idea)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a dotted name such as "membership.approved" or "policy.changed"
    action: Mapped[str] = mapped_column(String(60))
    #: what it was done to, in words ("Mia Member", "idea #12", "NDA v3")
    target: Mapped[str] = mapped_column(String(200), default="")
    #: the member it was done to (sanctions, warnings, account events), whatever their name is now
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    details: Mapped[str] = mapped_column(Text, default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])

