"""An organisation's pages: its public profile, and its team (roles, invitations by email, removal, leaving)."""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import SignInRequired, can, require
from ..errors import Conflict, DomainError, NotFound
from ..web.rendering import form_status, redirect_to, render
from . import organisations, services
from .forms import TeamInviteForm
from .views import bp


def _organisation(slug: str, action: str | None = None):
    """The organisation with this slug (404 if none), and the user allowed action on it (else 404 or 403)."""
    organisation = services.get_organisation_by_slug(slug)
    if organisation is None:
        raise NotFound(_("This page does not exist, or you may not see it."))
    return require(current_user, action, organisation) if action else organisation


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    """An organisation's public page: who it is, its team, and (from the projects' panel) its projects you may see."""
    organisation = _organisation(slug)
    return render("accounts/organisation.html", organisation=organisation,
                  team=organisations.public_team(organisation))


def _team_page(organisation, form=None, status=200):
    """The team page, with the administrators' tools when the user manages the team."""
    manages = can(current_user, "organisation.manage_team", organisation)
    return render("accounts/organisation_team.html", status=status, organisation=organisation,
                  team=organisations.team(organisation), manages=manages, form=form or TeamInviteForm(),
                  invitations=organisations.open_invitations(organisation) if manages else [],
                  expires_at=organisations.expires_at, days=organisations.INVITATION_DAYS,
                  labels=organisations.ROLE_LABELS, powers=organisations.ROLE_POWERS,
                  role_actions=organisations.ROLE_ACTIONS)


@bp.get("/organisations/<slug>/team")
@login_required
def organisation_team(slug: str):
    """The organisation's team and what each role may do; its administrators invite, change roles and remove."""
    return _team_page(_organisation(slug, "organisation.team"))


@bp.post("/organisations/<slug>/team/invitations")
@login_required
def organisation_invite(slug: str):
    """Invite someone to the team by email, with a role."""
    organisation = _organisation(slug, "organisation.manage_team")
    form = TeamInviteForm()
    if form.validate_on_submit():
        try:
            organisations.invite(organisation, form.email.data, organisations.parse_role(form.role.data),
                                 current_user)
        except Conflict as error:
            form.email.errors.append(error.message)
        else:
            flash(_("We have emailed an invitation to %(email)s.", email=form.email.data), "success")
            return redirect_to(url_for("accounts.organisation_team", slug=slug))
    return _team_page(organisation, form, form_status(form))


@bp.post("/organisations/<slug>/team/invitations/<int:invitation_id>/revoke")
@login_required
def organisation_revoke_invitation(slug: str, invitation_id: int):
    """Withdraw an invitation: its link stops working."""
    organisation = _organisation(slug, "organisation.manage_team")
    invitation = organisations.revoke_invitation(organisation, invitation_id, current_user)
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "info")
    return redirect_to(url_for("accounts.organisation_team", slug=slug))


@bp.post("/organisations/<slug>/team/<int:user_id>/role")
@login_required
def organisation_set_role(slug: str, user_id: int):
    """Change a team member's role."""
    organisation = _organisation(slug, "organisation.manage_team")
    role = organisations.parse_role(request.form.get("role", ""))
    member = organisations.set_role(organisation, user_id, role, current_user)
    flash(_("%(name)s is now %(role)s.", name=member.display_name,
            role=organisations.ROLE_LABELS[role].lower()), "success")
    return redirect_to(url_for("accounts.organisation_team", slug=slug))


@bp.post("/organisations/<slug>/team/<int:user_id>/remove")
@login_required
def organisation_remove(slug: str, user_id: int):
    """Take a member off the team."""
    organisation = _organisation(slug, "organisation.manage_team")
    member = organisations.remove(organisation, user_id, current_user)
    flash(_("%(name)s is off the team and no longer acts for %(organisation)s.", name=member.display_name,
            organisation=organisation.name), "info")
    return redirect_to(url_for("accounts.organisation_team", slug=slug))


@bp.post("/organisations/<slug>/team/leave")
@login_required
def organisation_leave(slug: str):
    """Leave the organisation's team."""
    organisation = _organisation(slug, "organisation.leave")
    organisations.leave(organisation, current_user._get_current_object())
    flash(_("You left the team of %(organisation)s.", organisation=organisation.name), "info")
    return redirect_to(url_for("accounts.organisation", slug=slug))


@bp.route("/team-invitations/<token>", methods=["GET", "POST"])
def organisation_invitation(token: str):
    """An emailed invitation to a team: read it (signed in or not), then join with the invited address's account."""
    invitation = organisations.load_invitation(token, record=request.method == "POST")
    if request.method == "GET":
        return render("accounts/organisation_invitation.html", invitation=invitation,
                      labels=organisations.ROLE_LABELS, powers=organisations.ROLE_POWERS,
                      expires_at=organisations.expires_at, problem=_invitee_problem(invitation))
    if not current_user.is_authenticated:
        raise SignInRequired(_("Please sign in to do this."))
    organisation = invitation.organisation
    if organisations.accept(invitation, current_user._get_current_object()):
        flash(_("Welcome to the team of %(organisation)s.", organisation=organisation.name), "success")
    else:
        flash(_("You are already on the team of %(organisation)s.", organisation=organisation.name), "info")
    return redirect_to(url_for("accounts.organisation_team", slug=organisation.slug))


def _invitee_problem(invitation) -> str | None:
    """Why the signed-in member may not accept this invitation (None: they may, or nobody is signed in)."""
    if not current_user.is_authenticated:
        return None
    try:
        organisations.check_invitee(invitation, current_user)
    except DomainError as error:
        return error.message
    return None
