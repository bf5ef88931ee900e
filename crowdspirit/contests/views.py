"""Contest pages: the list, a contest with its entries and the sponsor's controls, entering, an entry with its
revisions and comments, coups de cœur, finalists, the winner, the copyright transfer and the files."""

from flask import Blueprint, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..access import can, require
from ..accounts.models import ProfileKind
from ..attachments.services import stored_path
from ..errors import DomainError
from ..extensions import db
from ..projects.models import Project
from ..web.rendering import page_number, redirect_to, render
from . import services
from .forms import KIND_LABELS, AdjustmentForm, CommentForm, ContestForm, EntryForm, RevisionForm, TransferForm
from .models import ContestKind, Phase

bp = Blueprint("contests", __name__)


def _uploads(field) -> list[services.Upload]:
    """The files a multiple file input sent (browsers send one empty part when none is chosen)."""
    return [services.Upload(f.filename, f.read()) for f in (field.data or []) if getattr(f, "filename", "")]


def _apply(form, field: str, action) -> bool:
    """Run a service; a rule's refusal of the input goes under the form's field (403, 404 and 409 propagate)."""
    try:
        action()
    except DomainError as error:
        if error.status in (403, 404, 409):
            raise
        form[field].errors = [*form[field].errors, error.message]
        return False
    return True


@bp.route("/contests")
def index():
    """Running contests, closed ones, and a sponsor's own (drafts too)."""
    tab = request.args.get("tab") if request.args.get("tab") in services.TABS else "open"
    page = services.contests_page(current_user, tab, page_number(), current_app.config["PER_PAGE"])
    return render("contests/index.html", "contests/_list.html", tab=tab, contests=page,
                  counts=services.entry_counts([c.id for c in page.items], current_user))


def _project_choices():
    projects = db.session.scalars(select(Project).where(Project.organisation_id == current_user.organisation_id)
                                  .order_by(Project.title)) if current_user.organisation_id else []
    return [(0, _("None: open to the whole community"))] + [(p.id, p.title) for p in projects]


@bp.route("/contests/new", methods=["GET", "POST"])
@login_required
def create():
    """A sponsor's team member writes a contest or an expert challenge (a draft until opened)."""
    require(current_user, "contest.create", current_user)
    form = ContestForm()
    form.project_id.choices = _project_choices()
    if form.validate_on_submit():
        created = []
        if _apply(form, "prize", lambda: created.append(services.create_contest(
                current_user, project_id=form.project_id.data, criteria=form.criteria.data or "", **form.values()))):
            flash(_("Draft saved: check it, then open the contest."), "success")
            return redirect_to(url_for("contests.show", contest_id=created[0].id))
    return render("contests/new.html", status=422 if form.errors else 200, form=form)


@bp.route("/contests/<int:contest_id>")
def show(contest_id: int):
    """The brief, prize and schedule; the entries the user may see; the sponsor's controls."""
    contest = services.load_contest(contest_id, current_user)
    sort = request.args.get("sort") if request.args.get("sort") in services.SORTS else "hearts"
    entries = services.entries_page(contest, current_user, page_number(), current_app.config["PER_PAGE"], sort) \
        if current_user.is_authenticated else None
    manage = can(current_user, "contest.manage", contest)
    context = dict(
        contest=contest, entries=entries, sort=sort, manage=manage, schedule=services.schedule(contest),
        count=services.entry_counts([contest.id], current_user).get(contest.id, 0),
        finalists=services.finalists(contest), winner=services.winner(contest),
        transfer=services.transfer_of(contest), next_phase=services.next_phase(contest), kind_labels=KIND_LABELS,
        hearted=services.hearted(current_user, [e.id for e in entries.items] if entries else []),
        may_enter=contest.phase == Phase.PRIVATE and current_user.is_authenticated
        and can(current_user, "contest.enter", contest),
        ranking=services.ranking(contest, current_user) if manage and contest.kind == ContestKind.CHALLENGE else [],
        criteria=services.criteria(contest), now=clock.now(),
        candidates=services.candidates(contest) if manage and contest.phase == Phase.SHORTLIST else [])
    return render("contests/show.html", "contests/_entries.html", **context)


@bp.post("/contests/<int:contest_id>/open")
@login_required
def open_(contest_id: int):
    """Open a draft: the creation phase starts and the escrow is funded."""
    contest = services.load_contest(contest_id, current_user, "contest.manage", writing=True)
    services.open_contest(contest, current_user)
    flash(_("The contest is open: members may enter now."), "success")
    return redirect_to(url_for("contests.show", contest_id=contest.id))


@bp.post("/contests/<int:contest_id>/advance")
@login_required
def advance(contest_id: int):
    """The sponsor starts the next phase now."""
    contest = services.load_contest(contest_id, current_user, "contest.manage", writing=True)
    services.advance(contest, current_user)
    flash(_("The next phase has started."), "success")
    return redirect_to(url_for("contests.show", contest_id=contest.id))


@bp.route("/contests/<int:contest_id>/enter", methods=["GET", "POST"])
@login_required
def enter(contest_id: int):
    """Enter the contest: title, text, files, and the acceptance of its terms (recorded with their version)."""
    contest = services.load_contest(contest_id, current_user, "contest.enter", writing=request.method == "POST")
    services.check_taking_entries(contest)
    form = EntryForm()
    if request.method == "GET":
        form.terms_version.data = contest.terms_version
    elif form.validate():
        if not form.accept_terms.data:
            form.accept_terms.errors = [_("Accept the contest's terms to enter.")]
        else:
            created = []
            version = int(form.terms_version.data) if str(form.terms_version.data or "").isdigit() else None
            if _apply(form, "files", lambda: created.append(services.submit_entry(
                    contest, current_user, form.title.data, form.text.data or "", _uploads(form.files),
                    True, version))):
                flash(_("Your entry is in. Only you and the sponsor's team see it until the public phase."),
                      "success")
                return redirect_to(url_for("contests.entry", entry_id=created[0].id))
    return render("contests/enter.html", status=422 if form.errors else 200, contest=contest, form=form)


@bp.post("/contests/<int:contest_id>/finalists")
@login_required
def finalists(contest_id: int):
    """The sponsor chooses the finalists (at most as many as the contest announced)."""
    contest = services.load_contest(contest_id, current_user, "contest.manage", writing=True)
    ids = [int(v) for v in request.form.getlist("entry_id") if v.isdigit()]
    services.choose_finalists(contest, current_user, ids)
    flash(_("Finalists chosen."), "success")
    return redirect_to(url_for("contests.show", contest_id=contest.id))


@bp.post("/contests/<int:contest_id>/winner")
@login_required
def award(contest_id: int):
    """The sponsor picks the winner: bonuses and pool are paid; the winner is asked to sign the transfer."""
    contest = services.load_contest(contest_id, current_user, "contest.manage", writing=True)
    entry_id = request.form.get("entry_id", "")
    entry = services.load_entry(int(entry_id), current_user, writing=True) if entry_id.isdigit() else None
    if entry is None:
        raise DomainError(_("Choose the winning entry."))
    services.award(contest, current_user, entry)
    flash(_("The winner is picked; they are asked to sign the copyright transfer."), "success")
    return redirect_to(url_for("contests.show", contest_id=contest.id))


@bp.route("/contests/<int:contest_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(contest_id: int):
    """The winner reads and signs the copyright transfer (recorded with its version, time and address)."""
    contest = services.load_contest(contest_id, current_user, "contest.sign", writing=request.method == "POST")
    form = TransferForm()
    if request.method == "GET":
        form.version.data = contest.transfer_version
    elif form.validate():
        if not form.accept.data:
            form.accept.errors = [_("Tick the box to sign the transfer.")]
        else:
            version = int(form.version.data) if str(form.version.data or "").isdigit() else None
            services.sign_transfer(contest, current_user, version, request.remote_addr or "")
            flash(_("Transfer signed: your prize is in your payout statement and the contest is closed."), "success")
            return redirect_to(url_for("contests.show", contest_id=contest.id))
    return render("contests/transfer.html", status=422 if form.errors else 200, contest=contest, form=form,
                  signed=services.transfer_of(contest))


@bp.route("/contests/<int:contest_id>/experts", methods=["GET", "POST"])
@login_required
def experts(contest_id: int):
    """A challenge's sponsor finds members by skill and profile kind and invites them."""
    contest = services.load_contest(contest_id, current_user, "contest.manage", writing=request.method == "POST")
    if request.method == "POST":
        expert_id = request.form.get("user_id", "")
        services.invite_expert(contest, current_user, int(expert_id) if expert_id.isdigit() else 0)
        flash(_("Invitation sent."), "success")
        return redirect_to(url_for("contests.experts", contest_id=contest.id, skill=request.args.get("skill", ""),
                                   kind=request.args.get("kind", "")))
    skill = request.args.get("skill", "").strip()[:60]
    kind = request.args.get("kind") if request.args.get("kind") in set(ProfileKind) else ""
    return render("contests/experts.html", contest=contest, skill=skill, kind=kind, kinds=list(ProfileKind),
                  found=services.experts(skill, kind), invited=services.invited(contest))


# --- Entries -------------------------------------------------------------------------------------
@bp.route("/entries/<int:entry_id>")
def entry(entry_id: int):
    """An entry: its current version, files, earlier revisions, coups de cœur and comments."""
    item = services.load_entry(entry_id, current_user)
    contest = item.contest
    return render("contests/entry.html", entry=item, contest=contest, comments=services.comments(item),
                  hearted=item.id in services.hearted(current_user, [item.id]), comment_form=CommentForm(),
                  adjustment_form=AdjustmentForm(), revision_form=RevisionForm(formdata=None, obj=item),
                  manage=can(current_user, "contest.manage", contest),
                  criteria=services.criteria(contest) if contest.kind == ContestKind.CHALLENGE else [],
                  scores=services.scores_of(item) if can(current_user, "entry.judge", item) else {})


def _back(item, anchor: str | None = None):
    return redirect_to(url_for("contests.entry", entry_id=item.id, _anchor=anchor))


@bp.post("/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    """The author withdraws the entry (during the private creation phase only)."""
    item = services.load_entry(entry_id, current_user, "entry.withdraw", writing=True)
    services.withdraw_entry(item, current_user)
    flash(_("Your entry is withdrawn."), "info")
    return redirect_to(url_for("contests.show", contest_id=item.contest_id))


@bp.post("/entries/<int:entry_id>/heart")
@login_required
def heart(entry_id: int):
    """Give the entry a coup de cœur (once, never one's own, during the public phase)."""
    item = services.load_entry(entry_id, current_user, "entry.vote", writing=True)
    services.give_heart(item, current_user)
    flash(_("Coup de cœur given."), "success")
    return redirect_to(request.form.get("next") if request.form.get("next", "").startswith("/contests/")
                       else url_for("contests.entry", entry_id=item.id))


@bp.post("/entries/<int:entry_id>/comments")
@login_required
def comment(entry_id: int):
    """Comment on an entry."""
    item = services.load_entry(entry_id, current_user, "entry.comment", writing=True)
    services.add_comment(item, current_user, request.form.get("body", ""))
    return _back(item, "comments")


@bp.post("/entries/<int:entry_id>/adjustment")
@login_required
def adjustment(entry_id: int):
    """The sponsor asks a finalist for changes."""
    item = services.load_entry(entry_id, current_user, "entry.judge", writing=True)
    services.request_adjustment(item, current_user, request.form.get("request", ""))
    flash(_("Your request is sent to the finalist."), "success")
    return _back(item)


@bp.post("/entries/<int:entry_id>/revisions")
@login_required
def revise(entry_id: int):
    """A finalist submits a revised version."""
    item = services.load_entry(entry_id, current_user, "entry.revise", writing=True)
    form = RevisionForm()
    if not form.validate():
        raise DomainError(_("Give your revised entry a title."))
    services.revise_entry(item, current_user, form.title.data, form.text.data or "", form.note.data or "",
                          _uploads(form.files))
    flash(_("Revised version submitted."), "success")
    return _back(item)


@bp.post("/entries/<int:entry_id>/scores")
@login_required
def score(entry_id: int):
    """The challenge's sponsor scores an entry on each criterion of the rubric."""
    item = services.load_entry(entry_id, current_user, "entry.judge", writing=True)
    values = {}
    for key, value in request.form.items():
        if key.startswith("criterion-"):
            if not value.strip().isdigit() or not key[10:].isdigit():
                raise DomainError(_("Give each criterion a score from 0 to 10."))
            values[int(key[10:])] = int(value)
    services.score_entry(item, current_user, values)
    flash(_("Scores saved."), "success")
    return _back(item)


def _send(path, mimetype: str, name: str, inline: bool):
    response = send_file(path, mimetype=mimetype, as_attachment=not inline, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/contest-files/<int:file_id>/thumbnail.png")
def thumbnail(file_id: int):
    """The reduced preview of an entry's image, for whoever may see the entry."""
    file = services.load_file(file_id, current_user, "entry.view")
    if file.thumbnail_name is None:
        raise DomainError(_("This file has no preview."))
    return _send(stored_path(file.thumbnail_name), "image/png", "thumbnail.png", True)


@bp.get("/contest-files/<int:file_id>/<path:filename>")
def original(file_id: int, filename: str):
    """An entry's original file: its author's; the sponsor's once the winner has signed the copyright transfer."""
    file = services.load_file(file_id, current_user, "entry.original")
    return _send(stored_path(file.storage_name), file.content_type, file.filename, False)
