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
    """Something a member should know about, of a kind a domain declared (`notices`): about a subject (a post, an
    idea, an offer, an entry...), readable while its guard (a thread, an idea or a project; none: it is theirs alone)
    is visible to them."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the name of a declared kind (notices.KINDS)
    kind: Mapped[str] = mapped_column(String(40))
    #: what it is about: the model's class name and key (it opens the subject's page)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    #: what keeps it readable: a thread (and a post of it), an idea or a project the member still sees
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a code the kind's text names ("hidden", "vote", "shortlisted"...)
    detail: Mapped[str] = mapped_column(String(60), default="")
    #: the reason the actor gave (a veto's, an archiving's), shown with the notification
    note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    #: when an email (at once, or a digest) included it
    emailed_at: Mapped[datetime | None]

    thread: Mapped[Thread | None] = relationship()
    idea: Mapped[Idea | None] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def subject(self):
        """What the notification is about (None once deleted)."""
        model = db.Model.registry._class_registry.get(self.subject_type or "")
        return db.session.get(model, self.subject_id) if model is not None and self.subject_id else None


class NotificationPreference(db.Model):
    """How a member wants to hear of one kind of notification: in the app only, also by email at once, in the daily or
    the weekly digest, or not at all (no row: the kind's declared default)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: app, now (an email at once), daily, weekly or off
    channel: Mapped[str] = mapped_column(String(10))
