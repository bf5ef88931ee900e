"""What the API returns: each JSON shape is written once, as a JSON Schema beside the function that builds it.

The OpenAPI document is generated from these schemas and the registered operations, and the tests
validate every response against them, so the description cannot drift from the code.
"""

from flask import url_for

from ..notifications import services as notifications
from ..projects.models import Decider

SCHEMAS: dict[str, dict] = {}


def _schema(name: str, properties: dict, required=None) -> None:
    SCHEMAS[name] = {"type": "object", "properties": properties,
                     "required": list(required if required is not None else properties), "additionalProperties": False}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
STAGE = {"type": "string", "enum": ["idea", "vote", "spec", "partner_rnd", "archived"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict:
    """A cursor-paginated list of name."""
    return {"type": "object", "required": ["items", "next_cursor"], "additionalProperties": False, "properties": {
        "items": {"type": "array", "items": ref(name)}, "next_cursor": {"type": ["string", "null"]}}}


def when(moment) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def absolute(path: str) -> str:
    """A site path as an absolute address (of the request's site, or SITE_URL for webhooks)."""
    return url_for("home.index", _external=True).rstrip("/") + path


_schema("Error", {"error": {"type": "object", "additionalProperties": False, "required": ["code", "message", "field"],
                            "properties": {"code": STRING, "message": STRING, "field": {"type": ["string", "null"]}}}})

#: the API's name of each gate -> the project's columns naming its decider and the crowd's threshold
GATES = {"open_voting": ("vote_decider", "support_threshold"), "promotion": ("promotion_decider", "vote_threshold"),
         "partner": ("partner_decider", "backing_threshold")}
DECIDER = {"type": "string", "enum": [decider.value for decider in Decider]}
#: who decides at each gate of the pipeline, with the crowd's threshold there
_schema("Gate", {"decider": DECIDER, "threshold": INTEGER})
_schema("Project", {"slug": STRING, "title": STRING, "summary": STRING, "kind": STRING, "url": STRING,
                    "created_at": DATETIME, "veto_days": INTEGER,
                    "gates": {"type": "object", "additionalProperties": False, "required": list(GATES),
                              "properties": {name: ref("Gate") for name in GATES}}})


def project_json(project) -> dict:
    return {"slug": project.slug, "title": project.title, "summary": project.summary, "kind": project.kind,
            "url": url_for("projects.show", slug=project.slug, _external=True), "created_at": when(project.created_at),
            "veto_days": project.veto_days,
            "gates": {name: {"decider": getattr(project, decider), "threshold": getattr(project, threshold)}
                      for name, (decider, threshold) in GATES.items()}}


_schema("Idea", {"id": INTEGER, "project": STRING, "title": STRING, "summary": STRING, "stage": STAGE,
                 "votes": INTEGER, "tags": {"type": "array", "items": STRING}, "author": STRING, "url": STRING,
                 "created_at": DATETIME})


def idea_json(idea) -> dict:
    return {"id": idea.id, "project": idea.project.slug, "title": idea.title, "summary": idea.summary,
            "stage": idea.stage, "votes": idea.vote_count, "tags": [t.name for t in idea.tags],
            "author": idea.author.display_name, "url": url_for("pipeline.show", idea_id=idea.id, _external=True),
            "created_at": when(idea.created_at)}


_schema("Transition", {"from": {"type": ["string", "null"]}, "to": STAGE, "reason": STRING, "at": DATETIME})
_schema("IdeaDetail", {**SCHEMAS["Idea"]["properties"], "body": STRING,
                       "history": {"type": "array", "items": ref("Transition")}})


def idea_detail_json(idea) -> dict:
    history = [{"from": t.from_stage, "to": t.to_stage, "reason": t.reason, "at": when(t.created_at)}
               for t in idea.history]
    return {**idea_json(idea), "body": idea.body, "history": history}


_schema("Spec", {"idea": INTEGER, "revision": INTEGER, "note": STRING, "author": STRING, "created_at": DATETIME,
                 "sections": {"type": "object", "additionalProperties": STRING}})


def spec_json(idea, revision, sections) -> dict:
    return {"idea": idea.id, "revision": revision.number, "note": revision.note, "author": revision.author.display_name,
            "created_at": when(revision.created_at), "sections": {name: revision.section(name) for name in sections}}


_schema("RevisionSummary", {"revision": INTEGER, "note": STRING, "author": STRING, "created_at": DATETIME})


def revision_summary_json(revision) -> dict:
    return {"revision": revision.number, "note": revision.note, "author": revision.author.display_name,
            "created_at": when(revision.created_at)}


_schema("Thread", {"id": INTEGER, "title": STRING, "idea": {"type": ["integer", "null"]},
                   "project": {"type": ["string", "null"]}, "category": {"type": ["string", "null"]},
                   "posts": INTEGER, "locked": BOOLEAN, "last_post_at": DATETIME, "url": STRING})


def thread_json(thread) -> dict:
    return {"id": thread.id, "title": thread.title, "idea": thread.idea_id,
            "project": thread.project.slug if thread.project else None, "category": thread.category,
            "posts": thread.post_count, "locked": thread.locked, "last_post_at": when(thread.last_post_at),
            "url": url_for("forum.thread", thread_id=thread.id, _external=True)}


_schema("Post", {"id": INTEGER, "thread": INTEGER, "author": STRING, "body": STRING, "reply_to": {
    "type": ["integer", "null"]}, "created_at": DATETIME, "edited_at": NULLABLE_DATETIME})


def post_json(post) -> dict:
    return {"id": post.id, "thread": post.thread_id, "author": post.author.display_name, "body": post.body,
            "reply_to": post.reply_to_id, "created_at": when(post.created_at), "edited_at": when(post.edited_at)}


_schema("SearchHit", {"kind": {"type": "string", "enum": ["idea", "project", "spec", "post", "person"]},
                      "title": STRING, "url": STRING, "snippet": STRING, "project": {"type": ["string", "null"]},
                      "stage": STRING, "created_at": DATETIME})
_schema("SearchResults", {"total": INTEGER, "page": INTEGER, "pages": INTEGER, "suggestion": {
    "type": ["string", "null"]}, "notes": {"type": "array", "items": STRING},
    "items": {"type": "array", "items": ref("SearchHit")}})


def search_json(found) -> dict:
    items = [{"kind": hit.kind, "title": hit.title, "url": absolute(hit.url),
              "snippet": str(hit.snippet), "project": hit.project.slug if hit.project else None, "stage": hit.stage,
              "created_at": when(hit.created)} for hit in found.page.items]
    return {"total": found.page.total, "page": found.page.page, "pages": found.page.pages if found.page.total else 0,
            "suggestion": found.suggestion, "notes": [str(n) for n in found.parsed.notes], "items": items}


_schema("Notification", {"id": INTEGER, "kind": STRING, "thread": {"type": ["integer", "null"]},
                         "post": {"type": ["integer", "null"]}, "idea": {"type": ["integer", "null"]},
                         "text": STRING, "note": STRING, "link": STRING, "read": BOOLEAN, "created_at": DATETIME})


def notification_json(notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "thread": notification.thread_id,
            "post": notification.post_id, "idea": notification.idea_id, "text": notifications.describe(notification),
            "note": notification.note, "link": notifications.link_of(notification),
            "read": notification.read_at is not None,
            "created_at": when(notification.created_at)}


_schema("Vote", {"idea": INTEGER, "votes": INTEGER, "voted": BOOLEAN})


def vote_json(idea, votes: int, voted: bool) -> dict:
    return {"idea": idea.id, "votes": votes, "voted": voted}


# --- Contests -----------------------------------------------------------------------------------------------
PHASE = {"type": "string", "enum": ["draft", "private", "public", "shortlist", "adjustments", "winner", "closed"]}
NULLABLE_STRING, NULLABLE_INTEGER = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
_schema("Contest", {"id": INTEGER, "kind": {"type": "string", "enum": ["contest", "challenge"]}, "title": STRING,
                    "organisation": STRING, "project": NULLABLE_STRING, "phase": PHASE,
                    "phase_ends_at": NULLABLE_DATETIME, "prize_cents": INTEGER, "currency": STRING,
                    "entries": INTEGER, "url": STRING, "opened_at": NULLABLE_DATETIME,
                    "closed_at": NULLABLE_DATETIME, "created_at": DATETIME})


def contest_json(contest, entries: int) -> dict:
    """A contest as lists show it, with how many entries the caller may see."""
    return {"id": contest.id, "kind": contest.kind, "title": contest.title, "organisation": contest.organisation.name,
            "project": contest.project.slug if contest.project else None, "phase": contest.phase,
            "phase_ends_at": when(contest.phase_ends_at), "prize_cents": contest.prize_cents,
            "currency": contest.currency, "entries": entries,
            "url": url_for("contests.show", contest_id=contest.id, _external=True),
            "opened_at": when(contest.opened_at), "closed_at": when(contest.closed_at),
            "created_at": when(contest.created_at)}


_schema("ScheduledPhase", {"phase": PHASE, "starts_at": NULLABLE_DATETIME, "ends_at": NULLABLE_DATETIME})
_schema("Winner", {"entry": INTEGER, "title": STRING, "author": STRING})
_schema("ContestDetail", {
    **SCHEMAS["Contest"]["properties"], "brief": {**STRING, "description": "Markdown"}, "winner_share": INTEGER,
    "winner_cents": INTEGER, "finalists_wanted": INTEGER, "finalist_bonus_cents": INTEGER, "pool_cents": INTEGER,
    "min_entries": INTEGER, "finalists": {"type": "array", "items": INTEGER, "description": "the finalists' entries "
                                          "you may see"},
    "winner": {"oneOf": [ref("Winner"), {"type": "null"}]},
    "schedule": {"type": "array", "items": ref("ScheduledPhase"), "description": "the current phase and the next "
                 "ones as planned now (null where a decision ends a phase)"}})


def contest_detail_json(contest, entries: int, schedule, finalists, winner) -> dict:
    """One contest as its page shows it: the brief, the prize's split, the schedule, finalists and winner."""
    return {**contest_json(contest, entries), "brief": contest.brief, "winner_share": contest.winner_share,
            "winner_cents": contest.winner_cents, "finalists_wanted": contest.finalists_wanted,
            "finalist_bonus_cents": contest.finalist_bonus_cents, "pool_cents": contest.pool_cents,
            "min_entries": contest.min_entries, "finalists": [entry.id for entry in finalists],
            "winner": {"entry": winner.id, "title": winner.title, "author": winner.author.display_name}
            if winner else None,
            "schedule": [{"phase": phase, "starts_at": when(start), "ends_at": when(end)}
                         for phase, start, end in schedule]}


_schema("EntryFile", {"id": INTEGER, "filename": STRING, "content_type": STRING, "size": INTEGER,
                      "thumbnail": NULLABLE_STRING})
_schema("Entry", {"id": INTEGER, "contest": INTEGER, "title": STRING, "text": {**STRING, "description": "Markdown"},
                  "author": STRING, "revision": INTEGER, "hearts": INTEGER, "finalist": BOOLEAN, "won": BOOLEAN,
                  "withdrawn": BOOLEAN, "files": {"type": "array", "items": ref("EntryFile")}, "url": STRING,
                  "created_at": DATETIME})


def entry_json(entry) -> dict:
    """An entry's current version, with its files' previews (originals stay with their author)."""
    files = [{"id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
              "thumbnail": url_for("contests.thumbnail", file_id=f.id, _external=True) if f.thumbnail_name else None}
             for f in entry.files if f.revision == entry.revision]
    return {"id": entry.id, "contest": entry.contest_id, "title": entry.title, "text": entry.text,
            "author": entry.author.display_name, "revision": entry.revision, "hearts": entry.heart_count,
            "finalist": entry.finalist_at is not None, "won": entry.won_at is not None,
            "withdrawn": entry.withdrawn_at is not None, "files": files,
            "url": url_for("contests.entry", entry_id=entry.id, _external=True), "created_at": when(entry.created_at)}


_schema("EntryPage", {"items": {"type": "array", "items": ref("Entry")}, "total": INTEGER, "page": INTEGER,
                      "pages": INTEGER})


def entry_page_json(page) -> dict:
    """A numbered page of entries, as the contest page pages them."""
    return {"items": [entry_json(entry) for entry in page.items], "total": page.total, "page": page.page,
            "pages": page.pages if page.total else 0}


# --- Partner R&D workspaces -------------------------------------------------------------------------------
DATE = {"type": "string", "format": "date"}
_schema("PartnershipSummary", {"idea": INTEGER, "title": STRING, "project": STRING, "organisation": STRING,
                               "started_at": DATETIME, "url": STRING})


def partnership_summary_json(partnership) -> dict:
    """A workspace the caller works in, as their dashboard lists it."""
    return {"idea": partnership.idea_id, "title": partnership.idea.title, "project": partnership.project.slug,
            "organisation": partnership.organisation.name, "started_at": when(partnership.started_at),
            "url": url_for("rnd.workspace", idea_id=partnership.idea_id, _external=True)}


_schema("Participant", {"name": STRING, "invited": BOOLEAN, "cleared": BOOLEAN})
_schema("Task", {"id": INTEGER, "text": STRING, "done_at": NULLABLE_DATETIME})
_schema("Milestone", {"id": INTEGER, "title": STRING, "owner": STRING, "due_on": DATE,
                      "done_at": NULLABLE_DATETIME, "tasks": {"type": "array", "items": ref("Task")}})
_schema("Decision", {"id": INTEGER, "title": STRING, "rationale": STRING, "author": STRING, "created_at": DATETIME})
_schema("StatusUpdate", {"id": INTEGER, "headline": STRING, "body": STRING, "author": STRING,
                         "created_at": DATETIME})
_schema("Partnership", {
    **SCHEMAS["PartnershipSummary"]["properties"], "terms": STRING, "reward_pool_cents": INTEGER, "currency": STRING,
    "ip_arrangement": STRING, "participants": {"type": "array", "items": ref("Participant")},
    "milestones": {"type": "array", "items": ref("Milestone")},
    "decisions": {"type": "array", "items": ref("Decision"), "description": "newest first"},
    "updates": {"type": "array", "items": ref("StatusUpdate"), "description": "the public updates, newest first"}})


def partnership_json(space) -> dict:
    """A workspace as its page shows it to its participants: terms, people, plan, decisions, public updates."""
    partnership = space.partnership
    return {**partnership_summary_json(partnership), "terms": partnership.terms,
            "reward_pool_cents": partnership.reward_pool_cents, "currency": partnership.currency,
            "ip_arrangement": partnership.ip_arrangement,
            "participants": [{"name": p.user.display_name, "invited": p.invited is not None, "cleared": p.cleared}
                             for p in space.participants],
            "milestones": [{"id": m.id, "title": m.title, "owner": m.owner.display_name,
                            "due_on": m.due_on.isoformat(), "done_at": when(m.done_at),
                            "tasks": [{"id": t.id, "text": t.text, "done_at": when(t.done_at)} for t in m.tasks]}
                           for m in space.milestones],
            "decisions": [{"id": d.id, "title": d.title, "rationale": d.rationale, "author": d.author.display_name,
                           "created_at": when(d.created_at)} for d in space.decisions],
            "updates": [{"id": u.id, "headline": u.headline, "body": u.body, "author": u.author,
                         "created_at": when(u.created_at)} for u in space.updates]}


# --- Dashboards ----------------------------------------------------------------------------------------------
COUNTS = {"type": "object", "additionalProperties": INTEGER}
_schema("Dashboard", {
    "ideas": {"type": "array", "items": ref("Idea"), "description": "your latest ideas you may still see"},
    "stages": {**COUNTS, "description": "your ideas per stage"}, "contributions": COUNTS,
    "waiting": {**COUNTS, "description": "decisions waiting for you: amendments, join requests, partnership offers "
                "to choose among, selections your organisation must answer"},
    "workspaces": {**INTEGER, "description": "R&D workspaces you work in or are invited to"}})


def dashboard_json(board) -> dict:
    """The member's own dashboard's figures."""
    return {"ideas": [idea_json(idea) for idea in board.ideas], "stages": dict(board.stages),
            "contributions": dict(board.contributions),
            "waiting": {"amendments": len(board.amendments), "join_requests": len(board.join_requests),
                        "offers": len(board.offers), "selections": len(board.selections)},
            "workspaces": len(board.workspaces)}


_schema("ChartRow", {"key": {**STRING, "description": "a week's Monday (ISO date), a stage, or a member's name"},
                     "user": {**NULLABLE_INTEGER, "description": "the member a contributors' row is about"},
                     "values": {"type": "object", "additionalProperties": {"type": "number"}}})
_schema("Chart", {"kind": {"type": "string", "enum": ["week", "stage", "contributor"]},
                  "series": {"type": "array", "items": STRING}, "rows": {"type": "array", "items": ref("ChartRow")}})
_schema("AwaitingDecision", {"kind": STRING, "question": STRING, "idea": INTEGER, "title": STRING,
                             "since": NULLABLE_DATETIME, "deadline": NULLABLE_DATETIME, "url": STRING})
_schema("SponsorDashboard", {
    "organisation": STRING, "weeks": INTEGER, "from": DATETIME, "until": DATETIME, "figures": COUNTS,
    "projects": {"type": "array", "items": STRING, "description": "the slugs of the projects it sponsors"},
    "partnered": {**INTEGER, "description": "ideas taken into R&D from community projects"},
    "charts": {"type": "object", "additionalProperties": ref("Chart")},
    "awaiting": {"type": "array", "items": ref("AwaitingDecision")}})


def _row_json(kind: str, row) -> dict:
    """One chart row: what it is about, and its values."""
    key, user = row.key, None
    if kind == "week":
        key = row.key.date().isoformat()
    elif kind == "contributor":
        key, user = row.key.name, row.key.id
    return {"key": str(key), "user": user, "values": row.values}


def sponsor_dashboard_json(board) -> dict:
    """The sponsor dashboard's figures, charts and the decisions waiting for the organisation."""
    return {"organisation": board.organisation.slug, "weeks": board.weeks, "from": when(board.window.begin),
            "until": when(board.window.now), "figures": board.figures,
            "projects": [project.slug for project in board.projects], "partnered": board.partnered,
            "charts": {name: {"kind": chart.kind, "series": list(chart.series),
                              "rows": [_row_json(chart.kind, row) for row in chart.rows]}
                       for name, chart in board.charts.items()},
            "awaiting": [{"kind": item.kind, "question": str(item.question), "idea": item.idea.id,
                          "title": item.idea.title, "since": when(item.since), "deadline": when(item.deadline),
                          "url": absolute(item.url)} for item in board.awaiting]}
