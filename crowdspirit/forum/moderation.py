"""Moderation rules: flags in categories (enough of them, or one confidential leak, hide a post pending review),
hiding with a reason, bulk actions from the queue, moderators' edits and redactions, locking, pinning, one appeal
per hidden post decided by a moderator other than the one who hid it, and suspending or banning members."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import access, notices
from ..access import require, visible
from ..audit import services as audit
from ..database import paginate, utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..pipeline.models import Idea
from ..signals import live_access_revoked, post_changed, post_moderated, thread_changed
from . import services
from .models import Appeal, Category, Flag, FlagCategory, Post, PostRevision, Thread

FLAG_LABELS = {
    FlagCategory.SPAM: _l("Spam"),
    FlagCategory.OFF_TOPIC: _l("Off-topic"),
    FlagCategory.ABUSE: _l("Abuse"),
    FlagCategory.LEAK: _l("Confidential information leaked"),
    FlagCategory.OTHER: _l("Other"),
}
REDACTED = "[redacted by a moderator]"


def _project_id(thread: Thread) -> int | None:
    """The project whose audit log records moderation of this thread (None: the community forum)."""
    return thread.project.id if thread.project is not None else None


def _flag_category(category: str, reason: str) -> FlagCategory:
    """The flag's category, checked: "other" needs a reason."""
    if category not in list(FlagCategory):
        raise Conflict(_l("Choose why this post should be reviewed."))
    if category == FlagCategory.OTHER and not reason:
        raise Conflict(_l("Say why this post should be reviewed."))
    return FlagCategory(category)


def flag(post: Post, user, reason: str, category: str = FlagCategory.OTHER) -> Flag:
    """Report a post; a confidential leak hides it at once, and so do FLAGS_TO_HIDE flags, until a moderator
    reviews it."""
    reason = reason.strip()
    category = _flag_category(category, reason)
    db.session.add(Flag(post_id=post.id, user_id=user.id, reason=reason[:300], category=category))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("You have already flagged this post.")) from None
    open_flags = db.session.scalar(select(func.count(Flag.id)).where(Flag.post_id == post.id, Flag.resolved.is_(False)))
    if post.hidden_at is None and category == FlagCategory.LEAK:
        _hide_pending_review(post, _l("Hidden pending review: reported as a confidential leak."))
        audit.record(_project_id(post.thread), user, "post.reported_leak", f"post #{post.id}", reason)
    elif post.hidden_at is None and open_flags >= current_app.config["FLAGS_TO_HIDE"]:
        _hide_pending_review(post, _l("Hidden after several members flagged it; a moderator will review it."))
    db.session.commit()
    if post.hidden_at is not None:
        post_changed.send(post)
    return db.session.scalar(select(Flag).where(Flag.post_id == post.id, Flag.user_id == user.id))


def _hide_pending_review(post: Post, reason) -> None:
    """Hide a post that members reported until a moderator reviews it; its author is told why."""
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), None, str(reason)
    access.changed(_project_id(post.thread), "post.hidden")
    notices.tell("moderation", post, to=[post.author_id], detail="hidden", note=post.hidden_reason)


def hide(post: Post, moderator, reason: str) -> Post:
    """Hide a post with a reason its author will see; open flags on it are resolved."""
    reason = reason.strip()
    if not reason:
        raise Conflict(_l("Give the author a reason."))
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), moderator.id, reason[:300]
    _resolve_flags(post)
    audit.record(_project_id(post.thread), moderator, "post.hidden", f"post #{post.id}", reason)
    access.changed(_project_id(post.thread), "post.hidden")
    notices.tell("moderation", post, to=[post.author_id], actor=moderator, detail="hidden", note=post.hidden_reason)
    db.session.commit()
    post_changed.send(post)
    post_moderated.send(post, action="hidden", actor=moderator)
    return post


def unhide(post: Post, moderator) -> Post:
    """Show a hidden post again; open flags on it are resolved."""
    if post.hidden_at is None:
        raise Conflict(_l("This post is not hidden."))
    post.hidden_at, post.hidden_by_id, post.hidden_reason = None, None, ""
    _resolve_flags(post)
    audit.record(_project_id(post.thread), moderator, "post.shown", f"post #{post.id}")
    access.changed(_project_id(post.thread), "post.shown")
    notices.tell("moderation", post, to=[post.author_id], actor=moderator, detail="shown")
    db.session.commit()
    post_changed.send(post)
    post_moderated.send(post, action="shown", actor=moderator)
    return post


def dismiss_flags(post: Post, moderator) -> Post:
    """Close the open flags on a visible post that breaks no rule: it leaves the queue and stays as it is."""
    if post.hidden_at is not None:
        raise Conflict(_l("This post is hidden: show it again, or hide it with a reason."))
    dismissed = db.session.execute(update(Flag).where(Flag.post_id == post.id, Flag.resolved.is_(False))
                                   .values(resolved=True)).rowcount
    if not dismissed:
        raise Conflict(_l("This post has no open flag."))
    audit.record(_project_id(post.thread), moderator, "post.flags_dismissed", f"post #{post.id}",
                 f"{dismissed} flag(s)")
    db.session.commit()
    return post


def _hideable(post: Post) -> bool:
    """A post a moderator may hide: visible, or hidden by members' flags (hiding confirms it)."""
    return post.hidden_at is None or post.hidden_by_id is None


def _flagged(post: Post) -> bool:
    """A visible post with open flags."""
    return post.hidden_at is None and db.session.scalar(
        select(func.count(Flag.id)).where(Flag.post_id == post.id, Flag.resolved.is_(False))) > 0


#: the queue's bulk actions: which posts each applies to, what it does to one post (the single-post service)
BULK_ACTIONS = {
    "approve": (lambda post: post.pending, lambda post, moderator, reason: services.approve(post, moderator)),
    "dismiss": (_flagged, lambda post, moderator, reason: dismiss_flags(post, moderator)),
    "hide": (_hideable, hide),
    "show": (lambda post: post.hidden_at is not None, lambda post, moderator, reason: unhide(post, moderator)),
}
BULK_REFUSALS = {
    "approve": _l("Only posts waiting for approval can be approved: %(posts)s."),
    "dismiss": _l("Only visible posts with open flags can have their flags dismissed: %(posts)s."),
    "hide": _l("These posts are already hidden by a moderator: %(posts)s."),
    "show": _l("These posts are not hidden: %(posts)s."),
}


def bulk(action: str, post_ids: list[int], moderator, reason: str = "") -> int:
    """Apply one action of the queue to several posts through the single-post services; every post is checked
    first (it exists, the moderator moderates it, the action applies to it), so a refusal changes nothing."""
    if action not in BULK_ACTIONS:
        raise Conflict(_l("Unknown moderation action."))
    if not post_ids:
        raise Conflict(_l("Select at least one post."))
    if action == "hide" and not reason.strip():
        raise Conflict(_l("Give the author a reason."))
    applies, act = BULK_ACTIONS[action]
    posts = list(db.session.scalars(select(Post).where(Post.id.in_(set(post_ids))).order_by(Post.id)))
    if len(posts) != len(set(post_ids)):
        raise NotFound(_l("One of the selected posts does not exist."))
    for post in posts:
        require(moderator, "post.moderate", post)
    refused = [f"#{post.id}" for post in posts if not applies(post)]
    if refused:
        raise Conflict(BULK_REFUSALS[action] % {"posts": ", ".join(refused)})
    for post in posts:
        act(post, moderator, reason)
    return len(posts)


def _replace_text(post: Post, moderator, body: str, reason: str, redacted: bool) -> Post:
    """Put a moderator's text in place of the post's, the previous one kept in its history (for moderators only
    when redacted); the reason is shown on the post, the author told, the change audited."""
    reason = reason.strip()
    if not reason:
        raise Conflict(_l("Give the author a reason."))
    detail = "redacted" if redacted else "edited"
    db.session.add(PostRevision(post_id=post.id, body=post.body, created_at=post.edited_at or post.created_at,
                                replaced_by_id=moderator.id, moderators_only=redacted))
    post.body, post.edited_at, post.moderator_note, post.redacted = body, utcnow(), reason[:300], redacted
    audit.record(_project_id(post.thread), moderator, f"post.{detail}", f"post #{post.id}", reason)
    notices.tell("moderation", post, to=[post.author_id], actor=moderator, detail=detail, note=post.moderator_note)
    db.session.commit()
    post_changed.send(post)
    post_moderated.send(post, action=detail, actor=moderator)
    return post


def moderator_edit(post: Post, moderator, body: str, reason: str) -> Post:
    """A moderator changes the text of a post, with a reason shown on it."""
    if body == post.body:
        raise Conflict(_l("The text is unchanged."))
    return _replace_text(post, moderator, body, reason, redacted=False)


def redact(post: Post, moderator, reason: str) -> Post:
    """A moderator replaces the text of a post with a placeholder; the original stays for moderators only."""
    if post.redacted:
        raise Conflict(_l("This post is already redacted."))
    return _replace_text(post, moderator, REDACTED, reason, redacted=True)


def move(thread: Thread, moderator, category: str) -> Thread:
    """Move a community thread to another category."""
    if thread.category is None:
        raise Conflict(_l("Only community threads change category."))
    if category not in list(Category) or category == thread.category:
        raise Conflict(_l("Choose another category."))
    audit.record(None, moderator, "thread.moved", f"thread #{thread.id}", f"{thread.category} -> {category}")
    thread.category = category
    db.session.commit()
    return thread


def _readable(moderator, project=None):
    """The ids of the threads this moderator may read, within one project when given."""
    query = visible(select(Thread.id), moderator)
    if project is not None:
        query = query.outerjoin(Idea, Idea.id == Thread.idea_id).where(
            (Thread.project_id == project.id) | (Idea.project_id == project.id))
    return query


def held_posts(moderator, project=None) -> list[Post]:
    """Newcomers' posts waiting for approval, oldest first."""
    return list(db.session.scalars(select(Post).where(Post.pending.is_(True),
                                                      Post.thread_id.in_(_readable(moderator, project)))
                                   .options(joinedload(Post.author), joinedload(Post.thread)).order_by(Post.id)))


def _resolve_flags(post: Post) -> None:
    """Mark the post's open flags as dealt with."""
    db.session.execute(update(Flag).where(Flag.post_id == post.id).values(resolved=True))


def set_thread_state(thread: Thread, moderator, *, locked: bool | None = None, pinned: bool | None = None) -> Thread:
    """Lock or unlock, pin or unpin a thread."""
    for name, value in (("locked", locked), ("pinned", pinned)):
        if value is not None and getattr(thread, name) != value:
            setattr(thread, name, value)
            audit.record(_project_id(thread), moderator, f"thread.{name if value else 'un' + name}",
                         f"thread #{thread.id}")
    db.session.commit()
    thread_changed.send(thread)
    return thread


def appeal(post: Post, author, text: str) -> Appeal:
    """The author of a hidden post appeals once."""
    if post.hidden_at is None:
        raise Conflict(_l("Only a hidden post can be appealed."))
    if not text.strip():
        raise Conflict(_l("Explain why the post should be shown again."))
    if db.session.scalar(select(Appeal).where(Appeal.post_id == post.id)) is not None:
        raise Conflict(_l("This post has already been appealed; an appeal is heard once."))
    filed = Appeal(post_id=post.id, text=text.strip()[:2000])
    db.session.add(filed)
    audit.record(_project_id(post.thread), author, "appeal.filed", f"post #{post.id}")
    db.session.commit()
    return filed


def decide_appeal(filed: Appeal, moderator, overturn: bool) -> Appeal:
    """A moderator other than the one who hid the post upholds or overturns the decision; either way the post is
    reviewed, so its open flags are resolved (a post hidden by flags would otherwise stay in the queue for good)."""
    if filed.decision != "pending":
        raise Conflict(_l("This appeal has already been decided."))
    if filed.post.hidden_by_id == moderator.id:
        raise Conflict(_l("A different moderator must decide an appeal against your own decision."))
    filed.decision = "overturned" if overturn else "upheld"
    filed.decided_by_id, filed.decided_at = moderator.id, utcnow()
    audit.record(_project_id(filed.post.thread), moderator, f"appeal.{filed.decision}", f"post #{filed.post_id}")
    if overturn:
        filed.post.hidden_at, filed.post.hidden_by_id, filed.post.hidden_reason = None, None, ""
        access.changed(_project_id(filed.post.thread), "post.shown")
    _resolve_flags(filed.post)
    notices.tell("moderation", filed.post, to=[filed.post.author_id], actor=moderator,
                 detail=f"appeal {filed.decision}")
    db.session.commit()
    if overturn:
        post_changed.send(filed.post)
    post_moderated.send(filed.post, action=f"appeal {filed.decision}", actor=moderator)
    return filed


def appeal_of(post: Post) -> Appeal | None:
    """The post's appeal, if its author filed one."""
    return db.session.scalar(select(Appeal).where(Appeal.post_id == post.id))


def queue(moderator, page: int, per_page: int, project=None):
    """Posts with open flags that the moderator may read (in one project when given), most flagged first."""
    counts = (select(Flag.post_id, func.count(Flag.id).label("flags")).where(Flag.resolved.is_(False))
              .group_by(Flag.post_id).subquery())
    query = (select(Post).join(counts, counts.c.post_id == Post.id)
             .where(Post.thread_id.in_(_readable(moderator, project)))
             .options(joinedload(Post.author), joinedload(Post.thread))
             .order_by(counts.c.flags.desc(), Post.id))
    return paginate(query, page, per_page)


def pending_appeals(moderator, project=None) -> list[Appeal]:
    """Appeals waiting for a decision on posts the moderator may read, oldest first."""
    return list(db.session.scalars(select(Appeal).join(Post, Post.id == Appeal.post_id)
                                   .where(Appeal.decision == "pending",
                                          Post.thread_id.in_(_readable(moderator, project)))
                                   .options(joinedload(Appeal.post)).order_by(Appeal.id)))


def open_flags(post_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The categories and reasons of the open flags on these posts."""
    flags: dict[int, list[tuple[str, str]]] = {}
    for post_id, category, reason in db.session.execute(select(Flag.post_id, Flag.category, Flag.reason).where(
            Flag.post_id.in_(post_ids), Flag.resolved.is_(False)).order_by(Flag.id)):
        flags.setdefault(post_id, []).append((category, reason))
    return flags


MAX_SUSPENSION_DAYS = 365


def sanction(target, moderator, action: str, days: int = 0, reason: str = "") -> None:
    """Suspend a member for some days, ban them, or lift both; audited, and their live sockets close."""
    if action == "suspend":
        if not 1 <= days <= MAX_SUSPENSION_DAYS:
            raise Conflict(_l("A suspension lasts from 1 to %(n)d days.", n=MAX_SUSPENSION_DAYS))
        target.suspended_until = utcnow() + timedelta(days=days)
    elif action == "ban":
        target.banned = True
    elif action == "lift":
        target.suspended_until, target.banned = None, False
    else:
        raise Conflict(_l("Unknown moderation action."))
    audit.record(None, moderator, f"member.{action}", target.display_name, (f"{days} days; " if days else "") + reason,
                 target_user=target)
    access.changed(None, f"member.{action}")
    notices.tell("sanction", target, to=[target.id], actor=moderator, detail=action, note=reason)
    db.session.commit()
    if action != "lift":
        live_access_revoked.send(target.id)
