"""What the two search backends (Whoosh, PostgreSQL) share: filters read as stored values, facet order, the shape of
an answer, and which backend this application uses."""

from collections import Counter
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import func, or_, select
from sqlalchemy.engine import make_url

from ..accounts.models import User
from ..extensions import db
from ..projects.models import Project

BACKENDS = ("whoosh", "postgres")
FACETS = ("kind", "project", "stage", "tags")
#: what `type:` accepts, besides the kinds themselves
KIND_ALIASES = {"ideas": "idea", "projects": "project", "specs": "spec", "specification": "spec", "posts": "post",
                "forum": "post", "people": "person", "member": "person", "members": "person", "user": "person"}
STAGE_ALIASES = {"rnd": "partner_rnd", "r&d": "partner_rnd", "voting": "vote", "specification": "spec"}


class Busy(Exception):
    """Another indexer holds the writer lock; try again later."""


@dataclass
class Matches:
    """What a backend found among the documents a user may see: how many, facet counts, one page of keys, and a
    corrected query when nothing was found."""

    total: int
    facets: dict[str, list[tuple[str, int]]]
    keys: list[str]
    suggestion: str | None = None


def check_backend(app: Flask) -> None:
    """Refuse to start with an unknown SEARCH_BACKEND, or with the PostgreSQL backend on another database."""
    backend = app.config["SEARCH_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND={backend!r} is not a search backend: use whoosh or postgres.")
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend == "postgres" and database != "postgresql":
        raise RuntimeError(f"SEARCH_BACKEND=postgres searches inside a PostgreSQL database, and this one is "
                           f"{database}: set DATABASE_URL=postgresql://... or use SEARCH_BACKEND=whoosh.")


def on_postgres() -> bool:
    """Whether this application searches with the PostgreSQL backend (SEARCH_BACKEND=postgres)."""
    return current_app.config["SEARCH_BACKEND"] == "postgres"


def filter_values(name: str, values: list[str]) -> tuple[str, list[str]]:
    """A query filter (tag:, stage:, type:, project:, author:) as a stored field and the values it accepts (any of
    them); project slugs and author names become ids."""
    if name == "tag":
        return "tags", values
    if name == "stage":
        return "stage", [STAGE_ALIASES.get(v, v) for v in values]
    if name == "type":
        return "kind", [KIND_ALIASES.get(v, v) for v in values]
    if name == "project":
        return "project", [str(i) for i in db.session.scalars(select(Project.id).where(Project.slug.in_(values)))]
    # author: members whose name contains the text (names are public, on profiles)
    ids = db.session.scalars(select(User.id).where(
        or_(*[func.lower(User.display_name).contains(v, autoescape=True) for v in values])).limit(50))
    return "author", [str(i) for i in ids]


def ordered_facets(counts: dict[str, Counter]) -> dict[str, list[tuple[str, int]]]:
    """Facet values with their counts, most frequent first (ties alphabetical), empty values left out."""
    return {name: sorted(((value, n) for value, n in counts.get(name, Counter()).items() if value),
                         key=lambda item: (-item[1], item[0])) for name in FACETS}
