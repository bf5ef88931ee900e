"""Idea pages: lists with filters, one idea with its history, proposing (with similar ideas suggested), voting, stage
moves, merging duplicates."""

from typing import NamedTuple

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user, login_required

from ..access import audience, level_of
from ..database import paginate
from ..errors import Conflict, DomainError
from ..projects.services import load_project
from ..web.limits import per_member
from ..web.pagecache import cached_for_visitors
from ..web.rendering import csv_download, form_status, is_htmx, redirect_to, render
from . import merging, services
from .forms import IdeaForm, MergeForm, TransitionForm
from .panels import idea_list_context

bp = Blueprint("pipeline", __name__)


@bp.route("/ideas")
@cached_for_visitors
def index():
    """Every idea across projects, filtered by stage and tag, sorted, paginated."""
    return render("pipeline/index.html", "pipeline/_idea_list.html", **idea_list_context(current_user))


@bp.route("/projects/<slug>/ideas/new", methods=["GET", "POST"])
@login_required
def propose(slug: str):
    """Propose a new idea in a project; the ideas similar to its title are shown as it is typed (htmx), or when the
    form is sent back with errors or with "Look for similar ideas" (no JavaScript)."""
    project = load_project(slug, current_user, "idea.propose")
    form = IdeaForm()
    if "check" not in request.form and form.validate_on_submit():
        try:
            idea = services.propose_idea(project, current_user, form.title.data, form.summary.data,
                                         form.body.data, form.tags.data)
        except DomainError as error:
            form.tags.errors.append(error.message)
        else:
            flash(_("Your idea is published."), "success")
            return redirect_to(url_for("pipeline.show", idea_id=idea.id))
    similar = merging.similar_ideas(current_user, project, form.title.data) if request.method == "POST" else []
    return render("pipeline/propose.html", "pipeline/_idea_form.html", form_status(form),
                  form=form, project=project, action=request.path, level=project.policy_idea,
                  audience=audience(project, project.policy_idea), similar=similar,
                  similar_url=url_for("pipeline.similar", slug=project.slug))


@bp.route("/projects/<slug>/ideas/similar")
@login_required
@per_member("SEARCH_RATE_LIMIT", methods=None)
def similar(slug: str):
    """The project's ideas similar to a title being typed on the propose form (a fragment; nothing for no title)."""
    project = load_project(slug, current_user, "idea.propose")
    return render("pipeline/_similar_ideas.html",
                  similar=merging.similar_ideas(current_user, project, request.args.get("title", "")[:120]))


@bp.route("/ideas/<int:idea_id>")
@cached_for_visitors
def show(idea_id: int):
    """An idea with its votes, who may see it, where it stands and what the user may do about it, its stage
    history; the other domains' panels add its specification, R&D, files and its discussion."""
    page = services.load_idea_page(idea_id, current_user)
    idea = page.idea
    if idea.merged_into_id is not None:
        flash(_("“%(title)s” was merged into this idea.", title=idea.title), "info")
        return redirect(url_for("pipeline.show", idea_id=idea.merged_into_id))
    level = level_of(idea)
    return render("pipeline/show.html", idea=idea, voted=page.voted, credited=page.credited, tags=page.tags,
                  history=page.history, journey=services.journey(idea, current_user, page.voted, page.supported),
                  level=level, audience=audience(idea.project, level), live_page=True)  # its discussion is live


@bp.route("/projects/<slug>/feed.atom")
def feed(slug: str):
    """An Atom feed of the newest ideas anyone may see in a project (it never uses the reader's session)."""
    visitor = AnonymousUserMixin()
    project = load_project(slug, visitor)
    ideas = paginate(services.ideas_query(visitor, project_id=project.id, sort="newest"), 1, 30).items
    return Response(render_template("pipeline/feed.xml", project=project, ideas=ideas),
                    mimetype="application/atom+xml")


@bp.route("/projects/<slug>/ideas.csv")
def export_ideas(slug: str):
    """The project's ideas that you may see, as CSV."""
    project = load_project(slug, current_user)
    return csv_download(services.ideas_csv(current_user, project), f"{project.slug}-ideas.csv")


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    """The author edits their idea while it is in the idea stage."""
    idea = services.load_idea(idea_id, current_user, "idea.edit")
    services.check_editable(idea)
    # not obj=idea: a post without a tags field would then hand the idea's Tag objects to the form
    form = IdeaForm(title=idea.title, summary=idea.summary, body=idea.body, tags=idea.tag_names)
    if form.validate_on_submit():
        try:
            services.edit_idea(idea, form.title.data, form.summary.data, form.body.data,
                               form.tags.data)
        except DomainError as error:
            form.tags.errors.append(error.message)
        else:
            flash(_("Idea saved."), "success")
            return redirect_to(url_for("pipeline.show", idea_id=idea.id))
    return render("pipeline/edit.html", "pipeline/_idea_form.html", form_status(form),
                  form=form, idea=idea, project=idea.project, action=request.path)


class VoteBox(NamedTuple):
    """What the vote box of an idea shows once a vote is stored: the count its UPDATE returned (no reload)."""

    id: int
    vote_count: int


def _vote_response(idea, voted: bool, error: DomainError | None = None):
    """After a vote: the vote box fragment for htmx (with the refusal, if any), else a redirect."""
    if not is_htmx():
        if error:
            raise error
        return redirect_to(url_for("pipeline.show", idea_id=idea.id))
    return render("pipeline/_vote_box.html", status=error.status if error else 200, idea=idea, voted=voted,
                  error=error and error.message, announce=error is None)


def _change_vote(idea_id: int, change, voted: bool):
    """Apply cast_vote or withdraw_vote for the signed-in member and answer with the vote box (voted: after it)."""
    idea = services.load_idea(idea_id, current_user, "idea.vote")
    box = VoteBox(idea.id, idea.vote_count)
    try:
        count = change(idea, current_user)
    except Conflict as error:
        return _vote_response(box, idea.id in services.voted_idea_ids(current_user, [idea.id]), error)
    return _vote_response(box._replace(vote_count=count), voted)


@bp.post("/ideas/<int:idea_id>/vote")
@per_member("VOTE_RATE_LIMIT")
def vote(idea_id: int):
    """Vote for an idea in the vote stage (once per member)."""
    return _change_vote(idea_id, services.cast_vote, voted=True)


@bp.post("/ideas/<int:idea_id>/unvote")
@per_member("VOTE_RATE_LIMIT")
def unvote(idea_id: int):
    """Withdraw your vote while voting is open."""
    return _change_vote(idea_id, services.withdraw_vote, voted=False)


#: change -> the service applying it, what the member is told
SUPPORTS = {"support": (services.support, _l("Your support is counted.")),
            "unsupport": (services.withdraw_support, _l("Your support is withdrawn."))}


@bp.post("/ideas/<int:idea_id>/<any(support, unsupport):change>")
@per_member("VOTE_RATE_LIMIT")
def support(idea_id: int, change: str):
    """Support opening voting on an idea in the idea stage (once per member), or withdraw the support."""
    idea = services.load_idea(idea_id, current_user, "idea.support")
    apply, message = SUPPORTS[change]
    apply(idea, current_user)
    flash(str(message), "success")
    return redirect_to(url_for("pipeline.show", idea_id=idea.id))


@bp.route("/ideas/<int:idea_id>/move/<target>", methods=["GET", "POST"])
@login_required
def move(idea_id: int, target: str):
    """Confirm, then perform, a stage change (409 with the reason when the gate refuses)."""
    idea = services.load_idea(idea_id, current_user)
    target = services.check_move(idea, target, current_user)
    form = TransitionForm()
    if form.validate_on_submit():
        services.transition(idea, target, current_user, form.reason.data or "")
        flash(_("The idea is now in stage “%(stage)s”.", stage=services.stage_label(target)),
              "success")
        return redirect_to(url_for("pipeline.show", idea_id=idea.id))
    return render("pipeline/move.html", "pipeline/_move_form.html", form_status(form),
                  form=form, idea=idea, target=target, target_label=services.stage_label(target))


@bp.post("/ideas/<int:idea_id>/veto")
@login_required
def veto(idea_id: int):
    """The sponsor vetoes what the crowd promoted, within the project's veto window, saying why."""
    idea = services.load_idea(idea_id, current_user, "idea.veto")
    services.veto(idea, current_user, request.form.get("reason", "")[:2000])
    flash(_("The idea is vetoed and archived; the reason is in its history."), "info")
    return redirect_to(url_for("pipeline.show", idea_id=idea.id))


@bp.route("/ideas/<int:idea_id>/merge", methods=["GET", "POST"])
@login_required
def merge(idea_id: int):
    """Moderators choose the idea a duplicate is merged into, see what will happen, then merge it, saying why (400 or
    409 with the reason for a choice that may not be)."""
    duplicate = services.load_idea(idea_id, current_user, "idea.merge")
    merging.check_duplicate(duplicate, current_user)
    target = merging.load_target(request.values.get("into", type=int))
    if request.method == "GET" and "into" not in request.args:
        similar, others = merging.merge_candidates(duplicate, current_user)
        return render("pipeline/merge.html", idea=duplicate, similar=similar, others=others)
    merging.check_merge(duplicate, target, current_user)
    form = MergeForm()
    if form.validate_on_submit():
        merging.merge(duplicate, target, current_user, form.reason.data)
        flash(_("“%(title)s” is merged into this idea: its votes, discussion and followers are here now.",
                title=duplicate.title), "success")
        return redirect_to(url_for("pipeline.show", idea_id=target.id))
    return render("pipeline/merge.html", status=form_status(form), idea=duplicate, target=target, form=form,
                  shared=merging.shared_voters(duplicate, target))
