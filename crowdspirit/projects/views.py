"""Project pages: the list, one project with its ideas, creation, settings, its feed and CSV export."""

from typing import NamedTuple

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import audience, can, sees
from ..accounts.services import organisations
from ..errors import Conflict, DomainError
from ..web import panels
from ..web.pagecache import cached_for_visitors
from ..web.rendering import form_status, is_htmx, page_number, redirect_to, render
from . import services
from .forms import ProjectForm, SettingsForm
from .models import POLICY_STAGES, ProjectKind

bp = Blueprint("projects", __name__)


@bp.route("/projects")
@cached_for_visitors
def index():
    """Browse projects, newest first, filtered by kind."""
    kind = request.args.get("kind") if request.args.get("kind") in list(ProjectKind) else None
    projects = services.list_projects(current_user, kind, page_number(),
                                      current_app.config["PER_PAGE"])
    counts = services.card_counts(current_user, [p.id for p in projects.items])
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
@cached_for_visitors
def show(slug: str):
    """A project's page: its description, rules, who sees each stage, and the panels of other domains (its ideas,
    the only part an htmx request gets, its outcomes and discussion)."""
    project = services.load_project(slug, current_user)
    if is_htmx():
        return panels.render_fragment("project", "ideas", project)
    return render("projects/show.html", project=project, **services.standing(project, current_user),
                  member_count=services.member_count(project), stages=stage_access(project, current_user),
                  may_edit=can(current_user, "project.edit", project),
                  may_audit=can(current_user, "project.audit", project),
                  may_see_members=can(current_user, "project.members", project))


class StageAccess(NamedTuple):
    """Who sees one pipeline stage of a project: its policy, how many may see it, and whether the reader does."""

    stage: str
    level: str
    audience: int | None
    visible: bool


def stage_access(project, user) -> tuple[StageAccess, ...]:
    """For each pipeline stage, who sees it (a tuple: the panel is drawn once per what it shows)."""
    levels = {stage: project.policy(stage) for stage in POLICY_STAGES}
    return tuple(StageAccess(stage, level, audience(project, level), sees(user, project, level))
                 for stage, level in levels.items())


@bp.route("/projects/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    """The owner sets the project's description and pipeline gates."""
    project = services.load_project(slug, current_user, "project.edit")
    form = SettingsForm(obj=project)
    form.rnd_partner_id.choices = [SelectChoice(0, _l("Any sponsor, chosen idea by idea"))] + [
        SelectChoice(org.id, org.name) for org in organisations()]
    if request.method == "GET":
        form.rnd_partner_id.data = project.rnd_partner_id or 0
    if form.validate_on_submit():
        try:
            services.update_settings(
                project, current_user, summary=form.summary.data, description=form.description.data,
                rnd_partner_id=form.rnd_partner_id.data or None, hold_first_posts=form.hold_first_posts.data,
                **form.gate_settings(project), **{f"policy_{stage}": form[f"policy_{stage}"].data
                                                  for stage in POLICY_STAGES})
        except DomainError as error:
            form.refuse_gates(error.message)
        else:
            flash(_("Settings saved."), "success")
            return redirect_to(url_for("projects.show", slug=project.slug))
    return render("projects/settings.html", status=form_status(form), form=form, project=project)
