"""Webhooks: events queued as deliveries for the hooks whose owner may see them, signed, retried with backoff.

The events are the three activity events (ideas proposed and moved, posts published) and every kind of notice the
domains declare (`notices.KINDS`), heard as the notifications domain delivers it (`notices.listen`). A delivery
carries only what the user who registered the hook may see: checked with the access policy when the event happens
and, for a notice, again before each attempt (the kind's `view` action on its subject). A background loop sends due
deliveries; a compare-and-set on `next_attempt_at` claims each one, so two processes never send the same attempt.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from .. import notices
from ..access import can, require
from ..accounts.models import User
from ..background import start_once
from ..database import after_commit, utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..notifications import services as notifications
from ..projects.models import Project
from ..signals import idea_created, post_published, stage_changed
from . import schemas
from .models import Webhook, WebhookDelivery

#: the activity events (every idea and post, not only those someone is told of); notices' kinds come besides them
EVENTS = {"idea.created": _l("An idea is proposed"), "idea.stage_changed": _l("An idea changes stage"),
          "post.created": _l("A forum post is published")}
ACTIVITY = _l("Activity")
#: seconds to wait after each failed attempt; after the last one the delivery is marked failed
BACKOFF = (30, 120, 600, 3600, 21600)
LEASE_SECONDS = 60
TIMEOUT_SECONDS = 5
POLL_SECONDS = 2.0
NO_VIEWER = _l("Whoever registered this webhook no longer owns the project or acts for the organisation.")
UNSEEN = _l("Whoever registered this webhook may no longer see what this event is about.")
deliveries_queued = threading.Event()


class InvalidHook(DomainError):
    """A hook that cannot be registered (bad address, no event)."""

    status = 422


def check_url(url: str) -> str:
    """An https address whose host is public (internal addresses would let hooks probe our network)."""
    url = url.strip()
    if any(character.isspace() or not character.isprintable() for character in url):
        raise InvalidHook(_l("The address may not contain spaces or control characters."))
    parts = urlsplit(url)
    insecure = current_app.config["WEBHOOKS_ALLOW_INSECURE"]
    if parts.scheme != "https" and not (insecure and parts.scheme == "http"):
        raise InvalidHook(_l("The address must start with https://."))
    if not parts.hostname:
        raise InvalidHook(_l("The address has no host name."))
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError, ValueError):
        raise InvalidHook(_l("The host name of this address does not resolve.")) from None
    if not insecure and any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        raise InvalidHook(_l("The address points to a private network."))
    return url


def event_names() -> dict[str, object]:
    """Every event a hook may listen to: the activity events, then each declared kind of notice (name -> label)."""
    return {**EVENTS, **{name: kind.label for name, kind in notices.KINDS.items()}}


def event_groups() -> list[tuple[object, list[str]]]:
    """The events in the settings page's sections: activity first, then the notices' groups in declaration order."""
    groups: dict[str, tuple[object, list[str]]] = {"": (ACTIVITY, list(EVENTS))}
    for name, kind in notices.KINDS.items():
        groups.setdefault(str(kind.group), (kind.group, []))[1].append(name)
    return list(groups.values())


def register(user, target, url: str, events: list[str]) -> tuple[Webhook, str]:
    """A new hook on a project the user owns or on their organisation; returns it and its secret (shown once)."""
    if not events or not set(events) <= set(event_names()):
        raise InvalidHook(_l("Choose at least one event."))
    hook = Webhook(created_by_id=user.id, url=check_url(url), secret=secrets.token_hex(32), events=" ".join(events))
    if isinstance(target, Project):
        hook.project_id = target.id
    else:
        hook.organisation_id = target.id
        require(user, "webhook.manage", hook)  # an organisation's hooks are for its team's members who act for it
    db.session.add(hook)
    db.session.commit()
    return hook, hook.secret


def managed_hooks(user) -> list[Webhook]:
    """Hooks on the projects the user owns and on the user's organisation."""
    owned = select(Project.id).where(Project.owner_id == user.id)
    mine = [Webhook.project_id.in_(owned)]
    if user.organisation_id:
        mine.append(Webhook.organisation_id == user.organisation_id)
    return db.session.scalars(select(Webhook).where(or_(*mine)).order_by(Webhook.id.desc())).all()


def load_hook(user, hook_id: int) -> Webhook:
    """A hook the user manages (404 otherwise)."""
    return require(user, "webhook.manage", db.session.get(Webhook, hook_id))


def delete(user, hook_id: int) -> Webhook:
    """Remove a hook and its deliveries."""
    hook = load_hook(user, hook_id)
    db.session.delete(hook)
    db.session.commit()
    return hook


def recent_deliveries(hook: Webhook, limit: int = 20) -> list[WebhookDelivery]:
    """The hook's latest deliveries."""
    return db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                              .order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def replay(user, delivery_id: int) -> WebhookDelivery:
    """Send a past delivery's payload again, as a new delivery (while who registered the hook may still see it)."""
    original = db.session.get(WebhookDelivery, delivery_id)
    require(user, "webhook.manage", original and original.webhook)
    refusal = _refusal(original)
    if refusal is not None:
        raise Conflict(refusal)
    again = WebhookDelivery(webhook_id=original.webhook_id, event=original.event, payload=original.payload)
    db.session.add(again)
    db.session.commit()
    deliveries_queued.set()
    return again


# --- Events become deliveries ---------------------------------------------------------------------
def _viewer(hook: Webhook):
    """Whose eyes a hook sees with: who registered it, while they still own its project or act for its organisation."""
    user = hook.created_by
    return None if user.banned or not can(user, "webhook.manage", hook) else user


#: whether the instance has a hook at all (most have none: an event then costs this light statement, not the loads
#: of its project after the commit that expired them, a third of what a forum reply did after its live push)
_ANY_HOOK = select(Webhook.__table__.c.id).limit(1)


def _queue(event: str, project_of, action: str, obj, payload) -> None:
    """A delivery for each hook listening to this event on the project project_of() names whose viewer may see obj."""
    if db.session.execute(_ANY_HOOK).first() is None:
        return
    project = project_of()
    if project is None:
        return
    hooks = db.session.scalars(select(Webhook).where(or_(
        Webhook.project_id == project.id,
        Webhook.organisation_id == project.organisation_id if project.organisation_id else False))).all()
    queued = False
    for hook in hooks:
        viewer = _viewer(hook)
        if event in hook.event_list and viewer is not None and can(viewer, action, obj):
            body = json.dumps({"event": event, "created_at": schemas.when(utcnow()), **_with_urls(payload)})
            db.session.add(WebhookDelivery(webhook_id=hook.id, event=event, payload=body))
            queued = True
    if queued:
        db.session.commit()
        deliveries_queued.set()


def _with_urls(payload):
    """Build the payload with absolute links from SITE_URL (never from a request's Host header)."""
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return payload()


def _places(kind: notices.Kind, subject) -> tuple[set[int], set[int]]:
    """The projects and organisations a notice is about: its subject's (an entry's contest's, a milestone's
    partnership's) and those of what guards it; never a member's own organisation (a sanction is not their
    employer's business)."""
    projects, organisations = set(), set()
    for found in (subject, getattr(subject, "contest", None), getattr(subject, "partnership", None),
                  kind.guard(subject)):
        if found is None or isinstance(found, User):
            continue
        project = found if isinstance(found, Project) else getattr(found, "project", None)
        if isinstance(project, Project):
            projects.add(project.id)
            organisations.add(project.organisation_id)
        if isinstance(getattr(found, "organisation_id", None), int):
            organisations.add(found.organisation_id)
    return projects, organisations - {None}


def _may_hear(hook: Webhook, viewer, kind: notices.Kind, subject, people: set[int]) -> bool:
    """Whether a hook hears a notice: its viewer may see the subject as the kind says; a notice that is its
    recipients' alone (no view action) reaches only a project hook of one of them (an organisation's hooks are
    read by its whole team)."""
    if kind.view is not None:
        return can(viewer, kind.view, subject)
    return hook.project_id is not None and viewer.id in people


def _heard(kind: notices.Kind, subject, people: set[int], actor=None, detail: str = "", note: str = "") -> None:
    """A notice being delivered (inside the delivering transaction): a delivery for each hook listening to its kind
    where its subject belongs, whose viewer may hear it."""
    projects, organisations = _places(kind, subject)
    if not projects and not organisations:
        return
    hooks = [hook for hook in db.session.scalars(select(Webhook).where(or_(
        Webhook.project_id.in_(projects), Webhook.organisation_id.in_(organisations))).order_by(Webhook.id))
        if kind.name in hook.event_list]
    queued = False
    for hook in hooks:
        viewer = _viewer(hook)
        if viewer is not None and _may_hear(hook, viewer, kind, subject, people):
            body = _with_urls(lambda: _notice_payload(kind, subject, actor, detail, note))
            db.session.add(WebhookDelivery(webhook_id=hook.id, event=kind.name, payload=json.dumps(body)))
            queued = True
    if queued:
        after_commit(deliveries_queued.set)


def _notice_payload(kind: notices.Kind, subject, actor, detail: str, note: str) -> dict:
    """What a notice's delivery says: the kind, its subject's type, id, title and page, who acted, detail, note."""
    title, link = notifications.about(kind, subject)
    about = {"type": type(subject).__name__, "id": subject.id, "title": title, "url": schemas.absolute(link)}
    return {"event": kind.name, "created_at": schemas.when(utcnow()), "label": str(kind.label), "subject": about,
            "actor": actor.display_name if actor is not None else None, "detail": detail, "note": note}


def _refusal(delivery: WebhookDelivery):
    """Why a delivery may not be sent now (None: it may): its hook lost its viewer, or a notice's viewer may no
    longer see what it is about."""
    viewer = _viewer(delivery.webhook)
    if viewer is None:
        return NO_VIEWER
    kind = notices.KINDS.get(delivery.event)
    if kind is None or kind.view is None:
        return None
    about = json.loads(delivery.payload)["subject"]
    model = db.Model.registry._class_registry.get(about["type"])
    subject = db.session.get(model, about["id"]) if model is not None else None
    return None if subject is not None and can(viewer, kind.view, subject) else UNSEEN


@idea_created.connect
def _idea_created(idea, **_extra) -> None:
    _queue("idea.created", lambda: idea.project, "idea.view", idea, lambda: {"idea": schemas.idea_json(idea)})


@stage_changed.connect
def _stage_changed(idea, source: str, **_extra) -> None:
    _queue("idea.stage_changed", lambda: idea.project, "idea.view", idea,
           lambda: {"idea": schemas.idea_json(idea), "from": source, "to": idea.stage})


@post_published.connect
def _post_published(post, **_extra) -> None:
    _queue("post.created", lambda: post.thread.project, "post.view", post, lambda: {"post": schemas.post_json(post)})


# --- Sending -------------------------------------------------------------------------------------
def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an invitation: following it could lead a hook into our own network."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _send(delivery: WebhookDelivery) -> tuple[int, str]:
    """POST one delivery; (HTTP status or 0, error text). Never raises: any failure is an attempt that failed."""
    hook, body = delivery.webhook, delivery.payload.encode()
    refusal = _refusal(delivery)
    if refusal is not None:
        return 0, str(refusal)
    try:
        check_url(hook.url)
        request = urllib.request.Request(hook.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "CrowdSpirit-Webhooks/1",
            "CrowdSpirit-Event": delivery.event, "CrowdSpirit-Delivery": str(delivery.id),
            "CrowdSpirit-Signature": signature(hook.secret, int(time.time()), body)})
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (address checked above)
            return response.status, ""
    except InvalidHook as error:
        return 0, str(error.message)
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        return error.code, error.reason if isinstance(error.reason, str) else ""
    except Exception as error:  # unreachable, timeout, malformed answer...: a failed attempt, retried later
        return 0, f"{type(error).__name__}: {getattr(error, 'reason', error)}"[:300]


def deliver_due(limit: int = 20) -> int:
    """Send the deliveries that are due; returns how many were attempted."""
    now = utcnow()
    due = db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id).limit(limit)).all()
    attempted = 0
    for delivery in due:
        lease = now + timedelta(seconds=LEASE_SECONDS)
        claimed = db.session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery.id, WebhookDelivery.next_attempt_at == delivery.next_attempt_at)
            .values(next_attempt_at=lease)).rowcount
        db.session.commit()
        if not claimed:
            continue  # another process took it
        status, error = _send(delivery)
        attempts = delivery.attempts + 1
        outcome = {"attempts": attempts, "last_status": status or None, "last_error": error[:300]}
        if 200 <= status < 300:
            outcome.update(status="delivered", delivered_at=utcnow())
        elif attempts > len(BACKOFF) or error in (str(NO_VIEWER), str(UNSEEN)):
            outcome.update(status="failed")
        else:
            outcome.update(next_attempt_at=utcnow() + timedelta(seconds=BACKOFF[attempts - 1]))
        db.session.execute(update(WebhookDelivery).where(  # only while our lease holds: no double outcome
            WebhookDelivery.id == delivery.id, WebhookDelivery.next_attempt_at == lease).values(**outcome))
        db.session.commit()
        attempted += 1
    return attempted


def listen() -> None:
    """Hear every notice the notifications domain delivers."""
    notices.listen(_heard)


def start_thread() -> None:
    """Start this process's delivery thread (WEBHOOKS_DELIVERY=thread)."""
    start_once("webhook-deliveries", deliver_due, deliveries_queued, POLL_SECONDS)
