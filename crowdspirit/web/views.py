"""The language switch, on every page."""

from flask import Blueprint, current_app, session, url_for

from .rendering import redirect_to, safe_next

bp = Blueprint("web", __name__)


@bp.route("/language/<code>", methods=["GET", "POST"])
def language(code: str):
    """Remember the visitor's language choice and go back to the page they were on."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect_to(safe_next(url_for("home.index")))
