"""Partner R&D pages: the scouting board, offers and their choice, the R&D workspace, public status updates."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import can, require
from ..database import page_of, utcnow
from ..errors import Conflict, DomainError
from ..pipeline.models import Stage
from ..pipeline.services import load_idea, refusal
from ..projects.models import CROWD_SAY
from ..projects.services import list_projects
from ..specs.services import readiness
from ..web.rendering import page_number, redirect_to, render
from . import services
from .forms import (
    IP_LABELS,
    DecisionForm,
    DocumentForm,
    InterestForm,
    InviteForm,
    MilestoneForm,
    RewardForm,
    StatusUpdateForm,
    TaskForm,
)

bp = Blueprint("rnd", __name__)


@bp.route("/scouting")
@login_required
def scouting():
    """Sponsors browse ideas in specification: by field, tag, votes, readiness and contributors' expertise."""
    require(current_user, "rnd.scout", current_user)
    projects = list_projects(current_user, None, 1, 200).items
    project = next((p for p in projects if p.slug == request.args.get("project")), None)
    filters = {"project": project.slug if project else "", "tag": request.args.get("tag", "").strip().lower()[:30],
               "min_votes": max(request.args.get("min_votes", 0, type=int), 0),
               "ready": request.args.get("ready") == "1", "skill": request.args.get("skill", "").strip()[:60],
               "sort": request.args.get("sort") if request.args.get("sort") in services.BOARD_SORTS else "votes"}
    board = services.scouting_board(current_user, project_id=project and project.id, tag=filters["tag"],
                                    min_votes=filters["min_votes"], ready_only=filters["ready"],
                                    skill=filters["skill"], sort=filters["sort"])
    return render("rnd/scouting.html", "rnd/_board.html", filters=filters,
                  board=page_of(board, page_number(), current_app.config["PER_PAGE"]),
                  projects=projects, limit=services.BOARD_LIMIT)


def _partners_page(idea, form=None, status=200):
    """The offers on an idea as the user may see them, with the offer form for sponsors."""
    interests = services.interests(idea, current_user)
    return render("rnd/partners.html", status=status, idea=idea, interests=interests,
                  vetoable={interest.id: services.veto_open_until(interest) for interest in interests},
                  unbacked={interest.id: refusal(services.check_backed, interest) for interest in interests},
                  crowd_backs=idea.project.partner_decider in CROWD_SAY,
                  form=form or InterestForm(), ip_labels=IP_LABELS, readiness=readiness(idea),
                  may_offer=idea.stage == Stage.SPEC and current_user.organisation_id is not None
                  and can(current_user, "idea.express_interest", idea),
                  partnership=services.partnership_of(idea), backed=services.backed_offers(idea, current_user))


@bp.route("/ideas/<int:idea_id>/partners", methods=["GET", "POST"])
@login_required
def partners(idea_id: int):
    """Offers to take the idea into partner R&D: sponsors make them, the author and moderators choose."""
    idea = load_idea(idea_id, current_user, "idea.partners")
    if request.method == "GET":
        return _partners_page(idea)
    require(current_user, "idea.express_interest", idea)
    form = InterestForm()
    if not form.validate():
        return _partners_page(idea, form, 422)
    services.express_interest(idea, current_user, form.pitch.data, form.terms.data, form.reward_pool_cents,
                              form.currency.data, form.ip_arrangement.data)
    flash(_("Your offer is sent to those who choose the idea's R&D partner."), "success")
    return redirect_to(url_for("rnd.partners", idea_id=idea.id))


#: answer -> who may give it, the service that applies it, what the user is told
ANSWERS = {
    "select": ("interest.select", services.select_interest, _l("The sponsor is selected: it may now accept.")),
    "unselect": ("interest.select", services.cancel_selection, _l("The selection is cancelled.")),
    "withdraw": ("interest.respond", services.withdraw_interest, _l("Your offer is withdrawn.")),
    "decline": ("interest.respond", services.decline_selection, _l("You declined the partnership.")),
    "back": ("interest.back", services.back, _l("You back this offer.")),
    "unback": ("interest.back", services.unback, _l("You no longer back this offer.")),
}


@bp.post("/interests/<int:interest_id>/<any(select, unselect, withdraw, decline, back, unback):answer>")
@login_required
def answer(interest_id: int, answer: str):
    """Select an offer or cancel the selection (those who choose); withdraw it or decline the selection (sponsor);
    back it or take the backing back (members, where the crowd has a say)."""
    action, change, message = ANSWERS[answer]
    interest = services.load_interest(interest_id, current_user, action)
    change(interest, current_user)
    flash(str(message), "info")
    return redirect_to(url_for("rnd.partners", idea_id=interest.idea_id))


@bp.post("/interests/<int:interest_id>/veto")
@login_required
def veto(interest_id: int):
    """The project's sponsor vetoes the offer the crowd selected, within the veto window, saying why."""
    interest = services.load_interest(interest_id, current_user, "interest.veto")
    services.veto_offer(interest, current_user, request.form.get("reason", "")[:2000])
    flash(_("The offer is vetoed; its sponsor and the idea's author are told why."), "info")
    return redirect_to(url_for("rnd.partners", idea_id=interest.idea_id))


@bp.route("/interests/<int:interest_id>/accept", methods=["GET", "POST"])
@login_required
def accept(interest_id: int):
    """The selected sponsor reviews the terms and the spec's readiness, then accepts: the idea enters R&D."""
    interest = services.load_interest(interest_id, current_user, "interest.respond")
    if request.method == "POST":
        services.accept(interest, current_user, request.form.get("message", "")[:2000])
        flash(_("Partnership accepted: the idea is in partner R&D and its workspace is open."), "success")
        return redirect_to(url_for("rnd.workspace", idea_id=interest.idea_id))
    if interest.status != "selected":
        raise Conflict(_("Your organisation has not been selected for this idea (or has answered already)."))
    services.check_unvetoable(interest)
    return render("rnd/accept.html", interest=interest, idea=interest.idea, ip_labels=IP_LABELS,
                  readiness=readiness(interest.idea))


#: the workspace's forms, and the field that shows a refusal from the rules
FORMS = {"invite": (InviteForm, "who"), "milestone": (MilestoneForm, "owner_id"), "document": (DocumentForm, "file"),
         "decision": (DecisionForm, "title"), "public_update": (StatusUpdateForm, "headline"),
         "reward": (RewardForm, "user_id")}


def _workspace_page(partnership, status: int = 200, **submitted):
    """The workspace with its forms (a submitted one keeps its input and errors)."""
    space = services.workspace(partnership)
    forms = {name: submitted.get(name) or form_class(formdata=None) for name, (form_class, _field) in FORMS.items()}
    forms["milestone"].owner_id.choices = [(0, _("Choose…"))] + [
        (p.user.id, p.user.display_name) for p in space.participants if p.cleared]
    may_reward = can(current_user, "workspace.reward", partnership)
    if may_reward:
        forms["reward"].user_id.choices = [(0, _("Choose…"))] + [
            (u.id, u.display_name) for u in services.rewardable(partnership)]
    return render("rnd/workspace.html", status=status, space=space, idea=partnership.idea, forms=forms,
                  pool_held=services.pool_held(partnership), may_reward=may_reward,
                  may_invite=can(current_user, "workspace.invite", partnership),
                  may_publish=can(current_user, "workspace.publish", partnership),
                  may_work=can(current_user, "workspace.work", partnership), ip_labels=IP_LABELS,
                  today=utcnow().date())


@bp.route("/ideas/<int:idea_id>/workspace")
@login_required
def workspace(idea_id: int):
    """The R&D workspace: participants, milestones and tasks, documents, decisions, updates, private thread."""
    return _workspace_page(services.load_workspace(idea_id, current_user))


def _submit(idea_id: int, action: str, name: str, apply, done_message: str):
    """Validate a workspace form and apply it, or show the workspace again with the form's errors (422)."""
    partnership = services.load_workspace(idea_id, current_user, action)
    form_class, error_field = FORMS[name]
    form = form_class()
    if form.validate():
        try:
            apply(partnership, form)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            form[error_field].errors = [*form[error_field].errors, error.message]
        else:
            flash(done_message, "success")
            return redirect_to(url_for("rnd.workspace", idea_id=idea_id))
    return _workspace_page(partnership, 422, **{name: form})


@bp.post("/ideas/<int:idea_id>/workspace/members")
@login_required
def invite(idea_id: int):
    """Invite a community member into the workspace."""
    return _submit(idea_id, "workspace.invite", "invite",
                   lambda p, form: services.invite(p, current_user, form.who.data), _("Invitation sent."))


@bp.post("/ideas/<int:idea_id>/workspace/members/<int:user_id>/remove")
@login_required
def remove(idea_id: int, user_id: int):
    """Take an invited contributor out of the workspace."""
    partnership = services.load_workspace(idea_id, current_user, "workspace.invite")
    services.remove_member(partnership, current_user, user_id)
    flash(_("Removed from the workspace."), "info")
    return redirect_to(url_for("rnd.workspace", idea_id=idea_id))


@bp.post("/ideas/<int:idea_id>/workspace/milestones")
@login_required
def add_milestone(idea_id: int):
    """Plan a milestone with an owner and a due date."""
    return _submit(idea_id, "workspace.work", "milestone",
                   lambda p, form: services.add_milestone(p, form.title.data, form.owner_id.data, form.due_on.data),
                   _("Milestone planned."))


@bp.post("/ideas/<int:idea_id>/workspace/documents")
@login_required
def upload(idea_id: int):
    """Upload a document, or a new version of one."""
    return _submit(idea_id, "workspace.work", "document",
                   lambda p, form: services.upload_document(p, current_user, form.title.data, form.file.data.filename,
                                                            form.file.data.read(), form.note.data or ""),
                   _("Document saved."))


@bp.post("/ideas/<int:idea_id>/workspace/decisions")
@login_required
def decide(idea_id: int):
    """Log a decision."""
    return _submit(idea_id, "workspace.work", "decision",
                   lambda p, form: services.record_decision(p, current_user, form.title.data,
                                                            form.rationale.data or ""), _("Decision logged."))


@bp.post("/ideas/<int:idea_id>/workspace/updates")
@login_required
def publish(idea_id: int):
    """Publish a status update for the community."""
    return _submit(idea_id, "workspace.publish", "public_update",
                   lambda p, form: services.publish_update(p, current_user, form.headline.data, form.body.data),
                   _("Update published on the idea's and the project's pages."))


@bp.post("/ideas/<int:idea_id>/workspace/rewards")
@login_required
def reward(idea_id: int):
    """Pay an invited contributor from the reward pool (the payer confirms it)."""
    return _submit(idea_id, "workspace.reward", "reward",
                   lambda p, form: services.reward(p, current_user, form.user_id.data, form.cents),
                   _("Paid from the reward pool: it is on the contributor's payouts."))


def _back_to(milestone):
    """Back to the milestone in its workspace."""
    return redirect_to(url_for("rnd.workspace", idea_id=milestone.partnership.idea_id,
                               _anchor=f"milestone-{milestone.id}"))


@bp.post("/milestones/<int:milestone_id>/<any(complete, reopen):change>")
@login_required
def milestone(milestone_id: int, change: str):
    """Mark a milestone done (once its tasks are) or reopen it."""
    item = services.load_milestone(milestone_id, current_user)
    if change == "complete":
        services.complete_milestone(item)
        flash(_("Milestone done."), "success")
    else:
        services.reopen_milestone(item)
        flash(_("Milestone reopened."), "info")
    return _back_to(item)


@bp.post("/milestones/<int:milestone_id>/tasks")
@login_required
def add_task(milestone_id: int):
    """Add a task to a milestone's checklist."""
    item = services.load_milestone(milestone_id, current_user)
    form = TaskForm()
    if not form.validate():
        raise DomainError(_("Describe the task (300 characters at most)."))
    services.add_task(item, form.text.data)
    return _back_to(item)


@bp.post("/milestones/<int:milestone_id>/tasks/<int:task_id>/toggle")
@login_required
def toggle_task(milestone_id: int, task_id: int):
    """Tick or untick a task."""
    item = services.load_milestone(milestone_id, current_user)
    services.toggle_task(item, task_id, current_user)
    return _back_to(item)
