"""Files attached to ideas and specifications, served only through a checked view."""

from flask import Flask

from . import models  # noqa: F401  (its tables, known before any mapper is configured)


def init_app(app: Flask) -> None:
    """Register the attachments' access rules, the idea page's files and the download and upload routes."""
    from ..accounts import archive
    from . import panels, rules, services, views
    from .models import Attachment

    rules.register()
    archive.register("files", lambda user: archive.rows_of(Attachment, Attachment.uploader_id == user.id),
                     services.files_of)
    panels.register()
    app.register_blueprint(views.bp)
