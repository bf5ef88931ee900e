"""Demo content for `flask crowdspirit seed-demo`: organisations, people, projects and ideas."""

import io
import random
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import clock
from .accounts import charter
from .accounts import services as accounts
from .accounts.models import Organisation, User
from .contests import services as contests
from .database import utcnow
from .extensions import db
from .forum import moderation
from .forum import services as forum
from .forum.models import Post, Thread
from .karma import services as karma
from .pipeline import services as pipeline
from .pipeline.models import Idea, Stage, Vote
from .projects import nda
from .projects import services as projects
from .projects.models import MemberRole, Project, ProjectMembership, PromotionDecider, Visibility
from .rnd import services as rnd
from .rnd.models import Decision, Interest, IpArrangement, Milestone, Partnership, StatusUpdate
from .specs import services as specs
from .specs.models import SpecApproval, SpecRevision

DEMO_PASSWORD = "crowdspirit-demo"

ORGANISATIONS = [
    ("helios", "Helios Audio", "Consumer audio maker looking for its next portable device."),
    ("veloce", "Veloce Mobility", "Urban mobility company exploring the bike of the future."),
    ("domia", "Domia Labs", "Smart-home lab of a large appliance group."),
]

# (email local part, display name, profile kind, skills, organisation slug, moderator, admin)
PEOPLE = [
    ("admin", "Ada Admin", "expert", "operations", None, False, True),
    ("moderator", "Maud Moderator", "professional", "community management", None, True, False),
    ("sponsor", "Sam Sponsor", "professional", "product management", "helios", False, False),
    ("hana", "Hana Helios", "expert", "acoustics, DSP", "helios", False, False),
    ("victor", "Victor Veloce", "professional", "mechanical design", "veloce", False, False),
    ("dora", "Dora Domia", "professional", "IoT, firmware", "domia", False, False),
    ("member", "Mia Member", "amateur", "soldering, 3D printing", None, False, False),
    ("leo", "Léo Lambert", "student", "embedded C, PCB design", None, False, False),
    ("chloe", "Chloé Dubois", "professional", "industrial design", None, False, False),
    ("omar", "Omar Haddad", "expert", "batteries, power electronics", None, False, False),
    ("yuki", "Yuki Tanaka", "student", "UX research", None, False, False),
    ("paul", "Paul Martin", "amateur", "cycling, repairs", None, False, False),
    ("ines", "Inès Moreau", "professional", "marketing", None, False, False),
    ("tom", "Tom Becker", "amateur", "home automation", None, False, False),
    ("sara", "Sara Rossi", "expert", "materials science", None, False, False),
    ("nina", "Nina Petrova", "student", "android development", None, False, False),
    ("karim", "Karim Benali", "professional", "supply chain", None, False, False),
]

# (owner, title, summary, sponsored, decider, threshold)
PROJECTS = [
    ("sponsor", "Portable audio of 2030", "Helios asks the community what the next pocket audio "
     "device should be.", True, PromotionDecider.SPONSOR, 5),
    ("victor", "The bike of the future", "Veloce and the community reinvent urban cycling, "
     "from frames to connected locks.", True, PromotionDecider.VETO, 6),
    ("dora", "Calm smart home", "Domia looks for home devices that help rather than nag.",
     True, PromotionDecider.SHORTLIST, 5),
    ("leo", "Open-source e-reader", "A repairable e-ink reader with open firmware, carried by "
     "its community.", False, PromotionDecider.COMMUNITY, 4),
    ("chloe", "Modular kitchen tools", "Kitchen tools that share one motor base.", False,
     PromotionDecider.COMMUNITY, 4),
    ("omar", "Solar power bank kit", "A DIY kit for a solar power bank that lasts ten years.",
     False, PromotionDecider.MODERATOR, 3),
]

IDEA_WORDS = {
    "Portable audio of 2030": ["Bone-conduction earbuds", "Pocket hi-fi DAC", "Shared listening "
        "puck", "Repairable headphones", "Lossless walkie-talkie", "Swim-proof player",
        "Sleep buds with white noise", "Vinyl-feel scroll wheel", "Kids' safe player",
        "Solar radio speaker", "Podcast clip button"],
    "The bike of the future": ["Frame with integrated lock", "Regenerative brake hub",
        "Puncture-proof urban tyre", "Foldable cargo box", "Turn signals in the gloves",
        "Theft tracker in the seatpost", "Modular child seat", "Heated grips on battery",
        "Auto-adjusting saddle", "Rain-proof phone mount", "Chainless belt drive kit"],
    "Calm smart home": ["Quiet doorbell with light", "Plant moisture pebble",
        "Air quality lamp", "Offline voice switch", "Forgotten-window reminder",
        "Energy budget display", "Silent washing-machine alert", "Child-proof smart plug",
        "Local-only camera hub", "Sunrise curtain motor"],
    "Open-source e-reader": ["Replaceable battery door", "Physical page-turn buttons",
        "Front light with warm LEDs", "Open bootloader", "Note-taking stylus",
        "Library lending sync", "Braille-friendly case", "Solar cover", "Dyslexia-friendly fonts",
        "Offline dictionary pack"],
    "Modular kitchen tools": ["Shared motor base", "Dishwasher-safe blender jar",
        "Spiralizer head", "Grain mill attachment", "Dough hook arm", "Juicer module",
        "Ice-crusher disc", "Coffee grinder head", "Pasta extruder", "Sous-vide stick"],
    "Solar power bank kit": ["Swappable 18650 cells", "Foldable panel wings",
        "USB-C PD board", "Charge-level e-ink gauge", "Weather-proof enclosure",
        "Bike-mount bracket", "Kit assembly video guide", "Cell health checker",
        "Lamp add-on for camping"],
}

TAGS = ["audio", "wearable", "mobility", "safety", "energy", "repairable", "open-source",
        "kitchen", "iot", "kids", "outdoor", "accessibility"]

# The stage each idea of a project ends in, cycled (every stage appears in every project).
STAGE_PLAN = [Stage.IDEA, Stage.VOTE, Stage.VOTE, Stage.SPEC, Stage.IDEA, Stage.PARTNER_RND,
              Stage.VOTE, Stage.ARCHIVED, Stage.IDEA, Stage.SPEC, Stage.VOTE]


#: who joined through whose invitation link (the referrer earns karma once the invitee is active)
REFERRALS = {"yuki": "leo", "tom": "member", "nina": "member"}


def already_seeded() -> bool:
    """True when the demo organisations exist (seeding twice changes nothing)."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == "helios")) is not None


def _people() -> dict[str, User]:
    """Create the demo organisations and accounts."""
    orgs = {}
    for slug, name, description in ORGANISATIONS:
        orgs[slug] = Organisation(slug=slug, name=name, description=description)
        db.session.add(orgs[slug])
    people = {}
    for local, name, kind, skills, org, moderator, admin in PEOPLE:
        referrer = people.get(REFERRALS.get(local))
        user = accounts.register(f"{local}@demo.crowdspirit.org", name, DEMO_PASSWORD, kind, skills, orgs.get(org),
                                 referral_code=karma.invite_link(referrer).code if referrer else None,
                                 confirmed=True)
        user.is_moderator, user.is_admin = moderator, admin
        people[local] = user
    db.session.commit()
    return people


def _advance(idea, target: Stage, people: dict, rng: random.Random, ready: bool = False) -> None:
    """Walk an idea through the pipeline to target, with votes and spec revisions on the way (a spec left
    `ready` passes the readiness checklist and waits for the R&D partner's decision)."""
    if target == Stage.ARCHIVED:
        pipeline.transition(idea, Stage.ARCHIVED, people["admin"],
                            "Duplicate of an earlier idea; merged into it.")
        return
    if target == Stage.IDEA:
        return
    pipeline.transition(idea, Stage.VOTE, people["admin"], "Ready for the community's votes.")
    threshold = idea.project.vote_threshold
    wanted = threshold + rng.randint(0, 4) if target != Stage.VOTE else rng.randint(0, threshold - 1)
    voters = rng.sample([p for p in people.values() if not p.is_admin], k=min(wanted, 15))
    for voter in voters:
        if idea.stage == Stage.VOTE:
            pipeline.cast_vote(idea, voter)
    if target == Stage.VOTE:
        return
    if idea.stage == Stage.VOTE:
        pipeline.transition(idea, Stage.SPEC, people["admin"], "Selected for specification.")
    revision = specs.current_revision(idea)
    specs.save_revision(
        idea, idea.author, revision.number, "First full draft",
        problem=idea.body, target_users="Urban commuters, students and makers.",
        use_cases="- On the way to work\n- At home, shared with the family",
        features="- Must: " + idea.title.lower() + "\n- Should: open repair guide\n- Could: app",
        constraints="Repairable with common tools; CE marking.",
        bom_estimate="About 35 EUR at 10,000 units (case, board, battery, assembly).", target_price="Under 120 EUR",
        open_questions="- [x] Which certification?\n- [ ] Which battery chemistry?")
    if target == Stage.PARTNER_RND or ready:  # settle the last question and gather the approvals the gate asks for
        specs.save_revision(idea, idea.author, revision.number + 1, "Battery chosen",
                            open_questions="- [x] Which certification?\n- [x] Which battery chemistry? LiFePO4.")
        for approver in voters[:idea.project.spec_approvals_needed]:
            specs.approve(idea, approver)
    if target == Stage.PARTNER_RND:
        _partner(idea, idea.project.rnd_partner or people["hana"].organisation, people)
    elif idea.project.policy_spec == Visibility.COMMUNITY:  # an open specification attracts an offer
        rnd.express_interest(idea, people["dora"], "Domia Labs would build this into its next product line.",
                             "Two engineers for six months, prototypes and user tests in our lab.", 300_000, "EUR",
                             IpArrangement.LICENCE)


def _partner(idea, org, people) -> None:
    """A sponsor's offer, selected by the idea's author and accepted; then some work in the R&D workspace."""
    team = [p for p in people.values() if p.organisation_id == org.id]
    lead, engineer = team[0], team[-1]
    interest = rnd.express_interest(idea, lead, "Our lab can turn this into a product within a year.",
                                    "We fund tooling, prototypes and certification, then a pilot run of 500 units.",
                                    500_000, "EUR", IpArrangement.ASSIGNMENT)
    rnd.select_interest(interest, idea.author)
    partnership = rnd.accept(interest, lead, "Partner agreed.")
    milestone = rnd.add_milestone(partnership, "Working prototype", engineer.id, date.today() + timedelta(days=60))
    for text in ("Choose the battery supplier", "First PCB revision", "Field test with ten members"):
        rnd.add_task(milestone, text)
    rnd.toggle_task(milestone, milestone.tasks[0].id, engineer)
    rnd.add_milestone(partnership, "Pilot run of 500 units", lead.id, date.today() + timedelta(days=240))
    rnd.record_decision(partnership, engineer, "LiFePO4 cells", "Safer and longer-lived: worth the extra weight.")
    rnd.publish_update(partnership, lead, "A prototype is under way",
                       "Thanks to the community's specification, our lab is building the first prototypes.")


# The Helios project keeps specification and R&D confidential under an NDA (the CEA "bike of the
# future" situation of the field study): member@ signed it, leo@ is a member who has not, paul@ asked
# to join and waits, everyone else sees only the open stages.
CONFIDENTIAL_PROJECTS = {"Portable audio of 2030": {"policy_spec": "confidential",
                                                    "policy_partner_rnd": "confidential"}}
MEMBERS = {
    "Portable audio of 2030": ["member", "leo", "chloe", "omar", "yuki"],
    "The bike of the future": ["member", "paul", "sara", "karim"],
    "Calm smart home": ["tom", "nina", "ines"],
    "Open-source e-reader": ["member", "nina", "yuki", "karim"],
    "Modular kitchen tools": ["ines", "sara", "paul"],
    "Solar power bank kit": ["member", "tom", "omar"],
}
NDA_TEXT = """## Confidentiality undertaking

1. Everything shown in the specification and partner R&D stages of this project is confidential.
2. You will not disclose it outside the project's members and Helios Audio's team.
3. This undertaking lasts three years from your acceptance."""


def _add_members(project, users) -> None:
    """Make these users contributors of the project (its owner already is its owner)."""
    for user in (u for u in users if u.id != project.owner_id):
        db.session.add(ProjectMembership(project=project, user=user, role=MemberRole.CONTRIBUTOR))
    db.session.commit()


def _confidential_setup(project, people) -> None:
    """Publish the NDA, have some members accept it, and leave a request to join pending."""
    nda.publish(project, project.owner, NDA_TEXT)
    for key in ("member", "chloe", "omar"):
        nda.accept(project, people[key], 1)
    projects.request_to_join(project, people["paul"], "I repair headphones for a living and would love to help.")


# (project title, stage of the idea discussed, author of the post, text)
DISCUSSIONS = [
    ("The bike of the future", Stage.SPEC, "member", "I built a prototype last winter: happy to share the CAD files."),
    ("The bike of the future", Stage.SPEC, "sara", "A glass-fibre frame would keep the lock's antenna working."),
    ("The bike of the future", Stage.VOTE, "karim", "Our supplier in Porto could make 5,000 of these a year."),
    ("Open-source e-reader", Stage.SPEC, "nina", "The Android companion app could sync notes over USB only."),
    ("Open-source e-reader", Stage.VOTE, "yuki", "In our user tests, people asked for this first."),
    ("Open-source e-reader", Stage.IDEA, "member", "Would a 6-inch screen be enough?"),
    ("Solar power bank kit", Stage.SPEC, "tom", "LiFePO4 cells survive a hot car; I would go for them."),
    ("Solar power bank kit", Stage.IDEA, "omar", "We can reuse the charge controller of the panel kit."),
    ("Calm smart home", Stage.VOTE, "ines", "Families with babies would buy this tomorrow."),
    ("Calm smart home", Stage.IDEA, "tom", "Zigbee or Thread? I vote Thread."),
    ("Portable audio of 2030", Stage.VOTE, "leo", "Could the firmware be open like the e-reader's?"),
]


def _discussions(people) -> None:
    """Forum posts on ideas, a rude one that a member flags and a moderator hides, an accepted amendment and a
    withdrawn vote: the karma these earn (and lose) comes from the same signals as in real use."""
    ideas = {}
    for idea in db.session.scalars(select(Idea).order_by(Idea.id)):
        ideas.setdefault((idea.project.title, idea.stage), idea)
    for title, stage, who, text in DISCUSSIONS:
        forum.add_post(forum.thread_of_idea(ideas[title, stage]), people[who], text)
    rude = forum.add_post(forum.thread_of_idea(ideas["The bike of the future", Stage.VOTE]), people["paul"],
                          "Only an idiot would ride this.")
    moderation.flag(rude, people["member"], "Insulting")
    moderation.hide(rude, people["moderator"], "Please criticise ideas, not people.")
    spec = ideas["The bike of the future", Stage.SPEC]
    amendment = specs.propose_amendment(spec, people["member"], "use_cases",
                                        "- Commuting in the rain\n- Leaving the bike at the station all day",
                                        "Both came up in the discussion.")
    specs.decide_amendment(spec, amendment, spec.author, True, "Thanks, Mia.")
    voting = ideas["Open-source e-reader", Stage.VOTE]
    if voting.id not in pipeline.voted_idea_ids(people["member"], [voting.id]):
        pipeline.cast_vote(voting, people["member"])
    pipeline.withdraw_vote(voting, people["member"])


DISCUSSION = [
    "I would use this every day. How heavy would it be?",
    "Could the battery be swapped without tools?",
    "+1, and please keep it repairable: screws, not glue.",
    "A friend builds something close to this; I will ask him what he learnt.",
    "What would it cost? Under 100 EUR it would sell itself.",
    "Have you looked at how the competitors handle water resistance?",
    "I can help with the prototype if someone shares the drawings.",
    "Good point above. Maybe an open standard for the connector?",
]
#: how far back the demo's history goes
HISTORY = timedelta(weeks=16)


def _discuss(project, people: dict, rng: random.Random) -> None:
    """A few posts on the project's thread and on its ideas still open to everyone (idea and vote stages)."""
    voices = [people[key] for key in MEMBERS.get(project.title, ())] + [project.owner]
    ideas = db.session.scalars(select(Idea).where(Idea.project_id == project.id,
                                                  Idea.stage.in_([Stage.IDEA, Stage.VOTE])).order_by(Idea.id)).all()
    for thread in [forum.thread_of_project(project), *(forum.thread_of_idea(idea) for idea in ideas[::2])]:
        for _ in range(rng.randint(1, 4)):
            forum.add_post(thread, rng.choice(voices), rng.choice(DISCUSSION))


def _between(rng: random.Random, start, end):
    """A random moment from start to end."""
    return start + (end - start) * rng.random()


def _spread_idea(idea, now, rng: random.Random) -> None:
    """Spread one idea's history over the past weeks, in order: proposal, moves, votes, revisions, posts.
    An idea still open for votes entered the vote stage in the last nine days, so voting stays open."""
    moves = idea.history
    tail = timedelta(days=rng.uniform(0.5, {Stage.IDEA: 105, Stage.VOTE: 9}.get(idea.stage, 50)))
    gaps = [timedelta(days=rng.uniform(2, 18)) for _ in moves[1:]]
    room, span = HISTORY - tail - timedelta(days=1), sum(gaps, timedelta())
    if span > room:
        gaps = [gap * (room / span) for gap in gaps]
    moment = now - tail - sum(gaps, timedelta())
    for move, gap in zip(moves, [timedelta(), *gaps], strict=True):
        moment += gap
        move.created_at = moment
    stays = {move.to_stage: (move.created_at, after.created_at if after else now)
             for move, after in zip(moves, [*moves[1:], None], strict=True)}
    idea.created_at, idea.updated_at = moves[0].created_at, moves[-1].created_at
    if Stage.VOTE in stays:
        idea.vote_closes_at = stays[Stage.VOTE][0] + timedelta(days=idea.project.voting_days)
        for vote in db.session.scalars(select(Vote).where(Vote.idea_id == idea.id)):
            vote.created_at = _between(rng, *stays[Stage.VOTE])
    if Stage.PARTNER_RND in stays:
        idea.rnd_started_at = stays[Stage.PARTNER_RND][0]
    if Stage.SPEC in stays:
        _spread_partnering(idea, stays, rng)
        start, end = stays[Stage.SPEC]
        revisions = db.session.scalars(select(SpecRevision).where(SpecRevision.idea_id == idea.id)
                                       .order_by(SpecRevision.number)).all()
        for revision, moment in zip(revisions, sorted(_between(rng, start, end) for _ in revisions), strict=True):
            revision.created_at = moment
        for approval in db.session.scalars(select(SpecApproval).where(SpecApproval.idea_id == idea.id)):
            approval.created_at = _between(rng, revisions[-1].created_at, end)


def _spread_partnering(idea, stays: dict, rng: random.Random) -> None:
    """Sponsors' offers come during the specification; the partnership starts with partner R&D, and its
    workspace's milestones, decisions and public updates come after."""
    offers_until = stays[Stage.PARTNER_RND][0] if Stage.PARTNER_RND in stays else stays[Stage.SPEC][1]
    for interest in db.session.scalars(select(Interest).where(Interest.idea_id == idea.id)):
        interest.created_at = _between(rng, stays[Stage.SPEC][0], offers_until)
        if interest.decided_at is not None:
            interest.decided_at = offers_until
    partnership = db.session.scalar(select(Partnership).where(Partnership.idea_id == idea.id))
    if partnership is None or Stage.PARTNER_RND not in stays:
        return
    start, end = stays[Stage.PARTNER_RND]
    partnership.started_at = start
    for member in partnership.members:
        member.created_at = start
    for model in (Milestone, Decision, StatusUpdate):
        for item in db.session.scalars(select(model).where(model.partnership_id == partnership.id)):
            item.created_at = _between(rng, start, end)


def _spread_over_weeks(rng: random.Random) -> None:
    """Give the demo a past: everything was created just now, so move proposals, stage moves, votes,
    revisions and posts back over the last sixteen weeks (the sponsor dashboards then have something to show)."""
    now = utcnow()
    for model in (User, Project, Organisation):
        for row in db.session.scalars(select(model)):
            row.created_at = now - HISTORY - timedelta(days=7)
    for idea in db.session.scalars(select(Idea).options(selectinload(Idea.history), selectinload(Idea.project))):
        _spread_idea(idea, now, rng)
    for thread in db.session.scalars(select(Thread)):
        idea_start = (thread.idea.created_at if thread.idea_id else
                      thread.partnership.started_at if thread.partnership_id else now - HISTORY)
        posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
        for post, moment in zip(posts, sorted(_between(rng, idea_start, now) for _ in posts), strict=True):
            post.created_at = moment
        if posts:
            thread.created_at, thread.last_post_at = posts[0].created_at, posts[-1].created_at
    db.session.commit()


def seed() -> dict[str, int]:
    """Create the whole demo data set; return how many of each thing exist afterwards."""
    rng = random.Random(2007)  # CrowdSpirit launched in September 2007
    people = _people()
    members = [p for key, p in people.items() if key not in ("admin",)]
    for owner, title, summary, sponsored, decider, threshold in PROJECTS:
        project = projects.create_project(people[owner], title, summary,
                                          f"## {title}\n\n{summary}\n\nPropose ideas, vote, and "
                                          "help write the specification.",
                                          "sponsored" if sponsored else "self_carried")
        projects.update_settings(project, people[owner], promotion_decider=decider, vote_threshold=threshold,
                                 **CONFIDENTIAL_PROJECTS.get(title, {}))
        db.session.add(ProjectMembership(project=project, user=people["moderator"],
                                         role=MemberRole.MODERATOR))
        _add_members(project, [people[key] for key in MEMBERS.get(title, ())])
        for n, idea_title in enumerate(IDEA_WORDS[title]):
            author = members[(n * 7 + len(title)) % len(members)]
            body = (f"**{idea_title}** for *{title}*.\n\nWhy: people told us they miss it.\n\n"
                    "- Simple to use\n- Easy to repair\n- Affordable")
            idea = pipeline.propose_idea(project, author, idea_title,
                                         f"{idea_title}: a proposal for {title.lower()}.", body,
                                         ", ".join(rng.sample(TAGS, k=rng.randint(1, 3))))
            _advance(idea, STAGE_PLAN[n % len(STAGE_PLAN)], people, rng, ready=n == 9)
        if title in CONFIDENTIAL_PROJECTS:
            _confidential_setup(project, people)
        _discuss(project, people, rng)
    _discussions(people)
    _contests(people)
    _spread_over_weeks(rng)
    _charter(people)
    return {"users": len(people), "projects": len(PROJECTS),
            "ideas": sum(len(v) for v in IDEA_WORDS.values())}


CHARTER_EN = """## 1. Be kind and constructive
Criticise ideas, never people. No harassment, insults or discrimination.

## 2. Share what you may share
Post only what you wrote or may publish. What you read in a confidential project stays there: the NDA you signed says
so.

## 3. No self-promotion
No advertising, no links to your own shop, no vote trading.

## 4. Moderation
Moderators hide what breaks this charter and say which rule it broke; you may appeal their decision.
"""
CHARTER_FR = """## 1. Soyez bienveillants et constructifs
Critiquez les idées, jamais les personnes. Ni harcèlement, ni insultes, ni discrimination.

## 2. Partagez ce que vous pouvez partager
Ne publiez que ce que vous avez écrit ou avez le droit de publier. Ce que vous lisez dans un projet confidentiel y
reste : l'accord de confidentialité que vous avez signé le dit.

## 3. Pas d'autopromotion
Pas de publicité, pas de liens vers votre propre boutique, pas d'échange de votes.

## 4. Modération
Les modérateurs masquent ce qui enfreint cette charte et disent quelle règle a été enfreinte ; vous pouvez faire appel
de leur décision.
"""


def _charter(people: dict) -> None:
    """The platform's charter (version 1), accepted by every demo member."""
    charter.publish(people["admin"], CHARTER_EN, CHARTER_FR, "")
    for person in people.values():
        charter.accept(person, 1)


# --- Contests: one in each kind of moment, so that `make run` shows the whole Wilogo flow ---------------------
CONTEST_DEFAULTS = {"kind": "contest", "currency": "EUR", "finalists_wanted": 3, "min_entries": 20,
                    "finalist_bonus_cents": 5000, "winner_share": 60, "private_hours": 72, "public_hours": 96,
                    "shortlist_hours": 72, "adjustments_hours": 120,
                    "terms_text": "1. Your entry is your own original work.\n2. Entries stay private for 72 hours, "
                                  "then every member sees them.\n3. Only the winner transfers the copyright of the "
                                  "winning entry.",
                    "transfer_text": "I transfer to the sponsor, exclusively and worldwide, the rights to reproduce, "
                                     "adapt and use the winning entry, in return for the winner's share of the prize."}
PALETTE = [(234, 88, 12), (13, 148, 136), (79, 70, 229), (219, 39, 119), (202, 138, 4), (22, 163, 74)]


def _logo(seed: int, letters: str) -> bytes:
    """A simple generated logo: a coloured shape and initials on a light background."""
    rng = random.Random(seed)
    color = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (480, 360), (248, 250, 252))
    draw = ImageDraw.Draw(image)
    box = (140, 80, 340, 280)
    shape = rng.choice(("ellipse", "rounded", "triangle"))
    if shape == "ellipse":
        draw.ellipse(box, fill=color)
    elif shape == "rounded":
        draw.rounded_rectangle(box, radius=40, fill=color)
    else:
        draw.polygon([(240, 70), (350, 280), (130, 280)], fill=color)
    draw.ellipse((205, 145, 275, 215), fill=(255, 255, 255))
    draw.text((24, 320), letters, fill=color, font_size=28)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _enter(contest, user, title: str, seed: int):
    return contests.submit_entry(contest, user, title, f"**{title}**: simple shapes that read well at 16 pixels.",
                                 [contests.Upload(f"{title.lower().replace(' ', '-')}.png", _logo(seed, title))],
                                 True, contest.terms_version)


def _contests(people: dict) -> None:
    """A contest in its public phase with entries, one closed with a signed transfer, one still private, and an
    expert challenge; dates are set by moving the contests' clock back."""
    start = clock.now()
    try:
        clock.set_to(start - timedelta(days=20))
        closed = contests.create_contest(people["hana"], title="Packaging for the shared listening puck",
                                         brief="Design the **box** of our shared listening puck: recyclable, "
                                               "no plastic window, fun to open.", prize_cents=60000,
                                         pool_cents=6000, **CONTEST_DEFAULTS)
        contests.open_contest(closed, people["hana"])
        entries = [_enter(closed, people[key], title, n) for n, (key, title) in enumerate(
            [("chloe", "Origami box"), ("leo", "Vinyl sleeve"), ("yuki", "Pebble case"), ("omar", "Tin can"),
             ("member", "Paper pulp egg")])]
        clock.advance(hours=72)
        contests.catch_up(closed)
        for voter, entry in ((people["paul"], entries[0]), (people["ines"], entries[0]), (people["tom"], entries[2]),
                             (people["karim"], entries[1])):
            contests.give_heart(entry, voter)
        contests.add_comment(entries[0], people["yuki"], "The unfolding is a great moment, well done!")
        clock.advance(hours=96)
        contests.catch_up(closed)
        contests.choose_finalists(closed, people["hana"], [entries[0].id, entries[1].id, entries[2].id])
        contests.advance(closed, people["hana"])
        contests.request_adjustment(entries[0], people["hana"], "Could the logo sit on the lid rather than the side?")
        contests.revise_entry(entries[0], people["chloe"], "Origami box", entries[0].text, "Logo moved to the lid",
                              [contests.Upload("origami-box-v2.png", _logo(11, "Origami box v2"))])
        clock.advance(hours=48)
        contests.award(closed, people["hana"], entries[0])
        clock.advance(hours=5)
        contests.sign_transfer(closed, people["chloe"], closed.transfer_version, "127.0.0.1")

        clock.set_to(start - timedelta(days=4))
        public = contests.create_contest(people["sponsor"], title="A logo for the Helios pocket DAC",
                                         brief="Our pocket hi-fi DAC needs a **logo**: small, bold, readable "
                                               "engraved on aluminium.\n\n- one colour\n- works at 16 px",
                                         prize_cents=50000, pool_cents=10000, **CONTEST_DEFAULTS)
        contests.open_contest(public, people["sponsor"])
        entries = [_enter(public, people[key], title, n + 20) for n, (key, title) in enumerate(
            [("member", "Sound wave"), ("leo", "Pocket circle"), ("chloe", "Helios sun"), ("yuki", "Tiny ear"),
             ("leo", "DAC monogram"), ("nina", "Pulse"), ("sara", "Alloy")])]
        clock.advance(hours=75)
        contests.catch_up(public)
        for n, voter in enumerate(["paul", "ines", "tom", "karim", "omar", "sara", "nina"]):
            for entry in entries[n % 3::2]:
                if entry.author_id != people[voter].id:
                    contests.give_heart(entry, people[voter])
        contests.add_comment(entries[2], people["omar"], "Love how the sun doubles as a volume knob.")
        contests.add_comment(entries[0], people["yuki"], "Would it still read once engraved?")

        clock.set_to(start - timedelta(hours=20))
        private = contests.create_contest(people["victor"], title="A bell sound for the bike of the future",
                                          brief="A friendly **bell sound** (as a drawing of its waveform and a short "
                                                "description) that warns without startling.", prize_cents=30000,
                                          pool_cents=0, **CONTEST_DEFAULTS)
        contests.open_contest(private, people["victor"])
        _enter(private, people["paul"], "Two-tone chime", 40)
        _enter(private, people["sara"], "Soft ping", 41)

        challenge = contests.create_contest(people["dora"], title="Ultra-low-power window sensor",
                                            brief="We need a window-open sensor that runs **ten years** on a coin "
                                                  "cell. Submit an architecture and a power budget.",
                                            prize_cents=200000, pool_cents=0, criteria="Feasibility: 3\nPower: 2\n"
                                            "Cost: 1", **{**CONTEST_DEFAULTS, "kind": "challenge"})
        contests.open_contest(challenge, people["dora"])
        contests.invite_expert(challenge, people["dora"], people["omar"].id)
        _enter(challenge, people["omar"], "Reed switch and wake-up", 50)
    finally:
        clock.set_to(None)
