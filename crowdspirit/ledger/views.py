"""A member's payout statement (and, for sponsors, their organisation's), read from the ledger."""

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from ..access import require
from ..web.rendering import page_number, render
from . import services

bp = Blueprint("ledger", __name__)


@bp.route("/payouts")
@login_required
def payouts():
    """What the member earned (or, with ?account=organisation, what their organisation paid), paginated."""
    require(current_user, "payouts.view", current_user)
    organisation = request.args.get("account") == "organisation" and current_user.organisation_id is not None
    account = (services.sponsor_account(current_user.organisation_id) if organisation
               else services.member_account(current_user.id))
    lines = services.statement(account, page_number(), current_app.config["PER_PAGE"])
    return render("ledger/payouts.html", organisation=organisation, balances=services.balances(account),
                  lines=lines, described=services.describe(lines.items))
