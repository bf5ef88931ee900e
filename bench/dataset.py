"""Bulk builder of a large, plausible CrowdSpirit SQLite database for the pipeline benchmark.

The schema comes from the Alembic migrations (as in production); rows are then written with the
sqlite3 module's `executemany` in one transaction, journal off, and the file is switched to WAL.
Every idea's vote_count equals its number of rows in votes.
"""

import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

BENCH_PASSWORD = "bench-password-123"
#: the cheap argon2 profile the bench app is configured with (no rehash at sign-in)
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 64
#: users reserved for the HTTP vote benchmark: they cast no vote in the seeded data
VOTER_EMAIL = "voter{:02d}@bench.example"
N_BENCH_VOTERS = 16
#: the member whose session the signed-in rows use: an ordinary user (ideas, votes) who also belongs to a share of
#: the projects, moderates one, has accepted all but one of their NDAs, works in two R&D workspaces and has a few
#: unread notifications (the bell counts those they may still read on every page)
MEMBER_ID = 2
MEMBER_EMAIL = "member@bench.example"

TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's DateTime stores values on SQLite


@dataclass(frozen=True)
class Size:
    ideas: int
    votes: int
    users: int
    projects: int


FULL = Size(ideas=100_000, votes=1_000_000, users=10_000, projects=100)
QUICK = Size(ideas=5_000, votes=50_000, users=1_000, projects=20)

# Stage funnel of a mature platform: most ideas never leave the first stages.
STAGES = [("idea", 0.35), ("vote", 0.30), ("spec", 0.12), ("partner_rnd", 0.05), ("archived", 0.18)]

WORDS_A = ["Modular", "Repairable", "Solar", "Quiet", "Open", "Foldable", "Smart", "Offline",
           "Pocket", "Recycled", "Connected", "Low-power", "Kids'", "Shared", "Wireless", "Heated"]
WORDS_B = ["speaker", "lamp", "bike lock", "e-reader", "power bank", "doorbell", "blender",
           "headphones", "plant sensor", "tyre", "stylus", "camera hub", "saddle", "radio",
           "thermostat", "backpack", "charger", "keyboard", "kettle", "helmet"]
WORDS_C = ["with replaceable battery", "for small flats", "that lasts ten years", "for cyclists",
           "without an app", "made of hemp", "for the elderly", "that repairs itself",
           "with physical buttons", "for night shifts", "you can 3D print", "for schools"]
TAG_ROOTS = ["audio", "battery", "repair", "solar", "iot", "privacy", "kids", "kitchen", "bike",
             "ux", "firmware", "materials", "lighting", "health", "garden", "textile", "open-hw",
             "recycling", "sensors", "mobility"]
PARAGRAPHS = [
    "Most devices in this category die with their battery. **This one does not**: the cell sits "
    "behind a door held by two standard screws, and the part number is printed inside.",
    "Target users are people who *already* own three chargers and are tired of it. The design "
    "reuses USB-C everywhere and ships without a power brick.",
    "- physical buttons for the common actions\n- a small e-ink status line\n- no account needed",
    "Open questions: the enclosure material (recycled ABS or hemp composite), the price ceiling "
    "(under 60 EUR?), and whether a sponsor's factory can make it in small batches.",
    "We built a cardboard prototype at the last meetup; see the photos in the thread. Feedback "
    "so far: the hinge is too stiff, the light too blue.",
    "A similar product exists in Japan but is not sold in Europe and cannot be repaired.",
]


def _ts(moment: datetime) -> str:
    return moment.strftime(TS_FORMAT)


def _pick_stage(rng: random.Random) -> str:
    r, acc = rng.random(), 0.0
    for stage, share in STAGES:
        acc += share
        if r < acc:
            return stage
    return STAGES[-1][0]


def _policies(project: int) -> tuple[str, str, str, str]:
    """Stage policies (idea, vote, spec, partner R&D): each kind's defaults (projects.models.DEFAULT_POLICIES);
    every tenth project is closed, its ideas seen by its members only."""
    if project % 2:  # sponsored
        return "public", "public", "project", "confidential"
    if project % 10 == 0:
        return "project", "project", "project", "project"
    return "public", "public", "community", "project"


def password_hash() -> str:
    """One argon2 hash of BENCH_PASSWORD with the bench's cheap profile, reused for every user."""
    return PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_COST).hash(BENCH_PASSWORD)


def migrate_schema(url: str, app_overrides: dict) -> None:
    """Create the schema with the project's Alembic migrations."""
    from flask_migrate import upgrade

    from crowdspirit import create_app
    from crowdspirit.extensions import db

    app = create_app({**app_overrides, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _vote_counts(rng, eligible: list[int], caps: dict[int, int], total: int) -> dict[int, int]:
    """Skewed (log-normal) vote counts over eligible ideas summing exactly to total, each <= cap."""
    weights = [rng.lognormvariate(0.0, 1.3) for _ in eligible]
    scale = total / sum(weights)
    counts = {i: min(int(w * scale), caps[i]) for i, w in zip(eligible, weights, strict=True)}
    missing = total - sum(counts.values())
    open_ideas = [i for i in eligible if counts[i] < caps[i]]
    while missing > 0 and open_ideas:
        i = rng.choice(open_ideas)
        counts[i] += 1
        missing -= 1
        if counts[i] >= caps[i]:
            open_ideas.remove(i)
    if missing:
        raise RuntimeError("not enough voters for the requested number of votes")
    return counts


def build(path: str, size: Size, seed: int = 42) -> dict:
    """Fill the migrated, empty SQLite file at path. Returns a few facts about what was written."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start_of_time = now - timedelta(days=730)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")  # 400 MB page cache during the build
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("BEGIN")
    t0 = time.perf_counter()

    # Organisations (sponsors).
    n_orgs = max(4, size.projects // 8)
    con.executemany(
        "INSERT INTO organisations (id, slug, name, description, created_at) VALUES (?,?,?,?,?)",
        [(o, f"org-{o}", f"Sponsor {o} Labs", "An R&D sponsor.", _ts(start_of_time))
         for o in range(1, n_orgs + 1)],
    )

    # Users: a few sponsors' staff, moderators and one admin; the last N_BENCH_VOTERS are the
    # bench's voters (no seeded votes).
    pw = password_hash()
    kinds = ["amateur", "student", "professional", "expert"]
    n_users = size.users
    voters = list(range(n_users - N_BENCH_VOTERS + 1, n_users + 1))
    sponsor_staff: dict[int, list[int]] = {o: [] for o in range(1, n_orgs + 1)}
    user_rows = []
    for u in range(1, n_users + 1):
        org = None
        if u not in voters and u % 50 == 7:
            org = (u // 50) % n_orgs + 1
            sponsor_staff[org].append(u)
        email = VOTER_EMAIL.format(voters.index(u) + 1) if u in voters else f"user{u}@example.org"
        if u == MEMBER_ID:
            email = MEMBER_EMAIL
        user_rows.append((u, email, f"Member {u}", pw, kinds[u % 4], "electronics, design", "",
                          org, u % 500 == 3, u == 1,
                          _ts(start_of_time + timedelta(minutes=u)), _ts(start_of_time + timedelta(minutes=u))))
    con.executemany(
        "INSERT INTO users (id, email, display_name, password_hash, profile_kind, skills, bio, "
        "organisation_id, is_moderator, is_admin, created_at, email_verified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        user_rows,
    )
    del user_rows
    for org, staff in sponsor_staff.items():  # every organisation has at least one staff member
        if not staff:
            staff.append(org + 1)
            con.execute("UPDATE users SET organisation_id=? WHERE id=?", (org, org + 1))

    # Projects: half sponsored; who decides promotion varies (sponsor/community/moderator).
    projects = []
    for p in range(1, size.projects + 1):
        sponsored = p % 2 == 1
        org = (p // 2) % n_orgs + 1 if sponsored else None
        owner = rng.choice(sponsor_staff[org]) if sponsored else rng.randint(2, n_users - N_BENCH_VOTERS)
        if sponsored:
            decider = ("sponsor", "sponsor", "sponsor", "moderator", "community")[p % 5]
        else:
            decider = ("community", "community", "moderator")[p % 3]
        threshold = rng.randint(50, 400) if decider == "community" else rng.randint(5, 50)
        projects.append((p, f"project-{p}", f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} field {p}",
                         "A field the community explores together.", "About this project.\n\n"
                         + PARAGRAPHS[p % len(PARAGRAPHS)], "sponsored" if sponsored else "self_carried",
                         owner, org, "community" if p % 3 else "moderator", threshold, 14, decider, org,
                         _ts(start_of_time + timedelta(days=p)), *_policies(p)))
    con.executemany(
        "INSERT INTO projects (id, slug, title, summary, description, kind, owner_id, "
        "organisation_id, vote_decider, vote_threshold, voting_days, promotion_decider, "
        "rnd_partner_id, created_at, policy_idea, policy_vote, policy_spec, policy_partner_rnd) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        projects,
    )
    decider_of = {p[0]: p[11] for p in projects}
    threshold_of = {p[0]: p[9] for p in projects}
    owner_of = {p[0]: p[6] for p in projects}
    org_of = {p[0]: p[7] for p in projects}

    # Tags.
    tags = [f"{root}-{i}" if i else root for i in range(10) for root in TAG_ROOTS][:200]
    con.executemany("INSERT INTO tags (id, name) VALUES (?,?)", list(enumerate(tags, 1)))

    # Ideas: projects of skewed sizes, created over two years in id order.
    project_weights = [1.0 / (rank ** 0.8) for rank in range(1, size.projects + 1)]
    rng.shuffle(project_weights)
    project_ids = list(range(1, size.projects + 1))
    idea_project = rng.choices(project_ids, weights=project_weights, k=size.ideas)
    bodies = ["\n\n".join(rng.sample(PARAGRAPHS, 3)) for _ in range(64)]
    span = (now - start_of_time).total_seconds()
    ideas, stages, created = [], {}, {}
    for i in range(1, size.ideas + 1):
        p = idea_project[i - 1]
        stage = _pick_stage(rng)
        created_at = start_of_time + timedelta(seconds=span * (i - 1) / size.ideas)
        vote_closes = rnd_started = partner = None
        if stage == "vote":  # most votes still open, some closed waiting for the decider
            vote_closes = now + timedelta(days=rng.randint(1, 14)) if rng.random() < 0.85 \
                else now - timedelta(days=rng.randint(1, 30))
        elif stage in ("spec", "partner_rnd"):
            vote_closes = created_at + timedelta(days=14)
        if stage == "partner_rnd":
            partner = org_of[p] or rng.randint(1, n_orgs)
            rnd_started = created_at + timedelta(days=40)
        author = rng.randint(2, n_users - N_BENCH_VOTERS)
        stages[i], created[i] = stage, created_at
        ideas.append((i, p, author, f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {rng.choice(WORDS_C)}",
                      f"Idea {i}: a {rng.choice(WORDS_B)} {rng.choice(WORDS_C)}, proposed for "
                      f"project {p}.", bodies[i % 64], stage, 0, _ts(created_at), _ts(created_at),
                      vote_closes and _ts(vote_closes), partner, rnd_started and _ts(rnd_started)))

    # Votes: only ideas that went through voting; log-normal counts; community-decided ideas
    # still in the vote stage stay under their project's threshold (else they would be in spec).
    voter_pool = n_users - N_BENCH_VOTERS  # seeded voters are users 1..voter_pool
    eligible, caps = [], {}
    for i, stage in stages.items():
        if stage == "idea" or (stage == "archived" and i % 2):
            continue
        p = idea_project[i - 1]
        cap = voter_pool // 2
        if stage == "vote" and decider_of[p] == "community":
            cap = threshold_of[p] - 1
        eligible.append(i)
        caps[i] = cap
    counts = _vote_counts(rng, eligible, caps, size.votes)
    ideas = [row[:7] + (counts.get(row[0], 0),) + row[8:] for row in ideas]
    con.executemany(
        "INSERT INTO ideas (id, project_id, author_id, title, summary, body, stage, vote_count, "
        "created_at, updated_at, vote_closes_at, partner_id, rnd_started_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ideas,
    )
    authors = {row[0]: row[2] for row in ideas}
    del ideas
    # every idea has its discussion thread from its creation, as the app opens it (its page shows the discussion)
    con.execute("INSERT INTO threads (title, idea_id, locked, pinned, post_count, created_at, last_post_at) "
                "SELECT title, id, 0, 0, 0, created_at, created_at FROM ideas")

    stamps = [_ts(now - timedelta(minutes=m)) for m in range(0, 60 * 24 * 30, 7)]

    def vote_rows():
        population = range(1, voter_pool + 1)
        for i in eligible:
            for u in sorted(rng.sample(population, counts[i])):
                yield i, u, stamps[(i + u) % len(stamps)]

    con.executemany("INSERT INTO votes (idea_id, user_id, created_at) VALUES (?,?,?)", vote_rows())

    # Tags on ideas, stage history, spec revisions, memberships (owner + authors + moderators).
    con.executemany(
        "INSERT INTO idea_tags (idea_id, tag_id) VALUES (?,?)",
        ((i, t) for i in range(1, size.ideas + 1)
         for t in sorted(rng.sample(range(1, len(tags) + 1), rng.choice((0, 1, 1, 2, 2, 3))))),
    )

    def history():
        for i, stage in stages.items():
            p, author, at = idea_project[i - 1], authors[i], created[i]
            yield i, author, None, "idea", "", _ts(at)
            if stage == "idea" or (stage == "archived" and i % 2):
                if stage == "archived":
                    yield (i, owner_of[p], "idea", "archived", "Duplicate of an earlier idea.",
                           _ts(at + timedelta(days=3)))
                continue
            yield i, author, "idea", "vote", "", _ts(at + timedelta(days=1))
            if stage in ("spec", "partner_rnd"):
                actor = None if decider_of[p] == "community" else owner_of[p]
                yield i, actor, "vote", "spec", "", _ts(at + timedelta(days=15))
            if stage == "partner_rnd":
                yield i, owner_of[p], "spec", "partner_rnd", "Prototype funded.", _ts(at + timedelta(days=40))
            if stage == "archived":
                yield i, owner_of[p], "vote", "archived", "Not enough interest.", _ts(at + timedelta(days=20))

    con.executemany(
        "INSERT INTO stage_transitions (idea_id, actor_id, from_stage, to_stage, reason, created_at) "
        "VALUES (?,?,?,?,?,?)",
        history(),
    )
    # an archived idea keeps the stage it was archived from, as the app records it (its access policy and stepper)
    con.execute("UPDATE ideas SET archived_from = (SELECT from_stage FROM stage_transitions st "
                "WHERE st.idea_id = ideas.id AND st.to_stage = 'archived') WHERE stage = 'archived'")
    con.executemany(
        "INSERT INTO spec_revisions (idea_id, number, author_id, note, problem, target_users, "
        "features, constraints, target_price, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((i, 1, authors[i], "Started from the idea.", PARAGRAPHS[0], "", "", "", "",
          _ts(created[i] + timedelta(days=15)))
         for i, stage in stages.items() if stage in ("spec", "partner_rnd")),
    )
    members = {(p, owner_of[p]): "owner" for p in project_ids}
    for i, author in authors.items():
        members.setdefault((idea_project[i - 1], author), "contributor")
    for p in project_ids:
        for u in rng.sample(range(2, voter_pool + 1), 2):
            members[(p, u)] = "moderator" if (p, u) not in members else members[(p, u)]
    member_projects = _member_projects(project_ids)
    for p in member_projects:
        members.setdefault((p, MEMBER_ID), "contributor")
    if members[(member_projects[1], MEMBER_ID)] == "contributor":
        members[(member_projects[1], MEMBER_ID)] = "moderator"
    con.executemany(
        "INSERT INTO project_memberships (project_id, user_id, role, created_at) VALUES (?,?,?,?)",
        ((p, u, role, _ts(start_of_time)) for (p, u), role in sorted(members.items())),
    )
    # the bench member comes back daily: the moves of ideas in their projects, the last five not read yet
    moved = [i for i, stage in stages.items() if stage == "vote" and idea_project[i - 1] in member_projects][-20:]
    con.executemany(
        "INSERT INTO notifications (user_id, kind, actor_id, detail, note, created_at, read_at, idea_id, "
        "subject_type, subject_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((MEMBER_ID, "stage", authors[i], "vote", "", _ts(created[i] + timedelta(days=1)),
          None if n >= len(moved) - 5 else _ts(created[i] + timedelta(days=2)), i, "Idea", i)
         for n, i in enumerate(moved)))
    facts = _ndas_and_workspaces(con, random.Random(seed + 1), members, member_projects, stages, idea_project,
                                 authors, sponsor_staff, start_of_time)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    return {
        "stages": {s: sum(1 for v in stages.values() if v == s) for s, _ in STAGES},
        "memberships": len(members),
        "member_unread": min(len(moved), 5),
        **facts,
        "seconds": time.perf_counter() - t0,
    }


def _member_projects(project_ids: list[int]) -> list[int]:
    """The projects the bench member belongs to: about a fifth, sponsored and self-carried, one of them closed."""
    chosen = [p for p in project_ids if p % 7 in (1, 2)]
    closed = next(p for p in project_ids if p % 10 == 0)
    return sorted({*chosen, closed})


def _ndas_and_workspaces(con, rng, members, member_projects, stages, idea_project, authors, sponsor_staff,
                         start_of_time) -> dict:
    """Every sponsored project has an NDA (a second version for every third one) that 70 % of its members
    accepted (a tenth more only the first version); every idea in partner R&D has its partnership, whose
    workspace the idea's author was invited into. The bench member accepted the NDAs of all their sponsored
    projects but the first, and was invited into two workspaces of the others."""
    owner_of = {p: u for (p, u), role in members.items() if role == "owner"}
    sponsored = [p for p in sorted(owner_of) if p % 2]
    versions, current = [], {}
    for p in sponsored:
        for number in (1, 2) if p % 3 == 0 else (1,):
            versions.append((len(versions) + 1, p, number, f"NDA version {number}: what you see here stays here.",
                             owner_of[p], _ts(start_of_time + timedelta(days=p + 30 * number))))
            current[p] = (len(versions), number)
    con.executemany("INSERT INTO nda_versions (id, project_id, number, text, published_by_id, published_at) "
                    "VALUES (?,?,?,?,?,?)", versions)
    first_sponsored = next(p for p in member_projects if p % 2)
    accepted = []
    for (p, u), role in sorted(members.items()):
        if p not in current or role == "owner":
            continue
        version, number = current[p]
        if u == MEMBER_ID:
            if p != first_sponsored:
                accepted.append((version, u))
            continue
        draw = rng.random()
        if draw < 0.7:
            accepted.append((version, u))
        elif draw < 0.8 and number == 2:
            accepted.append((version - 1, u))  # signed the first version only: not cleared any more
    signed_at = _ts(start_of_time + timedelta(days=400))
    con.executemany("INSERT INTO nda_acceptances (nda_version_id, user_id, accepted_at, ip_address) "
                    "VALUES (?,?,?,'127.0.0.1')", ((v, u, signed_at) for v, u in accepted))

    partner_ideas = [i for i, stage in stages.items() if stage == "partner_rnd"]
    partner_of = dict(con.execute("SELECT id, partner_id FROM ideas WHERE stage = 'partner_rnd'"))
    started = dict(con.execute("SELECT id, rnd_started_at FROM ideas WHERE stage = 'partner_rnd'"))
    partnerships = [(n, i, partner_of[i], sponsor_staff[partner_of[i]][0], started[i])
                    for n, i in enumerate(partner_ideas, 1)]
    con.executemany(
        "INSERT INTO partnerships (id, idea_id, organisation_id, accepted_by_id, started_at, terms, "
        "reward_pool_cents, currency, ip_arrangement) VALUES (?,?,?,?,?,'Prototypes within six months.',"
        "150000,'EUR','assignment')", partnerships)
    cleared_projects = [p for p in member_projects if p % 2 and p != first_sponsored]
    invited = [(n, authors[i], staff, at) for n, i, _org, staff, at in partnerships]
    member_workspaces = [(n, MEMBER_ID, staff, at) for n, i, _org, staff, at in partnerships
                         if idea_project[i - 1] in cleared_projects and authors[i] != MEMBER_ID][:2]
    con.executemany("INSERT INTO workspace_members (partnership_id, user_id, invited_by_id, created_at) "
                    "VALUES (?,?,?,?)", invited + member_workspaces)
    return {"nda_versions": len(versions), "nda_acceptances": len(accepted), "partnerships": len(partnerships),
            "member_projects": len(member_projects), "member_workspaces": len(member_workspaces)}
