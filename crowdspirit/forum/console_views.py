"""The moderation console's pages: the platform's moderation log (and its CSV), the member directory, a member's
page for moderators, and warnings (sent by moderators, read and acknowledged by the member)."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import can, require
from ..errors import NotFound
from ..web import panels
from ..web.rendering import csv_download, page_number, redirect_to, render
from . import console

bp = Blueprint("console", __name__)

#: what the log calls each moderation action (an action without a label shows its code)
ACTION_LABELS = {
    "post.hidden": _l("Post hidden"), "post.shown": _l("Post shown again"),
    "post.flags_dismissed": _l("Flags dismissed"), "post.approved": _l("Held post approved"),
    "thread.moved": _l("Thread moved"), "thread.locked": _l("Thread locked"), "thread.unlocked": _l("Thread unlocked"),
    "thread.pinned": _l("Thread pinned"), "thread.unpinned": _l("Thread unpinned"),
    "appeal.filed": _l("Appeal filed"), "appeal.upheld": _l("Appeal refused"),
    "appeal.overturned": _l("Appeal granted"), "member.suspend": _l("Member suspended"),
    "member.ban": _l("Member banned"), "member.lift": _l("Sanction lifted"), "member.warned": _l("Member warned"),
    "warning.acknowledged": _l("Warning acknowledged"),
}


def _console() -> None:
    """Only platform moderators (and admins) use the console."""
    require(current_user, "moderation.console", current_user)


def _target_link(event) -> str | None:
    """Where an event's target opens: the member's page in the console, or a post's or a thread's (their pages
    check access again)."""
    if event.target_user_id is not None:
        return url_for("console.member", user_id=event.target_user_id)
    kind, _sep, number = event.target.partition(" #")
    if not number.isdigit():
        return None
    if kind == "post":
        return url_for("forum.permalink", post_id=int(number))
    return url_for("forum.thread", thread_id=int(number)) if kind == "thread" else None


@bp.get("/moderation/log")
@login_required
def log():
    """Every moderation and sanction action on the platform (every project's too), filtered, newest first."""
    _console()
    chosen = console.LogFilter.from_args(request.args)
    events = console.log(chosen, page_number(), current_app.config["PER_PAGE"])
    return render("forum/console/log.html", "forum/console/_log_rows.html", events=events, chosen=chosen,
                  actions=console.log_actions(), labels=ACTION_LABELS, target_link=_target_link,
                  projects=console.project_titles(events.items, current_user))


@bp.get("/moderation/log.csv")
@login_required
def export_log():
    """The moderation log as the filter keeps it, as CSV."""
    _console()
    return csv_download(console.log_csv(console.LogFilter.from_args(request.args), current_user), "moderation-log.csv")


@bp.get("/moderation/members")
@login_required
def members():
    """The member directory: search by name or email, filter by karma, sanctions and joining date."""
    _console()
    chosen = console.MemberFilter.from_args(request.args)
    found = console.directory(chosen, page_number(), current_app.config["PER_PAGE"])
    return render("forum/console/members.html", "forum/console/_member_rows.html", members=found, chosen=chosen)


def _member(user_id: int):
    """The member a moderator looks at (404 for an unknown or deleted account)."""
    _console()
    member = console.load_member(user_id)
    if member is None:
        raise NotFound(_("This page does not exist, or you may not see it."))
    return member


@bp.get("/moderation/members/<int:user_id>")
@login_required
def member(user_id: int):
    """A member as moderators see them: posts, flags received and given, sanctions, warnings, and the other domains'
    panels (karma history)."""
    found = _member(user_id)
    return render("forum/console/member.html", member=found,
                  posts=console.posts_of(found, current_user, page_number(), current_app.config["PER_PAGE"]),
                  received=console.flags_received(found, current_user), given=console.flags_given(found, current_user),
                  sanctions=console.sanctions_of(found), warnings=console.warnings_of(found),
                  labels=ACTION_LABELS)


@bp.post("/moderation/members/<int:user_id>/warn")
@login_required
def warn(user_id: int):
    """Send the member a private warning, with its reason."""
    found = require(current_user, "user.warn", _member(user_id))
    console.warn(found, current_user, request.form.get("reason", ""), request.form.get("message", ""))
    flash(_("Warning sent: %(name)s will acknowledge it.", name=found.display_name), "success")
    return redirect_to(url_for("console.member", user_id=found.id))


def _warning(warning_id: int, action: str):
    """A warning the user may act on (404 for anyone but its member and the moderators)."""
    return require(current_user, action, console.load_warning(warning_id))


@bp.get("/warnings/<int:warning_id>")
@login_required
def warning(warning_id: int):
    """A warning: its reason and message, and for its member the button that acknowledges it."""
    return render("forum/console/warning.html", warning=_warning(warning_id, "warning.view"))


@bp.post("/warnings/<int:warning_id>/acknowledge")
@login_required
def acknowledge(warning_id: int):
    """The member acknowledges the warning: the banner leaves their pages."""
    found = console.acknowledge(_warning(warning_id, "warning.acknowledge"), current_user)
    flash(_("Thank you: the warning is acknowledged."), "success")
    return redirect_to(url_for("console.warning", warning_id=found.id))


def profile_link(user, viewer) -> dict | None:
    """On a member's profile, the way for moderators to the member's page in the console."""
    return {"member": user} if can(viewer, "moderation.console", viewer) else None


def register_panels() -> None:
    """Link a member's profile to their page in the console, for moderators."""
    panels.register("profile", panels.Panel("console", "forum/console/_profile_link.html", profile_link, "notice"))
