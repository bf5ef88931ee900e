"""The search page: results, facets and suggestions; the same template answers search-as-you-type."""

from urllib.parse import urlencode

from flask import Blueprint, request, url_for
from flask_login import current_user

from ..requestcache import per_request
from ..web.limits import per_member
from ..web.rendering import page_number, render
from . import services

bp = Blueprint("search", __name__)
#: the characters a query string keeps as they are (Werkzeug's choice, so that links read as url_for writes them)
QUERY_SAFE = "!$'()*,/:;?@"


@bp.route("/search")
@per_member("SEARCH_RATE_LIMIT", methods=None)
def results():
    """Search everything the user may see, with facets by type, project, stage and tag."""
    text = request.args.get("q", "")
    selected = {name: request.args.get(name, "")[:80] for name in services.FACETS}
    sort = request.args.get("sort") if request.args.get("sort") in services.SORTS else "relevance"
    found = services.search(current_user, text, selected, sort, page_number())
    objects = services.facet_objects(found, current_user)
    return render("search/results.html", "search/_results.html", text=text, found=found, selected=selected,
                  sort=sort, projects=objects.get("project", {}), kinds=services.kind_labels(),
                  hit_labels=services.hit_labels(), facet_shown=services.FACET_SHOWN)


def search_url(name: str | None = None, value: str | None = None) -> str:
    """A Jinja global: this search's address on its first page, with the filter name=value added, or taken away
    when it is already chosen."""
    args = request.args.to_dict()
    args.pop("page", None)
    if name:
        if args.get(name) == value:
            args.pop(name)
        else:
            args[name] = value
    # encoded as url_for would, the route looked up once per request: a page of results draws forty such links
    path = per_request("search-path", lambda: url_for("search.results"))
    return f"{path}?{urlencode(args, safe=QUERY_SAFE)}" if args else path
