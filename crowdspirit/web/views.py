"""The language switch, on every page."""

from flask import Blueprint, current_app, request, session, url_for
from flask_login import current_user

from ..signals import language_chosen
from .rendering import redirect_to, safe_next

bp = Blueprint("web", __name__)


@bp.route("/language/<code>", methods=["GET", "POST"])
def language(code: str):
    """Remember the language chosen (in the browser's session; a signed-in member's switcher posts, and their
    account keeps it) and go back to the page they were on."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if request.method == "POST" and current_user.is_authenticated:
            language_chosen.send(code, user=current_user)
    return redirect_to(safe_next(url_for("home.index")))
