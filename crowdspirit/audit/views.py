"""The platform's audit log, for administrators."""

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import NotFound
from ..web.rendering import page_number, render
from . import services

bp = Blueprint("platform_audit", __name__)


@bp.get("/admin/audit")
@login_required
def index():
    """Account events of the whole platform (address changes, refused links), newest first: admins only."""
    if not current_user.is_admin:
        raise NotFound(_l("This page does not exist, or you may not see it."))
    events = services.platform_events(page_number(), current_app.config["PER_PAGE"])
    return render("audit/platform.html", events=events)
