"""Notifications' part of the access policy: a notification is readable while its thread is."""

from sqlalchemy import select

from .. import access
from ..forum.models import Thread
from .models import Notification


def visible_notifications(query, user):
    """SQL: the notifications whose thread the user may still read (a member who loses access loses them)."""
    return query.where(Notification.thread_id.in_(access.visible(select(Thread.id), user)))


def register() -> None:
    """Register the notifications' SQL filter with the access core."""
    access.register(filters={Notification: visible_notifications})
