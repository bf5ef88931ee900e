"""Who hears about what: replies, @mentions, followed threads and moderation decisions, filtered by the
access policy at creation and again at reading (a member who loses access loses those notifications)."""

import re

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from .. import stamps
from ..access import can, remembered, visible
from ..accounts import links
from ..accounts.models import User
from ..database import after_commit, paginate, utcnow
from ..errors import DomainError, NotFound
from ..extensions import db, socketio
from ..forum.models import Post, Thread
from ..pipeline.models import Vote
from ..signals import post_moderated, post_published, thread_read
from ..web.live import user_room
from .models import Notification, NotificationPreference, ThreadFollow

#: "@Mia" or "@Mia Member": one or two words after the @, matched against display names
MENTION = re.compile(r"@([^\W\d_][\w.'-]*)(?: ([^\W\d_][\w.'-]*))?")
#: which notification wins when one post concerns someone several ways
PRIORITY = ("mention", "reply", "follow")


def is_following(thread: Thread, user) -> bool:
    """Does the user follow the thread?"""
    return user.is_authenticated and db.session.scalar(select(func.count(ThreadFollow.id)).where(
        ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == user.id)) > 0


def set_following(thread: Thread, user, follow: bool) -> None:
    """Follow or stop following a thread."""
    if follow and not is_following(thread, user):
        db.session.add(ThreadFollow(thread_id=thread.id, user_id=user.id))
    elif not follow:
        db.session.query(ThreadFollow).filter_by(thread_id=thread.id, user_id=user.id).delete()
    db.session.commit()


def mentioned_users(text: str) -> list[User]:
    """The members whose display name follows an @ in the text (two words tried before one)."""
    found = {}
    for first, second in MENTION.findall(text):
        for name in ([f"{first} {second}"] if second else []) + [first]:
            user = db.session.scalar(select(User).where(func.lower(User.display_name) == name.lower()))
            if user is not None:
                found[user.id] = user
                break
    return list(found.values())


def _recipients(post: Post) -> dict[int, str]:
    """user id -> kind of notification, for everyone a new post concerns (its author excluded)."""
    kinds: dict[int, str] = {}
    followers = db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == post.thread_id))
    for user_id in followers:
        kinds[user_id] = "follow"
    if post.reply_to is not None:
        kinds[post.reply_to.author_id] = "reply"
    for user in mentioned_users(post.body):
        kinds[user.id] = "mention"
    kinds.pop(post.author_id, None)
    return kinds


@post_published.connect
def notify_new_post(post: Post, **_extra) -> None:
    """Notify those a new post concerns and may read it; its author now follows the thread."""
    recipients = _recipients(post)
    silenced = _silenced(recipients.items())
    for user_id, kind in recipients.items():
        user = db.session.get(User, user_id)
        if (user_id, kind) not in silenced and user is not None and not user.banned \
                and can(user, "thread.view", post.thread):
            db.session.add(Notification(user_id=user_id, kind=kind, thread_id=post.thread_id, post_id=post.id,
                                        actor_id=post.author_id))
    if not is_following(post.thread, post.author):
        db.session.add(ThreadFollow(thread_id=post.thread_id, user_id=post.author_id))
    db.session.commit()
    _push_unread(list(recipients))


def _idea_people(idea) -> set[int]:
    """Who an idea's moves concern: its author, its voters and the followers of its discussion."""
    voters = select(Vote.user_id).where(Vote.idea_id == idea.id)
    followers = (select(ThreadFollow.user_id).join(Thread, Thread.id == ThreadFollow.thread_id)
                 .where(Thread.idea_id == idea.id))
    return {idea.author_id, *db.session.scalars(voters.union(followers))}


def notify_stage_moves(occurrences) -> None:
    """Tell the author, voters and followers of each idea that moved (but whoever moved it) where it went and why,
    if they may still see it now: applied from the event outbox, off the request that moved it."""
    told = set()
    for idea, details in occurrences:
        if idea is None:
            continue
        actor = details.get("actor")
        people = _idea_people(idea) - {actor.id if actor is not None else None}
        silenced = _silenced((user_id, "stage") for user_id in people)
        for user_id in people - {user_id for user_id, _kind in silenced}:
            user = db.session.get(User, user_id)
            if user is not None and not user.banned and user.deleted_at is None and can(user, "idea.view", idea):
                db.session.add(Notification(user_id=user_id, kind="stage", idea_id=idea.id, detail=details["target"],
                                            actor_id=actor.id if actor is not None else None,
                                            note=details.get("reason", "")[:300]))
                told.add(user_id)
    after_commit(lambda: _push_unread(sorted(told)))


def _push_unread(user_ids: list[int]) -> None:
    """Tell the open pages of these users that their unread notifications changed: each page that is open asks for
    its count (count_unread), so nothing is counted for the members who have none open (a post with thousands of
    followers costs no count)."""
    for user_id in user_ids:
        _forget_unread(user_id)
        socketio.emit("unread", {}, to=user_room(user_id))


@socketio.on("count-unread")
def count_unread():
    """A page whose badge heard of a change asks for its unread count (the socket's member, as they may see now)."""
    request.environ.pop("crowdspirit.cache", None)  # a socket's environ outlives one event
    return {"count": unread_count(current_user)} if current_user.is_authenticated else None


@post_moderated.connect
def notify_moderation(post: Post, action: str, actor, **_extra) -> None:
    """Tell authors what the moderators decided about their post (unless they turned these off)."""
    if _silenced([(post.author_id, "moderation")]):
        return
    db.session.add(Notification(user_id=post.author_id, kind="moderation", thread_id=post.thread_id,
                                post_id=post.id, actor_id=actor.id, detail=action))
    db.session.commit()
    _push_unread([post.author_id])


def _mine(user):
    """The select() of the user's notifications that they may still read, newest first."""
    return visible(select(Notification).where(Notification.user_id == user.id), user)


def _unread_stamp(column):
    """The stamp subquery of one aggregate over a member's unread notifications."""
    return lambda user_id: select(column).where(Notification.user_id == user_id,
                                                Notification.read_at.is_(None)).scalar_subquery()


stamps.register("unread-newest", _unread_stamp(func.max(Notification.id)), per_member=True)
stamps.register("unread-count", _unread_stamp(func.count()), per_member=True)


def _forget_unread(user_id: int) -> None:
    """This request changed the member's unread notifications: count them again when next asked."""
    stamps.forget("unread-newest", user_id)
    stamps.forget("unread-count", user_id)


def unread_count(user) -> int:
    """How many readable notifications the user has not seen: an indexed count of the unread ones (a stamp, read
    with the member at sign-in), and only when there are some, how many of them the user may still read
    (remembered while neither they nor access change)."""
    if not user.is_authenticated:
        return 0
    unread = stamps.value("unread-count", user.id)
    if not unread:
        return 0
    query = _mine(user).where(Notification.read_at.is_(None))
    return remembered(("unread", user.id, stamps.value("unread-newest", user.id), unread),
                      lambda: db.session.scalar(select(func.count()).select_from(query.subquery())))


def listing(user, page: int, per_page: int, kind: str | None = None):
    """One page of the user's readable notifications, newest first (of one kind, if named)."""
    query = _mine(user).options(joinedload(Notification.thread), joinedload(Notification.idea),
                                joinedload(Notification.actor))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)


def open_notification(notification_id: int, user) -> Notification:
    """The member's notification (one they may still read), now marked read."""
    found = db.session.scalar(_mine(user).where(Notification.id == notification_id))
    if found is None:
        raise NotFound(_l("This notification does not exist, or you may not see it."))
    if found.read_at is None:
        found.read_at = utcnow()
        _forget_unread(user.id)
        db.session.commit()
    return found


@thread_read.connect
def mark_thread_read(thread, user, post_id: int, **_extra) -> None:
    """The member read a thread up to a post: the notifications about its posts until then are read too."""
    read = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.thread_id == thread.id, Notification.read_at.is_(None),
        Notification.post_id <= post_id).values(read_at=utcnow())).rowcount
    if read:
        _forget_unread(user.id)


def mark_all_read(user) -> None:
    """Mark every notification of the user as read."""
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    _forget_unread(user.id)
    db.session.commit()


#: what each kind of notification does when the member has not chosen: in the app, and in the daily digest for what
#: is about them (replies, mentions, moderation, their ideas' moves), in the app only for the threads they follow
DEFAULT_CHANNELS = {"reply": "daily", "mention": "daily", "follow": "app", "moderation": "daily", "stage": "daily"}
#: the kinds of notification, in the order the pages list them
KINDS = tuple(DEFAULT_CHANNELS)
#: the choices, in the order the preferences page offers them
CHANNELS = ("app", "daily", "weekly", "off")
#: how long an unsubscribe link in an email works
UNSUBSCRIBE_DAYS = 90


def preferences(user) -> dict[str, str]:
    """Kind -> channel, as the member chose or by default."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, channel) for kind, channel in DEFAULT_CHANNELS.items()}


def set_preferences(user, choices: dict[str, str]) -> None:
    """Save the member's channel for each kind named (every kind and channel known, or nothing changes)."""
    if not set(choices) <= set(DEFAULT_CHANNELS) or not set(choices.values()) <= set(CHANNELS):
        raise DomainError(_l("Choose one of the offered ways for each kind of notification."))
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                            NotificationPreference.kind.in_(list(choices))))
    db.session.add_all(NotificationPreference(user_id=user.id, kind=kind, channel=channel)
                       for kind, channel in choices.items() if channel != DEFAULT_CHANNELS[kind])
    db.session.commit()


def _silenced(pairs) -> set[tuple[int, str]]:
    """Of these (member id, kind) pairs, those the member turned off: one statement."""
    pairs = list(pairs)
    if not pairs:
        return set()
    users = {user_id for user_id, _kind in pairs}
    off = set(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.kind).where(
        NotificationPreference.user_id.in_(users), NotificationPreference.channel == "off")).all())
    return off & set(pairs)


def digest_batches(channel: str = "daily") -> list[tuple[User, list[Notification]]]:
    """Per member, the readable notifications still unread and never emailed of the kinds they get in this digest
    (daily or weekly), oldest first."""
    user_ids = db.session.scalars(select(Notification.user_id).where(
        Notification.read_at.is_(None), Notification.emailed_at.is_(None)).distinct())
    batches = []
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.banned.is_(False),
                                                      User.deleted_at.is_(None)).order_by(User.id)):
        kinds = [kind for kind, chosen in preferences(user).items() if chosen == channel]
        items = list(db.session.scalars(_mine(user).where(Notification.read_at.is_(None),
                                                          Notification.emailed_at.is_(None),
                                                          Notification.kind.in_(kinds))
                                        .order_by(Notification.id)))
        if items:
            batches.append((user, items))
    return batches


def unsubscribe_link(user, channel: str) -> str:
    """The signed address that stops this digest for the member in one click (RFC 8058), without signing in."""
    return links.make("unsubscribe", "notifications.unsubscribe", [user.id, channel])


def read_unsubscribe(token: str) -> tuple[User, str]:
    """The member and digest an unsubscribe link names; a clear 400 for a forged, damaged or expired one."""
    payload = links.read("unsubscribe", token, max_age=UNSUBSCRIBE_DAYS * 86400)
    user = db.session.get(User, payload[0]) if payload and len(payload) == 2 and payload[1] in ("daily", "weekly") \
        else None
    if user is None or user.deleted_at is not None:
        raise links.refuse("unsubscribe", "bad token", _l("This unsubscribe link is not valid (or too old): change "
                                                           "what you receive in your notification settings."),
                           record=False)
    return user, payload[1]


def unsubscribe(user, channel: str) -> None:
    """Stop the digest: every kind it carried for the member stays in the app only."""
    set_preferences(user, {kind: "app" for kind, chosen in preferences(user).items() if chosen == channel})


def mark_emailed(items: list[Notification]) -> None:
    """Remember that the digest included these notifications."""
    now = utcnow()
    for item in items:
        item.emailed_at = now
    db.session.commit()


def erase_member(user, **_extra) -> None:
    """The `account_erasing` listener: the member's notifications and the threads they follow go."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(ThreadFollow).where(ThreadFollow.user_id == user.id))
