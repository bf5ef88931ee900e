"""The forum's notices: moderators' decisions about a post, sanctions of a member (told why and until when), and
moderators' warnings (to acknowledge)."""

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from .. import notices


def _suspension_end(user) -> str:
    return format_datetime(user.suspended_until, "short") if user.suspended_until else ""


def register() -> None:
    """Declare the moderation, sanction and warning notices."""
    moderation = _l("Moderation")
    notices.declare("moderation", label=_l("Moderators' decisions about your messages"), group=moderation,
                    text=_l("A moderator acted on your post in “%(title)s”: %(detail)s"), view="post.view",
                    guard=lambda post: post.thread, title=lambda post: post.thread.title, reaches_sanctioned=True,
                    details={"hidden": _l("hidden"), "shown": _l("shown again"),
                             "edited": _l("edited by a moderator"), "redacted": _l("redacted by a moderator"),
                             "appeal upheld": _l("your appeal was refused, the post stays hidden"),
                             "appeal overturned": _l("your appeal was granted, the post is shown again")})
    notices.declare("sanction", label=_l("Sanctions of your account"), group=moderation, default="now",
                    text=_l("%(detail)s"), guard=lambda user: None, title=_suspension_end, reaches_sanctioned=True,
                    link=lambda user: url_for("accounts.profile", user_id=user.id),
                    details={"suspend": _l("Your account is suspended until %(title)s: you can read but not take "
                                           "part."),
                             "ban": _l("Your account is banned: you can no longer take part."),
                             "lift": _l("Your account's suspension or ban is lifted: welcome back.")})
    notices.declare("moderation.warning", label=_l("Warnings from moderators"), group=moderation, default="now",
                    text=_l("A moderator sent you a warning (“%(title)s”): read it and acknowledge it."),
                    guard=lambda warning: None, title=lambda warning: warning.reason, reaches_sanctioned=True,
                    link=lambda warning: url_for("console.warning", warning_id=warning.id))
