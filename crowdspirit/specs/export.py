"""A specification as a file: Markdown for editors and repositories, PDF (WeasyPrint) for reading and printing."""

from flask import render_template
from sqlalchemy import func, select

from ..access import level_of
from ..accounts.models import User
from ..extensions import db
from ..text import slugify
from ..visibility import Visibility
from .forms import SECTION_LABELS
from .models import SECTIONS, SpecRevision

#: what the export may show to anyone who reads the spec: the rest is marked confidential on every page
OPEN_LEVELS = {Visibility.PUBLIC, Visibility.COMMUNITY}


def authors(idea) -> list:
    """Everyone who saved a revision of the idea's spec, in the order they first did."""
    first = (select(SpecRevision.author_id, func.min(SpecRevision.number).label("first"))
             .where(SpecRevision.idea_id == idea.id).group_by(SpecRevision.author_id).subquery())
    return list(db.session.scalars(select(User).join(first, first.c.author_id == User.id).order_by(first.c.first)))


def _context(idea, revision: SpecRevision) -> dict:
    """What both exports show: the spec's title, project, revision, date, authors and sections."""
    return {"idea": idea, "revision": revision, "authors": authors(idea), "sections": SECTIONS,
            "labels": SECTION_LABELS, "confidential": level_of(idea) not in OPEN_LEVELS}


def markdown(idea, revision: SpecRevision) -> str:
    """The revision as one Markdown document: title, revision, date and authors, then each section."""
    return render_template("specs/export.md", **_context(idea, revision))


def pdf(idea, revision: SpecRevision) -> bytes:
    """The revision rendered by WeasyPrint from its HTML print template (A4, page numbers, running header), fetching
    nothing from outside: a link to an image anywhere (an intranet address included) is left out, never requested."""
    # imported here: a third of a second that only the PDF export should pay, not every process's start
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template("specs/export.html", **_context(idea, revision))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}), base_url=None).write_pdf()


def filename(idea, extension: str) -> str:
    """A safe download name: the slug of the spec's title with the extension ("velo-du-futur-spec.pdf")."""
    return f"{slugify(idea.title)}-spec.{extension}"
