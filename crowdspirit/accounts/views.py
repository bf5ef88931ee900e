"""Sign-up, sign-in, sign-out and member profiles."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..database import paginate
from ..errors import Conflict, NotFound
from ..extensions import limiter
from ..pipeline import services as pipeline
from ..projects.services import invitations_for
from ..web.rendering import form_status, page_number, redirect_to, render, safe_next
from . import services
from .forms import LoginForm, ProfileForm, SignupForm

bp = Blueprint("accounts", __name__)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and sign in."""
    form = SignupForm(ref=request.args.get("ref", "")[:24])
    if form.validate_on_submit():
        try:
            user = services.register(form.email.data, form.display_name.data, form.password.data,
                                     form.profile_kind.data, form.skills.data, referral_code=form.ref.data)
        except Conflict as error:
            form.email.errors.append(error.message)
        else:
            login_user(user)
            flash(_("Welcome to CrowdSpirit, %(name)s!", name=user.display_name), "success")
            return redirect_to(safe_next(url_for("web.home")))
    return render("accounts/signup.html", "accounts/_signup_form.html", form_status(form), form=form)


def _login_limit() -> str:
    """The configured sign-in attempt limit per client address."""
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.banned:
            form.password.errors.append(_("This account has been banned by the moderators."))
        elif user is not None:
            login_user(user)
            flash(_("Signed in. Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect_to(safe_next(url_for("web.home")))
        else:
            form.password.errors.append(_("Wrong email or password."))
    return render("accounts/login.html", status=form_status(form), form=form)


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect_to(url_for("web.home"))


@bp.route("/users/<int:user_id>")
def profile(user_id: int):
    """A member's public profile with their ideas and votes."""
    user = services.get_user(user_id)
    if user is None:
        raise NotFound(_("This page does not exist, or you may not see it."))
    per_page = current_app.config["PER_PAGE"]
    ideas = paginate(pipeline.ideas_query(current_user, author_id=user.id, sort="newest"),
                              page_number(), per_page)
    votes = paginate(pipeline.votes_of(user.id, current_user), 1, per_page)
    own = current_user.is_authenticated and current_user.id == user.id
    return render("accounts/profile.html", user=user, ideas=ideas, votes=votes,
                  invitations=invitations_for(user) if own else [])


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Edit your own profile."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.profile_kind.data,
                                form.skills.data, form.bio.data)
        flash(_("Profile saved."), "success")
        return redirect_to(url_for("accounts.profile", user_id=current_user.id))
    return render("accounts/edit_profile.html", status=form_status(form), form=form)
