"""What search holds of the projects: a document per project, the `project:` filter (slugs) and the projects named
in the results' facet."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only

from .. import search
from ..access import access_key, remembered_for, visible
from ..extensions import db
from ..search.documents import document
from .models import Project


def project_document(project: Project) -> dict:
    """A project's document: title, summary and description, its owner as author."""
    return document(f"project:{project.id}", access_key(project), project.title,
                    f"{project.summary}\n{project.description}", project.created_at, project.id,
                    author=project.owner_id)


def show_project(project: Project) -> search.Shown:
    """A project's hit: its page, its summary and description for the snippet."""
    return search.Shown(project.title, url_for("projects.show", slug=project.slug),
                        f"{project.summary}\n{project.description}", project.created_at, project)


def project_filter(slugs: list[str]) -> tuple[str, list[str]]:
    """`project:` slugs as project ids."""
    return "project", [str(i) for i in db.session.scalars(select(Project.id).where(Project.slug.in_(slugs)))]


def facet_projects(values: list[str], user) -> dict[int, Project]:
    """The projects of these values of the results' project facet that the user may see, by id, with their titles
    (all the facet shows): a statement built once per member and access version."""
    ids = [int(value) for value in values if value.isdigit()]
    if not ids:
        return {}
    statement = remembered_for(user, "facet-projects", lambda: visible(
        select(Project).where(Project.id.in_(bindparam("ids", expanding=True))).options(load_only(Project.title)),
        user))
    return {p.id: p for p in db.session.scalars(statement, {"ids": ids})}


def register() -> None:
    """Add the projects to search (called from the projects' init_app)."""
    search.register(
        kinds=[search.Kind("project", Project, project_document, show_project, "project.view", "project",
                           _l("Projects"), _l("Project"), aliases=("projects",))],
        rows=[search.Rows(Project, order=10, held=True)],
        sources={"project": search.Source(search.row_documents(Project), ("key", "project:"))},
        watches={Project: (search.Watch("project", frozenset({"slug", "title", "summary", "description"})),)},
        filters={"project": project_filter},
        facet_objects={"project": facet_projects},
    )
