"""Attachments."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..pipeline.models import Idea


class Attachment(db.Model):
    """A file attached to an idea or to its specification; it inherits the idea's protection."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    #: "idea" or "spec": which page lists it
    part: Mapped[str] = mapped_column(String(10), default="idea")
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    #: the file's name under instance/attachments (random, never derived from user input)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship()
    uploader: Mapped[User] = relationship()

    @property
    def protection_parent(self) -> Idea:
        """A file follows its idea (access.governed_by); the rnd part's also needs its workspace (attachments.rules)."""
        return self.idea

    @property
    def project(self):
        """The project whose policy protects the file (through its idea)."""
        return self.idea.project
