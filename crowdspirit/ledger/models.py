"""Ledger transactions and their lines (amounts in integer cents; the lines of a transaction sum to zero)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class LedgerTransaction(db.Model):
    """One movement of money, written once and never changed: a memo, where it comes from, its lines."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    memo: Mapped[str] = mapped_column(String(200))
    #: what caused it, e.g. ("contest", 12): the domain object a statement links to
    source_kind: Mapped[str] = mapped_column(String(30), default="")
    source_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list["LedgerLine"]] = relationship(back_populates="transaction", order_by="LedgerLine.id",
                                                     cascade="all, delete-orphan")


class LedgerLine(db.Model):
    """An amount into (positive) or out of (negative) one account."""

    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id", ondelete="CASCADE"), index=True)
    #: "sponsor:<organisation id>", "escrow:contest:<id>", "platform:commission", "member:<user id>"
    account: Mapped[str] = mapped_column(String(60), index=True)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="lines")
