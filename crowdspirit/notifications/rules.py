"""Notifications' part of the access policy: a notification is readable while what it is about (its thread, or its
idea) is."""

from sqlalchemy import or_, select

from .. import access
from ..forum.models import Thread
from ..pipeline.models import Idea
from .models import Notification


def visible_notifications(query, user):
    """SQL: the notifications whose thread or idea the user may still see (a member who loses access loses them),
    each looked up by its key."""
    thread_seen = (access.visible(select(Thread.id).where(Thread.id == Notification.thread_id), user)
                   .correlate_except(Thread).exists())
    idea_seen = (access.visible(select(Idea.id).where(Idea.id == Notification.idea_id), user)
                 .correlate_except(Idea).exists())
    return query.where(or_(thread_seen, idea_seen))


def register() -> None:
    """Register the notifications' SQL filter with the access core."""
    access.register(filters={Notification: visible_notifications})
