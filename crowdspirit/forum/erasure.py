"""What the forum erases of a member who deletes their account: how far they read each thread, and when they ask,
the text of their posts with its earlier versions."""

from sqlalchemy import delete, select

from ..extensions import db
from .models import Post, PostRevision, ThreadRead

#: what a post whose author had its text removed reads (stored: the same in every language, like any post's text)
REMOVED_TEXT = "[removed at the author's request]"


def erase_member(user, remove_posts: bool = False, **_extra) -> None:
    """The `account_erasing` listener: forget the member's read marks; remove their posts' text if they asked (each
    post is changed through the session, so that search drops the old text)."""
    db.session.execute(delete(ThreadRead).where(ThreadRead.user_id == user.id))
    if not remove_posts:
        return
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id)).all()
    db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_([post.id for post in posts])))
    for post in posts:
        post.body = REMOVED_TEXT
