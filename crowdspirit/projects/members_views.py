"""Project membership pages: members, requests to join, invitations, removal and roles."""

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can
from ..accounts.services import find_by_email
from ..errors import Conflict, DomainError
from ..web.rendering import form_status, redirect_to, render
from . import services
from .forms import InviteForm, JoinForm

bp = Blueprint("members", __name__)


def _members_page(project, invite_form=None, status=200):
    """The members page, with the managers' tools when the user manages members."""
    manages = can(current_user, "project.manage_members", project)
    return render("projects/members.html", status=status, project=project, members=services.members(project),
                  manages=manages, may_set_roles=can(current_user, "project.edit", project),
                  requests=services.pending_requests(project) if manages else [],
                  invitations=services.open_invitations(project) if manages else [],
                  invite_form=invite_form or InviteForm())


@bp.route("/projects/<slug>/members")
@login_required
def index(slug: str):
    """Who is in the project; for its managers, requests and invitations too."""
    return _members_page(services.load_project(slug, current_user, "project.members"))


@bp.route("/projects/<slug>/join", methods=["GET", "POST"])
@login_required
def join(slug: str):
    """Ask to join the project."""
    project = services.load_project(slug, current_user, "project.join")
    form = JoinForm()
    if form.validate_on_submit():
        services.request_to_join(project, current_user, form.message.data or "")
        flash(_("Your request was sent to the project's managers."), "success")
        return redirect_to(url_for("projects.show", slug=slug))
    return render("projects/join.html", status=form_status(form), form=form, project=project)


@bp.post("/projects/<slug>/requests/<int:request_id>/<decision>")
@login_required
def decide(slug: str, request_id: int, decision: str):
    """Approve or refuse a request to join."""
    project = services.load_project(slug, current_user, "project.manage_members")
    if decision not in ("approve", "refuse"):
        raise Conflict(_("Unknown decision."))
    join_request = services.decide_request(project, request_id, current_user, decision == "approve")
    flash(_("%(name)s is now a member.", name=join_request.user.display_name) if decision == "approve"
          else _("Request refused."), "success")
    return redirect_to(url_for("members.index", slug=slug))


@bp.post("/projects/<slug>/invitations")
@login_required
def invite(slug: str):
    """Invite a member by email, or create an invitation link."""
    project = services.load_project(slug, current_user, "project.manage_members")
    form = InviteForm()
    if form.validate_on_submit():
        invitee = find_by_email(form.email.data) if form.email.data else None
        try:
            if invitee is not None or not form.email.data:
                services.invite(project, current_user, invitee)
        except DomainError as error:
            form.email.errors.append(error.message)
        else:  # the same answer whether or not the address has an account: emails stay private
            flash(_("Invitation link created.") if not form.email.data else
                  _("If a member uses this email, they will find the invitation on their profile."), "success")
            return redirect_to(url_for("members.index", slug=slug))
    return _members_page(project, form, form_status(form))


@bp.post("/projects/<slug>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(slug: str, invitation_id: int):
    """Make an invitation unusable."""
    project = services.load_project(slug, current_user, "project.manage_members")
    services.revoke_invitation(project, invitation_id, current_user)
    flash(_("Invitation revoked."), "info")
    return redirect_to(url_for("members.index", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept(token: str):
    """Read an invitation and join the project."""
    invitation = services.load_invitation(token, current_user)
    if request.method == "POST":
        services.accept_invitation(invitation, current_user)
        flash(_("Welcome to %(title)s!", title=invitation.project.title), "success")
        return redirect_to(url_for("projects.show", slug=invitation.project.slug))
    return render("projects/invitation.html", invitation=invitation)


@bp.post("/projects/<slug>/members/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int):
    """Take a member out of the project."""
    project = services.load_project(slug, current_user, "project.manage_members")
    services.remove_member(project, user_id, current_user)
    flash(_("Member removed. They lost access to the project's restricted stages at once."), "info")
    return redirect_to(url_for("members.index", slug=slug))


@bp.post("/projects/<slug>/members/<int:user_id>/role")
@login_required
def role(slug: str, user_id: int):
    """Make a member a project moderator, or a contributor again (the owner decides)."""
    project = services.load_project(slug, current_user, "project.edit")
    services.set_role(project, user_id, request.form.get("role", ""), current_user)
    flash(_("Role changed."), "success")
    return redirect_to(url_for("members.index", slug=slug))


@bp.post("/projects/<slug>/leave")
@login_required
def leave(slug: str):
    """Stop being a member of the project."""
    project = services.load_project(slug, current_user)
    services.leave(project, current_user)
    flash(_("You left %(title)s.", title=project.title), "info")
    return redirect_to(url_for("projects.show", slug=slug))
