"""The kinds of notification this domain gives itself: about new posts (who follows a thread is known here) and the
moves of ideas (their authors, voters and followers)."""

from flask_babel import lazy_gettext as _l

from .. import notices
from ..pipeline.services import STAGE_LABELS


def register() -> None:
    """Declare replies, mentions, followed threads and ideas' moves."""
    forum, ideas = _l("Discussions"), _l("Ideas")
    post_kind = {"group": forum, "view": "post.view", "guard": lambda post: post.thread,
                 "title": lambda post: post.thread.title}
    notices.declare("reply", label=_l("Replies to your messages"),
                    text=_l("%(who)s replied to you in “%(title)s”"), **post_kind)
    notices.declare("mention", label=_l("Mentions of you"), text=_l("%(who)s mentioned you in “%(title)s”"),
                    **post_kind)
    notices.declare("follow", label=_l("New messages in threads you follow"), default="app",
                    text=_l("%(who)s posted in “%(title)s”, which you follow"), **post_kind)
    notices.declare("stage", label=_l("Moves of the ideas you proposed, voted for or follow"), group=ideas,
                    text=_l("“%(title)s” moved to the stage %(detail)s"), view="idea.view",
                    details={stage.value: label for stage, label in STAGE_LABELS.items()})
