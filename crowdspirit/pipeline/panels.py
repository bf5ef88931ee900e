"""What the pipeline shows on other pages: the ideas of a project (the project page's htmx fragment too), a
member's ideas and votes on their profile, and the sponsor's veto on an idea's page."""

from flask import current_app, request
from markupsafe import Markup

from .. import clock
from ..access import can
from ..database import paginate
from ..web import panels
from ..web.fragments import fragments
from ..web.rendering import page_number
from ..web.templating import time_span
from . import services
from .models import Stage


def idea_rows(ideas: list[services.IdeaRow], voted: set, list_url: str, show_project: bool,
              signed_in: bool) -> Markup:
    """The ideas of a list as HTML, each row rendered once per (what it shows, the reader's vote, the list it is
    in, how long ago it was proposed in words)."""
    now = clock.now()
    return fragments("pipeline/_idea_row.html", [
        ((idea, idea.id in voted, signed_in, list_url, show_project, time_span(idea.created_at, now)),
         {"idea": idea, "voted": idea.id in voted, "list_url": list_url, "show_project": show_project})
        for idea in ideas])


def idea_list_context(user, project=None) -> dict:
    """Read the list's filters from the query string and load the matching page of ideas."""
    stage = request.args.get("stage") if request.args.get("stage") in list(Stage) else ""
    sort = request.args.get("sort") if request.args.get("sort") in services.SORTS else "votes"
    tag = services.tag_slug(request.args.get("tag", ""))[:30]
    ideas, voted = services.idea_rows(user, page_number(), current_app.config["PER_PAGE"],
                                      project_id=project and project.id, stage=stage, tag=tag, sort=sort)
    return {
        "ideas": ideas,
        "filters": {"stage": stage, "sort": sort, "tag": tag},
        "voted": voted,
        "list_url": request.path,
        "project": project,
    }


def project_ideas(project, user) -> dict:
    """The project's ideas with the list's filters."""
    return idea_list_context(user, project)


def veto(idea, user) -> dict | None:
    """The sponsor's veto, while the window after a crowd promotion is open."""
    veto_until = services.veto_open_until(idea)
    if veto_until is None or not can(user, "idea.veto", idea):
        return None
    return {"idea": idea, "veto_until": veto_until}


def profile_ideas(member, user) -> dict:
    """The ideas a member proposed that the reader may see, newest first."""
    query = services.ideas_query(user, author_id=member.id, sort="newest")
    return {"ideas": paginate(query, page_number(), current_app.config["PER_PAGE"])}


def profile_votes(member, user) -> dict:
    """The ideas a member voted for that the reader may see."""
    return {"votes": paginate(services.votes_of(member.id, user), 1, current_app.config["PER_PAGE"])}


def register() -> None:
    """Put the pipeline's panels on the project, idea and profile pages."""
    panels.register("project", panels.Panel("ideas", "pipeline/_project_ideas.html", project_ideas,
                                            fragment="pipeline/_idea_list.html"))
    panels.register("idea", panels.Panel("veto", "pipeline/_veto.html", veto, order=30))
    panels.register("profile", panels.Panel("ideas", "pipeline/_profile_ideas.html", profile_ideas, order=10))
    panels.register("profile", panels.Panel("votes", "pipeline/_profile_votes.html", profile_votes, order=20))
