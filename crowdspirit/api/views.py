"""The JSON API, /api/v1: what the pages show, under the same access policy, for tools and bots."""

import base64
import json

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select

from ..access import OrganisationActor, can, require, visible
from ..accounts.services import get_organisation_by_slug
from ..contests import services as contests
from ..contests.models import Contest, Phase
from ..errors import DomainError, NotFound
from ..extensions import csrf, db, limiter
from ..forum import services as forum
from ..forum.forms import PostForm
from ..home import dashboard as member_dashboard
from ..home import sponsor_dashboard
from ..notifications.models import Notification
from ..pipeline import services as pipeline
from ..pipeline.forms import IdeaForm
from ..pipeline.models import Idea, Stage
from ..projects.models import Project
from ..projects.services import load_project
from ..requestcache import per_request
from ..rnd import services as rnd
from ..search import services as search
from ..specs import services as specs
from ..specs.models import SECTIONS
from . import schemas, tokens, webhooks
from .openapi import document, operation, page_of, ref

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie-authenticated writes: every write needs a bearer token

MAX_LIMIT = 100
INTEGER = {"type": "integer"}
STRING = {"type": "string", "pattern": "^[^\\u0000]*$"}  # no NUL byte: no text field or parameter takes one
PAGING = {"limit": ({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Items per page (default 20)"),
          "cursor": (STRING, "The next_cursor of the previous page")}


class InvalidInput(DomainError):
    """A parameter or body field the API cannot use: 400 (or 422) naming the field."""

    def __init__(self, field: str, message, status: int = 400, code: str = "invalid_parameter"):
        super().__init__(message)
        self.field, self.status, self.code = field, status, code


def current_token():
    """The request's bearer token, checked once per request (rate limits ask before the views do), or None.

    A token makes its owner the user of this request without touching the session.
    """
    header = request.headers.get("Authorization")
    token = per_request("api-token", lambda: tokens.authenticate(header)) if header else None
    if token is not None:
        g._login_user = tokens.actor(token)  # Flask-Login's user for this request
    return token


def _valid_token():
    """The token if it is valid (rate-limit keys never raise: a bad token counts against its address)."""
    try:
        return current_token()
    except tokens.TokenError:
        return None


def _token_key() -> str:
    """Rate limits count per token, or per address without a valid one."""
    token = _valid_token()
    return f"token:{token.id}" if token else f"address:{request.remote_addr}"


def _writer_key() -> str:
    """Posting limits count per member, whichever token they use."""
    token = _valid_token()
    return f"user:{token.user_id}" if token else f"address:{request.remote_addr}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_token_key)(bp)
posting_limit = limiter.limit(lambda: current_app.config["POST_RATE_LIMIT"], key_func=_writer_key)


@bp.before_request
def authenticate():
    """Check the bearer token, if any, before anything else reads the user."""
    current_token()


@bp.after_request
def finish(response):
    """Log token calls; answer If-None-Match with 304 on unchanged reads; never cache across users."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    token = per_request("api-token", lambda: None) if request.headers.get("Authorization") else None
    if token is not None:
        tokens.record_call(token, request.method, request.path, response.status_code)
        g.pop("_login_user", None)  # the token's user ends with this request
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Authorization", "Cookie"))
    return response


def _number(name: str, value: str | None, message, low: int = 0, high: int = 2**31 - 1) -> int | None:
    """A whole-number parameter (ASCII digits only), or 400 naming it; None when absent."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise InvalidInput(name, message)
    return int(value)


def _limit() -> int:
    return _number("limit", request.args.get("limit", "20"),
                   _l("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT), 1, MAX_LIMIT)


def _cursor() -> list | None:
    """The decoded cursor (a list of key values), or None on the first page."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        assert isinstance(values, list) and all(isinstance(v, int) for v in values) and values
        return values
    except (ValueError, AssertionError):
        raise InvalidInput("cursor", _l("This cursor is not one the API gave.")) from None


def _keyset(query, keys) -> tuple[list, str | None]:
    """One page of a keyset-ordered query (descending on keys): its rows and the cursor of the next page."""
    limit, cursor = _limit(), _cursor()
    if cursor is not None:
        if len(cursor) != len(keys):
            raise InvalidInput("cursor", _l("This cursor is not one the API gave."))
        query = query.where(or_(*[and_(*[k == v for k, v in zip(keys[:i], cursor[:i], strict=True)],
                                       keys[i] < cursor[i]) for i in range(len(keys))]))
    rows = db.session.scalars(query.limit(limit + 1)).all()
    items, more = rows[:limit], len(rows) > limit
    return items, _encode([getattr(items[-1], key.key) for key in keys]) if more else None


def _page(query, keys, serialize):
    """One page of a keyset-ordered query as the API answers it: items plus the cursor of the next page."""
    items, next_cursor = _keyset(query, keys)
    return jsonify(items=[serialize(item) for item in items], next_cursor=next_cursor)


def _encode(values: list[int]) -> str:
    """An opaque cursor for key values."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@operation(bp, "/projects", "Projects you may see, newest first", page_of("Project"), query=PAGING)
def projects():
    """List visible projects."""
    return _page(visible(select(Project).order_by(Project.id.desc()), current_user), [Project.id],
                 schemas.project_json)


@operation(bp, "/projects/<slug>", "One project", ref("Project"))
def project(slug: str):
    """One visible project."""
    return jsonify(schemas.project_json(load_project(slug, current_user)))


IDEA_FILTERS = {"project": (STRING, "A project's slug"), "stage": ({"type": "string", "enum": list(Stage)}, "Stage"),
                "tag": (STRING, "A tag"), "sort": ({"type": "string", "enum": ["newest", "votes"]}, "Order")}


@operation(bp, "/ideas", "Ideas you may see, filtered like the idea list", page_of("Idea"),
           query={**IDEA_FILTERS, **PAGING})
def ideas():
    """List visible ideas, by votes or newest first."""
    stage, sort = request.args.get("stage") or None, request.args.get("sort", "votes")
    if stage and stage not in list(Stage):
        raise InvalidInput("stage", _l("Unknown stage."))
    if sort not in ("newest", "votes"):
        raise InvalidInput("sort", _l("sort must be newest or votes."))
    slug = request.args.get("project")
    project_id = load_project(slug, current_user).id if slug else None
    query = pipeline.ideas_query(current_user, project_id=project_id, stage=stage,
                                 tag=request.args.get("tag", "").strip().lower(), sort=sort)
    keys = [Idea.id] if sort == "newest" else [Idea.vote_count, Idea.id]
    return _page(query, keys, schemas.idea_json)


@operation(bp, "/ideas/<int:idea_id>", "One idea with its text and stage history", ref("IdeaDetail"))
def idea(idea_id: int):
    """One visible idea."""
    return jsonify(schemas.idea_detail_json(pipeline.load_idea(idea_id, current_user)))


@operation(bp, "/ideas/<int:idea_id>/spec", "An idea's specification: the current revision, or the one asked for",
           ref("Spec"), query={"revision": (INTEGER, "A revision number (default: the current one)")})
def spec(idea_id: int):
    """One revision of the idea's specification (the current one by default)."""
    found = pipeline.load_idea(idea_id, current_user, "spec.view")
    number = _number("revision", request.args.get("revision"), _l("revision must be a revision number."), 1)
    revision = specs.get_revision(found, number) if number else specs.current_revision(found)
    if revision is None:
        raise NotFound(_l("This idea has no specification yet."))
    return jsonify(schemas.spec_json(found, revision, SECTIONS))


@operation(bp, "/ideas/<int:idea_id>/spec/revisions", "Every revision of an idea's specification, newest first",
           {"type": "array", "items": ref("RevisionSummary")})
def revisions(idea_id: int):
    """The list of the spec's revisions (read one with /spec?revision=N)."""
    found = pipeline.load_idea(idea_id, current_user, "spec.view")
    return jsonify([schemas.revision_summary_json(r) for r in specs.revisions(found)])


@operation(bp, "/threads/<int:thread_id>", "One forum thread", ref("Thread"))
def thread(thread_id: int):
    """A visible thread's title, place and counts."""
    return jsonify(schemas.thread_json(forum.load_thread(thread_id, current_user)))


@operation(bp, "/threads/<int:thread_id>/posts", "A thread's published posts, oldest first", page_of("Post"),
           query=PAGING)
def posts(thread_id: int):
    """A visible thread's published posts, in pages."""
    thread = forum.load_thread(thread_id, current_user)
    after = (_cursor() or [0])[0]
    limit = _limit()
    shown = forum.published_posts(thread, after, limit + 1)
    next_cursor = _encode([shown[limit - 1].id]) if len(shown) > limit else None
    return jsonify(items=[schemas.post_json(p) for p in shown[:limit]], next_cursor=next_cursor)


SEARCH_PARAMETERS = {"q": (STRING, "The query"), "type": (STRING, "idea, project, spec, post or person"),
                     "page": (INTEGER, "Page number")}


@operation(bp, "/search", "Full-text search over what you may see (the search page's syntax)",
           ref("SearchResults"), query=SEARCH_PARAMETERS)
def search_view():
    """Search, as the search page does."""
    page = _number("page", request.args.get("page", "1"), _l("page must be a whole number from 1."), 1)
    found = search.search(current_user, request.args.get("q", ""), {"kind": request.args.get("type", "")},
                          page=page)
    return jsonify(schemas.search_json(found))


def _member():
    """The caller as a member (a personal token or a session); 401 for visitors and organisations' tokens."""
    if not current_user.is_authenticated or isinstance(current_user._get_current_object(), OrganisationActor):
        raise tokens.TokenError("token_required", _l("This call needs a personal access token."))
    return current_user


@operation(bp, "/notifications", "Your notifications, newest first (a token or a session)",
           page_of("Notification"), query=PAGING)
def notifications():
    """The caller's notifications about threads they may still read."""
    member = _member()
    query = visible(select(Notification).where(Notification.user_id == member.id)
                    .order_by(Notification.id.desc()), member)
    return _page(query, [Notification.id], schemas.notification_json)


PHASE_FILTER = {"phase": ({"type": "string", "enum": list(Phase)}, "Only the contests in this phase")}


@operation(bp, "/contests", "Contests you may see, newest first (a sponsor's team sees its drafts)",
           page_of("Contest"), query={**PHASE_FILTER, **PAGING})
def contests_list():
    """List visible contests, with the entries each shows the caller."""
    phase = request.args.get("phase") or None
    if phase and phase not in list(Phase):
        raise InvalidInput("phase", _l("Unknown phase."))
    query = visible(select(Contest).order_by(Contest.id.desc()), current_user)
    items, next_cursor = _keyset(query.where(Contest.phase == phase) if phase else query, [Contest.id])
    counts = contests.entry_counts([c.id for c in items], current_user)
    return jsonify(items=[schemas.contest_json(c, counts.get(c.id, 0)) for c in items], next_cursor=next_cursor)


@operation(bp, "/contests/<int:contest_id>", "One contest: its phase and schedule, prize, entries count, winner",
           ref("ContestDetail"))
def contest(contest_id: int):
    """One visible contest, as its page shows it."""
    found = contests.load_contest(contest_id, current_user)
    shown = [entry for entry in contests.finalists(found) if can(current_user, "entry.view", entry)]
    return jsonify(schemas.contest_detail_json(
        found, contests.entry_counts([found.id], current_user).get(found.id, 0), contests.schedule(found), shown,
        contests.winner(found)))


ENTRY_QUERY = {"sort": ({"type": "string", "enum": list(contests.SORTS)}, "Most coups de cœur (default) or newest"),
               "page": (INTEGER, "Page number")}


@operation(bp, "/contests/<int:contest_id>/entries", "A contest's entries you may see, finalists first (others' "
           "entries stay hidden until the public phase; the sponsor's team sees them all)", ref("EntryPage"),
           query=ENTRY_QUERY)
def contest_entries(contest_id: int):
    """A visible contest's entries the caller may see, paged like its page."""
    found = contests.load_contest(contest_id, current_user)
    sort = request.args.get("sort", "hearts")
    if sort not in contests.SORTS:
        raise InvalidInput("sort", _l("sort must be hearts or newest."))
    page = _number("page", request.args.get("page", "1"), _l("page must be a whole number from 1."), 1)
    return jsonify(schemas.entry_page_json(contests.entries_page(found, current_user, page,
                                                                 current_app.config["PER_PAGE"], sort)))


@operation(bp, "/entries/<int:entry_id>", "One contest entry", ref("Entry"))
def entry(entry_id: int):
    """One entry the caller may see."""
    return jsonify(schemas.entry_json(contests.load_entry(entry_id, current_user)))


@operation(bp, "/partnerships", "The R&D workspaces you work in, newest first (a personal token or a session)",
           {"type": "array", "items": ref("PartnershipSummary")})
def partnerships():
    """The partnerships whose workspace the caller may enter."""
    return jsonify([schemas.partnership_summary_json(partnership)
                    for partnership, enters in rnd.my_workspaces(_member()) if enters])


@operation(bp, "/ideas/<int:idea_id>/partnership", "An idea's R&D partnership, for its workspace's participants: "
           "terms, participants, milestones and tasks, decisions, public updates", ref("Partnership"))
def partnership(idea_id: int):
    """The workspace of an idea in partner R&D, for its participants only (404 for who may not know it)."""
    return jsonify(schemas.partnership_json(rnd.workspace(rnd.load_workspace(idea_id, current_user))))


@operation(bp, "/dashboard", "Your dashboard's figures: your ideas by stage, contributions, decisions waiting "
           "(a personal token or a session)", ref("Dashboard"))
def dashboard():
    """The caller's own dashboard."""
    return jsonify(schemas.dashboard_json(member_dashboard.dashboard(_member())))


WEEKS = {"weeks": ({"type": "integer", "minimum": 1, "maximum": sponsor_dashboard.MAX_WEEKS},
                   f"Weeks covered, the current one included (default {sponsor_dashboard.DEFAULT_WEEKS})")}


@operation(bp, "/organisations/<slug>/dashboard", "An organisation's sponsor dashboard, for its team: figures, "
           "charts' numbers, decisions waiting", ref("SponsorDashboard"), query=WEEKS)
def sponsor_dashboard_view(slug: str):
    """The sponsor dashboard's numbers, for the organisation's team (404 for others)."""
    organisation = require(current_user, "organisation.dashboard", get_organisation_by_slug(slug))
    try:
        weeks = sponsor_dashboard.parse_weeks(request.args.get("weeks"))
    except DomainError as error:
        raise InvalidInput("weeks", error.message) from None
    return jsonify(schemas.sponsor_dashboard_json(sponsor_dashboard.dashboard(organisation, weeks)))


def _json_body(allowed: set[str], lists: frozenset[str] = frozenset()) -> dict:
    """The request's JSON object, refusing other types and unknown fields; a field named in `lists` may also be an
    array of strings, read as the comma-separated text the page's form takes."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("body", _l("Send a JSON object (Content-Type: application/json)."), code="invalid_body")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(unknown[0], _l("Unknown field: %(name)s.", name=unknown[0]), code="unknown_field")
    for name in lists & set(body):
        if isinstance(body[name], list):
            if not all(isinstance(item, str) and "," not in item for item in body[name]):
                raise InvalidInput(name, _l("%(name)s must be an array of strings without commas.", name=name), 422,
                                   "invalid_type")
            body[name] = ", ".join(body[name])
    wrong = [name for name, value in body.items() if not isinstance(value, str)]
    if wrong:
        raise InvalidInput(wrong[0], _l("%(name)s must be a string.", name=wrong[0]), 422, "invalid_type")
    broken = [name for name, value in body.items() if "\x00" in value]
    if broken:
        raise InvalidInput(broken[0], _l("The request contains an invalid character."), 422, "invalid")
    return body


def _validated(form):
    """The form if the page's own rules accept the body, else 422 naming the first refused field."""
    if not form.validate():
        name, errors = next(iter(form.errors.items()))
        raise InvalidInput(name, errors[0], 422, "invalid")
    return form


IDEA_BODY = {"type": "object", "additionalProperties": False, "required": ["title", "summary"], "properties": {
    "title": STRING, "summary": STRING, "body": STRING,
    "tags": {"description": "an array of tags, or one string of comma-separated tags",
             "oneOf": [{"type": "array", "items": STRING}, STRING]}}}


@operation(bp, "/projects/<slug>/ideas", "Propose an idea (write scope)", ref("IdeaDetail"), method="POST",
           scope="write", body=IDEA_BODY, status=201)
def propose(slug: str):
    """Propose an idea, validated like the page's form."""
    tokens.require_scope(current_token(), "write")
    target = load_project(slug, current_user, "idea.propose")
    form = _validated(IdeaForm(data=_json_body(set(IDEA_BODY["properties"]), frozenset({"tags"})),
                               meta={"csrf": False}))
    created = pipeline.propose_idea(target, current_user, form.title.data, form.summary.data, form.body.data or "",
                                    form.tags.data or "")
    response = jsonify(schemas.idea_detail_json(created))
    response.status_code, response.headers["Location"] = 201, url_for("api.idea", idea_id=created.id)
    return response


@operation(bp, "/ideas/<int:idea_id>/vote", "Vote for an idea in the vote stage (write scope)", ref("Vote"),
           method="POST", scope="write")
def vote(idea_id: int):
    """Cast the caller's vote (voting twice changes nothing)."""
    tokens.require_scope(current_token(), "write")
    target = pipeline.load_idea(idea_id, current_user, "idea.vote")
    return jsonify(schemas.vote_json(target, pipeline.cast_vote(target, current_user), True))


TRANSITION_BODY = {"type": "object", "additionalProperties": False, "required": ["to"], "properties": {
    "to": {"type": "string", "enum": [s.value for s in Stage], "description":
           "partner_rnd is refused: an idea enters partner R&D when its selected sponsor accepts, on the site"},
    "reason": STRING}}


@operation(bp, "/ideas/<int:idea_id>/transitions", "Move an idea to another stage, where you may (write scope)",
           ref("IdeaDetail"), method="POST", scope="write", body=TRANSITION_BODY)
def move(idea_id: int):
    """Move an idea through the pipeline, with the same rules and gates as the page."""
    tokens.require_scope(current_token(), "write")
    body = _json_body(set(TRANSITION_BODY["properties"]))
    target = pipeline.load_idea(idea_id, current_user)
    if "to" not in body:
        raise InvalidInput("to", _l("Say which stage to move to."), 422, "missing_field")
    moved = pipeline.transition(target, body["to"], current_user, body.get("reason", ""))
    return jsonify(schemas.idea_detail_json(moved))


REPLY_BODY = {"type": "object", "additionalProperties": False, "required": ["body"], "properties": {
    "body": {**STRING, "description": "Markdown"}, "reply_to": {**STRING, "description": "a post id"}}}


@operation(bp, "/threads/<int:thread_id>/posts", "Reply in a thread (write scope)", ref("Post"), method="POST",
           scope="write", body=REPLY_BODY, status=201)
@posting_limit
def reply(thread_id: int):
    """Post a reply, validated like the page's form; readers see it live."""
    tokens.require_scope(current_token(), "write")
    thread = forum.load_thread(thread_id, current_user, "thread.post")
    body = _json_body(set(REPLY_BODY["properties"]))
    form = _validated(PostForm(data={**body, "reply_to": None}, meta={"csrf": False}))
    reply_to = body.get("reply_to")
    if reply_to is not None and not (reply_to.isascii() and reply_to.isdigit()):
        raise InvalidInput("reply_to", _l("reply_to must be a post id."), 422, "invalid")
    post = forum.add_post(thread, current_user, form.body.data, int(reply_to) if reply_to else None)
    response = jsonify(schemas.post_json(post))
    response.status_code = 201
    return response


def _server() -> str:
    return url_for("api.projects", _external=True).rsplit("/", 1)[0]


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    return jsonify(document(_server()))


@bp.route("/docs")
def reference():
    """A readable reference of the API, from the same OpenAPI document."""
    return render_template("api/reference.html", spec=document(_server()), base=bp.url_prefix,
                           webhook_events=webhooks.event_names())
