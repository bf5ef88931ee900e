"""The schedule of a project's stage visibility: its managers list, add and delete the changes to come."""

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..errors import DomainError
from ..web.rendering import redirect_to, render
from . import schedule, services
from .forms import VISIBILITY_CHOICES
from .models import POLICY_STAGES

bp = Blueprint("schedule", __name__)

#: the stages as the form names them
STAGE_CHOICES = [SelectChoice(stage, label) for stage, label in zip(POLICY_STAGES, (
    _l("Idea"), _l("Voting"), _l("Specification"), _l("Partner R&D")), strict=True)]
MOMENT = "%Y-%m-%dT%H:%M"


class ScheduleForm(FlaskForm):
    """A stage's visibility from a moment, for a window, or for windows repeated."""

    stage = SelectField(_l("Stage"), choices=STAGE_CHOICES)
    level = SelectField(_l("Visibility from then"), choices=VISIBILITY_CHOICES)
    at = DateTimeLocalField(_l("From (UTC)"), format=MOMENT,
                            validators=[InputRequired(_l("Give the moment the change takes effect."))])
    until = DateTimeLocalField(_l("Until (UTC, optional)"), format=MOMENT, validators=[Optional()],
                               description=_l("Then the stage goes back to the visibility it had before"))
    repeat = IntegerField(_l("Repeat the window"), default=0, validators=[Optional(), NumberRange(min=0, max=52)],
                          description=_l("How many more times; 0 for once"))
    every_days = IntegerField(_l("Every (days)"), default=7, validators=[Optional(), NumberRange(min=1, max=365)])


def _page(project, form, status: int = 200):
    """The schedule page with its form as posted."""
    return render("projects/schedule.html", status=status, project=project, form=form,
                  changes=schedule.upcoming(project))


@bp.route("/projects/<slug>/schedule")
@login_required
def show(slug: str):
    """The stage visibility changes to come, and a form to schedule one."""
    project = services.load_project(slug, current_user, "project.schedule")
    return _page(project, ScheduleForm())


@bp.post("/projects/<slug>/schedule")
@login_required
def add(slug: str):
    """Schedule a change (or a window, or repeated windows) of a stage's visibility."""
    project = services.load_project(slug, current_user, "project.schedule")
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _page(project, form, 422)
    try:
        added = schedule.schedule(project, current_user, form.stage.data, form.level.data, form.at.data,
                                  form.until.data, form.repeat.data or 0, form.every_days.data or 7)
    except DomainError as error:
        form.at.errors = [error.message]
        return _page(project, form, error.status)
    flash(ngettext("%(num)d change scheduled.", "%(num)d changes scheduled.", len(added)), "success")
    return redirect_to(url_for("schedule.show", slug=slug))


@bp.post("/projects/<slug>/schedule/<int:change_id>/delete")
@login_required
def delete(slug: str, change_id: int):
    """Delete a change still to come."""
    project = services.load_project(slug, current_user, "project.schedule")
    schedule.unschedule(project, current_user, change_id)
    flash(_("Scheduled change deleted."), "success")
    return redirect_to(url_for("schedule.show", slug=slug))
