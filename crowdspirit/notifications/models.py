"""Notifications and thread follows."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..forum.models import Post, Thread
from ..pipeline.models import Idea


class ThreadFollow(db.Model):
    """A member follows a thread: new posts in it notify them (posting in a thread follows it)."""

    __tablename__ = "thread_follows"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """Something a member should know about: a reply, a mention, a followed thread, a moderation decision (about a
    thread's post), or a move of an idea they authored, voted for or follow (about the idea)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: reply, mention, follow, moderation (about a thread) or stage (about an idea)
    kind: Mapped[str] = mapped_column(String(20))
    #: what it is about: a thread (and a post of it), or an idea
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: for moderation notices: what was decided ("hidden", "shown", "appeal upheld"...)
    detail: Mapped[str] = mapped_column(String(60), default="")
    #: the reason the actor gave (a veto's, an archiving's), shown with the notification
    note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    #: when the daily digest included it
    emailed_at: Mapped[datetime | None]

    thread: Mapped[Thread | None] = relationship()
    idea: Mapped[Idea | None] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class NotificationPreference(db.Model):
    """How a member wants to hear of one kind of notification: in the app only, also in the daily or the weekly
    digest, or not at all (no row: the kind's default, services.DEFAULT_CHANNELS)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: app, daily, weekly or off
    channel: Mapped[str] = mapped_column(String(10))
