"""Spec exports: the current specification as a Markdown file and as a PDF (WeasyPrint), for its readers only, with a
renderer that fetches nothing from outside."""

import io
import socket
import threading

import pytest
from pypdf import PdfReader

from crowdspirit.extensions import db
from crowdspirit.specs.models import SpecRevision

SECTIONS = {"problem": "Earbuds **block** the street noise", "target_users": "Urban cyclists",
            "features": "Must: Bone conduction\nShould: Ten hours of battery", "constraints": "Under 30 g",
            "target_price": "49 EUR"}


def save(client, idea, base_number=1, **changes):
    """Post the spec form as a browser would (a new revision)."""
    data = {**SECTIONS, **changes, "note": "Second pass", "base_number": base_number}
    assert client.post(f"/ideas/{idea.id}/spec/edit", data=data).status_code == 303


def pdf_text(response) -> str:
    """The text a reader of the PDF sees, every page's, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def spec(make_user, make_project, make_idea, login_as, add_member, client):
    """An idea in the spec stage of a project whose spec stage is open to members only, with a second revision by
    one of its moderators (spec.editor), who stays signed in."""
    project = make_project(title="Pocket audio", policy_spec="project")
    idea = make_idea(project=project, stage="spec", title="Vélo du futur: earbuds \"pro\"")
    editor = make_user(name="Mia Member")
    add_member(project, editor, "moderator")
    login_as(editor)
    save(client, idea)
    idea.editor = editor
    return idea


def test_markdown_export_has_the_current_text_and_its_credits(client, spec):
    """The Markdown file holds the title, revision, date, every author and each section's text, under a safe name."""
    response = client.get(f"/ideas/{spec.id}/spec/export.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == 'attachment; filename="velo-du-futur-earbuds-pro-spec.md"'
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    assert text.startswith('# Vélo du futur: earbuds "pro"\n')
    assert "- Project: Pocket audio" in text and "- Revision 2 of " in text
    assert f"- Authors: {spec.author.display_name}, Mia Member" in text
    assert "## Problem\n\nEarbuds **block** the street noise\n" in text
    assert "Must: Bone conduction\nShould: Ten hours of battery" in text
    assert "## Use cases\n\n_Not written yet._" in text
    assert "**Confidential: do not share this document outside the project.**" in text  # open to members only


def test_pdf_export_is_a_real_pdf_with_the_title_header_and_mark(client, spec):
    """The PDF is rendered by WeasyPrint: the spec's title and text, and on every page of a long spec the project and
    the title in the running header, the page number and the confidential mark of a closed stage."""
    long_text = "\n\n".join(f"Paragraph {n}: " + "the noise of the street stays audible " * 30 for n in range(12))
    save(client, spec, base_number=2, use_cases=long_text)
    response = client.get(f"/ideas/{spec.id}/spec/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == 'attachment; filename="velo-du-futur-earbuds-pro-spec.pdf"'
    text = pdf_text(response)
    assert 'Vélo du futur: earbuds "pro"' in text and "Revision 3 of" in text
    assert "Earbuds block the street noise" in text and "Paragraph 11:" in text
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages]
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f'Pocket audio Vélo du futur: earbuds "pro" Confidential {number} / {len(pages)}' in page


def test_open_stage_has_no_confidential_mark(client, make_idea, login_as, make_user):
    """A spec anyone may read is exported without the confidential mark, even to a visitor without an account."""
    idea = make_idea(stage="spec", title="Open earbuds")
    markdown = client.get(f"/ideas/{idea.id}/spec/export.md")
    assert markdown.status_code == 200 and "Confidential" not in markdown.get_data(as_text=True)
    assert "Confidential" not in pdf_text(client.get(f"/ideas/{idea.id}/spec/export.pdf"))


@pytest.mark.parametrize("extension", ["md", "pdf"])
def test_outsider_gets_404_as_on_the_page(client, spec, login_as, make_user, extension):
    """Someone who may not read the spec learns nothing from its exports: 404, as the spec page answers."""
    login_as(make_user(name="Otto Outsider"))
    assert client.get(f"/ideas/{spec.id}/spec").status_code == 404
    response = client.get(f"/ideas/{spec.id}/spec/export.{extension}")
    assert response.status_code == 404 and "Vélo" not in response.get_data(as_text=True)


def test_unknown_format_and_idea_without_spec_are_404(client, spec, make_idea):
    """Only Markdown and PDF exist; an idea that never reached the spec stage has nothing to export."""
    assert client.get(f"/ideas/{spec.id}/spec/export.docx").status_code == 404
    idea = make_idea(title="Still an idea")
    assert client.get(f"/ideas/{idea.id}/spec/export.md").status_code == 404


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it receives (a stand-in for an intranet service)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.server.settimeout(0.05)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _address = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


def test_pdf_renderer_fetches_nothing(client, spec):
    """Images linked from the spec (an intranet address, a closed port, a local file) are never requested: the PDF is
    made all the same, and the listening service saw no connection."""
    listener = Listener()
    try:
        images = (f"![plan](http://127.0.0.1:{listener.port}/internal/plan.png) "
                  "![x](http://127.0.0.1:9/secret.png) ![f](file:///etc/passwd)")
        save(client, spec, base_number=2, problem=f"See the plan: {images}")
        response = client.get(f"/ideas/{spec.id}/spec/export.pdf")
        assert response.status_code == 200 and "See the plan" in pdf_text(response)
    finally:
        listener.close()
    assert listener.connections == 0
    assert db.session.query(SpecRevision).filter_by(idea_id=spec.id).count() == 3


def test_spec_page_offers_both_exports(client, spec):
    """The spec page links to both exports; an older revision's page does not (the exports are the current text)."""
    page = client.get(f"/ideas/{spec.id}/spec").get_data(as_text=True)
    assert f'href="/ideas/{spec.id}/spec/export.md"' in page and f'href="/ideas/{spec.id}/spec/export.pdf"' in page
    older = client.get(f"/ideas/{spec.id}/spec?revision=1").get_data(as_text=True)
    assert "/spec/export." not in older


def test_exports_are_rate_limited(app, client, spec):
    """Past EXPORT_RATE_LIMIT a member's next export gets 429 with a clear message (a PDF costs seconds of CPU)."""
    app.config["EXPORT_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get(f"/ideas/{spec.id}/spec/export.{extension}").status_code for extension in ("md", "md")]
    assert statuses == [200, 200]
    response = client.get(f"/ideas/{spec.id}/spec/export.pdf")
    assert response.status_code == 429 and "Too many attempts; wait a minute and try again." in response.text
