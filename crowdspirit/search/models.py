"""The search outbox: changes waiting for the indexer, written in the same transaction as the change."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db


class SearchOutbox(db.Model):
    """One object whose search documents must be rewritten (or removed) by the indexer."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to rewrite (see search.documents.SOURCES): idea, idea_all, project, project_all, post, thread, user
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
