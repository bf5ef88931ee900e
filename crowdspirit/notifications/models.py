"""Notifications and thread follows."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..forum.models import Post, Thread


class ThreadFollow(db.Model):
    """A member follows a thread: new posts in it notify them (posting in a thread follows it)."""

    __tablename__ = "thread_follows"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """Something a member should know about: a reply, a mention, a followed thread, a moderation decision."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: reply, mention, follow or moderation
    kind: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: for moderation notices: what was decided ("hidden", "shown", "appeal upheld"...)
    detail: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    #: when the daily digest included it
    emailed_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
