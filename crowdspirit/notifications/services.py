"""Who hears about what: the notices the domains declare and give (`notices`), and the forum's replies, @mentions
and followed threads and ideas' moves, which this domain declares; filtered by the access policy at delivery and
again at reading (a member who loses access loses those notifications); in the app, by email at once, or in a digest,
as each member chose."""

import re

from flask import current_app, g, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import joinedload

from .. import mail, notices, stamps
from ..access import can, remembered, visible
from ..accounts import links
from ..accounts.models import User
from ..database import after_commit, paginate, utcnow
from ..errors import DomainError, NotFound
from ..extensions import db, socketio
from ..forum.models import Post, Thread
from ..pipeline.models import Idea, Vote
from ..projects.models import Project
from ..signals import thread_read
from ..web.live import user_room
from .models import Notification, NotificationPreference, ThreadFollow

#: "@Mia" or "@Mia Member": one or two words after the @, matched against display names
MENTION = re.compile(r"@([^\W\d_][\w.'-]*)(?: ([^\W\d_][\w.'-]*))?")


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


def notify_new_posts(occurrences) -> None:
    """Applied from the event outbox, off the request that published them: tell those each new post concerns and who
    may read it; its author now follows the thread."""
    for post, _details in occurrences:
        if post is None:
            continue
        by_kind: dict[str, set[int]] = {}
        for user_id, kind in _recipients(post).items():
            by_kind.setdefault(kind, set()).add(user_id)
        for kind, people in by_kind.items():
            deliver(notices.KINDS[kind], post, people, post.author)
        if not is_following(post.thread, post.author):
            db.session.add(ThreadFollow(thread_id=post.thread_id, user_id=post.author_id))


def idea_people(idea, _details=None) -> set[int]:
    """Who an idea's moves concern: its author, its voters and the followers of its discussion."""
    voters = select(Vote.user_id).where(Vote.idea_id == idea.id)
    followers = (select(ThreadFollow.user_id).join(Thread, Thread.id == ThreadFollow.thread_id)
                 .where(Thread.idea_id == idea.id))
    return {idea.author_id, *db.session.scalars(voters.union(followers))}


def notify_stage_moves(occurrences) -> None:
    """Tell the author, voters and followers of each idea that moved (but whoever moved it) where it went and why:
    applied from the event outbox, off the request that moved it."""
    for idea, details in occurrences:
        if idea is not None:
            deliver(notices.KINDS["stage"], idea, idea_people(idea), details.get("actor"), detail=details["target"],
                    note=details.get("reason", ""))


def deliver_notices(occurrences) -> None:
    """Applied from the event outbox: each notice a domain gave (`notices.tell`), to the people it names or to its
    kind's audience."""
    for subject, details in occurrences:
        kind = notices.KINDS.get(details["kind"])
        if subject is None or kind is None:
            continue
        people = details["to"] if details["to"] is not None else kind.audience(subject, details)
        if details.get("once"):
            people = set(people) - _already_told(kind, subject)
        deliver(kind, subject, set(people), details.get("actor"), detail=details.get("detail", ""),
                note=details.get("note", ""))


def _already_told(kind: notices.Kind, subject) -> set[int]:
    """Who already has a notification of this kind about this subject."""
    return set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == kind.name, Notification.subject_type == type(subject).__name__,
        Notification.subject_id == subject.id)))


def _guard_columns(kind: notices.Kind, subject) -> dict:
    """The columns that keep a notification readable: its thread (and post), idea or project (none: the member's
    own)."""
    columns = {"post_id": subject.id} if isinstance(subject, Post) else {}
    guard = kind.guard(subject)
    for model, column in ((Thread, "thread_id"), (Idea, "idea_id"), (Project, "project_id")):
        if isinstance(guard, model):
            columns[column] = guard.id
    return columns


def deliver(kind: notices.Kind, subject, people: set[int], actor=None, detail: str = "", note: str = "") -> None:
    """Create the notifications of one event for these people (the actor excepted): only for those who did not turn
    the kind off and who may see the subject now; those who want it at once get an email too. The notice's listeners
    (webhooks) hear of it whoever is told."""
    notices.delivered(kind, subject, set(people), actor, detail, note)
    people = set(people) - {actor.id if actor is not None else None}
    if not people:
        return
    channels = _channels(people, kind)
    common = {"kind": kind.name, "subject_type": type(subject).__name__, "subject_id": subject.id,
              "actor_id": actor.id if actor is not None else None, "detail": detail[:60], "note": (note or "")[:300],
              "created_at": utcnow(), **_guard_columns(kind, subject)}
    rows = []
    for user in db.session.scalars(select(User).where(User.id.in_(people)).order_by(User.id)):
        if channels[user.id] == "off" or user.deleted_at is not None \
                or (user.banned and not kind.reaches_sanctioned) or (kind.view and not can(user, kind.view, subject)):
            continue
        rows.append({**common, "user_id": user.id})
        if channels[user.id] == "now":
            rows[-1]["emailed_at"] = common["created_at"]
            _email_at_once(user, Notification(**rows[-1], actor=actor))
    if rows:  # one statement, however many are told (a thread's ten thousand followers)
        db.session.execute(insert(Notification), rows)
    told = [row["user_id"] for row in rows]
    after_commit(lambda: _push_unread(told))


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
    return remembered(("unread", user.id, stamps.value("unread-newest", user.id), unread),
                      lambda: db.session.scalar(select(func.count()).select_from(
                          _mine(user).where(Notification.read_at.is_(None)).subquery())))


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


def unread_about(user, subject) -> bool:
    """Has the member unread notifications about this object (its page then marks them read)? Free while they have
    none unread (the stamps read with the member); else the objects they are about are read once, and remembered
    while the member's unread notifications stay the same."""
    count = stamps.value("unread-count", user.id) if user.is_authenticated else 0
    if not count:
        return False
    def read() -> frozenset:
        return frozenset(db.session.execute(select(Notification.subject_type, Notification.subject_id).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))).all())

    subjects = remembered(("unread-about", user.id, stamps.value("unread-newest", user.id), count), read)
    return (type(subject).__name__, subject.id) in subjects


def mark_read_about(user, subject_type: str, subject_id: int) -> None:
    """The member opened an object's page: the notifications about it are read."""
    read = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None), Notification.subject_type == subject_type,
        Notification.subject_id == subject_id).values(read_at=utcnow())).rowcount
    if read:
        _forget_unread(user.id)
    db.session.commit()


def mark_all_read(user) -> None:
    """Mark every notification of the user as read."""
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    _forget_unread(user.id)
    db.session.commit()


#: how long an unsubscribe link in an email works
UNSUBSCRIBE_DAYS = 90


def preferences(user) -> dict[str, str]:
    """Kind -> channel, as the member chose or by the kind's default, for every declared kind."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {name: chosen.get(name, kind.default) for name, kind in notices.KINDS.items()}


def set_preferences(user, choices: dict[str, str]) -> None:
    """Save the member's channel for each kind named (every kind and channel known, or nothing changes)."""
    if not all(kind in notices.KINDS and channel in notices.KINDS[kind].channels for kind, channel in choices.items()):
        raise DomainError(_l("Choose one of the offered ways for each kind of notification."))
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                            NotificationPreference.kind.in_(list(choices))))
    db.session.add_all(NotificationPreference(user_id=user.id, kind=kind, channel=channel)
                       for kind, channel in choices.items() if channel != notices.KINDS[kind].default)
    db.session.commit()


def _channels(people: set[int], kind: notices.Kind) -> dict[int, str]:
    """Member id -> the channel each of these members gets this kind in: one statement."""
    chosen = dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.channel).where(
        NotificationPreference.user_id.in_(people), NotificationPreference.kind == kind.name)).all())
    return {user_id: chosen.get(user_id, kind.default) for user_id in people}


def kinds_by_group(user) -> list[tuple[str, list[notices.Kind]]]:
    """The kinds offered to the member, in their settings page sections, in the order they were declared."""
    groups: dict[str, list[notices.Kind]] = {}
    for kind in notices.KINDS.values():
        if kind.offered_to is None or kind.offered_to(user):
            groups.setdefault(str(kind.group), []).append(kind)
    return list(groups.items())


def kinds_in_use(user) -> list[tuple[str, str]]:
    """(name, label) of the kinds the member has notifications of, for the list's filter."""
    names = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id).distinct()))
    return [(name, kind.label) for name, kind in notices.KINDS.items() if name in names]


def title_of(notification: Notification) -> str:
    """The title a notification names: its subject's, as its kind reads it."""
    subject = notification.subject
    kind = notices.KINDS.get(notification.kind)
    if subject is None or kind is None:
        return ""
    return kind.title(subject) if kind.title else getattr(subject, "title", None) or getattr(subject, "name", "")


def sentence(kind_name: str, who: str, title: str, detail: str = "") -> str:
    """What a notification of this kind says, in the current language."""
    kind = notices.KINDS.get(kind_name)
    if kind is None:
        return title
    values = {"who": who, "title": title}
    label = kind.details.get(detail)  # a declared label may name the others ("suspended until %(title)s")
    values["detail"] = str(label) % values if label is not None else detail
    return str(kind.text) % values


def describe(notification: Notification) -> str:
    """What this notification says, in the current language (what it was about may have been deleted since)."""
    if notification.subject is None:
        return str(_l("What this notification was about no longer exists."))
    return sentence(notification.kind, notification.actor.display_name if notification.actor else str(_l("Someone")),
                    title_of(notification), notification.detail)


def about(kind: notices.Kind, subject) -> tuple[str, str]:
    """The title and the address a notification of this kind about subject would show (a webhook's payload)."""
    shown = Notification(kind=kind.name, subject_type=type(subject).__name__, subject_id=subject.id,
                         **_guard_columns(kind, subject))
    return title_of(shown), link_of(shown)


def link_of(notification: Notification) -> str:
    """Where opening the notification leads: the kind's page for its subject, else the post, thread or idea."""
    subject = notification.subject
    kind = notices.KINDS.get(notification.kind)
    if subject is None or kind is None:
        return url_for("notifications.index")
    if kind.link is not None:
        return kind.link(subject)
    if isinstance(subject, Post):
        return url_for("forum.thread", thread_id=subject.thread_id, _anchor=f"post-{subject.id}")
    if isinstance(subject, Thread):
        return url_for("forum.thread", thread_id=subject.id)
    return url_for("pipeline.show", idea_id=notification.idea_id or subject.id)


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


def email_member(user, subject: str, template: str, stops: tuple, **context) -> None:
    """Queue an email to the member, in their language, with its text and HTML parts and a one-click unsubscribe
    (RFC 8058) of what `stops` names (a channel, and a kind)."""
    signed_in = g.pop("_login_user", None)  # the email's context is nobody's: the caller's user is put back after
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]), \
            current_app.test_request_context("/"):
        unsubscribe = unsubscribe_link(user, *stops)
        context.update(user=user, site=current_app.config["SITE_URL"].rstrip("/"), unsubscribe=unsubscribe)
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
        subject = str(subject)
    g.pop("_login_user", None)
    if signed_in is not None:
        g._login_user = signed_in
    mail.queue(user.email, subject, text, {"List-Unsubscribe": f"<{unsubscribe}>",
                                           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, html)


def send_digest(user, items: list[Notification], channel: str) -> None:
    """Queue the member's daily or weekly digest of these notifications, and remember they were emailed."""
    subject = _l("CrowdSpirit: your weekly digest") if channel == "weekly" else _l("CrowdSpirit: your daily digest")
    email_member(user, subject, "notifications/digest", (channel,), items=items, weekly=channel == "weekly")
    mark_emailed(items)


def _email_at_once(user, notification: Notification) -> None:
    """Queue the email of one notification the member wants at once (sent after the delivery commits; the
    notification is not stored yet)."""
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _l("CrowdSpirit: %(what)s", what=_short(describe(notification)))
    email_member(user, subject, "notifications/at_once", ("now", notification.kind), item=notification)


def _short(text: str, length: int = 120) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def unsubscribe_link(user, channel: str, kind: str | None = None) -> str:
    """The signed address that stops a digest, or one kind's emails, for the member in one click (RFC 8058), without
    signing in."""
    return links.make("unsubscribe", "notifications.unsubscribe", [user.id, channel] + ([kind] if kind else []))


def read_unsubscribe(token: str) -> tuple[User, str, str | None]:
    """The member, channel and kind (None: a whole digest) an unsubscribe link names; a clear 400 for a forged,
    damaged or expired one."""
    payload = links.read("unsubscribe", token, max_age=UNSUBSCRIBE_DAYS * 86400) or []
    digest = len(payload) == 2 and payload[1] in ("daily", "weekly")
    one_kind = len(payload) == 3 and payload[1] in ("now", "daily", "weekly") and payload[2] in notices.KINDS
    user = db.session.get(User, payload[0]) if digest or one_kind else None
    if user is None or user.deleted_at is not None:
        raise links.refuse("unsubscribe", "bad token", _l("This unsubscribe link is not valid (or too old): change "
                                                           "what you receive in your notification settings."),
                           record=False)
    return user, payload[1], payload[2] if one_kind else None


def unsubscribe(user, channel: str, kind: str | None = None) -> None:
    """Stop a digest (every kind it carried stays in the app only), or one kind's emails (in the app only, or not
    at all for a kind that is only emailed)."""
    chosen = preferences(user)
    set_preferences(user, {name: "app" if "app" in notices.KINDS[name].channels else "off"
                           for name, way in chosen.items() if way == channel and kind in (None, name)})


def mark_emailed(items: list[Notification]) -> None:
    """Remember that an email included these notifications."""
    now = utcnow()
    for item in items:
        item.emailed_at = now
    db.session.commit()


def erase_member(user, **_extra) -> None:
    """The `account_erasing` listener: the member's notifications and the threads they follow go."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(ThreadFollow).where(ThreadFollow.user_id == user.id))
