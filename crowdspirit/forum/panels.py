"""What the forum shows on the idea and project pages: an idea's discussion under it, the way to a project's."""

from flask import current_app, request
from markupsafe import Markup

from ..access import can
from ..web import panels
from ..web.fragments import ID, drawn
from ..web.rendering import page_number
from . import services
from .forms import PostForm


def discussion(thread, user, form=None, titled=False) -> dict:
    """What the discussion partial shows: a page of the thread's numbered posts, where those new since the member's
    last visit begin, and the reply form (quoting the post named by ?reply_to, the address a Reply link leads to
    without JavaScript)."""
    quoted = services.quotable(thread, request.args.get("reply_to", type=int) if form is None else form.reply_to.data)
    posts, read_before = services.posts_page(thread, user, page_number(), current_app.config["PER_PAGE"])
    may_post = can(user, "thread.post", thread) and not thread.locked
    if may_post and form is None and quoted is None:
        return {"thread": thread, "titled": titled, "posts": posts, "read_before": read_before, "may_post": True,
                "blank_reply": _blank_reply(thread)}
    return {"thread": thread, "titled": titled, "quoted": quoted, "posts": posts, "read_before": read_before,
            "form": form or PostForm(formdata=None, reply_to=quoted and quoted.id), "may_post": may_post}


def _blank_reply(thread) -> Markup:
    """The empty reply form under a discussion, drawn once per language (the thread's id a stand-in)."""
    return drawn("forum/_reply_form.html", (), lambda: {"thread": {"id": ID}, "form": PostForm(formdata=None),
                                                        "quoted": None, "inline": False}, id=thread.id)


def idea_discussion(idea, user) -> dict:
    """The idea's discussion, under the idea."""
    return discussion(services.thread_of_idea(idea), user, titled=True)


def project_discussion(project, user) -> dict:
    return {"project": project}


def register() -> None:
    """Put an idea's discussion under it, and the link to a project's discussion on its page."""
    panels.register("idea", panels.Panel("discussion", "forum/_discussion.html", idea_discussion, order=90))
    panels.register("project", panels.Panel("discussion", "forum/_project_discussion.html", project_discussion,
                                            "aside", order=20))
