"""Sending email through the configured backend: console (the log), file (instance/mail), or SMTP."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from .database import utcnow


def send(to: str, subject: str, body: str, headers: dict | None = None) -> None:
    """Send a plain-text email (with extra headers, e.g. List-Unsubscribe) with the backend MAIL_BACKEND names."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = cfg["MAIL_FROM"], to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
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
