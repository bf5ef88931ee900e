"""The sponsors' weekly summary: each organisation's last seven days (contributors, ideas proposed, votes, posts on
its projects) and the decisions waiting for it, emailed to its team in each member's language
(`flask crowdspirit send-sponsor-summaries`, once a week from cron)."""

from dataclasses import dataclass
from datetime import datetime

import click
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import notices
from ..accounts.models import Organisation, User
from ..database import utcnow
from ..extensions import db
from ..notifications import services as notifications
from . import sponsor_dashboard as board

KIND = "sponsor.summary"


@dataclass(frozen=True)
class Summary:
    """One organisation's week: what happened, and how many decisions wait for it."""

    organisation: Organisation
    #: contributors, ideas, votes, posts -> how many in the last seven days
    week: dict
    #: promotion, veto, rnd -> how many ideas wait for that decision
    waiting: dict

    @property
    def empty(self) -> bool:
        """Nothing happened and nothing waits: no email."""
        return not any(self.week.values()) and not any(self.waiting.values())


def summarise(organisation: Organisation, now: datetime | None = None) -> Summary:
    """The organisation's last seven days and the decisions waiting for it (what its dashboard shows)."""
    now = now or utcnow()
    week = board.activity_totals(organisation, board.Window((now - board.WEEK,), now))
    waiting = {"promotion": len(board.promotions(organisation)), "veto": len(board.vetoes(organisation)),
               "rnd": len(board.ready_for_rnd(organisation))}
    return Summary(organisation, week, waiting)


def send_summaries(now: datetime | None = None) -> int:
    """Queue each sponsor's weekly summary of their organisation (unless they turned it off, or nothing happened);
    returns how many were queued."""
    sent = 0
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        team = db.session.scalars(select(User).where(User.organisation_id == organisation.id, User.banned.is_(False),
                                                     User.deleted_at.is_(None)).order_by(User.id)).all()
        readers = [user for user in team if notifications.preferences(user)[KIND] == "weekly"]
        summary = summarise(organisation, now) if readers else None
        if summary is None or summary.empty:
            continue
        for user in readers:
            notifications.email_member(user, _l("CrowdSpirit: the week of %(name)s", name=organisation.name),
                                       "home/summary", ("weekly", KIND), summary=summary)
            sent += 1
    db.session.commit()
    return sent


def register() -> None:
    """Declare the summary as a kind of notice its readers choose to get weekly or not at all."""
    notices.declare(KIND, label=_l("A weekly summary of your organisation's projects"), group=_l("Sponsors"),
                    text=_l("The week of %(title)s"), default="weekly", channels=("weekly", "off"),
                    offered_to=notices.sponsors)


@click.command("send-sponsor-summaries")
def send_sponsor_summaries():
    """Email each sponsor the week of their organisation and the decisions waiting for it (run it weekly)."""
    click.echo(f"Summaries sent: {send_summaries()}.")
