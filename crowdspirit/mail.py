"""Sending email through the configured backend: console (the log), file (instance/mail), or SMTP.

`send` sends at once (a sign-in link the person waits for). `queue` keeps the message in the `mail_outbox` table, in
the transaction that decided it, and sends it after the commit (MAIL_DELIVERY: `thread`, a background loop per
process; `inline`, right after the commit; `off`, `flask crowdspirit send-mail`): a server that refuses or cannot be
reached is tried again later, with back-off, and what still fails is kept, with its error, for administrators.
"""

import email.policy
import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import JSON, Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .background import start_once
from .commands import crowdspirit_cli
from .database import after_commit, utcnow
from .extensions import db

#: headers are not folded below SMTP's 998 characters: folding loses a space in long non-ASCII subjects, and mail
#: clients read a folded List-Unsubscribe address badly
HEADERS = email.policy.default.clone(max_line_length=998)
#: seconds to wait after each failed attempt; after the last one the message is left for an administrator
BACKOFF = (60, 300, 1800, 7200, 21600)
LEASE_SECONDS = 120
POLL_SECONDS = 30.0
_queued = threading.Event()


class QueuedMail(db.Model):
    """An email waiting to be sent, being retried, sent, or failed for good (attempts past BACKOFF)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    #: the HTML part ("" for plain text alone)
    html: Mapped[str] = mapped_column(Text, default="")
    #: extra headers (List-Unsubscribe...)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: when to try next (None: sent, or failed for good)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")

    @property
    def failed(self) -> bool:
        """Given up: every attempt failed."""
        return self.sent_at is None and self.next_attempt_at is None


def send(to: str, subject: str, body: str, headers: dict | None = None, html: str = "") -> None:
    """Send an email now (plain text, with an HTML alternative if given, and extra headers) with the backend
    MAIL_BACKEND names."""
    cfg = current_app.config
    message = EmailMessage(policy=HEADERS)
    message["From"], message["To"], message["Subject"] = cfg["MAIL_FROM"], to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    backend = cfg["MAIL_BACKEND"]
    if backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
    elif backend == "file":
        folder = Path(cfg["MAIL_FILE_DIR"] or Path(current_app.instance_path) / "mail")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}-{to.replace('@', '_at_')}.eml").write_bytes(bytes(message))
    else:
        current_app.logger.info("Email to %s: %s\n%s", to, subject, body)


def queue(to: str, subject: str, body: str, headers: dict | None = None, html: str = "") -> None:
    """Keep an email to send after the current transaction commits (retried until the server takes it)."""
    db.session.add(QueuedMail(recipient=to, subject=subject[:200], text=body, html=html, headers=headers or {}))
    if _sending not in db.session.info.get("after_commit", []):  # once per transaction, however many it queues
        after_commit(_sending)


def _sending() -> None:
    """Send what is due now as MAIL_DELIVERY says: in this thread (inline), by waking the loop (thread), or not."""
    mode = current_app.config["MAIL_DELIVERY"]
    if mode == "inline":
        send_due()
    elif mode == "thread":
        _start()
        _queued.set()


def send_due(limit: int = 50) -> int:
    """Try the queued emails that are due, each claimed first (two processes never send one twice); a failure waits
    its back-off, the last one gives up. Returns how many were tried."""
    now = utcnow()
    due = db.session.scalars(select(QueuedMail).where(QueuedMail.sent_at.is_(None), QueuedMail.next_attempt_at <= now)
                             .order_by(QueuedMail.id).limit(limit)).all()
    tried = 0
    for item in due:
        lease = now + timedelta(seconds=LEASE_SECONDS)
        claimed = db.session.execute(update(QueuedMail).where(
            QueuedMail.id == item.id, QueuedMail.next_attempt_at == item.next_attempt_at)
            .values(next_attempt_at=lease)).rowcount
        db.session.commit()
        if not claimed:
            continue
        try:
            send(item.recipient, item.subject, item.text, item.headers, item.html)
            outcome = {"sent_at": utcnow(), "next_attempt_at": None, "last_error": ""}
        except (OSError, smtplib.SMTPException) as error:  # refused, unreachable, timed out: tried again later
            retry = item.attempts < len(BACKOFF)
            outcome = {"next_attempt_at": utcnow() + timedelta(seconds=BACKOFF[item.attempts]) if retry else None,
                       "last_error": f"{type(error).__name__}: {error}"[:300]}
            current_app.logger.warning("Email #%s to %s failed (attempt %s): %s", item.id, item.recipient,
                                       item.attempts + 1, error)
        db.session.execute(update(QueuedMail).where(QueuedMail.id == item.id, QueuedMail.next_attempt_at == lease)
                           .values(attempts=QueuedMail.attempts + 1, **outcome))
        db.session.commit()
        tried += 1
    return tried


def troubles(limit: int = 50) -> list[QueuedMail]:
    """The queued emails that failed at least once and are not sent, newest first (for administrators)."""
    return db.session.scalars(select(QueuedMail).where(QueuedMail.sent_at.is_(None), QueuedMail.attempts > 0)
                              .order_by(QueuedMail.id.desc()).limit(limit)).all()


def retry_now(mail_id: int) -> bool:
    """Make a failed or waiting email due at once (an administrator fixed the server); False if it is not waiting."""
    done = db.session.execute(update(QueuedMail).where(QueuedMail.id == mail_id, QueuedMail.sent_at.is_(None))
                              .values(next_attempt_at=utcnow())).rowcount
    db.session.commit()
    if done:
        _sending()
    return bool(done)


@click.command("send-mail")
def send_mail_command():
    """Send the queued emails that are due (with MAIL_DELIVERY=off, from cron), and say how many wait or failed."""
    tried = 0
    while done := send_due():
        tried += done
    waiting = db.session.scalar(select(func.count()).select_from(QueuedMail).where(QueuedMail.sent_at.is_(None)))
    click.echo(f"Emails tried: {tried}; not sent yet: {waiting}.")


def init_app(app) -> None:
    """Register send-mail, and with MAIL_DELIVERY=thread send what a crash left queued from the first request."""
    crowdspirit_cli.add_command(send_mail_command)
    if app.config["MAIL_DELIVERY"] == "thread":
        app.before_request(_start)


def _start() -> None:
    start_once(f"mail:{db.engine.url}", send_due, _queued, POLL_SECONDS)
