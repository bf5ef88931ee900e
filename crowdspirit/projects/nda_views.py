"""NDA pages: read and accept the current version; the owner publishes new versions."""

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import DomainError
from ..text import rendered_diff
from ..web.rendering import form_status, redirect_to, render
from . import nda, services
from .forms import NdaAcceptForm, NdaForm

bp = Blueprint("nda", __name__)


@bp.route("/projects/<slug>/nda")
@login_required
def show(slug: str):
    """The project's current NDA and whether you accepted it."""
    project = services.load_project(slug, current_user, "nda.view")
    version = nda.current(project)
    accepted = nda.has_accepted(version, current_user)
    return render("projects/nda.html", project=project, version=version, accepted=accepted,
                  form=NdaAcceptForm(version=version.number if version else 0), versions=nda.versions(project),
                  since=None if accepted else nda.last_accepted(project, current_user))


@bp.route("/projects/<slug>/nda/diff")
@login_required
def diff(slug: str):
    """What changed between two NDA versions (?from=N&to=M; by default the previous and the current one): the newer
    text as it reads, with the words added and removed marked."""
    project = services.load_project(slug, current_user, "nda.view")
    history = nda.versions(project)
    old, new = nda.compared(history, request.args.get("from"), request.args.get("to"))
    return render("projects/nda_diff.html", project=project, old=old, new=new, versions=history,
                  change=rendered_diff(old.text, new.text) if old else None)


@bp.post("/projects/<slug>/nda/accept")
@login_required
def accept(slug: str):
    """Accept the NDA version you read; confidential stages open at once."""
    project = services.load_project(slug, current_user, "nda.view")
    form = NdaAcceptForm()
    if not form.validate_on_submit():
        raise DomainError(_("Read the NDA, then accept it with the button below it."))
    nda.accept(project, current_user, form.version.data)
    flash(_("NDA accepted. You can now see the project's confidential stages."), "success")
    return redirect_to(url_for("projects.show", slug=slug))


@bp.route("/projects/<slug>/nda/edit", methods=["GET", "POST"])
@login_required
def publish(slug: str):
    """Publish a new NDA version (members must accept it again)."""
    project = services.load_project(slug, current_user, "nda.publish")
    current = nda.current(project)
    form = NdaForm(text=current.text if current else "")
    if form.validate_on_submit():
        try:
            version = nda.publish(project, current_user, form.text.data)
        except DomainError as error:
            form.text.errors.append(error.message)
        else:
            flash(_("NDA version %(n)d published; members must accept it again.", n=version.number), "success")
            return redirect_to(url_for("nda.show", slug=slug))
    return render("projects/nda_edit.html", status=form_status(form), form=form, project=project, current=current)
