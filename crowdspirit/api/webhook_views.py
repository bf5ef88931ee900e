"""The settings page where project owners and sponsors register webhooks and watch their deliveries."""

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.services import get_organisation
from ..errors import DomainError
from ..extensions import db
from ..projects.models import Project
from ..web.rendering import form_status, redirect_to, render
from . import webhooks

bp = Blueprint("webhooks", __name__)


class WebhookForm(FlaskForm):
    """Where to send which events, about what."""

    target = SelectField(_l("About"), validators=[DataRequired()])
    url = StringField(_l("Address"), validators=[DataRequired(), Length(max=500)],
                      description=_l("An https:// address that answers POST requests"))
    events = SelectMultipleField(_l("Events"), validators=[DataRequired()], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))


def _targets() -> dict[str, object]:
    """What the user may hook: the projects they own, and their organisation."""
    targets = {f"project:{p.id}": p for p in db.session.scalars(
        select(Project).where(Project.owner_id == current_user.id).order_by(Project.title))}
    if current_user.organisation_id:
        targets[f"organisation:{current_user.organisation_id}"] = get_organisation(current_user.organisation_id)
    return targets


def _form(targets: dict, **options) -> WebhookForm:
    form = WebhookForm(**options)
    form.target.choices = [SelectChoice(key, _("Project: %(title)s", title=t.title) if isinstance(t, Project)
                                        else _("Organisation: %(name)s", name=t.name)) for key, t in targets.items()]
    form.events.choices = [SelectChoice(name, label) for name, label in webhooks.event_names().items()]
    return form


@bp.route("/settings/webhooks", methods=["GET", "POST"])
@login_required
def index():
    """Your webhooks with their latest deliveries, and the form to add one (its secret is shown once)."""
    targets = _targets()
    form, secret = _form(targets), None
    if targets and form.validate_on_submit():
        try:
            _hook, secret = webhooks.register(current_user, targets[form.target.data], form.url.data,
                                              form.events.data)
            form = _form(targets, formdata=None)
        except DomainError as error:
            form.url.errors.append(str(error.message))
    return render("api/webhooks.html", status=form_status(form), form=form, secret=secret, has_targets=bool(targets),
                  event_groups=webhooks.event_groups(),
                  hooks=[(hook, webhooks.recent_deliveries(hook)) for hook in webhooks.managed_hooks(current_user)])


@bp.post("/settings/webhooks/<int:hook_id>/delete")
@login_required
def delete(hook_id: int):
    """Remove a webhook; nothing more is sent to it."""
    hook = webhooks.delete(current_user, hook_id)
    flash(_("Webhook to %(url)s removed.", url=hook.url), "success")
    return redirect_to(url_for("webhooks.index"))


@bp.post("/settings/webhooks/deliveries/<int:delivery_id>/replay")
@login_required
def replay(delivery_id: int):
    """Send a past delivery again."""
    webhooks.replay(current_user, delivery_id)
    flash(_("The delivery will be sent again within seconds."), "success")
    return redirect_to(url_for("webhooks.index"))
