"""Threads, posts with their edit history, and coups de cœur."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..pipeline.models import Idea
from ..projects.models import Project
from ..visibility import WORKSPACE, Visibility


class Category(enum.StrEnum):
    """Where a community thread lives in the platform's own forum."""

    ANNOUNCEMENTS = "announcements"
    GOVERNANCE = "governance"
    HELP = "help"
    OFF_TOPIC = "off_topic"


class Thread(db.Model):
    """A discussion: about an idea, about a project, or in a community forum category."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("idea_id"),
        Index("ix_threads_category_activity", "category", "last_post_at"),
        Index("ix_threads_activity", "pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    #: exactly one of idea_id, project_id (a project's own thread), partnership_id (an R&D workspace's private
    #: thread) or category is set
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"),
                                                       unique=True)
    category: Mapped[str | None] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    post_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea | None] = relationship()
    own_project: Mapped[Project | None] = relationship(foreign_keys=[project_id])
    author: Mapped[User | None] = relationship()
    partnership = relationship("Partnership")

    @property
    def access_policy(self) -> tuple:
        """Whose policy protects the thread and its posts: its R&D workspace, its idea, its project's open idea
        stage, or none for community threads (public)."""
        if self.partnership_id is not None:
            return self.project, WORKSPACE
        if self.idea_id is not None:
            return self.idea.access_policy
        if self.project_id is not None:
            return self.own_project, "idea"
        return None, Visibility.PUBLIC.value

    @property
    def project(self) -> Project | None:
        """The project the thread belongs to (None for community threads)."""
        if self.partnership_id:
            return self.partnership.idea.project
        return self.idea.project if self.idea_id else self.own_project


class ThreadRead(db.Model):
    """How far a member has read a thread: the newest post they were shown (any later one is new to them)."""

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    last_post_id: Mapped[int]
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Post(db.Model):
    """One message of a thread, in Markdown; edits keep the previous text in PostRevision."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: the post this one answers (shown as a quote)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    reaction_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    #: set while a moderator (or enough flags) keeps the post hidden; the reason is shown to its author
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    #: None when flags hid it automatically, pending review
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a newcomer's first post in a project that holds them, waiting for a moderator's approval
    pending: Mapped[bool] = mapped_column(default=False)
    #: the reason a moderator gave for editing or redacting the post, shown on it ("" while no moderator did)
    moderator_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: a moderator replaced the text with a placeholder: the author may no longer edit it
    redacted: Mapped[bool] = mapped_column(default=False, server_default=false())

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reply_to: Mapped["Post | None"] = relationship(remote_side=[id])

    @property
    def protection_parent(self) -> Thread:
        """A post is protected by its thread (access.governed_by)."""
        return self.thread

    @property
    def project(self) -> Project | None:
        """The project whose policy protects the post (through its thread)."""
        return self.thread.project


class PostRevision(db.Model):
    """A previous text of an edited post."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the moderator who replaced this text (None: its author did)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a moderator redacted this text: only moderators read it
    moderators_only: Mapped[bool] = mapped_column(default=False, server_default=false())


class Reaction(db.Model):
    """A member's "coup de cœur" for a post (one per member and post)."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class FlagCategory(enum.StrEnum):
    """Why a member reports a post; a confidential leak hides it at once, pending review."""

    SPAM = "spam"
    OFF_TOPIC = "off-topic"
    ABUSE = "abuse"
    LEAK = "leak"
    OTHER = "other"


class Flag(db.Model):
    """A member reports a post to the moderators, with a category and a reason (once per member and post)."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20), default=FlagCategory.OTHER, server_default="other")
    #: set when a moderator has dealt with the post
    resolved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()


class Appeal(db.Model):
    """The author of a hidden post asks, once, for another moderator's decision."""

    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "pending", "upheld" (stays hidden) or "overturned" (shown again)
    decision: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship()


class MemberWarning(db.Model):
    """A moderator's private, recorded warning to a member (short of a sanction), which the member acknowledges."""

    __tablename__ = "member_warnings"
    __table_args__ = (Index("ix_member_warnings_user_pending", "user_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the rule broken, in a line (also the log's details and the notice's title)
    reason: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set once the member has read it (until then a banner on every page leads them to it)
    acknowledged_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])
