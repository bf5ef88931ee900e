"""Project pages: the list, one project with its ideas, creation, settings, joining."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import can
from ..accounts.services import organisations
from ..errors import Conflict
from ..pipeline import services as pipeline
from ..pipeline.views import idea_list_context
from ..web.rendering import form_status, page_number, redirect_to, render
from . import services
from .forms import ProjectForm, SettingsForm
from .models import ProjectKind

bp = Blueprint("projects", __name__)


@bp.route("/projects")
def index():
    """Browse projects, newest first, filtered by kind."""
    kind = request.args.get("kind") if request.args.get("kind") in list(ProjectKind) else None
    projects = services.list_projects(current_user, kind, page_number(),
                                      current_app.config["PER_PAGE"])
    counts = pipeline.idea_counts(current_user, [p.id for p in projects.items])
    return render("projects/index.html", "projects/_list.html", projects=projects,
                  counts=counts, kind=kind)


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def create():
    """Open a new project (self-carried by anyone, sponsored by a sponsor)."""
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = services.create_project(current_user, form.title.data, form.summary.data,
                                              form.description.data, form.kind.data)
        except Conflict as error:
            form.kind.errors.append(error.message)
        else:
            flash(_("Project created. Set its rules in the settings."), "success")
            return redirect_to(url_for("projects.show", slug=project.slug))
    return render("projects/new.html", status=form_status(form), form=form)


@bp.route("/projects/<slug>")
def show(slug: str):
    """A project's page: its description, rules and its ideas (the list is also a fragment)."""
    project = services.load_project(slug, current_user)
    context = idea_list_context(project=project)
    return render("projects/show.html", "pipeline/_idea_list.html", project=project,
                  membership=services.membership_of(project, current_user),
                  member_count=services.member_count(project),
                  may_edit=can(current_user, "project.edit", project), **context)


@bp.route("/projects/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    """The owner sets the project's description and pipeline gates."""
    project = services.load_project(slug, current_user, "project.edit")
    form = SettingsForm(obj=project)
    form.rnd_partner_id.choices = [SelectChoice(0, _l("Chosen idea by idea"))] + [
        SelectChoice(org.id, org.name) for org in organisations()]
    if request.method == "GET":
        form.rnd_partner_id.data = project.rnd_partner_id or 0
    if form.validate_on_submit():
        services.update_settings(
            project, summary=form.summary.data, description=form.description.data,
            vote_opener=form.vote_opener.data, vote_threshold=form.vote_threshold.data,
            voting_days=form.voting_days.data, promotion_decider=form.promotion_decider.data,
            rnd_partner_id=form.rnd_partner_id.data or None)
        flash(_("Settings saved."), "success")
        return redirect_to(url_for("projects.show", slug=project.slug))
    return render("projects/settings.html", status=form_status(form), form=form, project=project)


@bp.post("/projects/<slug>/join")
@login_required
def join(slug: str):
    """Become a contributor of the project."""
    project = services.load_project(slug, current_user, "project.join")
    services.join(project, current_user)
    flash(_("You joined %(title)s.", title=project.title), "success")
    return redirect_to(url_for("projects.show", slug=slug))


@bp.post("/projects/<slug>/leave")
@login_required
def leave(slug: str):
    """Stop being a member of the project."""
    project = services.load_project(slug, current_user)
    services.leave(project, current_user)
    flash(_("You left %(title)s.", title=project.title), "info")
    return redirect_to(url_for("projects.show", slug=slug))
