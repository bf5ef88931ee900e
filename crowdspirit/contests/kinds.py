"""The contests' notices: entrants hear of the phases, the shortlist, the sponsor's requests for changes, the result
and the transfer to sign; members of the payouts booked to them; the sponsor's team of the decisions waiting."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import notices
from ..extensions import db
from ..web.templating import format_money
from .models import Contest, Phase


def _contest_page(contest: Contest) -> str:
    return url_for("contests.show", contest_id=contest.id)


def _entry_page(entry) -> str:
    return url_for("contests.entry", entry_id=entry.id)


def _paying_contest(line) -> Contest | None:
    """The contest whose money a payout line moved (None once deleted)."""
    return db.session.get(Contest, line.transaction.source_id)


def _booked(line) -> str:
    """A payout line as its payee reads it: the amount, in their language, and the contest that paid it (while it
    exists)."""
    amount = format_money(line.amount_cents, line.currency)
    contest = _paying_contest(line)
    return _("%(amount)s from “%(contest)s”", amount=amount, contest=contest.title) if contest else amount


def register() -> None:
    """Declare the contests' notices."""
    group = _l("Contests")
    of_contest = {"group": group, "guard": lambda contest: contest.project, "link": _contest_page}
    of_entry = {"group": group, "view": "entry.view", "guard": lambda entry: entry.contest.project,
                "title": lambda entry: entry.contest.title, "link": _entry_page}
    notices.declare("contest.phase", label=_l("The phases of the contests you entered"), default="app",
                    text=_l("The contest “%(title)s” moved on: %(detail)s"), view="contest.view", details={
                        Phase.PUBLIC.value: _l("its public phase began, every member sees the entries"),
                        Phase.SHORTLIST.value: _l("entries are closed and the sponsor is choosing"),
                        Phase.ADJUSTMENTS.value: _l("the finalists adjust their entries at the sponsor's request"),
                        "winner-due": _l("the sponsor is picking the winner"),
                        Phase.WINNER.value: _l("the winner is picked"),
                        Phase.CLOSED.value: _l("the winner signed the copyright transfer, the contest is closed")},
                    **of_contest)
    notices.declare("contest.decide", label=_l("Decisions waiting in your organisation's contests"), default="now",
                    text=_l("The contest “%(title)s” waits for your decision: %(detail)s"), view="contest.manage",
                    details={"finalists": _l("choose the finalists"), "winner": _l("pick the winner")},
                    offered_to=notices.sponsors, **of_contest)
    notices.declare("contest.shortlisted", label=_l("Your entries chosen as finalists"), default="now",
                    text=_l("Your entry is a finalist of the contest “%(title)s”"), **of_entry)
    notices.declare("contest.adjust", label=_l("Changes the sponsor asks of your finalist entries"), default="now",
                    text=_l("The sponsor of the contest “%(title)s” asks for changes to your entry"), **of_entry)
    notices.declare("contest.won", label=_l("Your entries' wins"), default="app",
                    text=_l("Your entry won the contest “%(title)s”"), view="contest.view", **of_contest)
    notices.declare("contest.result", label=_l("Results of the contests where you are a finalist"),
                    text=_l("The winner of the contest “%(title)s” is picked: another finalist's entry won"),
                    view="contest.view", **of_contest)
    notices.declare("contest.transfer", label=_l("Copyright transfers to sign"), default="now",
                    text=_l("You won the contest “%(title)s”: sign the copyright transfer to receive your prize"),
                    view="contest.sign", group=group, guard=lambda contest: contest.project,
                    link=lambda contest: url_for("contests.transfer", contest_id=contest.id))
    notices.declare("contest.payout", label=_l("Payouts booked to you: bonuses, pool shares, prizes"),
                    default="now", text=_l("%(detail)s, %(title)s, is booked to your payouts"), group=group,
                    view="payouts.view", title=_booked,
                    # readable while the contest's project is (it names the contest), else the payee's own
                    guard=lambda line: contest.project if (contest := _paying_contest(line)) else None,
                    link=lambda line: url_for("ledger.payouts"),
                    details={"contest.bonuses": _l("Your finalist's bonus"),
                             "contest.pool": _l("Your share of the participation pool"),
                             "contest.prize": _l("Your prize")})
