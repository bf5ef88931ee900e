"""What search holds of the specifications: a document per idea's current revision, rewritten with each revision."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import search
from ..access import access_key
from ..extensions import db
from ..pipeline.models import Idea
from ..search.documents import document
from .models import SECTIONS, SpecRevision
from .services import current_revision


def spec_text(revision: SpecRevision) -> str:
    """A revision's sections, one after the other."""
    return "\n".join(revision.section(name) for name in SECTIONS)


def spec_document(idea: Idea, revision: SpecRevision) -> dict:
    """The document of an idea's spec at this revision (the idea's title, tags, author, project and stage)."""
    return document(f"spec:{idea.id}", access_key(idea), idea.title, spec_text(revision), revision.created_at,
                    idea.project_id, idea.stage, [t.name for t in idea.tags], idea.author_id, idea.id)


def current_spec_document(idea: Idea) -> dict | None:
    """The document of the idea's spec as it stands (None before the spec stage)."""
    revision = current_revision(idea)
    return revision and spec_document(idea, revision)


def walk_specs():
    """A full walk's spec builder: every idea's current revision read in one query, held for the walk."""
    latest = (select(SpecRevision.idea_id, func.max(SpecRevision.number).label("number"))
              .group_by(SpecRevision.idea_id).subquery())
    revisions = {r.idea_id: r for r in db.session.scalars(select(SpecRevision).join(
        latest, (latest.c.idea_id == SpecRevision.idea_id) & (latest.c.number == SpecRevision.number)))}

    def build(idea: Idea) -> dict | None:
        """The idea's spec document, from the revisions read (None without a spec)."""
        revision = revisions.get(idea.id)
        return revision and spec_document(idea, revision)
    return build


def show_spec(idea: Idea) -> search.Shown | None:
    """A spec's hit: its page, its current sections for the snippet (None without a spec)."""
    revision = current_revision(idea)
    if revision is None:
        return None
    return search.Shown(idea.title, url_for("specs.show", idea_id=idea.id), spec_text(revision),
                        revision.created_at, idea.project, idea.stage)


def register() -> None:
    """Add the specifications to search (called from the specs' init_app): an idea holds its spec's document too,
    so the pipeline's outbox kinds rewrite it with the idea."""
    search.register(
        kinds=[search.Kind("spec", Idea, current_spec_document, show_spec, "spec.view", "idea",
                           _l("Specifications"), _l("Specification"), aliases=("specs", "specification"),
                           eager=(joinedload(Idea.project),), walk=walk_specs)],
        watches={SpecRevision: (search.Watch("idea", id_attribute="idea_id", deleted=False),)},
    )
