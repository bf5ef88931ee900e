"""Moderation pages: flagging, hiding and showing posts, moderators' edits and redactions, locking and pinning
threads, appeals, the queue and its bulk actions."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..access import require
from ..accounts.models import User
from ..errors import Conflict, NotFound
from ..extensions import db
from ..projects.services import load_project
from ..web.rendering import form_status, page_number, redirect_to, render, safe_next
from . import moderation, services
from .forms import ModeratorEditForm
from .models import Appeal
from .views import posting_limit

bp = Blueprint("moderation", __name__)
bp.add_app_template_global(moderation.FLAG_LABELS, "flag_labels")


def _back_to(post) -> str:
    """The post at its place in its thread."""
    return url_for("forum.permalink", post_id=post.id)


@bp.post("/posts/<int:post_id>/flag")
@login_required
@posting_limit
def flag(post_id: int):
    """Report a post to the moderators."""
    post = services.load_post(post_id, current_user, "post.flag")
    moderation.flag(post, current_user, request.form.get("reason", ""), request.form.get("category", "other"))
    flash(_("Thank you: the moderators will review this post."), "success")
    return redirect_to(_back_to(post))


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    """Hide a post, with the reason its author will read."""
    post = services.load_post(post_id, current_user, "post.moderate")
    moderation.hide(post, current_user, request.form.get("reason", ""))
    flash(_("Post hidden."), "info")
    return redirect_to(safe_next(_back_to(post)))


def _moderate(post_id: int, act, message: str, category: str = "info"):
    """Apply a moderator's act to a post, say so, and go back where the moderator came from (else the post)."""
    post = services.load_post(post_id, current_user, "post.moderate")
    act(post, current_user)
    flash(message, category)
    return redirect_to(safe_next(_back_to(post)))


@bp.post("/posts/<int:post_id>/unhide")
@login_required
def unhide(post_id: int):
    """Show a hidden post again."""
    return _moderate(post_id, moderation.unhide, _("Post shown again."))


@bp.post("/posts/<int:post_id>/dismiss-flags")
@login_required
def dismiss_flags(post_id: int):
    """Close the open flags on a post that breaks no rule."""
    return _moderate(post_id, moderation.dismiss_flags, _("Flags dismissed: the post stays as it is."))


@bp.post("/posts/<int:post_id>/approve")
@login_required
def approve(post_id: int):
    """Publish a newcomer's held post."""
    return _moderate(post_id, services.approve, _("Post approved."), "success")


@bp.post("/threads/<int:thread_id>/move")
@login_required
def move(thread_id: int):
    """Move a community thread to another category."""
    thread = services.load_thread(thread_id, current_user, "thread.moderate")
    moderation.move(thread, current_user, request.form.get("category", ""))
    flash(_("Thread moved."), "info")
    return redirect_to(url_for("forum.thread", thread_id=thread.id))


BULK_DONE = {
    "approve": lambda count: ngettext("%(num)d post approved.", "%(num)d posts approved.", count),
    "dismiss": lambda count: ngettext("Flags dismissed on %(num)d post.", "Flags dismissed on %(num)d posts.", count),
    "hide": lambda count: ngettext("%(num)d post hidden.", "%(num)d posts hidden.", count),
    "show": lambda count: ngettext("%(num)d post shown again.", "%(num)d posts shown again.", count),
}


@bp.post("/moderation/bulk")
@login_required
def bulk():
    """Approve, dismiss the flags of, hide (with one reason) or show again several posts of the queue at once (every
    post checked before any is changed)."""
    action = request.form.get("action", "hide")
    count = moderation.bulk(action, request.form.getlist("post", type=int), current_user,
                            request.form.get("reason", ""))
    flash(BULK_DONE[action](count), "info")
    return redirect_to(safe_next(url_for("moderation.queue")))


@bp.route("/posts/<int:post_id>/moderate", methods=["GET", "POST"])
@login_required
def moderator_edit(post_id: int):
    """A moderator edits someone's post (the earlier text kept in its history), with a reason shown on it."""
    post = services.load_post(post_id, current_user, "post.moderate_edit")
    form = ModeratorEditForm(obj=post)
    if form.validate_on_submit():
        moderation.moderator_edit(post, current_user, form.body.data, form.reason.data)
        flash(_("Post edited; its author is told why."), "success")
        return redirect_to(_back_to(post))
    return render("forum/moderator_edit.html", status=form_status(form), form=form, post=post,
                  revisions=services.revisions(post, current_user))


@bp.post("/posts/<int:post_id>/redact")
@login_required
def redact(post_id: int):
    """A moderator replaces a post's text with a placeholder (the original kept for moderators only)."""
    post = services.load_post(post_id, current_user, "post.moderate_edit")
    moderation.redact(post, current_user, request.form.get("reason", ""))
    flash(_("Post redacted; its author is told why."), "info")
    return redirect_to(_back_to(post))


@bp.post("/threads/<int:thread_id>/state")
@login_required
def thread_state(thread_id: int):
    """Lock, unlock, pin or unpin a thread."""
    thread = services.load_thread(thread_id, current_user, "thread.moderate")
    changes = {"lock": {"locked": True}, "unlock": {"locked": False}, "pin": {"pinned": True},
               "unpin": {"pinned": False}}.get(request.form.get("action", ""))
    if changes is None:
        raise Conflict(_("Unknown moderation action."))
    moderation.set_thread_state(thread, current_user, **changes)
    return redirect_to(url_for("forum.thread", thread_id=thread.id))


@bp.route("/posts/<int:post_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(post_id: int):
    """The author of a hidden post asks another moderator to look again (once)."""
    post = services.load_post(post_id, current_user, "post.appeal")
    if request.method == "POST":
        moderation.appeal(post, current_user, request.form.get("text", ""))
        flash(_("Your appeal was sent; a different moderator will decide."), "success")
        return redirect_to(_back_to(post))
    return render("forum/appeal.html", post=post, filed=moderation.appeal_of(post))


def _queue_page(project=None):
    """Flagged posts, held posts and pending appeals the moderator may act on (in one project if given)."""
    flagged = moderation.queue(current_user, page_number(), current_app.config["PER_PAGE"], project)
    return render("forum/queue.html", flagged=flagged, project=project,
                  appeals=moderation.pending_appeals(current_user, project),
                  held=moderation.held_posts(current_user, project),
                  flags=moderation.open_flags([p.id for p in flagged.items]))


@bp.route("/moderation")
@login_required
def queue():
    """The platform moderators' queue: every thread they may read."""
    require(current_user, "forum.queue", current_user)
    return _queue_page()


@bp.route("/projects/<slug>/moderation")
@login_required
def project_queue(slug: str):
    """A project's moderation queue, for its owner and project moderators."""
    return _queue_page(load_project(slug, current_user, "project.moderate"))


@bp.post("/appeals/<int:appeal_id>/decide")
@login_required
def decide(appeal_id: int):
    """Uphold or overturn the hiding of a post."""
    filed = db.session.get(Appeal, appeal_id)
    if filed is None:
        raise NotFound(_("This appeal does not exist."))
    require(current_user, "post.moderate", filed.post)
    moderation.decide_appeal(filed, current_user, request.form.get("overturn") == "1")
    flash(_("Appeal decided."), "success")
    return redirect_to(safe_next(_back_to(filed.post)))


@bp.post("/users/<int:user_id>/sanction")
@login_required
def sanction(user_id: int):
    """Suspend a member for some days, ban them, or lift the sanction."""
    target = require(current_user, "user.sanction", db.session.get(User, user_id))
    moderation.sanction(target, current_user, request.form.get("action", ""),
                        request.form.get("days", 0, type=int) or 0, request.form.get("reason", "").strip())
    flash(_("Sanction recorded."), "info")
    return redirect_to(url_for("accounts.profile", user_id=target.id))
