"""The notification list, marking as read, and following threads."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import mail, notices
from ..access import can
from ..errors import NotFound
from ..extensions import csrf
from ..forum.services import load_thread
from ..web.rendering import page_number, redirect_to, render
from . import services

bp = Blueprint("notifications", __name__)


def unread_badge() -> dict:
    """Every page's unread-notifications badge (a context processor), counted only if the page shows it."""
    return {"unread_notifications": lambda: services.unread_count(current_user._get_current_object())}


@bp.route("/notifications")
@login_required
def index():
    """Your notifications, newest first (only those about what you may still read), of every kind or one."""
    kind = request.args.get("kind") if request.args.get("kind") in notices.KINDS else None
    return render("notifications/index.html", kind=kind, kinds=services.kinds_in_use(current_user),
                  items=services.listing(current_user, page_number(), current_app.config["PER_PAGE"], kind))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Open a notification: it is read now, and you go to what it is about."""
    return redirect_to(services.link_of(services.open_notification(notification_id, current_user)))


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark every notification as read."""
    services.mark_all_read(current_user)
    return redirect_to(url_for("notifications.index"))


@bp.post("/notifications/read/<subject_type>/<int:subject_id>")
@login_required
def read_about(subject_type: str, subject_id: int):
    """Mark your notifications about one object read (its page says so once it shows it: no GET writes)."""
    services.mark_read_about(current_user, subject_type, subject_id)
    return "", 204


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """How you hear of each kind of notification: in the app only, also by email at once or in a daily or weekly
    digest, or not at all."""
    if request.method == "POST":
        services.set_preferences(current_user, {name: value for name, value in request.form.items()
                                                if name != "csrf_token"})
        flash(_("Your notification settings are saved."), "success")
        return redirect_to(url_for("notifications.settings"))
    return render("notifications/settings.html", chosen=services.preferences(current_user),
                  groups=services.kinds_by_group(current_user))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one click from the mail client (RFC 8058): a signed link, no session and no form token
def unsubscribe(token: str):
    """Stop a digest, or one kind's emails at once, from its email's link, without signing in: the page asks to
    confirm, the POST (the mail client's one click, or the page's button) stops it."""
    user, channel, kind = services.read_unsubscribe(token)
    done = request.method == "POST"
    if done:
        services.unsubscribe(user, channel, kind)
    return render("notifications/unsubscribe.html", channel=channel, kind=notices.KINDS.get(kind), done=done,
                  token=token)


@bp.get("/admin/mail")
@login_required
def mail_queue():
    """The emails the mail server refused or could not take yet, and those given up (administrators only)."""
    if not can(current_user, "mail.review", None):
        raise NotFound(_("This page does not exist, or you may not see it."))
    return render("notifications/mail_queue.html", troubles=mail.troubles())


@bp.post("/admin/mail/<int:mail_id>/retry")
@login_required
def retry_mail(mail_id: int):
    """Try a waiting or failed email again now (once the mail server is fixed)."""
    if not can(current_user, "mail.review", None):
        raise NotFound(_("This page does not exist, or you may not see it."))
    if mail.retry_now(mail_id):
        flash(_("The email will be tried again now."), "success")
    else:
        flash(_("This email is not waiting any more."), "info")
    return redirect_to(url_for("notifications.mail_queue"))


@bp.post("/threads/<int:thread_id>/follow")
@login_required
def follow(thread_id: int):
    """Follow or stop following a thread."""
    thread = load_thread(thread_id, current_user, "thread.follow")
    following = not services.is_following(thread, current_user)
    services.set_following(thread, current_user, following)
    flash(_("You follow this thread.") if following else _("You no longer follow this thread."), "info")
    return redirect_to(url_for("forum.thread", thread_id=thread.id))
