"""The sponsor dashboard of an organisation, as a page and one CSV per chart."""

from flask import Blueprint, request
from flask_login import current_user, login_required

from ..access import require
from ..accounts.services import get_organisation_by_slug
from ..web.rendering import csv_download, render
from . import sponsor_dashboard as service

bp = Blueprint("sponsors", __name__)


def _organisation(slug: str):
    """The organisation with this slug if the user may read its dashboard (404 otherwise)."""
    return require(current_user, "organisation.dashboard", get_organisation_by_slug(slug))


@bp.route("/organisations/<slug>/dashboard")
@login_required
def dashboard(slug: str):
    """The organisation's pipeline, participation, top contributors, time per stage and decisions waiting for it."""
    organisation = _organisation(slug)
    weeks = service.parse_weeks(request.args.get("weeks"))
    return render("home/sponsor_dashboard.html", board=service.dashboard(organisation, weeks),
                  labels=service.SERIES_LABELS)


@bp.route("/organisations/<slug>/dashboard/<chart>.csv")
@login_required
def export(slug: str, chart: str):
    """The numbers of one chart of the dashboard, as CSV."""
    organisation = _organisation(slug)
    weeks = service.parse_weeks(request.args.get("weeks"))
    found = service.chart(organisation, chart, weeks)
    return csv_download(service.chart_csv(found), f"{organisation.slug}-{found.key}-{weeks}-weeks.csv")
