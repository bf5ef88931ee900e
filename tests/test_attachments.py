"""Attachments: upload, listing, checked downloads, refused types and sizes, removal."""

import html
import io
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from crowdspirit.attachments.models import Attachment
from crowdspirit.extensions import db
from crowdspirit.pipeline import services as pipeline

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
TXT = b"Bill of materials: 2 drivers, 1 battery.\n"
ACCEPTED = "Only PDF, PNG, JPEG, GIF and UTF-8 text (.txt, .md, .csv) files can be attached."


def upload(client, idea, filename, content, part="idea"):
    """Post a file to an idea as the browser's upload form does."""
    return client.post(f"/ideas/{idea.id}/attachments", content_type="multipart/form-data",
                       data={"part": part, "file": (io.BytesIO(content), filename)})


def stored(app) -> list[Path]:
    """The files present in the attachment store."""
    folder = Path(app.instance_path) / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def attachment_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Attachment.id)))


def only_attachment() -> Attachment:
    """The one stored attachment."""
    db.session.expire_all()
    return db.session.scalars(select(Attachment)).one()


def visitor(app):
    """A signed-out client (Flask-Login caches the last user in the test's long-lived app context)."""
    g.pop("_login_user", None)
    return app.test_client()


def download_url(attachment) -> str:
    return f"/attachments/{attachment.id}/{attachment.filename}"


@pytest.fixture
def member(make_user, make_idea, add_member, login_as):
    """A signed-in contributor of a public project with an idea (member.idea) by someone else."""
    idea = make_idea()
    user = make_user(name="Mia Member")
    add_member(idea.project, user)
    user.idea = idea
    return login_as(user)


@pytest.mark.parametrize("filename, content, content_type, disposition", [
    ("diagram.png", PNG, "image/png", "inline"),
    ("bom.txt", TXT, "text/plain", "attachment"),
], ids=["png", "txt"])
def test_upload_list_and_download(app, client, member, filename, content, content_type, disposition):
    """A member attaches a file; it is listed on the idea and anyone who sees the idea downloads it."""
    response = upload(client, member.idea, filename, content)
    assert response.status_code == 303 and response.headers["Location"] == f"/ideas/{member.idea.id}"
    attachment = only_attachment()
    assert (attachment.filename, attachment.content_type, attachment.size, attachment.uploader_id) == (
        filename, content_type, len(content), member.id)
    assert f'href="{download_url(attachment)}"' in client.get(f"/ideas/{member.idea.id}").text
    download = visitor(app).get(download_url(attachment))
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == content_type
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Content-Disposition"].startswith(disposition)


def test_bytes_live_under_instance_not_static(app, client, member):
    """The stored bytes sit under instance/attachments with a random name, never under static/."""
    upload(client, member.idea, "diagram.png", PNG)
    attachment = only_attachment()
    assert stored(app) == [Path(app.instance_path) / "attachments" / attachment.storage_name]
    assert stored(app)[0].read_bytes() == PNG
    assert "diagram" not in attachment.storage_name
    assert not [p for p in Path(app.static_folder).rglob("*") if p.name == attachment.storage_name]


@pytest.mark.parametrize("case", ["project-policy-outsider", "project-policy-anonymous", "confidential-no-nda"])
def test_download_is_404_for_who_may_not_see_idea(app, client, login_as, make_user, make_project, make_idea,
                                                  add_member, case):
    """Whoever may not see the idea gets 404 for its files, never the bytes."""
    gates = {"policy_spec": "confidential"} if case == "confidential-no-nda" else {"policy_idea": "project"}
    project = make_project(**gates)
    idea = make_idea(project=project, stage="spec" if case == "confidential-no-nda" else "idea")
    login_as(project.owner)
    assert upload(client, idea, "diagram.png", PNG, part="spec" if case == "confidential-no-nda" else "idea"
                  ).status_code == 303
    viewer = make_user()
    if case == "confidential-no-nda":
        assert client.post(f"/projects/{project.slug}/nda/edit", data={"text": "Secret"}).status_code == 303
        add_member(project, viewer)
    login_as(viewer)
    reader = visitor(app) if case == "project-policy-anonymous" else client
    response = reader.get(download_url(only_attachment()))
    assert response.status_code == 404
    assert PNG not in response.data


@pytest.mark.parametrize("filename, content", [
    ("photo.png", b"<html><script>alert(document.cookie)</script></html>"),
    ("notes.txt", b"text with a NUL \x00 byte"),
    ("notes.txt", b"\xff\xfe not utf-8 \xc3"),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 50),
    ("page.html", b"<!doctype html><p>hi</p>"),
], ids=["html-as-png", "nul-text", "not-utf8-text", "exe", "html"])
def test_disguised_or_unaccepted_file_is_400(app, client, member, filename, content):
    """A file whose content is not an accepted type is refused with the accepted types; nothing stored."""
    response = upload(client, member.idea, filename, content)
    assert response.status_code == 400
    assert ACCEPTED in html.unescape(response.text)
    assert attachment_count() == 0 and stored(app) == []


def test_oversize_file_is_400(app, client, member):
    """A file over ATTACHMENT_MAX_BYTES is refused with the limit; nothing stored."""
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    response = upload(client, member.idea, "big.txt", b"a" * 1001)
    assert response.status_code == 400
    assert "Files are limited to" in response.text
    assert attachment_count() == 0 and stored(app) == []
    assert upload(client, member.idea, "small.txt", b"a" * 1000).status_code == 303


def test_outsider_who_sees_idea_cannot_attach(app, client, login_as, make_user, make_idea):
    """Someone who sees a public idea but is neither its author nor a member gets 403."""
    idea = make_idea()
    login_as(make_user())
    response = upload(client, idea, "diagram.png", PNG)
    assert response.status_code == 403
    assert "Only the author and the project's members can attach files." in html.unescape(response.text)
    assert attachment_count() == 0 and stored(app) == []


def test_author_who_is_not_member_can_attach(client, login_as, make_user, make_idea):
    """The idea's author attaches files even without being a project member."""
    author = make_user()
    idea = make_idea(author=author)
    login_as(author)
    assert upload(client, idea, "diagram.png", PNG).status_code == 303
    assert attachment_count() == 1


def test_uploader_deletes(app, client, member):
    """The uploader removes their file: the bytes and the row are gone."""
    upload(client, member.idea, "diagram.png", PNG)
    attachment = only_attachment()
    response = client.post(f"/attachments/{attachment.id}/delete")
    assert response.status_code == 303
    assert attachment_count() == 0 and stored(app) == []
    assert client.get(download_url(attachment)).status_code == 404


def test_other_member_cannot_delete(app, client, login_as, make_user, add_member, member):
    """Another plain contributor gets 403 and the file stays."""
    upload(client, member.idea, "diagram.png", PNG)
    other = make_user()
    add_member(member.idea.project, other)
    login_as(other)
    assert client.post(f"/attachments/{only_attachment().id}/delete").status_code == 403
    assert attachment_count() == 1 and len(stored(app)) == 1


def test_owner_deletes_a_members_file(app, client, login_as, member):
    """The project owner (a manager) may remove a member's file."""
    upload(client, member.idea, "diagram.png", PNG)
    login_as(member.idea.project.owner)
    assert client.post(f"/attachments/{only_attachment().id}/delete").status_code == 303
    assert attachment_count() == 0 and stored(app) == []


def test_spec_attachments_listed_on_spec_page(client, login_as, make_user, make_idea, add_member):
    """A file attached to the spec is listed on the spec page, not on the idea page."""
    idea = make_idea(stage="spec")
    user = make_user()
    add_member(idea.project, user)
    login_as(user)
    response = upload(client, idea, "spec-drawing.png", PNG, part="spec")
    assert response.status_code == 303 and response.headers["Location"] == f"/ideas/{idea.id}/spec"
    attachment = only_attachment()
    assert attachment.part == "spec"
    assert download_url(attachment) in client.get(f"/ideas/{idea.id}/spec").text
    assert download_url(attachment) not in client.get(f"/ideas/{idea.id}").text


#: who looks at an idea (and its spec): whether they get the upload form, and what the server answers their upload
ROLES = {
    "author": (True, 303),
    "member": (True, 303),
    "owner": (True, 303),
    "outsider": (False, 403),  # sees the public idea, may not attach
    "outsider of a closed project": (False, 404),  # may not know the idea exists
    "member, archived idea": (False, 409),
    "visitor": (False, 302),  # sent to sign in
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("part, page", [("idea", ""), ("spec", "/spec")])
def test_the_upload_form_shows_exactly_where_the_server_accepts(app, client, login_as, make_user, make_project,
                                                                make_idea, add_member, role, part, page):
    """Form and server agree: the form is there for whom an upload succeeds, and only them."""
    closed = role == "outsider of a closed project"
    project = make_project(**({"policy_idea": "project", "policy_vote": "project", "policy_spec": "project"}
                              if closed else {}))
    idea = make_idea(project, stage="spec")
    if role == "member, archived idea":
        pipeline._move(idea, "archived", project.owner, "no partner came")
    who = {"author": idea.author, "owner": project.owner}.get(role) or make_user()
    if role.startswith("member"):
        add_member(project, who)
    browser = visitor(app) if role == "visitor" else client
    if role != "visitor":
        login_as(who)
    g.pop("_login_user", None)
    shown, status = ROLES[role]
    response = browser.get(f"/ideas/{idea.id}{page}")
    assert response.status_code == (404 if closed else 200)
    assert ('class="file-input"' in response.text) is shown
    g.pop("_login_user", None)
    assert upload(browser, idea, "bom.txt", TXT, part).status_code == status


def test_the_file_field_speaks_the_page_language(client, member):
    """The browser's own "Choose File" button stands behind a label in the page's language, tied to the input."""
    client.get("/language/fr")
    html = client.get(f"/ideas/{member.idea.id}").text
    assert 'id="file-idea"' in html and 'for="file-idea"' in html
    assert "Choisir un fichier" in html and "Aucun fichier choisi" in html
