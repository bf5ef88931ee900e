"""The home page and a member's dashboard."""

from flask import Blueprint
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import clock
from ..pipeline import services as pipeline
from ..projects import services as projects
from ..web.fragments import fragments
from ..web.pagecache import cached_for_visitors
from ..web.rendering import page_number, render
from ..web.templating import time_span
from . import dashboard as dashboard_service
from . import feed

bp = Blueprint("home", __name__)


def news_items(items: list[feed.NewsItem]) -> Markup:
    """The member's news as HTML, each item rendered once per (what it says, how long ago in words, language)."""
    now = clock.now()
    return fragments("home/_news_item.html", [((item, time_span(item.at, now)), {"item": item}) for item in items])


@bp.route("/")
@cached_for_visitors
def index():
    """For members their personal home; for visitors what CrowdSpirit is, the newest projects and the ideas
    currently open for votes."""
    if current_user.is_authenticated:
        return render("home/member.html", "home/_news.html", news=feed.news(current_user, page_number()),
                      closing=feed.closing_votes(current_user), steps=feed.checklist(current_user))
    latest_projects = projects.newest_projects(current_user, 6)
    return render("home/home.html", projects=latest_projects,
                  voting=pipeline.top_ideas(current_user, 6, stage="vote", sort="votes"),
                  counts=projects.card_counts(current_user, [p.id for p in latest_projects]))


@bp.route("/dashboard")
@login_required
def dashboard():
    """Your ideas and their stages, your contributions, and the decisions waiting for you."""
    return render("home/dashboard.html", board=dashboard_service.dashboard(current_user))
