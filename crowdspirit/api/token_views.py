"""The settings page where members create, see and revoke their personal access tokens."""

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..errors import DomainError
from ..web.rendering import form_status, redirect_to, render
from . import tokens

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    """Name a new token, choose whether it may write, and when it expires."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What uses it, e.g. “lab dashboard”"))
    write = BooleanField(_l("May write (propose ideas, vote, reply, move stages)"))
    for_organisation = BooleanField(_l("For my organisation's tools"), description=_l(
        "Read only, with the organisation's rights (not your own memberships or NDAs); every member of your "
        "organisation sees and may revoke it."))
    days = SelectField(_l("Expires"), coerce=int, default=90, choices=[
        SelectChoice(30, _l("in 30 days")), SelectChoice(90, _l("in 90 days")), SelectChoice(365, _l("in a year")),
        SelectChoice(0, _l("never"))])


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def index():
    """Your tokens, and the form to create one (its value is shown once, on this page)."""
    form, created = TokenForm(), None
    if form.validate_on_submit():
        try:
            _token, created = tokens.create_token(current_user, form.name.data, form.write.data, form.days.data,
                                                  form.for_organisation.data and current_user.is_sponsor)
            form = TokenForm(formdata=None)
        except DomainError as error:
            form.for_organisation.errors.append(str(error.message))
    return render("api/tokens.html", status=form_status(form), form=form, created=created,
                  tokens=tokens.user_tokens(current_user))


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of your tokens at once."""
    token = tokens.revoke(current_user, token_id)
    flash(_("Token “%(name)s” revoked: calls with it now fail.", name=token.name), "success")
    return redirect_to(url_for("tokens.index"))
