"""Forum pages: the community forum, thread pages for ideas and projects, posting and editing."""

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import audience, can, level_of
from ..errors import DomainError
from ..pipeline.services import load_idea
from ..projects.services import load_project
from ..web.limits import per_member
from ..web.rendering import form_status, is_htmx, page_number, redirect_to, render
from . import services
from .forms import PostForm, ThreadForm
from .models import Category

bp = Blueprint("forum", __name__)


@bp.route("/forum")
def index():
    """The community forum: threads by category, pinned first, most active next."""
    category = request.args.get("category") if request.args.get("category") in list(Category) else None
    return render("forum/index.html", "forum/_threads.html", category=category,
                  labels=services.CATEGORY_LABELS,
                  threads=services.community_threads(category, page_number(), current_app.config["PER_PAGE"]))


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


@bp.route("/ideas/<int:idea_id>/discussion")
def idea_thread(idea_id: int):
    """The discussion of an idea (it inherits the idea's protection)."""
    thread = services.thread_of_idea(load_idea(idea_id, current_user))
    return redirect_to(url_for("forum.thread", thread_id=thread.id))


@bp.route("/projects/<slug>/discussion")
def project_thread(slug: str):
    """The discussion of a project (it follows the project's open idea stage)."""
    thread = services.thread_of_project(load_project(slug, current_user))
    return redirect_to(url_for("forum.thread", thread_id=thread.id))


def _thread_page(thread, form=None, status=200):
    """The thread with its posts and the reply form."""
    posts = services.posts(thread, current_user)
    form = form or PostForm(reply_to=request.args.get("reply_to", type=int))
    level = level_of(thread)
    return render("forum/thread.html", status=status, thread=thread, posts=posts, form=form, level=level,
                  live_page=True,
                  audience=audience(thread.project, level) if thread.project else None,
                  reacted=services.reacted(current_user, [p.id for p in posts]),
                  may_post=can(current_user, "thread.post", thread) and not thread.locked,
                  labels=services.CATEGORY_LABELS)


@bp.route("/threads/<int:thread_id>")
def thread(thread_id: int):
    """A thread's page; it updates live while open."""
    return _thread_page(services.load_thread(thread_id, current_user))


@bp.post("/threads/<int:thread_id>/posts")
@login_required
@posting_limit
def reply(thread_id: int):
    """Reply in a thread; readers see the post appear live."""
    thread = services.load_thread(thread_id, current_user, "thread.post")
    form = PostForm()
    if form.validate_on_submit():
        post = services.add_post(thread, current_user, form.body.data, form.reply_to.data)
        if is_htmx():  # the live push shows the post; hand back an empty form
            return render("forum/_reply_form.html", thread=thread, form=PostForm(formdata=None))
        return redirect_to(url_for("forum.thread", thread_id=thread.id, _anchor=f"post-{post.id}"))
    if is_htmx():
        return render("forum/_reply_form.html", status=form_status(form), thread=thread, form=form)
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
        return redirect_to(url_for("forum.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"))
    return render("forum/edit_post.html", status=form_status(form), form=form, post=post,
                  revisions=services.revisions(post))


@bp.post("/posts/<int:post_id>/react")
@login_required
def react(post_id: int):
    """Give or take back a coup de cœur."""
    post = services.load_post(post_id, current_user, "post.react")
    services.toggle_reaction(post, current_user)
    if is_htmx():
        return render("forum/_post.html", post=post, reacted=services.reacted(current_user, [post.id]))
    return redirect_to(url_for("forum.thread", thread_id=post.thread_id, _anchor=f"post-{post.id}"))
