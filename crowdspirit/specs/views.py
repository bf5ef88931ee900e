"""Specification pages: the spec with its checklist and amendments, editing (with a merge view), history, diffs."""

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import audience, can, level_of, require
from ..attachments import services as attachments
from ..errors import DomainError, NotFound
from ..pipeline.models import Stage
from ..pipeline.services import load_idea
from ..web.limits import per_member
from ..web.rendering import download, form_status, is_htmx, redirect_to, render
from . import export, services
from .forms import SECTION_LABELS, AmendmentForm, DecisionForm, SpecForm
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
    open_for_work = idea.stage == Stage.SPEC
    amendments = services.amendments(idea)
    return render("specs/show.html", idea=idea, revision=revision, current=current,
                  sections=SECTIONS, labels=SECTION_LABELS, level=level, audience=audience(idea.project, level),
                  may_edit=open_for_work and can(current_user, "spec.edit", idea),
                  may_amend=open_for_work and can(current_user, "spec.amend", idea),
                  may_approve=open_for_work and can(current_user, "spec.approve", idea),
                  readiness=services.readiness(idea), approvers=services.approvers(idea),
                  amendments=amendments, credited=services.credited(idea),
                  changes={a.id: services.section_diff(current.section(a.section), a.text) for a in amendments
                           if a.status == "pending"},
                  decision_form=DecisionForm(), features=services.features(idea, current_user if
                                                                           current_user.is_authenticated else None),
                  may_rate=open_for_work and can(current_user, "spec.rate", idea),
                  attachments=attachments.of_idea(idea, "spec"),
                  may_attach=attachments.may_attach(current_user, idea))


@bp.route("/ideas/<int:idea_id>/spec/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    """Edit the specification; saving creates a new revision."""
    idea, current = _spec_of(idea_id, "spec.edit")
    services.check_editable(idea)
    form = SpecForm(obj=current, base_number=current.number)
    theirs = {}
    if form.validate_on_submit():
        sections = {name: form[name].data or "" for name in SECTIONS}
        try:
            services.save_revision(idea, current_user, form.base_number.data,
                                   form.note.data or "", **sections)
        except services.StaleEdit as stale:  # the merge view: their changes beside the text kept in the form
            theirs = services.diff(services.get_revision(idea, form.base_number.data), stale.latest)
            current = stale.latest
            form.base_number.data, form.base_number.raw_data = current.number, [str(current.number)]
            form.note.errors.append(stale.message)
        except DomainError as error:
            form.note.errors.append(error.message)
        else:
            flash(_("Specification saved as a new revision."), "success")
            return redirect_to(url_for("specs.show", idea_id=idea.id))
    level = level_of(idea)
    return render("specs/edit.html", status=409 if theirs else form_status(form), form=form, idea=idea,
                  current=current, sections=SECTIONS, labels=SECTION_LABELS, theirs=theirs, level=level,
                  audience=audience(idea.project, level))


@bp.post("/ideas/<int:idea_id>/spec/restore/<int:number>")
@login_required
def restore(idea_id: int, number: int):
    """Make an older revision the newest one again."""
    idea, _current = _spec_of(idea_id, "spec.edit")
    services.restore(idea, current_user, number)
    flash(_("Revision %(n)d restored as a new revision.", n=number), "success")
    return redirect_to(url_for("specs.show", idea_id=idea.id))


@bp.route("/ideas/<int:idea_id>/spec/amendments/new", methods=["GET", "POST"])
@login_required
def amend(idea_id: int):
    """Propose new text for a section; the spec's editors accept or reject it."""
    idea, current = _spec_of(idea_id, "spec.amend")
    services.check_editable(idea)
    section = request.args.get("section") if request.args.get("section") in SECTIONS else "problem"
    form = AmendmentForm(section=section, text=current.section(section))
    if form.validate_on_submit():
        try:
            services.propose_amendment(idea, current_user, form.section.data, form.text.data, form.reason.data or "")
        except DomainError as error:
            form.text.errors.append(error.message)
        else:
            flash(_("Amendment proposed: the spec's editors will accept or reject it."), "success")
            return redirect_to(url_for("specs.show", idea_id=idea.id, _anchor="amendments"))
    return render("specs/amend.html", status=form_status(form), form=form, idea=idea, current=current)


@bp.post("/ideas/<int:idea_id>/spec/amendments/<int:amendment_id>/<any(accept, reject):decision>")
@login_required
def decide(idea_id: int, amendment_id: int, decision: str):
    """Accept (a new revision) or reject (with a reason its author reads) an amendment."""
    idea, _current = _spec_of(idea_id, "spec.edit")
    amendment = services.get_amendment(idea, amendment_id)
    form = DecisionForm()
    if form.validate_on_submit():
        services.decide_amendment(idea, amendment, current_user, decision == "accept", form.reason.data or "")
        flash(_("Amendment accepted: it is now revision %(n)d.", n=amendment.revision_number)
              if decision == "accept" else _("Amendment rejected; its author sees your reason."), "success")
    return redirect_to(url_for("specs.show", idea_id=idea.id, _anchor="amendments"))


@bp.post("/ideas/<int:idea_id>/spec/features/rate")
@login_required
def rate(idea_id: int):
    """Rate one of the spec's features must, should or could (htmx swaps the poll in place)."""
    idea, _current = _spec_of(idea_id, "spec.rate")
    services.rate_feature(idea, current_user, request.form.get("feature", ""), request.form.get("rating", ""))
    if is_htmx():
        return render("specs/_features.html", idea=idea, features=services.features(idea, current_user),
                      may_rate=True)
    return redirect_to(url_for("specs.show", idea_id=idea.id, _anchor="feature-poll"))


@bp.post("/ideas/<int:idea_id>/spec/approve")
@login_required
def approve(idea_id: int):
    """Approve the current revision as ready for partner R&D."""
    idea, current = _spec_of(idea_id, "spec.approve")
    services.approve(idea, current_user)
    flash(_("You approved revision %(n)d.", n=current.number), "success")
    return redirect_to(url_for("specs.show", idea_id=idea.id, _anchor="readiness"))


@bp.route("/ideas/<int:idea_id>/spec/revisions")
def revisions(idea_id: int):
    """Every revision of the specification, to pick two and compare them."""
    idea, current = _spec_of(idea_id)
    return render("specs/revisions.html", idea=idea, current=current,
                  revisions=services.revisions(idea))


@bp.route("/ideas/<int:idea_id>/spec/diff")
def diff(idea_id: int):
    """What changed between two revisions (?from=N&to=M): the new text rendered with its changed words marked, or
    the Markdown's lines (&view=raw)."""
    idea, current = _spec_of(idea_id)
    old = services.get_revision(idea, request.args.get("from", 1, type=int))
    new = services.get_revision(idea, request.args.get("to", current.number, type=int))
    raw = request.args.get("view") == "raw"
    return render("specs/diff.html", idea=idea, old=old, new=new, raw=raw, labels=SECTION_LABELS,
                  changes=services.diff(old, new) if raw else services.rendered_changes(old, new))


@bp.route("/ideas/<int:idea_id>/spec/export.<any(md, pdf):extension>")
@per_member("EXPORT_RATE_LIMIT", methods=None)
def export_file(idea_id: int, extension: str):
    """The current specification as a Markdown file or a PDF, for those who may read it."""
    idea, current = _spec_of(idea_id, "spec.export")
    if extension == "md":
        return download(export.markdown(idea, current), "text/markdown", export.filename(idea, "md"))
    return download(export.pdf(idea, current), "application/pdf", export.filename(idea, "pdf"))
