"""The platform's charter: read it (any version, in the reader's language), accept the version in force, and publish
a new one (administrators)."""

from flask import flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import DomainError, NotFound
from ..web.rendering import form_status, redirect_to, render, safe_next
from . import charter
from .forms import AcceptCharterForm, CharterForm
from .views import bp


@bp.get("/charter", defaults={"number": None})
@bp.get("/charter/v<int:number>")
def charter_page(number: int | None):
    """The charter in force (or an earlier version), with the form to accept it for members who have not."""
    shown = charter.current() if number is None else charter.version(number)
    if shown is None and number is not None:
        raise NotFound(_l("This page does not exist, or you may not see it."))
    in_force = charter.current()
    may_accept = (current_user.is_authenticated and shown is not None and shown == in_force
                  and not charter.accepted_current(current_user))
    return render("accounts/charter.html", charter=shown, in_force=in_force, versions=charter.versions(),
                  language=str(get_locale()), may_accept=may_accept,
                  form=AcceptCharterForm(number=shown and shown.number))


@bp.post("/charter/accept")
@login_required
def accept_charter():
    """Accept the version of the charter in force (the one the page showed)."""
    form = AcceptCharterForm()
    if not form.validate_on_submit():
        raise DomainError(_l("Say which version of the charter you accept."))
    charter.accept(current_user, form.number.data)
    flash(_("Thank you: you accepted the charter."), "success")
    return redirect_to(safe_next(url_for("home.index")))


@bp.route("/charter/edit", methods=["GET", "POST"])
@login_required
def publish_charter():
    """Publish a new version of the charter (administrators); every member accepts it again before taking part."""
    if not current_user.is_admin:
        raise NotFound(_l("This page does not exist, or you may not see it."))
    in_force = charter.current()
    form = CharterForm(data={"text_en": in_force.text_en, "text_fr": in_force.text_fr} if in_force and
                       request.method == "GET" else None)
    if form.validate_on_submit():
        published = charter.publish(current_user, form.text_en.data, form.text_fr.data, form.note.data or "")
        flash(_("Version %(number)d of the charter is published.", number=published.number), "success")
        return redirect_to(url_for("accounts.charter_page"))
    return render("accounts/charter_edit.html", status=form_status(form), form=form, in_force=in_force)
