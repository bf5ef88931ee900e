"""The forum's part of the access policy: a thread follows its idea, its project's open idea stage or its R&D
workspace, and its posts follow it; who moderates, flags, posts at once and announces."""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import exists, func, or_, select

from .. import access, stamps
from ..access import Rule, Standing, author, can, fact, sees, sees_sql, signed_in
from ..database import among
from ..extensions import db
from ..pipeline.models import Idea
from ..pipeline.rules import PARTICIPATION, idea_visible
from ..projects.models import Project
from ..projects.rules import manager, member_manager
from .models import MemberWarning, Post, Thread


def thread_of(obj) -> Thread:
    """The thread protecting a post (or the thread itself)."""
    return obj if isinstance(obj, Thread) else obj.protection_parent


def thread_visible(user, obj) -> bool:
    """A thread (and its posts) is visible where its level allows; a workspace's thread to its participants only."""
    thread = thread_of(obj)
    if thread.partnership_id is not None:
        return thread.partnership_id in fact("workspaces", user)
    if thread.idea_id is not None:
        return idea_visible(user, thread.idea)
    return thread.project is None or sees(user, thread.project, access.level_of(thread))


def visible_threads(query, user):
    """SQL mirroring thread_visible: community threads, and those whose idea, project or workspace the user sees.
    The idea is looked up per thread (by its key), so a query over a few threads never reads every idea."""
    idea_seen = access.visible(select(Idea.id).where(Idea.id == Thread.idea_id), user).correlate_except(Idea).exists()
    projects = select(Project.id).where(sees_sql(user, Project, Project.policy_idea))
    return query.where(or_(Thread.category.is_not(None), idea_seen, Thread.project_id.in_(projects),
                           among(Thread.partnership_id, fact("workspaces", user))))


def forum_moderator(user, obj) -> bool:
    """Platform moderators everywhere; a project's owner and moderators in its threads."""
    thread = thread_of(obj)
    return user.is_moderator or (thread.project is not None and member_manager(user, thread.project))


def flagger(user, post) -> bool:
    return post.author_id != user.id


def unredacted_author(user, post) -> bool:
    """The author edits their post, unless a moderator redacted it."""
    return author(user, post) and not post.redacted


def post_visible(user, post) -> bool:
    """A post follows its thread; a post held for approval shows only to its author and moderators."""
    if not thread_visible(user, post):
        return False
    if not post.pending:
        return True
    return user.is_authenticated and (post.author_id == user.id or forum_moderator(user, post))


def trusted_poster(user, thread) -> bool:
    """Members whose karma reached KARMA_TRUSTED_POSTER post at once where first posts are held (0: nobody)."""
    threshold = current_app.config["KARMA_TRUSTED_POSTER"]
    return threshold > 0 and getattr(user, "karma", 0) >= threshold


def announcer(user, thread) -> bool:
    """Only platform moderators open threads in the announcements category."""
    return thread.category != "announcements" or user.is_moderator


def sanctioner(user, target) -> bool:
    """Platform moderators suspend or ban members, never themselves or an admin."""
    return user.is_moderator and not target.is_admin and target.id != user.id


def platform_moderator(user, obj) -> bool:
    return user.is_moderator


#: the kinds of readers a live post is rendered for, by the controls the page gives them on others' posts
READER_KINDS = ("reader", "member", "moderator")


def reader_kind(user, thread) -> str:
    """The kind of reader whose live pushes a user's socket on a thread gets: the moderators of the thread (Hide on
    every post), members (Flag on others' posts), or readers (no control that acts). Hide is thread.moderate on the
    post's thread; Flag needs an account and refuses only one's own post, which the page hides by author."""
    if can(user, "thread.moderate", thread):
        return "moderator"
    return "member" if user.is_authenticated else "reader"


RULES = {
    "thread.view": Rule(thread_visible, needs_account=False),
    "thread.create": Rule(announcer, _l("Only moderators post announcements."), takes_part=True),
    "thread.post": Rule(signed_in, takes_part=True),
    "thread.follow": Rule(signed_in),
    "thread.moderate": Rule(forum_moderator, _l("Only moderators can lock or pin threads.")),
    "post.view": Rule(post_visible, needs_account=False),
    "post.edit": Rule(unredacted_author,
                      _l("Only the author can edit this post. A post a moderator redacted stays as it is.")),
    "post.moderate_edit": Rule(forum_moderator, _l("Only moderators edit or redact others' posts.")),
    "post.skip_hold": Rule(trusted_poster,
                           _l("Your first posts here wait for a moderator until your karma is higher.")),
    "post.react": Rule(signed_in, takes_part=True),
    "post.flag": Rule(flagger, _l("You cannot flag your own post.")),
    "post.moderate": Rule(forum_moderator, _l("Only moderators can hide or show posts.")),
    "post.appeal": Rule(author, _l("Only the author of a hidden post can appeal.")),
    "project.moderate": Rule(manager, _l("Only the project's owner and moderators moderate its discussions.")),
    "forum.queue": Rule(platform_moderator, _l("Only moderators see the flag queue."), reads=True),
    "user.sanction": Rule(sanctioner, _l("Only moderators suspend or ban members (and never themselves or an admin).")),
}


def posted_in_discussion(user, idea) -> bool:
    """The member wrote in the idea's discussion (a way of taking part in it)."""
    return db.session.scalar(select(exists().where(Post.author_id == user.id, Post.thread_id == Thread.id,
                                                   Thread.idea_id == idea.id)))


def register() -> None:
    """Register the forum's rules and the threads' SQL filter with the access core, and posting in an idea's
    discussion as a way of taking part in it."""
    access.register(rules=RULES, views={Thread: "thread.view", Post: "post.view"}, filters={Thread: visible_threads})
    PARTICIPATION.append(posted_in_discussion)


# The moderation console: the platform's moderation log, the member directory and pages, and warnings.

def _pending_warning(member_id: int):
    """The id of the member's oldest unacknowledged warning, else NULL (a member's stamp, read with the others in the
    sign-in loader's statement: a page costs no statement of its own for it)."""
    return (select(func.min(MemberWarning.id))
            .where(MemberWarning.user_id == member_id, MemberWarning.acknowledged_at.is_(None)).scalar_subquery())


stamps.register("warning-pending", _pending_warning, per_member=True)


def pending_warning(user) -> int | None:
    """The id of the warning the member has yet to acknowledge (the oldest), or None."""
    if isinstance(user, access.OrganisationActor) or not user.is_authenticated:
        return None
    return stamps.value("warning-pending", user.id)


def warnings_acknowledged(user) -> bool:
    """A member takes part once they acknowledged every warning a moderator sent them."""
    return pending_warning(user) is None


def warning_link() -> tuple:
    """Where a member reads the warning they have yet to acknowledge."""
    return url_for("console.warning", warning_id=pending_warning(current_user)), _l("Read the warning")


def warned_member(user, warning) -> bool:
    """Only the member a warning was sent to acknowledges it."""
    return warning.user_id == user.id


def warning_reader(user, warning) -> bool:
    """A warning is private: its member and the platform's moderators read it."""
    return user.is_authenticated and (warning.user_id == user.id or user.is_moderator)


CONSOLE_RULES = {
    "moderation.console": Rule(platform_moderator, _l("Only the platform's moderators use the moderation console."),
                               reads=True),
    "user.warn": Rule(sanctioner, _l("Only moderators warn members (and never themselves or an admin).")),
    "warning.view": Rule(warning_reader),
    "warning.acknowledge": Rule(warned_member, _l("Only the member who was warned acknowledges the warning."),
                                reads=True),
}
WARNING_STANDING = Standing(warnings_acknowledged, _l(
    "A moderator sent you a warning: read it and acknowledge it to go on posting, voting and proposing."), warning_link)


def register_console() -> None:
    """Register the console's rules, the warnings' view rule, and acknowledging one's warnings as a standing."""
    access.register(rules=CONSOLE_RULES, views={MemberWarning: "warning.view"},
                    standings={"warning": WARNING_STANDING})
