"""What the API returns: each JSON shape is written once, as a JSON Schema beside the function that builds it.

The OpenAPI document is generated from these schemas and the registered operations, and the tests
validate every response against them, so the description cannot drift from the code.
"""

from flask import url_for

from ..notifications import services as notifications

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


_schema("Error", {"error": {"type": "object", "additionalProperties": False, "required": ["code", "message", "field"],
                            "properties": {"code": STRING, "message": STRING, "field": {"type": ["string", "null"]}}}})

_schema("Project", {"slug": STRING, "title": STRING, "summary": STRING, "kind": STRING, "url": STRING,
                    "created_at": DATETIME})


def project_json(project) -> dict:
    return {"slug": project.slug, "title": project.title, "summary": project.summary, "kind": project.kind,
            "url": url_for("projects.show", slug=project.slug, _external=True), "created_at": when(project.created_at)}


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
    items = [{"kind": hit.kind, "title": hit.title, "url": url_for("home.index", _external=True).rstrip("/") + hit.url,
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
