"""Specification pages: the current spec, editing, revision history and diffs."""

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can, level_of, require
from ..attachments import services as attachments
from ..errors import DomainError, NotFound
from ..pipeline.models import Stage
from ..pipeline.services import load_idea
from ..projects.services import audience
from ..web.rendering import form_status, redirect_to, render
from . import services
from .forms import SECTION_LABELS, SpecForm
from .models import SECTIONS

bp = Blueprint("specs", __name__)


def _spec_of(idea_id: int, action: str = "spec.view"):
    """The idea and its current revision, if the user may do action on its spec (404 if none)."""
    idea = load_idea(idea_id, current_user)
    current = services.current_revision(idea)
    if current is None:
        raise NotFound(_("This idea has no specification yet."))
    require(current_user, action, idea)
    return idea, current


@bp.route("/ideas/<int:idea_id>/spec")
def show(idea_id: int):
    """The current specification (or an older revision with ?revision=N)."""
    idea, current = _spec_of(idea_id)
    number = request.args.get("revision", type=int)
    revision = services.get_revision(idea, number) if number else current
    level = level_of(idea)
    return render("specs/show.html", idea=idea, revision=revision, current=current,
                  sections=SECTIONS, labels=SECTION_LABELS, level=level, audience=audience(idea.project, level),
                  may_edit=can(current_user, "spec.edit", idea),
                  attachments=attachments.of_idea(idea, "spec"),
                  may_attach=can(current_user, "attachment.add", idea) and idea.stage != Stage.ARCHIVED)


@bp.route("/ideas/<int:idea_id>/spec/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    """Edit the specification; saving creates a new revision."""
    idea, current = _spec_of(idea_id, "spec.edit")
    services.check_editable(idea)
    form = SpecForm(obj=current, base_number=current.number)
    if form.validate_on_submit():
        sections = {name: form[name].data or "" for name in SECTIONS}
        try:
            services.save_revision(idea, current_user, form.base_number.data,
                                   form.note.data or "", **sections)
        except DomainError as error:
            form.note.errors.append(error.message)
        else:
            flash(_("Specification saved as a new revision."), "success")
            return redirect_to(url_for("specs.show", idea_id=idea.id))
    level = level_of(idea)
    return render("specs/edit.html", status=form_status(form), form=form, idea=idea,
                  current=current, sections=SECTIONS, level=level, audience=audience(idea.project, level))


@bp.route("/ideas/<int:idea_id>/spec/revisions")
def revisions(idea_id: int):
    """Every revision of the specification, to pick two and compare them."""
    idea, current = _spec_of(idea_id)
    return render("specs/revisions.html", idea=idea, current=current,
                  revisions=services.revisions(idea))


@bp.route("/ideas/<int:idea_id>/spec/diff")
def diff(idea_id: int):
    """What changed between two revisions (?from=N&to=M)."""
    idea, current = _spec_of(idea_id)
    old = services.get_revision(idea, request.args.get("from", 1, type=int))
    new = services.get_revision(idea, request.args.get("to", current.number, type=int))
    return render("specs/diff.html", idea=idea, old=old, new=new,
                  changes=services.diff(old, new), labels=SECTION_LABELS)
