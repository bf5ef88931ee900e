"""Forum pages: the community forum, thread pages for ideas and projects, posting and editing."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import audience, level_of
from ..errors import DomainError
from ..pipeline.services import load_idea
from ..projects.services import load_project
from ..web.limits import per_member
from ..web.rendering import form_status, is_htmx, page_number, redirect_to, render
from . import services
from .forms import PostForm, ThreadForm
from .models import Category
from .panels import discussion

bp = Blueprint("forum", __name__)


@bp.route("/forum")
def index():
    """The forum: every thread one may read (or a community category's), pinned ones first, then the latest activity
    first, with what is new since one's last visit marked."""
    category = request.args.get("category") if request.args.get("category") in list(Category) else None
    return render("forum/index.html", "forum/_threads.html", category=category, labels=services.CATEGORY_LABELS,
                  threads=services.latest(current_user, category, page_number(), current_app.config["PER_PAGE"]))


posting_limit = per_member("POST_RATE_LIMIT")


@bp.route("/forum/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new_thread():
    """Start a community thread."""
    form = ThreadForm(category=request.args.get("category"))
    if form.validate_on_submit():
        try:
            thread = services.start_thread(current_user, form.category.data, form.title.data, form.body.data)
        except DomainError as error:
            form.category.errors.append(error.message)
        else:
            return redirect_to(url_for("forum.thread", thread_id=thread.id))
    return render("forum/new_thread.html", status=form_status(form), form=form)


def place(thread, anchor: str = "discussion", **args) -> str:
    """Where a thread is read: an idea's discussion under the idea, any other on its thread page (anchor "": at
    the top, so that a box with autofocus takes the focus)."""
    if thread.idea_id is not None:
        return url_for("pipeline.show", idea_id=thread.idea_id, _anchor=anchor or None, **args)
    return url_for("forum.thread", thread_id=thread.id, _anchor=anchor or None, **args)


def _at(post, anchor: str | None = None, **args) -> str:
    """The page of its thread that shows a post, at the post unless another anchor is given."""
    page = services.page_of(post, current_app.config["PER_PAGE"])
    return place(post.thread, f"post-{post.id}" if anchor is None else anchor,
                 **({"page": page} if page > 1 else {}), **args)


@bp.route("/ideas/<int:idea_id>/discussion")
def idea_thread(idea_id: int):
    """The discussion of an idea, under the idea (it inherits the idea's protection)."""
    return redirect_to(place(services.thread_of_idea(load_idea(idea_id, current_user))))


@bp.route("/projects/<slug>/discussion")
def project_thread(slug: str):
    """The discussion of a project (it follows the project's open idea stage)."""
    thread = services.thread_of_project(load_project(slug, current_user))
    return redirect_to(url_for("forum.thread", thread_id=thread.id))


def _thread_page(thread, form=None, status=200):
    """The thread's page: its heading, then the discussion (a page of posts and the reply form)."""
    level = level_of(thread)
    return render("forum/thread.html", status=status, level=level, live_page=True,
                  audience=audience(thread.project, level) if thread.project else None,
                  labels=services.CATEGORY_LABELS, **discussion(thread, current_user, form))


@bp.route("/threads/<int:thread_id>")
def thread(thread_id: int):
    """A thread's page (an idea's discussion is read under the idea); it updates live while open."""
    thread = services.load_thread(thread_id, current_user)
    if thread.idea_id is not None:
        return redirect_to(place(thread, **request.args))
    return _thread_page(thread)


@bp.route("/posts/<int:post_id>")
def permalink(post_id: int):
    """A post's lasting address: the page of its thread that shows it."""
    return redirect_to(_at(services.load_post(post_id, current_user)))


@bp.route("/posts/<int:post_id>/reply")
@login_required
def reply_form(post_id: int):
    """The reply form quoting a post: in place under the post (htmx), else on the discussion's page."""
    post = services.load_post(post_id, current_user)
    thread = services.load_thread(post.thread_id, current_user, "thread.post")
    quoted = services.reply_target(thread, post.id)
    if not is_htmx():
        return redirect_to(_at(post, "", reply_to=post.id))  # no fragment: the box's autofocus applies
    return render("forum/_reply_form.html", thread=thread, quoted=quoted, inline=True,
                  form=PostForm(formdata=None, reply_to=quoted.id).under(quoted.id))


@bp.post("/threads/<int:thread_id>/posts")
@login_required
@posting_limit
def reply(thread_id: int):
    """Reply in a thread; readers see the post appear live."""
    thread = services.load_thread(thread_id, current_user, "thread.post")
    form = PostForm()
    quoted = services.reply_target(thread, form.reply_to.data)
    inline = request.form.get("inline") == "1"
    if form.validate_on_submit():
        post = services.add_post(thread, current_user, form.body.data, form.reply_to.data)
        if is_htmx():  # the live push shows the post: the form in place goes, the one below is emptied
            return render("forum/_reply_form.html", thread=thread, form=PostForm(formdata=None)) if not inline else ""
        return redirect_to(_at(post))
    if is_htmx():
        return render("forum/_reply_form.html", status=form_status(form), thread=thread,
                      form=form.under(quoted.id) if inline and quoted else form, quoted=quoted, inline=inline)
    return _thread_page(thread, form, form_status(form))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    """The author edits a post; the previous text is kept and "edited" is shown."""
    post = services.load_post(post_id, current_user, "post.edit")
    form = PostForm(obj=post)
    if form.validate_on_submit():
        services.edit_post(post, form.body.data)
        flash(_("Post updated."), "success")
        return redirect_to(_at(post))
    return render("forum/edit_post.html", status=form_status(form), form=form, post=post,
                  revisions=services.revisions(post, current_user))


@bp.post("/threads/<int:thread_id>/read")
@login_required
def read(thread_id: int):
    """Note that the member has read a thread up to a post (the page says so once it shows the posts)."""
    services.note_read(services.load_thread(thread_id, current_user), current_user, request.form.get("post", type=int))
    return "", 204


@bp.post("/posts/<int:post_id>/react")
@login_required
def react(post_id: int):
    """Give or take back a coup de cœur."""
    post = services.load_post(post_id, current_user, "post.react")
    liked = services.toggle_reaction(post, current_user)
    if is_htmx():
        return render("forum/_post.html", post=post, number=services.post_number(post), liked=liked)
    return redirect_to(_at(post))
