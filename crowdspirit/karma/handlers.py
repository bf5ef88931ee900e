"""Karma listens to the domain's signals (sent after each service's commit) and writes its events: no view or
service awards points itself. Each handler writes the events and the totals in one transaction of its own."""

from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..forum.models import Flag
from ..pipeline.models import Stage
from ..signals import (
    amendment_accepted,
    contest_entry_submitted,
    contest_entry_withdrawn,
    contest_finalists_chosen,
    contest_won,
    idea_created,
    member_registered,
    post_moderated,
    post_published,
    stage_changed,
)
from .services import (
    award,
    contribute,
    contribute_many,
    give_invite_link,
    in_own_transaction,
    record_referral,
    reverse,
)


def _project_id(post) -> int | None:
    project = post.thread.project
    return project.id if project is not None else None


@idea_created.connect
def _idea_proposed(idea, **_extra) -> None:
    in_own_transaction(f"idea #{idea.id} proposed", lambda: contribute(
        idea.author_id, "idea_proposed", ("idea", idea.id), idea.project_id))


@stage_changed.connect
def _idea_promoted(idea, source: str, **_extra) -> None:
    """The author earns when the idea leaves the vote for the specification."""
    if idea.stage == Stage.SPEC and source == Stage.VOTE:
        in_own_transaction(f"idea #{idea.id} promoted", lambda: award(
            idea.author_id, "idea_promoted", ("idea", idea.id), idea.project_id))


def votes_cast(occurrences) -> None:
    """Votes earn their voters, except on their own ideas (applied from the event outbox, a burst at a time)."""
    contribute_many("vote_cast", [(details["user"].id, ("idea", idea.id), idea.project_id)
                                  for idea, details in occurrences
                                  if idea is not None and details["user"] is not None
                                  and idea.author_id != details["user"].id])


def votes_withdrawn(occurrences) -> None:
    """Withdrawn votes take back what they earned (applied from the event outbox)."""
    for idea, details in occurrences:
        if idea is not None and details["user"] is not None:
            reverse(details["user"].id, "vote_cast", ("idea", idea.id), "vote_withdrawn")


def posts_published(occurrences) -> None:
    """Published posts earn their authors (applied from the event outbox, off the request that posted)."""
    contribute_many("comment", [(post.author_id, ("post", post.id), _project_id(post))
                                for post, _details in occurrences if post is not None])


#: the durable subscriptions: signal -> handler, applied exactly once through the event outbox (events.subscribe)
DURABLE = {signals.vote_cast: votes_cast, signals.vote_withdrawn: votes_withdrawn, post_published: posts_published}


@post_moderated.connect
def _post_moderated(post, action: str, actor, **_extra) -> None:
    """A hidden post loses its points and its flaggers earn; shown again, the reverse. One transaction per member."""
    project_id = _project_id(post)
    flags = db.session.execute(select(Flag.id, Flag.user_id).where(Flag.post_id == post.id)).all()
    if action == "hidden":
        in_own_transaction(f"post #{post.id} hidden", lambda: reverse(
            post.author_id, "comment", ("post", post.id), "post_hidden"))
        for flag_id, flagger_id in flags:
            if flagger_id != actor.id:  # a moderator upholding their own flag earns nothing
                in_own_transaction(f"flag #{flag_id} upheld", lambda f=flag_id, u=flagger_id: award(
                    u, "moderation_help", ("flag", f), project_id))
    elif action in ("shown", "appeal overturned") and post.hidden_at is None and not post.pending:
        in_own_transaction(f"post #{post.id} shown", lambda: award(
            post.author_id, "comment", ("post", post.id), project_id))
        for flag_id, flagger_id in flags:
            in_own_transaction(f"flag #{flag_id} dismissed", lambda f=flag_id, u=flagger_id: reverse(
                u, "moderation_help", ("flag", f), "flag_dismissed"))


@amendment_accepted.connect
def _amendment_accepted(amendment, **_extra) -> None:
    """The amendment's author earns, unless they accepted it themselves."""
    if amendment.decided_by_id != amendment.author_id:
        in_own_transaction(f"amendment #{amendment.id} accepted", lambda: contribute(
            amendment.author_id, "amendment_accepted", ("amendment", amendment.id), amendment.idea.project_id))


@member_registered.connect
def _member_registered(user, referral_code: str | None = None, **_extra) -> None:
    """A new member gets their invitation link; who invited them is remembered when they came through a link."""
    in_own_transaction(f"invitation link of #{user.id}", lambda: give_invite_link(user))
    if referral_code:
        in_own_transaction(f"referral of #{user.id}", lambda: record_referral(user, referral_code))


@contest_entry_submitted.connect
def _contest_entry(entry, **_extra) -> None:
    in_own_transaction(f"contest entry #{entry.id}", lambda: contribute(
        entry.author_id, "contest_entry", ("entry", entry.id), entry.contest.project_id))


@contest_entry_withdrawn.connect
def _contest_entry_withdrawn(entry, **_extra) -> None:
    in_own_transaction(f"contest entry #{entry.id} withdrawn", lambda: reverse(
        entry.author_id, "contest_entry", ("entry", entry.id), "entry_withdrawn"))


@contest_finalists_chosen.connect
def _contest_finalists(contest, entries, **_extra) -> None:
    for entry in entries:
        in_own_transaction(f"contest entry #{entry.id} shortlisted", lambda entry=entry: award(
            entry.author_id, "contest_finalist", ("entry", entry.id), contest.project_id))


@contest_won.connect
def _contest_won(contest, entry, **_extra) -> None:
    in_own_transaction(f"contest entry #{entry.id} won", lambda: award(
        entry.author_id, "contest_win", ("entry", entry.id), contest.project_id))
