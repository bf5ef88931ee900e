"""What search holds of the pipeline: a document per idea, the outbox kinds that rewrite an idea (alone, or with
everything below it when a stage move or a project change gives it another access key), and the `stage:` filter."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from .. import search
from ..access import access_key
from ..search.documents import document
from .models import Idea, StageTransition

#: what `stage:` accepts besides the stages themselves
STAGE_ALIASES = {"rnd": "partner_rnd", "r&d": "partner_rnd", "voting": "vote", "specification": "spec"}


def idea_document(idea: Idea) -> dict | None:
    """An idea's document: title, summary and body, its tags, author, project and stage (none for a duplicate merged
    into another idea: its page leads to that one, which search finds)."""
    if idea.merged_into_id is not None:
        return None
    return document(f"idea:{idea.id}", access_key(idea), idea.title, f"{idea.summary}\n{idea.body}",
                    idea.created_at, idea.project_id, idea.stage, [t.name for t in idea.tags], idea.author_id, idea.id)


def show_idea(idea: Idea) -> search.Shown:
    """An idea's hit: its page, its summary and body for the snippet."""
    return search.Shown(idea.title, url_for("pipeline.show", idea_id=idea.id), f"{idea.summary}\n{idea.body}",
                        idea.created_at, idea.project, idea.stage)


def stage_filter(values: list[str]) -> tuple[str, list[str]]:
    """`stage:` values as stored stages."""
    return "stage", [STAGE_ALIASES.get(v, v) for v in values]


def register() -> None:
    """Add the ideas to search (called from the pipeline's init_app)."""
    stale = ("idea", "")  # a waiting change to an idea hides every document of the idea (its spec, its posts)
    search.register(
        kinds=[search.Kind("idea", Idea, idea_document, show_idea, "idea.view", "idea", _l("Ideas"), _l("Idea"),
                           aliases=("ideas",), eager=(joinedload(Idea.project),))],
        rows=[search.Rows(Idea, order=20, options=(selectinload(Idea.tags),), held=True)],
        sources={"idea": search.Source(search.row_documents(Idea), stale),
                 "idea_all": search.Source(search.row_documents(Idea, with_subtree=True), stale)},
        watches={
            # a move to another access key rewrites the idea's whole subtree; a policy change needs nothing: keys
            # name the project and stage, and who may see those is decided at query time
            Idea: (search.Watch("idea_all", frozenset({"archived_from", "stage", "project_id"}), new=False,
                                deleted=False),
                   search.Watch("idea", frozenset({"title", "summary", "body", "tags"}))),
            # a stage move is an UPDATE the session never sees: its history row tells
            StageTransition: (search.Watch("idea_all", id_attribute="idea_id", deleted=False),),
        },
        filters={"stage": stage_filter},
    )
