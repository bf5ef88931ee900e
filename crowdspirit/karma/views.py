"""Karma pages: my karma and history, the leaderboards, and members' invitation links."""

from flask import Blueprint, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import NotFound
from ..projects.services import load_project
from ..web.rendering import page_number, render
from . import rules, services, sources

bp = Blueprint("karma", __name__)

KIND_TABS = [("amateur", _l("Amateurs")), ("student", _l("Students")), ("professional", _l("Professionals")),
             ("expert", _l("Experts"))]


@bp.route("/karma")
@login_required
def index():
    """My karma: the total, where it comes from (rules, projects, history) and my invitation link."""
    events = services.history(current_user, page_number(), current_app.config["PER_PAGE"])
    return render("karma/index.html", total=current_user.karma, breakdown=services.breakdown(current_user),
                  projects=services.project_totals(current_user), history=events,
                  entries=sources.describe(events.items, current_user), rules=rules.current(),
                  labels=rules.LABELS, explanations=rules.EXPLANATIONS,
                  link=services.invite_link(current_user), referrals=services.referrals_of(current_user))


@bp.route("/leaderboard")
def leaderboard():
    """Members by karma, platform-wide or in a project the viewer may see (?project=slug), of one profile kind
    (?kind=amateur|student|professional|expert) or all."""
    kind = services.check_kind(request.args.get("kind", "").strip())
    slug = request.args.get("project", "").strip()
    project = load_project(slug, current_user, "project.leaderboard") if slug else None
    board = services.leaderboard(project, kind, page_number(), current_app.config["PER_PAGE"], current_user)
    return render("karma/leaderboard.html", board=board, project=project, kind=kind,
                  projects=services.leaderboard_projects(current_user), kind_labels=KIND_TABS)


def shown_karma(member) -> int:
    """A member's platform-wide karma as the current user may see it (a Jinja global: profiles, author badges)."""
    return services.shown_totals([member], current_user)[member.id]


@bp.route("/join/<code>")
def join(code: str):
    """A member's invitation: who invites, and the way to sign up through it."""
    link = services.find_invite(code)
    if link is None:
        raise NotFound(_l("This invitation link is not valid: ask the member who shared it for a new one."))
    return render("karma/join.html", link=link, own=current_user.is_authenticated and current_user.id == link.user_id)
