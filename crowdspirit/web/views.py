"""Site-wide pages: the home page, a member's dashboard and the language switch."""

from flask import Blueprint, current_app, session, url_for
from flask_login import current_user, login_required

from ..database import paginate
from ..pipeline import services as pipeline
from ..projects import services as projects
from . import dashboard as dashboard_service
from .pagecache import cached_for_visitors
from .rendering import redirect_to, render, safe_next

bp = Blueprint("web", __name__)


@bp.route("/")
@cached_for_visitors
def home():
    """What CrowdSpirit is, the newest projects and the ideas currently open for votes."""
    latest_projects = projects.list_projects(current_user, None, 1, 6)
    voting = paginate(pipeline.ideas_query(current_user, stage="vote", sort="votes"), 1, 6)
    return render("web/home.html", projects=latest_projects.items, voting=voting.items,
                  counts=pipeline.idea_counts(current_user, [p.id for p in latest_projects.items]))


@bp.route("/dashboard")
@login_required
def dashboard():
    """Your ideas and their stages, your contributions, and the decisions waiting for you."""
    return render("web/dashboard.html", board=dashboard_service.dashboard(current_user))


@bp.route("/language/<code>", methods=["GET", "POST"])
def language(code: str):
    """Remember the visitor's language choice and go back to the page they were on."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect_to(safe_next(url_for("web.home")))
