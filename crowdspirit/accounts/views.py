"""Sign-up, sign-in, sign-out and member profiles."""

from typing import NamedTuple

from flask import Blueprint, flash, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import access
from ..errors import Conflict, DomainError, NotFound
from ..web.limits import per_address
from ..web.rendering import form_status, redirect_to, render, safe_next
from . import charter, oidc, services, sessions, verification
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordFields,
    ProfileForm,
    SignupForm,
    organisation_sign_in_form,
)
from .models import ProfileKind

bp = Blueprint("accounts", __name__)
SIGN_IN_MESSAGE = _l("Please sign in to see this page.")


class MemberChrome(NamedTuple):
    """What the site header shows of the signed-in member."""

    id: int
    name: str
    moderator: bool
    #: the organisation they act for, if any
    organisation: str | None
    karma: int
    #: an administrator: the header links the platform's audit log
    admin: bool = False


def member_chrome() -> MemberChrome | None:
    """The signed-in member as the site header shows them (a Jinja global; None for visitors)."""
    user = current_user._get_current_object()  # once: each look through the proxy finds the user again
    if not user.is_authenticated:
        return None
    organisation = user.organisation
    return MemberChrome(user.id, user.display_name, user.is_moderator, organisation.name if organisation else None,
                        user.karma, user.is_admin)


def standing_notice():
    """What the signed-in member lacks to take part (a Jinja global for the page's banner), or None."""
    user = current_user._get_current_object()
    if not user.is_authenticated or isinstance(user, access.OrganisationActor):
        return None
    return access.unmet_standing(user)


PROFILE_KIND_LABELS = {
    ProfileKind.AMATEUR: _l("Amateur"),
    ProfileKind.STUDENT: _l("Student"),
    ProfileKind.PROFESSIONAL: _l("Professional"),
    ProfileKind.EXPERT: _l("Expert"),
}


@bp.route("/signup", methods=["GET", "POST"])
@per_address("SIGNUP_RATE_LIMIT")
def signup():
    """Create an account and sign in."""
    in_force = charter.current()
    form = SignupForm(ref=request.args.get("ref", "")[:24], charter_version=in_force.number if in_force else "")
    if form.validate_on_submit() & _charter_accepted(form, in_force):
        try:
            user = services.register(form.email.data, form.display_name.data, form.password.data,
                                     form.profile_kind.data, form.skills.data, referral_code=form.ref.data)
        except Conflict as error:
            form.email.errors.append(error.message)
        else:
            if in_force is not None:
                charter.accept(user, in_force.number)
            verification.send_verification(user)
            sessions.sign_in(user, "signup")
            flash(_("Welcome to CrowdSpirit, %(name)s! We have sent a link to %(email)s: open it to confirm your "
                    "address, then post, vote and propose.", name=user.display_name, email=user.email), "success")
            return redirect_to(safe_next(url_for("home.index")))
    return render("accounts/signup.html", "accounts/_signup_form.html", form_status(form), form=form,
                  charter=in_force)


def _charter_accepted(form: SignupForm, in_force) -> bool:
    """Whether the sign-up accepts the charter in force (the version the form showed), else an error beside it."""
    if in_force is None or not form.is_submitted():
        return True
    if not form.charter.data:
        form.charter.errors = [*form.charter.errors, _("Accept the charter to join.")]
    elif form.charter_version.data != str(in_force.number):
        form.charter.errors = [*form.charter.errors, _("A new version of the charter was published meanwhile: "
                                                       "read it, then accept it.")]
    return not form.charter.errors


@bp.route("/login", methods=["GET", "POST"])
@per_address("LOGIN_RATE_LIMIT")
def login():
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountLocked as locked:
            form.password.errors.append(locked.message)
        else:
            if user is None:
                form.password.errors.append(_("Wrong email or password."))
            elif user.banned:
                form.password.errors.append(_("This account has been banned by the moderators."))
            else:
                sessions.sign_in(user, "password")
                flash(_("Signed in. Welcome back, %(name)s.", name=user.display_name), "success")
                return redirect_to(safe_next(url_for("home.index")))
    return render("accounts/login.html", status=form_status(form), form=form,
                  organisation_form=organisation_sign_in_form(oidc.sign_in_organisations()))


@bp.route("/password/forgot", methods=["GET", "POST"])
@per_address("PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    """Ask for a password reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        flash(_("If an account uses %(email)s, we have sent it a link to choose a new password.",
                email=form.email.data), "info")
        return redirect_to(url_for("accounts.login"))
    return render("accounts/password.html", status=form_status(form), form=form, kind="forgot")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through the emailed link, then continue signed in."""
    user = services.user_of_reset_token(token, record=request.method == "POST")
    form = NewPasswordFields()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        sessions.sign_in(user, "reset")
        flash(_("Your new password is saved and you are signed in."), "success")
        return redirect_to(url_for("home.index"))
    return render("accounts/password.html", status=form_status(form), form=form, kind="reset")


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your password; your other sessions are signed out."""
    form, member = ChangePasswordForm(), current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(member, form.current.data, form.password.data)
        except DomainError as error:
            form.current.errors.append(error.message)
        else:
            flash(_("Password changed. Your other sessions are signed out."), "success")
            return redirect_to(url_for("accounts.edit_profile"))
    return render("accounts/password.html", status=form_status(form), form=form, kind="change")


@bp.post("/logout")
def logout():
    """Sign out: this sign-in ends on the server, so a copy of the cookie is refused from now on."""
    sessions.sign_out(current_user)
    flash(_("You are signed out."), "info")
    return redirect_to(url_for("home.index"))


@bp.route("/users/<int:user_id>")
def profile(user_id: int):
    """A member's public profile; the other domains' panels add their ideas, votes and (on one's own) invitations."""
    user = services.get_user(user_id)
    if user is None or user.deleted_at is not None:  # a deleted member has no profile any more
        raise NotFound(_("This page does not exist, or you may not see it."))
    return render("accounts/profile.html", user=user)


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Edit your own profile."""
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.language.data = current_user.language or str(get_locale())
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.profile_kind.data,
                                form.skills.data, form.bio.data, form.language.data)
        if form.language.data:
            session["lang"] = form.language.data  # this browser reads it at once
        flash(_("Profile saved."), "success")
        return redirect_to(url_for("accounts.profile", user_id=current_user.id))
    return render("accounts/edit_profile.html", status=form_status(form), form=form)
