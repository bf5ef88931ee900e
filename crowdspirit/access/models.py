"""The access version: one counter raised with every change of who may see what."""

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AccessVersion(db.Model):
    """One counter, raised in the same transaction as every change of who may see what.

    The visitors' micro-cache stamps pages with it: unlike the newest event id, which PostgreSQL hands
    out before commit, the counter's row lock makes its value follow commit order.
    """

    __tablename__ = "access_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)
