"""Domain events: services send them after commit; live pushes (and later search, karma) listen."""

from blinker import Namespace

_signals = Namespace()

#: who may see a project's content changed (membership, NDA, policy, stage); sender: the project id
access_changed = _signals.signal("access-changed")
#: a post was published or changed; sender: the Post
post_changed = _signals.signal("post-changed")
#: a new post was published (not an edit); sender: the Post
post_published = _signals.signal("post-published")
#: a moderator acted on a post (hidden, shown, appeal decided); sender: the Post, with action=...
post_moderated = _signals.signal("post-moderated")
#: a member was suspended or banned, or changed their password: their live connections must close; sender: the user id
live_access_revoked = _signals.signal("live-access-revoked")
#: a member read a thread up to a post (sent in the transaction that notes it); sender: the Thread, with user=the
#: member, post_id=the newest post they were shown
thread_read = _signals.signal("thread-read")
#: a signed-in member chose a language with the switcher; sender: the language code, with user=the member
language_chosen = _signals.signal("language-chosen")
#: a thread was locked, unlocked, pinned or moved; sender: the Thread
thread_changed = _signals.signal("thread-changed")
#: a project was created; sender: the Project
project_created = _signals.signal("project-created")
#: an idea was proposed; sender: the Idea
idea_created = _signals.signal("idea-created")
#: an idea's title, summary, text or tags were edited (before voting opens); sender: the Idea
idea_edited = _signals.signal("idea-edited")
#: an idea moved to another stage; sender: the Idea, with source=the stage it left, target, actor (None: the votes or
#: the clock) and reason
stage_changed = _signals.signal("stage-changed")
#: a member voted for an idea; sender: the Idea, with user=the voter
vote_cast = _signals.signal("vote-cast")
#: a member withdrew their vote; sender: the Idea, with user=the voter
vote_withdrawn = _signals.signal("vote-withdrawn")
#: a spec editor accepted an amendment; sender: the Amendment
amendment_accepted = _signals.signal("amendment-accepted")
#: someone created an account; sender: the User, with referral_code=the invitation link's code or None
member_registered = _signals.signal("member-registered")
#: a member entered a contest; sender: the Entry
contest_entry_submitted = _signals.signal("contest-entry-submitted")
#: a contest moved to another phase (opened, by date, by the sponsor, the winner picked or signing); sender: the
#: Contest, with source=the phase it left
contest_phase_changed = _signals.signal("contest-phase-changed")
#: a member withdrew a contest entry; sender: the Entry
contest_entry_withdrawn = _signals.signal("contest-entry-withdrawn")
#: the sponsor chose a contest's finalists; sender: the Contest, with entries=[the finalist entries]
contest_finalists_chosen = _signals.signal("contest-finalists-chosen")
#: the sponsor picked a contest's winner; sender: the Contest, with entry=the winning Entry
contest_won = _signals.signal("contest-won")
#: sign-ins ended (signed out, revoked, expired by a password change); sender: the user id, with sign_ins=[row ids]
sessions_revoked = _signals.signal("sessions-revoked")
#: something about an account that the platform's audit log keeps (a deletion, a refused link or identity token);
#: sender: the acting user or None, with action=..., target=..., details=...; listeners add to the current transaction
account_audit = _signals.signal("account-audit")
#: a member is deleting their account; sender: the User (still as it was), with remove_posts=True when they asked for
#: their posts' text to go too; each domain erases what it keeps about them in the current transaction (no commit)
account_erasing = _signals.signal("account-erasing")
#: a member asked for an archive of their data; sender: the User, with page=the absolute address of their data page
data_archive_requested = _signals.signal("data-archive-requested")
#: a domain said that something happened that people should hear of (`notices.tell`); sender: the subject, with
#: kind=the declared kind's name, to=[user ids] or None (the kind's audience), actor, detail and note
notice_given = _signals.signal("notice-given")
#: a moderator merged a duplicate idea into another idea of its project (its votes moved in the same transaction);
#: sender: the duplicate Idea, with target=the Idea it was merged into and actor=the moderator
idea_merged = _signals.signal("idea-merged")
