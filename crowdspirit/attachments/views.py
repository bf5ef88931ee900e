"""Uploading, downloading and removing attachments: every download passes the access policy."""

from flask import Blueprint, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import require
from ..errors import DomainError
from ..pipeline.services import load_idea
from ..web.rendering import redirect_to
from . import services

bp = Blueprint("attachments", __name__)


def _back_to(idea, part: str) -> str:
    """The page that lists the attachments of this part."""
    endpoint = {"spec": "specs.show", services.WORKSPACE_PART: "rnd.workspace"}.get(part, "pipeline.show")
    return url_for(endpoint, idea_id=idea.id)


@bp.post("/ideas/<int:idea_id>/attachments")
@login_required
def upload(idea_id: int):
    """Attach a file to an idea or to its specification."""
    idea = load_idea(idea_id, current_user, "attachment.add")
    part = request.form.get("part", "idea")
    if part not in services.PARTS:
        raise DomainError(_("Unknown attachment place."))
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise DomainError(_("Choose a file to attach."))
    services.attach(idea, current_user, part, upload_file.filename, upload_file.read())
    flash(_("File attached."), "success")
    return redirect_to(_back_to(idea, part))


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
def download(attachment_id: int, filename: str):
    """Send a file to whoever may see the idea it belongs to (404 for anyone else)."""
    attachment = require(current_user, "attachment.view", services.get(attachment_id))
    response = send_file(services.path_of(attachment), mimetype=attachment.content_type,
                         as_attachment=not attachment.content_type.startswith("image/"),
                         download_name=attachment.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete(attachment_id: int):
    """Remove a file (its uploader or a project manager)."""
    attachment = require(current_user, "attachment.delete", services.get(attachment_id))
    idea, part = attachment.idea, attachment.part
    services.remove(attachment)
    flash(_("File removed."), "info")
    return redirect_to(_back_to(idea, part))
