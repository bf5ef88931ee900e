"""The audit log of a project, as a page and as CSV."""

from flask import Blueprint, current_app
from flask_login import current_user, login_required

from ..audit import services
from ..web.rendering import csv_download, page_number, render
from .services import load_project

bp = Blueprint("audit", __name__)


@bp.route("/projects/<slug>/audit")
@login_required
def index(slug: str):
    """Who changed policies, memberships, NDAs and stages, newest first."""
    project = load_project(slug, current_user, "project.audit")
    return render("audit/index.html", project=project,
                  events=services.events(project.id, page_number(), current_app.config["PER_PAGE"]))


@bp.route("/projects/<slug>/audit.csv")
@login_required
def export(slug: str):
    """The whole audit log as CSV."""
    project = load_project(slug, current_user, "project.audit")
    return csv_download(services.export_csv(project.id), f"{project.slug}-audit.csv")
