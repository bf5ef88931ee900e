"""A member's payout statement and their organisation's statement, read from the ledger, as pages and CSV."""

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from ..access import require
from ..accounts.services import get_organisation
from ..web.rendering import csv_download, page_number, render
from . import services

bp = Blueprint("ledger", __name__)


def _accounts(organisation: bool):
    """The organisation the statement is about (None: the member's own) and the accounts whose lines it lists."""
    if not organisation:
        return None, [services.member_account(current_user.id)]
    found = require(current_user, "payouts.organisation", current_user.organisation_id
                    and get_organisation(current_user.organisation_id))
    return found, [services.sponsor_account(found.id), *services.sponsor_escrows(found.id)]


@bp.route("/payouts")
@login_required
def payouts():
    """What the member earned (or, with ?account=organisation, what their organisation committed, holds in escrow,
    paid out and got back), paginated."""
    require(current_user, "payouts.view", current_user)
    wanted = request.args.get("account") == "organisation" and current_user.organisation_id is not None
    organisation, accounts = _accounts(wanted)
    lines = services.statement(accounts, page_number(), current_app.config["PER_PAGE"])
    position = services.sponsor_statement(organisation.id, current_user) if organisation else None
    return render("ledger/payouts.html", organisation=organisation, position=position,
                  balances=None if organisation else services.balances(accounts[0]),
                  lines=lines, described=services.describe(lines.items, current_user))


@bp.route("/payouts/<any(mine, organisation):account>.csv")
@login_required
def export(account: str):
    """Every line of the member's (or their organisation's) statement as CSV: ISO dates, decimal amounts."""
    require(current_user, "payouts.view", current_user)
    organisation, accounts = _accounts(account == "organisation")
    name = f"{organisation.slug}-statement.csv" if organisation else "my-payouts.csv"
    return csv_download(services.statement_csv(services.all_lines(accounts), current_user), name)
