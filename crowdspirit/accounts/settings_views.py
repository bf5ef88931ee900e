"""A member's account settings: where they are signed in, their email address (confirmation and change), and the
deletion of their account."""

from flask import abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..errors import Conflict, DomainError
from ..web.limits import per_member
from ..web.rendering import form_status, redirect_to, render
from . import archive, erasure, sessions, verification
from .forms import ChangeEmailForm, DeleteAccountForm
from .views import bp


@bp.get("/settings/sessions")
@login_required
def sessions_page():
    """Where you are signed in: each sign-in's device, address, start and last use, with a way to end it."""
    return render("accounts/sessions.html", "accounts/_sessions.html", signed_in=sessions.active(current_user),
                  current=sessions.current(current_user), device=sessions.device)


@bp.post("/settings/sessions/<int:sign_in_id>/revoke")
@login_required
def revoke_session(sign_in_id: int):
    """End one sign-in (this one signs you out)."""
    member = current_user._get_current_object()
    this_one = sign_in_id == sessions.current(member)
    if this_one:
        sessions.sign_out(member)
        flash(_("You are signed out."), "info")
        return redirect_to(url_for("accounts.login"))
    if sessions.revoke(member, sign_in_id):
        flash(_("That session is signed out."), "success")
    return redirect_to(url_for("accounts.sessions_page"))


@bp.post("/settings/sessions/revoke-others")
@login_required
def revoke_other_sessions():
    """End every sign-in but this one."""
    ended = sessions.sign_out_elsewhere(current_user._get_current_object())
    flash(_("Signed out everywhere else (%(count)d session(s)).", count=ended), "success")
    return redirect_to(url_for("accounts.sessions_page"))


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
def email_settings():
    """Your address: whether it is confirmed, a new confirmation link, and a change of address."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            verification.request_change(current_user, form.email.data, form.current.data)
        except Conflict as error:
            form.email.errors.append(error.message)
        except DomainError as error:
            form.current.errors.append(error.message)
        else:
            flash(_("We have sent a link to %(email)s: open it to make it your address.", email=form.email.data),
                  "info")
            return redirect_to(url_for("accounts.email_settings"))
    return render("accounts/email.html", status=form_status(form), form=form)


@bp.post("/settings/email/resend")
@login_required
@per_member("VERIFICATION_RATE_LIMIT")
def resend_verification():
    """Send a new confirmation link (a few per hour)."""
    if current_user.email_verified_at is None:
        verification.send_verification(current_user)
        flash(_("We have sent a new link to %(email)s.", email=current_user.email), "info")
    return redirect_to(url_for("accounts.email_settings"))


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm your address through the emailed link (signed in or not): the link opens a page, its button confirms
    (so that a mail scanner opening links confirms nothing)."""
    if request.method == "GET":
        user = verification.verify(token, apply=False)
        return render("accounts/confirm_link.html", heading=_("Confirm your email address"),
                      text=_("Confirm that %(email)s is your address.", email=user.email),
                      button=_("Confirm my address"))
    verification.verify(token)
    flash(_("Your email address is confirmed: you can now post, vote and propose."), "success")
    return redirect_to(url_for("home.index"))


@bp.route("/email/change/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """Make the new address yours through the link sent to it: the link opens a page, its button confirms."""
    if request.method == "GET":
        new_email = verification.confirm_change(token, apply=False)
        return render("accounts/confirm_link.html", heading=_("Change your email address"),
                      text=_("Make %(email)s the address of your account.", email=new_email),
                      button=_("Use this address"))
    new_email = verification.confirm_change(token)
    flash(_("Your email address is now %(email)s.", email=new_email), "success")
    return redirect_to(url_for("home.index"))


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete your account: what goes and what stays is written on the page; your password confirms."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            erasure.delete_account(current_user._get_current_object(), form.current.data, form.remove_posts.data)
        except DomainError as error:
            form.current.errors.append(error.message)
        else:
            logout_user()
            flash(_("Your account is deleted. Thank you for what you brought to the community."), "info")
            return redirect_to(url_for("home.index"))
    return render("accounts/delete.html", status=form_status(form), form=form)


@bp.get("/settings/data")
@login_required
def data_page():
    """Your data: ask for an archive of everything the platform keeps about you, and download it once ready."""
    prepared = archive.ready(current_user)
    return render("accounts/data.html", prepared=prepared and archive.prepared_at(prepared),
                  keep_days=archive.KEEP_DAYS)


@bp.post("/settings/data")
@login_required
@per_member("ARCHIVE_RATE_LIMIT")
def request_data_archive():
    """Ask for a fresh archive of your data: it is prepared in the background and we email you when it is ready."""
    page = current_app.config["SITE_URL"].rstrip("/") + url_for("accounts.data_page")  # never the Host header's
    archive.request_archive(current_user._get_current_object(), page)
    flash(_("We are preparing your archive; we will email you when it is ready."), "info")
    return redirect_to(url_for("accounts.data_page"))


@bp.get("/settings/data/archive.zip")
@login_required
def download_data_archive():
    """Download your prepared archive (yours only: no address names another member's)."""
    prepared = archive.ready(current_user)
    if prepared is None:
        abort(404)
    return send_file(prepared, mimetype="application/zip", as_attachment=True,
                     download_name=f"crowdspirit-data-{archive.prepared_at(prepared):%Y-%m-%d}.zip")
