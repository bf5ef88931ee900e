"""The search page: results, facets and suggestions; the same template answers search-as-you-type."""

from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy import select

from ..access import visible
from ..extensions import db
from ..projects.models import Project
from ..web.limits import per_member
from ..web.rendering import is_htmx, page_number, render
from . import services

bp = Blueprint("search", __name__)


@bp.route("/search")
@per_member("SEARCH_RATE_LIMIT", methods=None)
def results():
    """Search everything the user may see, with facets by type, project, stage and tag."""
    text = request.args.get("q", "")
    selected = {name: request.args.get(name, "")[:80] for name in services.FACETS}
    sort = request.args.get("sort") if request.args.get("sort") in services.SORTS else "relevance"
    found = services.search(current_user, text, selected, sort, page_number(), typing=is_htmx())
    project_ids = [int(value) for value, _ in found.facets.get("project", []) if value.isdigit()]
    projects = {p.id: p for p in db.session.scalars(visible(select(Project).where(Project.id.in_(project_ids)),
                                                            current_user))} if project_ids else {}
    return render("search/results.html", "search/_results.html", text=text, found=found, selected=selected,
                  sort=sort, projects=projects, kinds=services.KIND_LABELS,
                  hit_labels=services.HIT_LABELS)
