"""Pipeline benchmark: the main pages for visitors and a member, and votes, on a large SQLite database, over HTTP.

    .venv/bin/python bench/pipeline_bench.py            # 100k ideas, 1M votes, 10k users
    .venv/bin/python bench/pipeline_bench.py --quick    # 5k ideas, 50k votes, 1k users

1. builds the database (Alembic schema, then bulk inserts) and its search index in a temporary directory;
2. counts the SQL queries and times each page in-process (test client, before_cursor_execute), as a
   visitor and signed in as the bench member;
3. serves CrowdSpirit, a hello-world Flask app and a bare Flask list (the floor) with gunicorn on
   127.0.0.1, the same way, and measures the idea list (50 per page, by votes), an idea page, the
   home page, a project page and a search, for visitors and for the signed-in member, against hello world;
4. has 16 signed-in clients vote concurrently, then checks the stored counts and karma.
The figures are printed next to the issue's targets. See bench/README.md.
"""

import argparse
import cProfile
import os
import platform
import pstats
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import loadgen  # noqa: E402
import machine  # noqa: E402

HOST = "127.0.0.1"
LIST_PATH = "/ideas?sort=votes"
SEARCH_PATH = "/search?q=solar+lamp"
#: the pages measured for visitors and for the member, in this order
PAGES = ("idea list", "idea page", "home", "project page", "search")
TARGET_LIST_RATIO = 0.15  # visitors' list (micro-cache) / hello world
#: signed-in throughput / hello world, per page (issue 16)
TARGET_MEMBER_RATIO = {"idea list": 0.12, "idea page": 0.12, "home": 0.10, "project page": 0.10, "search": 0.05}
TARGET_MEMBER_TO_BARE = 0.5  # signed-in list / bare list, measured in the same run
TARGET_MEMBER_LIST_QUERIES = 4
TARGET_VOTES_PER_S = 400
TARGET_VOTE_P99_MS = 100


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small data set (5k ideas, 50k votes, 1k users) and short runs")
    parser.add_argument("--seconds", type=float, help="measured seconds per GET target (10; quick 3)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each (2; quick 1)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections for GETs (8)")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class (sync: see bench/README.md for why)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
    parser.add_argument("--voters", type=int, default=16, help="concurrent voting clients (16, max 16)")
    parser.add_argument("--votes-per-client", type=int,
                        help="distinct ideas each voter votes for (300; quick 40); every 20th "
                             "request repeats an earlier vote and must be refused with 409")
    parser.add_argument("--profile", action="store_true",
                        help="also profile list requests in-process and print where time goes")
    parser.add_argument("--wait-quiet", type=float, default=60.0,
                        help="before the HTTP phase, wait up to this many seconds for other "
                             "processes to use < 0.25 cores (60; 0 to skip)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.size = dataset.QUICK if args.quick else dataset.FULL
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.votes_per_client = args.votes_per_client or (40 if args.quick else 300)
    if not 1 <= args.voters <= dataset.N_BENCH_VOTERS:
        parser.error(f"--voters must be between 1 and {dataset.N_BENCH_VOTERS}")
    return args


def say(text: str = "") -> None:
    print(text, flush=True)


# --- 1. Database -------------------------------------------------------------------------------
def build_database(args, path: Path) -> str:
    url = f"sqlite:///{path}"
    t0 = time.perf_counter()
    import logging
    logging.disable(logging.INFO)  # alembic.ini's logging config would print each migration
    dataset.migrate_schema(url, {"TESTING": False})
    logging.disable(logging.NOTSET)
    facts = dataset.build(str(path), args.size, seed=args.seed)
    elapsed = time.perf_counter() - t0
    s = args.size
    say(f"Database: {s.ideas:,} ideas, {s.votes:,} votes, {s.users:,} users, {s.projects} projects, "
        f"{facts['memberships']:,} memberships ({path.stat().st_size / 1e6:.0f} MB)")
    say("  stages: " + ", ".join(f"{k} {v:,}" for k, v in facts["stages"].items()))
    say(f"  {facts['nda_versions']} NDA versions, {facts['nda_acceptances']:,} acceptances, "
        f"{facts['partnerships']:,} R&D partnerships; the bench member belongs to {facts['member_projects']} "
        f"projects (one closed, one NDA not accepted), works in {facts['member_workspaces']} workspaces and has "
        f"{facts['member_unread']} unread notifications")
    verdict = "OK" if elapsed < 120 or args.quick else "MISS"
    say(f"  build time: {elapsed:.1f} s (schema by Alembic + executemany bulk inserts; "
        f"target < 120 s: {verdict})")
    with sqlite3.connect(path) as con:
        total, rows, bad = con.execute(
            "SELECT (SELECT sum(vote_count) FROM ideas), (SELECT count(*) FROM votes), "
            "(SELECT count(*) FROM ideas i WHERE vote_count != "
            " (SELECT count(*) FROM votes v WHERE v.idea_id = i.id))").fetchone()
    say(f"  sum(vote_count) = {total:,}, rows in votes = {rows:,}, ideas whose count differs: "
        f"{bad}  {'OK' if total == rows and not bad else 'MISMATCH'}")
    return url


def build_search_index(app) -> None:
    """The search index of the data set (search.maintenance.rebuild into SEARCH_INDEX_DIR), as a deployment has."""
    from crowdspirit.search import maintenance

    t0 = time.perf_counter()
    with app.app_context():
        count = maintenance.rebuild()
    say(f"  search index: {count:,} documents in {time.perf_counter() - t0:.1f} s (maintenance.rebuild)")


def sample_ids(app, path: Path, seed: int) -> dict:
    """What each of the visitor and the member may open (ideas, projects: the app's own access filter), the idea
    the in-process vote is cast on, and the member's email."""
    from flask_login import AnonymousUserMixin
    from sqlalchemy import select

    from crowdspirit.access import visible
    from crowdspirit.accounts.models import User
    from crowdspirit.extensions import db
    from crowdspirit.pipeline.models import Idea
    from crowdspirit.projects.models import Project

    rng = random.Random(seed)
    ids = {"member_email": dataset.MEMBER_EMAIL}
    with app.app_context():
        for who, user in (("visitor", AnonymousUserMixin()), ("member", db.session.get(User, dataset.MEMBER_ID))):
            ideas = db.session.scalars(visible(select(Idea.id).where(Idea.stage != "archived"), user)).all()
            projects = db.session.scalars(visible(select(Project.slug), user)).all()
            ids[who] = {"ideas": [rng.choice(ideas) for _ in range(2000)],
                        "projects": rng.sample(projects, len(projects)), "visible": len(ideas)}
        db.session.remove()
    with sqlite3.connect(path) as con:
        ids["vote_idea"] = con.execute(
            "SELECT i.id FROM ideas i JOIN projects p ON p.id = i.project_id "
            "WHERE i.stage = 'vote' AND i.vote_closes_at > ? AND p.promotion_decider = 'sponsor' "
            "AND p.policy_vote = 'public' AND NOT EXISTS "
            "(SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = ?) ORDER BY i.vote_count DESC LIMIT 1",
            (_in_an_hour(), dataset.MEMBER_ID)).fetchone()[0]
    say(f"  ideas (not archived) the visitor may open: {ids['visitor']['visible']:,}, the member: "
        f"{ids['member']['visible']:,}; projects: {len(ids['visitor']['projects'])} and "
        f"{len(ids['member']['projects'])}")
    return ids


def _in_an_hour() -> str:
    """An hour from now as SQLite holds timestamps (vote-stage ideas still open then stay open during the run)."""
    return (datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)).strftime(dataset.TS_FORMAT)


def page_paths(ids: dict, who: str) -> dict[str, list[str]]:
    """The paths measured for each page, as the visitor or as the member (each opens what they may see)."""
    return {"idea list": [LIST_PATH], "idea page": [f"/ideas/{i}" for i in ids[who]["ideas"]], "home": ["/"],
            "project page": [f"/projects/{slug}" for slug in ids[who]["projects"]], "search": [SEARCH_PATH]}


# --- 2. Queries per request and in-process time ------------------------------------------------
class StatementCounter:
    """Counts the SQL statements an engine executes (a before_cursor_execute listener)."""

    def __init__(self, engine):
        self.count = 0
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def during(self, action) -> tuple[int, object]:
        """(statements executed by action(), its result)."""
        before = self.count
        result = action()
        return self.count - before, result


def sign_in_client(client, email: str) -> None:
    """Sign a test client in through the form, and read the page the flash message is shown on."""
    response = client.post("/login", data={"email": email, "password": dataset.BENCH_PASSWORD})
    assert response.status_code == 303, f"sign-in of {email} failed: {response.status_code}"
    client.get("/")


def count_queries(app, ids: dict, args, hello_app, bare) -> dict:
    """Queries and in-process time of every page as the visitor and as the member (micro-cache off), the list at
    three page sizes, the votes, and the bare list."""
    from crowdspirit.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    clients = {"visitor": app.test_client(), "member": app.test_client()}
    sign_in_client(clients["member"], ids["member_email"])

    def queries(client, path, method="GET", per_page=50):
        app.config["PER_PAGE"] = per_page
        client.open(path, method=method)  # warm (templates compiled, caches filled)
        if method == "POST":  # undo the vote to measure the accepted path again
            client.post(path.replace("/vote", "/unvote"))
        n, response = counter.during(lambda: client.open(path, method=method))
        return n, response.status_code

    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for who, client in clients.items():
        for n in (10, 20):
            counts[(f"idea list, {n} per page", who)] = queries(client, LIST_PATH, per_page=n)
        for page, paths in page_paths(ids, who).items():
            counts[(page if page != "idea list" else "idea list, 50 per page", who)] = queries(client, paths[0])
    member = clients["member"]
    vote_path = f"/ideas/{ids['vote_idea']}/vote"
    counts[("vote POST (accepted)", "member")] = queries(member, vote_path, "POST")
    refused = counter.during(lambda: member.post(vote_path))  # a second time: refused
    counts[("vote POST (refused, already voted)", "member")] = (refused[0], refused[1].status_code)
    member.post(vote_path.replace("/vote", "/unvote"))  # leave the data as built
    app.config["PER_PAGE"] = 50

    timings = in_process_times(args, clients, ids, hello_app)
    say("\nIn-process, rendered on every request (test client, one thread, micro-cache off): SQL queries and "
        "time per request")
    say(f"  {'page':<36} {'visitor':>16} {'member':>16}")
    labels = dict.fromkeys(label for label, _who in counts)
    for label in labels:
        cells = []
        for who in ("visitor", "member"):
            if (label, who) not in counts:
                cells.append(f"{'':>16}")
                continue
            n, status = counts[(label, who)]
            ms = timings.get((label, who))
            cells.append(f"{n:>3} q" + (f" {ms:6.1f} ms" if ms else " " * 10) + (f" {status}" if status != 200 else ""))
        say(f"  {label:<36} {cells[0]:>16} {cells[1]:>16}")
    afresh = [f"{'':>5} {timings[('search afresh', who)]:6.1f} ms" for who in ("visitor", "member")]
    say(f"  {'search, nothing remembered':<36} {afresh[0]:>16} {afresh[1]:>16}   (the row above: a search the index "
        f"generation answered before, as a repeated query is)")
    floor = bare_list(bare, app)
    say(f"  {'bare Flask list, 50 (floor)':<36} {floor['queries']:>3} q {floor['ms']:6.1f} ms   (the visitor's "
        f"50 ideas: {'same' if floor['same'] else 'DIFFERENT'}); hello world {timings['hello']:.2f} ms")
    constant = {who: len({counts[(f'idea list, {n} per page', who)][0] for n in (10, 20, 50)}) == 1
                for who in clients}
    say(f"  target: constant per list page whatever its size: visitor {'OK' if constant['visitor'] else 'MISS'}, "
        f"member {'OK' if constant['member'] else 'MISS'}; member list <= {TARGET_MEMBER_LIST_QUERIES} queries: "
        f"{counts[('idea list, 50 per page', 'member')][0]}")
    if args.profile:
        for who, client in clients.items():
            profile_list(client, who)
    with app.app_context():
        db.engine.dispose()
    return {"constant": constant, "counts": counts}


def in_process_times(args, clients: dict, ids: dict, hello_app) -> dict:
    """Mean ms per request of each page (as the visitor and as the member) and of hello world, in this process."""
    n = 30 if args.quick else 100
    timings = {"hello": timed(hello_app.test_client(), ["/"], 2000)}
    for who, client in clients.items():
        for page, paths in page_paths(ids, who).items():
            timings[(page if page != "idea list" else "idea list, 50 per page", who)] = timed(client, paths, n)
        timings[("search afresh", who)] = timed(client, [SEARCH_PATH], n, before=partial(forget_searches, client))
    return timings


def forget_searches(client) -> None:
    """Drop the answers the search index's generation remembers (search.backends.whoosh.RESULTS), so that the next
    search searches the index again."""
    from crowdspirit.search import index
    from crowdspirit.search.backends import whoosh

    with client.application.app_context(), index.reading() as (_searcher, cache):
        cache.pop(whoosh.RESULTS, None)


def timed(client, paths: list[str], n: int, before=None) -> float:
    """Mean milliseconds of n GETs over paths (round robin) after 10 unmeasured ones (before(): run ahead of each
    request, outside the time)."""
    for p in paths[:10]:
        client.get(p)
    elapsed = 0.0
    for k in range(n):
        if before is not None:
            before()
        t0 = time.perf_counter()
        client.get(paths[k % len(paths)])
        elapsed += time.perf_counter() - t0
    return elapsed / n * 1000


def bare_list(bare, app) -> dict:
    """Queries and in-process ms of the bare list, and whether it lists the same ideas as the visitor's list."""
    import bare_app
    from flask_login import AnonymousUserMixin

    from crowdspirit.extensions import db
    from crowdspirit.pipeline import services

    with app.app_context():
        theirs = db.session.scalars(services.ideas_query(AnonymousUserMixin(), sort="votes").limit(50)).all()
        theirs = [idea.id for idea in theirs]
        db.session.remove()
    with bare.app_context():
        counter = StatementCounter(bare_app.db.engine)
        ours = [idea.id for idea in bare_app.db.session.scalars(bare_app.top_ideas())]
    client = bare.test_client()
    client.get("/ideas")
    n, _response = counter.during(lambda: client.get("/ideas"))
    return {"queries": n, "ms": timed(client, ["/ideas"], 200), "same": ours == theirs}


CATEGORIES = [  # (label, substrings of the profiled function's file name)
    ("SQLite (sqlite3 C calls)", ("sqlite3.",)),
    ("SQLAlchemy ORM/Core", ("sqlalchemy",)),
    ("Jinja templates + markupsafe", ("jinja2", "markupsafe", "templates/", "<template>")),
    ("Babel / flask_babel (dates, gettext)", ("babel",)),
    ("Flask-Login / WTF / Limiter", ("flask_login", "flask_wtf", "wtforms", "flask_limiter", "limits")),
    ("Werkzeug + Flask", ("werkzeug", "flask/")),
    ("CrowdSpirit code", ("crowdspirit",)),
]


def profile_list(client, who: str, n: int = 200) -> None:
    """cProfile n list requests of a client (the visitor's or the member's); print own time by library and the top
    functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(LIST_PATH)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_cat: dict[str, float] = {}
    total = 0.0
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        where = filename + " " + func
        total += tt
        label = next((lab for lab, keys in CATEGORIES if any(k in where for k in keys)), "other")
        by_cat[label] = by_cat.get(label, 0.0) + tt
    say(f"\nProfile of {n} list requests, {who} (own time by library, ms per request; cProfile inflates "
        f"totals, shares are what matter): total {total / n * 1000:.1f} ms")
    for label, tt in sorted(by_cat.items(), key=lambda kv: -kv[1]):
        say(f"  {label:<40} {tt / n * 1000:6.2f} ms  {tt / total:5.1%}")
    say("Top functions by cumulative time:")
    stats.sort_stats("cumulative")
    rows = [(ct, key) for key, (_cc, _nc, _tt, ct, _) in stats.stats.items()]
    shown = 0
    for ct, (filename, line, func) in sorted(rows, reverse=True):
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        if any(s in short for s in ("profile", "werkzeug/test", "flask/testing", "werkzeug/serving")):
            continue
        say(f"  {ct / n * 1000:6.2f} ms  {short}:{line} {func}")
        shown += 1
        if shown == 22:
            break


# --- 3. Servers and HTTP measurements ---------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn serving module:app from bench/ on 127.0.0.1 (stopped by its own pid)."""

    def __init__(self, args, module: str, log: Path, env: dict):
        self.port = free_port()
        self.command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{self.port}",
                        "--workers", str(args.workers), "--worker-class", args.worker_class,
                        "--chdir", str(BENCH), "--backlog", "256", "--log-level", "warning"]
        if args.worker_class == "gthread":
            self.command += ["--threads", str(args.threads)]
        self.command.append(f"{module}:app")
        self.log = open(log, "w")
        self.process = subprocess.Popen(self.command, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log.name}")
            try:
                conn = loadgen.Connection(HOST, self.port)
                status, _, _ = conn.request("GET", path)
                conn.close()
                if status == 200:
                    return
            except (OSError, loadgen.HttpError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: gunicorn's graceful shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


BUSY = 0.25  # cores used by other processes above which a figure is flagged


def cpu_text(window) -> str:
    usage = window.stop()
    if not usage:
        return "   n/a    n/a"
    return f"{usage[0]:4.2f} {usage[1]:6.2f}" + ("  (!) machine busy" if usage[1] > BUSY else "")


def measure(args, label, port, paths, hello=None, cookies=None) -> loadgen.Result:
    """GET paths from --concurrency connections (with the session cookies given) and print the row: req/s, its
    ratio to hello world's, p50, p99, requests and the CPU the bench and the others used."""
    window = machine.CpuWindow()
    result = loadgen.run(HOST, port, paths, args.concurrency, args.seconds, args.warmup, cookies=cookies)
    bad = {k: v for k, v in result.statuses.items() if k != 200}
    ratio = f"{result.rps / hello.rps:7.3f}x" if hello else f"{'':8}"
    say(f"  {label:<30} {result.rps:8.0f} {ratio} {result.percentile(0.5) * 1000:9.1f} "
        f"{result.percentile(0.99) * 1000:9.1f}   {len(result.latencies):7d}   {cpu_text(window)}"
        + (f"   non-200: {bad}" if bad else "") + (f"   errors: {result.errors}" if result.errors else ""))
    return result


def sign_in(port: int, email: str) -> dict:
    """Sign in over HTTP through the form and return the session cookies (the flash message already read)."""
    conn = loadgen.Connection(HOST, port)
    body = urlencode({"email": email, "password": dataset.BENCH_PASSWORD}).encode()
    status, _, _ = conn.request("POST", "/login", body)
    if status != 303:
        raise SystemExit(f"sign-in of {email} failed: HTTP {status}")
    conn.request("GET", "/")
    conn.close()
    return dict(conn.cookies)


def measure_pages(args, servers: dict, ids: dict) -> dict:
    """Every GET row against hello world: visitors (micro-cache on, then off), the signed-in member, the bare list,
    and hello world again to show how much the machine drifted during the rows."""
    app, uncached = servers["app"].port, servers["uncached"].port
    say(f"  {'target':<30} {'req/s':>8} {'x hello':>8} {'p50 ms':>9} {'p99 ms':>9}   {'requests':>7}   "
        f"CPU cores used: bench, others")
    hello = measure(args, "hello world GET /", servers["hello"].port, ["/"])
    rows = {}
    say("  visitors (micro-cache on, as served):")
    for page, paths in page_paths(ids, "visitor").items():
        rows[("visitor", page)] = measure(args, page, app, paths, hello)
    say("  visitors, rendered on every request (micro-cache off):")
    for page in ("idea list", "idea page"):
        rows[("rendered", page)] = measure(args, page, uncached, page_paths(ids, "visitor")[page], hello)
    say(f"  signed in as the bench member ({ids['member_email']}; members are never cached):")
    cookies = sign_in(app, ids["member_email"])
    for page, paths in page_paths(ids, "member").items():
        rows[("member", page)] = measure(args, page, app, paths, hello, cookies)
    say("  floor:")
    rows["bare"] = measure(args, "bare Flask list (one query)", servers["bare"].port, ["/ideas"], hello)
    again = measure(args, "hello world again", servers["hello"].port, ["/"], hello)
    say(f"  member list / bare list: {rows[('member', 'idea list')].rps / rows['bare'].rps:.3f}; "
        f"hello world drifted {again.rps / hello.rps - 1:+.0%} over the rows")
    rows["hello"] = hello
    return rows


# --- 4. Votes -------------------------------------------------------------------------------------
def vote_bench(args, port: int, path: Path) -> dict:
    """16 signed-in clients vote concurrently for the same ideas; prints the rate and latency, then checks the
    stored counts and the voters' karma."""
    rng = random.Random(args.seed + 1)
    with sqlite3.connect(path) as con:
        voters = [(uid, email) for uid, email in con.execute(
            "SELECT id, email FROM users WHERE email LIKE 'voter%@bench.example' ORDER BY id")]
        voters = voters[:args.voters]
        placeholders = ",".join("?" * len(voters))
        pool = [row[0] for row in con.execute(
            "SELECT i.id FROM ideas i JOIN projects p ON p.id = i.project_id "
            "WHERE i.stage = 'vote' AND (i.vote_closes_at IS NULL OR i.vote_closes_at > ?) "
            "AND p.promotion_decider = 'sponsor' AND NOT EXISTS (SELECT 1 FROM votes v "
            f"WHERE v.idea_id = i.id AND v.user_id IN ({placeholders})) ORDER BY i.id",
            [_in_an_hour(), *[v[0] for v in voters]])]
    if len(pool) < args.votes_per_client:
        raise SystemExit(f"only {len(pool)} open vote-stage ideas in sponsor-decided projects")
    # Every voter votes for the same ideas, each in its own order: concurrent writers meet on the
    # same rows, which is where lost updates would show.
    ideas = rng.sample(pool, args.votes_per_client)
    plans = []
    for _ in voters:
        order = rng.sample(ideas, len(ideas))
        plan = []
        for k, idea in enumerate(order):
            plan.append(idea)
            if k % 20 == 19:
                plan.append(order[rng.randrange(k)])  # already voted: must be refused
        plans.append(plan)
    expected_accepted = len(voters) * len(ideas)
    expected_refused = sum(len(p) for p in plans) - expected_accepted

    clients = []
    for _uid, email in voters:
        conn = loadgen.Connection(HOST, port)
        conn.cookies.update(sign_in(port, email))
        clients.append(conn)

    def snapshot():
        with sqlite3.connect(path) as con:
            return con.execute("SELECT (SELECT sum(vote_count) FROM ideas), "
                               "(SELECT count(*) FROM votes)").fetchone()

    before = snapshot()
    window = machine.CpuWindow()
    results = [None] * len(voters)
    barrier = threading.Barrier(len(voters) + 1)

    def voter(n: int):
        conn, latencies, statuses, errors = clients[n], [], {}, 0
        barrier.wait()
        for idea in plans[n]:
            t0 = time.perf_counter()
            try:
                status, _, _ = conn.request("POST", f"/ideas/{idea}/vote")
            except (OSError, loadgen.HttpError):
                errors += 1
                conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        results[n] = (latencies, statuses, errors)

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(len(voters))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = cpu_text(window).split()
    after = snapshot()

    latencies = sorted(x for r in results for x in r[0])
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r[1].items():
            statuses[k] = statuses.get(k, 0) + v
    errors = sum(r[2] for r in results)
    accepted = statuses.get(200, 0) + statuses.get(303, 0)
    refused = statuses.get(409, 0)
    others = {k: v for k, v in statuses.items() if k not in (200, 303, 409)}
    count_increase, new_rows = after[0] - before[0], after[1] - before[1]
    with sqlite3.connect(path) as con:
        marks = ",".join("?" * len(ideas))
        per_idea_bad = con.execute(
            f"SELECT count(*) FROM ideas i WHERE i.id IN ({marks}) AND i.vote_count != "
            "(SELECT count(*) FROM votes v WHERE v.idea_id = i.id)", ideas).fetchone()[0]
    exact = (count_increase == accepted == new_rows == expected_accepted and not per_idea_bad
             and refused == expected_refused and not errors and not others)
    drained = outbox_drain_seconds(path)
    karma = karma_problems(path, {uid: r[1].get(200, 0) + r[1].get(303, 0)
                                  for (uid, _email), r in zip(voters, results, strict=True)})
    rate = accepted / elapsed

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    say(f"\nVotes: {len(voters)} signed-in clients, {len(ideas)} ideas each (the same ideas, each "
        f"client in its own order) + {expected_refused} deliberate repeats")
    say(f"  {sum(len(p) for p in plans)} POSTs in {elapsed:.1f} s: accepted {accepted} "
        f"(expected {expected_accepted}), refused 409 {refused} (expected {expected_refused})"
        + (f", other statuses {others}" if others else "") + (f", errors {errors}" if errors else ""))
    say(f"  accepted votes/s {rate:.0f}   latency p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; CPU cores used: bench {cpu[0]}, others {cpu[1]}")
    say(f"  stored: sum(vote_count) +{count_increase}, rows in votes +{new_rows}, accepted {accepted}; "
        f"ideas whose vote_count != their rows: {per_idea_bad}  -> {'OK' if exact else 'MISMATCH'}")
    say("  event outbox (karma off the request): " + (f"empty {drained:.1f} s after the last vote" if drained
                                                        is not None else "NOT EMPTY 60 s after the last vote"))
    say(f"  karma: one vote_cast event per accepted vote, daily cap kept, users.karma and karma_totals equal to "
        f"the log -> {'OK' if not karma else 'MISMATCH: ' + '; '.join(karma[:5])}")
    return {"rate": rate, "p99_ms": pct(0.99), "exact": exact and not karma}


def outbox_drain_seconds(path: Path, limit: float = 60.0) -> float | None:
    """How long after now the servers' delivery threads take to apply every waiting event (the karma of the votes),
    polled every 50 ms; None if events still wait after limit seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        with sqlite3.connect(path) as con:
            if not con.execute("SELECT count(*) FROM event_outbox").fetchone()[0]:
                return time.perf_counter() - start
        time.sleep(0.05)
    return None


def karma_problems(path: Path, accepted: dict[int, int]) -> list[str]:
    """What is wrong with the voters' karma after the run (nothing: every accepted vote wrote its event, each UTC
    day earned min(votes x points, cap), and users.karma and the per-project totals equal the log); accepted maps
    each voter's id to their accepted votes (the voters start without karma and never vote for their own ideas)."""
    from crowdspirit.karma.rules import DEFAULTS

    points, cap = DEFAULTS["vote_cast"]
    marks = ",".join("?" * len(accepted))
    with sqlite3.connect(path) as con:
        days = con.execute(
            "SELECT user_id, count(*), sum(points) FROM karma_events WHERE rule = 'vote_cast' "
            f"AND user_id IN ({marks}) GROUP BY user_id, date(created_at)", list(accepted)).fetchall()
        karma = dict(con.execute(f"SELECT id, karma FROM users WHERE id IN ({marks})", list(accepted)))
        totals = dict(con.execute(f"SELECT user_id, sum(points) FROM karma_totals WHERE user_id IN ({marks}) "
                                  "GROUP BY user_id", list(accepted)))
    events, earned, problems = Counter(), Counter(), []
    for user, n, total in days:
        events[user] += n
        earned[user] += total
        if total != min(n * points, cap):
            problems.append(f"voter #{user} earned {total} for {n} votes in a day (cap {cap})")
    for user, votes in accepted.items():
        if events[user] != votes:
            problems.append(f"voter #{user}: {events[user]} events for {votes} accepted votes")
        if not karma[user] == totals.get(user, 0) == earned[user]:
            problems.append(f"voter #{user}: karma {karma[user]}, project totals {totals.get(user, 0)}, "
                            f"log {earned[user]}")
    return problems


# --- Main -----------------------------------------------------------------------------------------
def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="crowdspirit-bench-"))
    # A fixed SECRET_KEY shared by the bench process and every gunicorn worker (sessions made by
    # one worker are read by the other), the search index in the temporary directory: instance/ stays untouched.
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ["SEARCH_INDEX_DIR"] = str(tmp / "search")
    db_path = tmp / "bench.db"
    servers: dict[str, Server] = {}
    try:
        import gunicorn
        say(f"CrowdSpirit pipeline benchmark{' (--quick)' if args.quick else ''}: {os.cpu_count()} "
            f"CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"gunicorn {gunicorn.__version__}; load average {machine.load_average()}; temp dir {tmp}")
        url = build_database(args, db_path)
        import bare_app
        import hello_app
        from bench_wsgi import make_app

        app = make_app(url, PAGE_CACHE_SECONDS=0, SEARCH_INDEXER="off")  # what every request costs when rendered
        build_search_index(app)
        ids = sample_ids(app, db_path, args.seed)
        queries = count_queries(app, ids, args, hello_app.app, bare_app.make_app(url))

        env = {**os.environ, "BENCH_DATABASE_URI": url, "BENCH_PER_PAGE": "50",
               "PYTHONDONTWRITEBYTECODE": "1"}
        servers["app"] = Server(args, "bench_wsgi", tmp / "gunicorn-app.log", env)
        servers["uncached"] = Server(args, "bench_wsgi", tmp / "gunicorn-uncached.log",
                                     {**env, "PAGE_CACHE_SECONDS": "0"})
        servers["hello"] = Server(args, "hello_app", tmp / "gunicorn-hello.log", env)
        servers["bare"] = Server(args, "bare_app", tmp / "gunicorn-bare.log", env)
        for name, server in servers.items():
            server.wait_ready({"hello": "/", "bare": "/ideas"}.get(name, "/login"))
        if args.wait_quiet > 0:
            waited, others = machine.wait_quiet(args.wait_quiet, BUSY)
            say(f"\nOther processes use {others:.2f} cores (waited {waited:.0f} s for a quiet machine; "
                f"rows marked (!) were measured while they used > {BUSY} cores)")
        say(f"Servers: {' '.join(servers['app'].command[1:]).replace(str(BENCH), 'bench')}  "
            f"(hello_app:app and bare_app:app the same way)")
        say(f"GET load: {args.concurrency} client threads (keep-alive where the server allows), "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per target; the search rows repeat one query, "
            f"which each process then answers from the index generation's remembered matches (loading, checking and "
            f"drawing the hits each time)")
        rows = measure_pages(args, servers, ids)
        votes = vote_bench(args, servers["app"].port, db_path)
        print_targets(rows, queries, votes)
        return 0
    finally:
        for server in servers.values():
            server.stop()
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def print_targets(rows: dict, queries: dict, votes: dict) -> None:
    """Every target of the issue with its figure from this run and OK or MISS."""
    def line(text: str, ok: bool) -> None:
        say(f"  {text:<92} {'OK' if ok else 'MISS'}")

    hello = rows["hello"].rps
    say("\nTargets (from the issue; throughput as a ratio to hello world measured in the same run):")
    ratio = rows[("visitor", "idea list")].rps / hello
    line(f"visitors' idea list >= {TARGET_LIST_RATIO}x hello world: {ratio:.3f}x", ratio >= TARGET_LIST_RATIO)
    for page, target in TARGET_MEMBER_RATIO.items():
        ratio = rows[("member", page)].rps / hello
        line(f"signed-in {page} >= {target}x hello world: {ratio:.3f}x", ratio >= target)
    to_bare = rows[("member", "idea list")].rps / rows["bare"].rps
    line(f"signed-in idea list >= {TARGET_MEMBER_TO_BARE}x the bare Flask list: {to_bare:.3f}x "
         f"(bare list {rows['bare'].rps / hello:.3f}x hello world)", to_bare >= TARGET_MEMBER_TO_BARE)
    for who in ("visitor", "member"):
        sizes = sorted({queries["counts"][(f"idea list, {n} per page", who)][0] for n in (10, 20, 50)})
        line(f"constant queries per list page, {who}: {sizes} at 10, 20 and 50 per page", queries["constant"][who])
    member_list = queries["counts"][("idea list, 50 per page", "member")][0]
    line(f"signed-in idea list <= {TARGET_MEMBER_LIST_QUERIES} queries: {member_list}",
         member_list <= TARGET_MEMBER_LIST_QUERIES)
    line(f">= {TARGET_VOTES_PER_S} accepted votes/s, p99 <= {TARGET_VOTE_P99_MS} ms, exact counts and karma: "
         f"{votes['rate']:.0f}/s, p99 {votes['p99_ms']:.0f} ms, {'exact' if votes['exact'] else 'MISMATCH'}",
         votes["rate"] >= TARGET_VOTES_PER_S and votes["p99_ms"] <= TARGET_VOTE_P99_MS and votes["exact"])


if __name__ == "__main__":
    sys.exit(main())
