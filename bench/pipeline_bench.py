"""Pipeline benchmark: idea list, idea page and votes on a large SQLite database, over HTTP.

    .venv/bin/python bench/pipeline_bench.py            # 100k ideas, 1M votes, 10k users
    .venv/bin/python bench/pipeline_bench.py --quick    # 5k ideas, 50k votes, 1k users

1. builds the database (Alembic schema, then bulk inserts) in a temporary directory;
2. counts the SQL queries of each request in-process (test client, before_cursor_execute);
3. serves CrowdSpirit and a hello-world Flask app with gunicorn on 127.0.0.1, the same way,
   and measures the list page (50 per page, by votes), an idea page and hello world;
4. has 16 signed-in clients vote concurrently, then checks the stored counts.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import loadgen  # noqa: E402
import machine  # noqa: E402

HOST = "127.0.0.1"
TARGET_LIST_RATIO = 0.15
TARGET_VOTES_PER_S = 300
LIST_PATH = "/ideas?sort=votes"


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


def sample_ids(path: Path, seed: int) -> dict:
    """Ideas to read and to vote on, and the bench voters' emails."""
    rng = random.Random(seed)
    with sqlite3.connect(path) as con:
        visible = [row[0] for row in con.execute(  # what visitors may open (default stage policies)
            "SELECT i.id FROM ideas i JOIN projects p ON p.id = i.project_id "
            "WHERE (i.stage = 'idea' AND p.policy_idea = 'public') OR (i.stage = 'vote' AND p.policy_vote = 'public')")]
        vote_idea = con.execute(
            "SELECT i.id FROM ideas i JOIN projects p ON p.id = i.project_id "
            "WHERE i.stage = 'vote' AND i.vote_closes_at > ? AND p.promotion_decider = 'sponsor' "
            "AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = 2) "
            "ORDER BY i.vote_count DESC LIMIT 1",
            ((datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)).strftime(dataset.TS_FORMAT),)).fetchone()[0]
        voter = con.execute("SELECT email FROM users WHERE id = 2").fetchone()[0]
    return {"read": [rng.choice(visible) for _ in range(2000)], "vote_idea": vote_idea,
            "signed_in_email": voter}


# --- 2. Queries per request, in-process --------------------------------------------------------
def count_queries(url: str, ids: dict, profile: bool, hello_app) -> dict:
    from bench_wsgi import make_app
    from sqlalchemy import event

    from crowdspirit.extensions import db

    app = make_app(url, PAGE_CACHE_SECONDS=0)  # what every request costs when rendered
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))

    anon, member = app.test_client(), app.test_client()
    response = member.post("/login", data={"email": ids["signed_in_email"],
                                           "password": dataset.BENCH_PASSWORD})
    assert response.status_code == 303, f"sign-in failed: {response.status_code}"

    def queries(client, method, path, per_page=50):
        app.config["PER_PAGE"] = per_page
        client.open(path, method=method)  # warm (templates compiled, caches filled)
        if method == "POST":  # undo the vote to measure the accepted path again
            client.post(path.replace("/vote", "/unvote"))
        statements.clear()
        response = client.open(path, method=method)
        return len(statements), response.status_code

    idea = ids["read"][0]
    counts = {f"list page, {n} per page": queries(anon, "GET", LIST_PATH, n) for n in (10, 20, 50)}
    counts["list page, 50 per page, signed in"] = queries(member, "GET", LIST_PATH)
    counts[f"idea page /ideas/{idea}"] = queries(anon, "GET", f"/ideas/{idea}")
    counts[f"idea page /ideas/{idea}, signed in"] = queries(member, "GET", f"/ideas/{idea}")
    vote_path = f"/ideas/{ids['vote_idea']}/vote"
    counts["vote POST (accepted)"] = queries(member, "POST", vote_path)
    statements.clear()
    status = member.post(vote_path).status_code  # a second time: refused
    counts["vote POST (refused, already voted)"] = (len(statements), status)
    member.post(vote_path.replace("/vote", "/unvote"))  # leave the data as built

    say("\nSQL queries per request, rendered (micro-cache off; a cached visitor page costs 1 query):")
    for label, (n, status) in counts.items():
        say(f"  {label:<45} {n:>3} queries   (HTTP {status})")
    list_counts = {counts[f"list page, {n} per page"][0] for n in (10, 20, 50)}
    say(f"  target: constant per list page whatever its size: "
        f"{'OK' if len(list_counts) == 1 else 'MISS'}")

    # In-process cost of one request, without the HTTP server: separates app cost from serving.
    app.config["PER_PAGE"] = 50
    hello = hello_app.test_client()
    reads = ids["read"]
    timings = {}
    for label, client, paths in (("hello world", hello, ["/"]), ("list page (50)", anon, [LIST_PATH]),
                                 ("idea page", anon, [f"/ideas/{i}" for i in reads])):
        for p in paths[:20]:
            client.get(p)
        n = 200 if label != "hello world" else 2000
        t0 = time.perf_counter()
        for k in range(n):
            client.get(paths[k % len(paths)])
        timings[label] = (time.perf_counter() - t0) / n * 1000
    say("In-process time per rendered request (test client, one thread, micro-cache off): "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in timings.items()))
    if profile:
        profile_list(anon)
    with app.app_context():
        db.engine.dispose()
    return {"list_constant": len(list_counts) == 1, "counts": counts}


CATEGORIES = [  # (label, substrings of the profiled function's file name)
    ("SQLite (sqlite3 C calls)", ("sqlite3.",)),
    ("SQLAlchemy ORM/Core", ("sqlalchemy",)),
    ("Jinja templates + markupsafe", ("jinja2", "markupsafe", "templates/", "<template>")),
    ("Babel / flask_babel (dates, gettext)", ("babel",)),
    ("Flask-Login / WTF / Limiter", ("flask_login", "flask_wtf", "wtforms", "flask_limiter", "limits")),
    ("Werkzeug + Flask", ("werkzeug", "flask/")),
    ("CrowdSpirit code", ("crowdspirit",)),
]


def profile_list(client, n: int = 200) -> None:
    """cProfile n list requests; print own time by library and the top functions."""
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
    say(f"\nProfile of {n} list requests (own time by library, ms per request; cProfile inflates "
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


def measure(args, label, port, paths) -> loadgen.Result:
    window = machine.CpuWindow()
    result = loadgen.run(HOST, port, paths, args.concurrency, args.seconds, args.warmup)
    bad = {k: v for k, v in result.statuses.items() if k != 200}
    say(f"  {label:<28} {result.rps:8.0f} {result.percentile(0.5) * 1000:9.1f} "
        f"{result.percentile(0.99) * 1000:9.1f}   {len(result.latencies):7d}   {cpu_text(window)}"
        + (f"   non-200: {bad}" if bad else "") + (f"   errors: {result.errors}" if result.errors else ""))
    return result


# --- 4. Votes -------------------------------------------------------------------------------------
def vote_bench(args, port: int, path: Path) -> dict:
    import requests

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
            [(datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)).strftime(dataset.TS_FORMAT),
             *[v[0] for v in voters]])]
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
        session = requests.Session()
        response = session.post(f"http://{HOST}:{port}/login", allow_redirects=False,
                                data={"email": email, "password": dataset.BENCH_PASSWORD})
        if response.status_code != 303:
            raise SystemExit(f"sign-in of {email} failed: HTTP {response.status_code}")
        conn = loadgen.Connection(HOST, port, user_agent=session.headers["User-Agent"])
        conn.cookies.update(session.cookies.get_dict())
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
    return {"rate": rate, "exact": exact}


# --- Main -----------------------------------------------------------------------------------------
def main(argv=None) -> int:
    args = parse_args(argv)
    # A fixed SECRET_KEY shared by the bench process and every gunicorn worker (sessions made by
    # one worker are read by the other), and instance/ stays untouched.
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    tmp = Path(tempfile.mkdtemp(prefix="crowdspirit-bench-"))
    db_path = tmp / "bench.db"
    servers: list[Server] = []
    try:
        import gunicorn
        say(f"CrowdSpirit pipeline benchmark{' (--quick)' if args.quick else ''}: {os.cpu_count()} "
            f"CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"gunicorn {gunicorn.__version__}; load average {machine.load_average()}; temp dir {tmp}")
        url = build_database(args, db_path)
        ids = sample_ids(db_path, args.seed)
        import hello_app
        queries = count_queries(url, ids, args.profile, hello_app.app)

        env = {**os.environ, "BENCH_DATABASE_URI": url, "BENCH_PER_PAGE": "50",
               "PYTHONDONTWRITEBYTECODE": "1"}
        app_server = Server(args, "bench_wsgi", tmp / "gunicorn-app.log", env)
        uncached_server = Server(args, "bench_wsgi", tmp / "gunicorn-uncached.log", {**env, "PAGE_CACHE_SECONDS": "0"})
        hello_server = Server(args, "hello_app", tmp / "gunicorn-hello.log", env)
        servers += [app_server, uncached_server, hello_server]
        app_server.wait_ready("/login")
        uncached_server.wait_ready("/login")
        hello_server.wait_ready("/")
        if args.wait_quiet > 0:
            waited, others = machine.wait_quiet(args.wait_quiet, BUSY)
            say(f"\nOther processes use {others:.2f} cores (waited {waited:.0f} s for a quiet machine; "
                f"rows marked (!) were measured while they used > {BUSY} cores)")
        say(f"Servers: {' '.join(app_server.command[1:]).replace(str(BENCH), 'bench')}  "
            f"(hello_app:app the same way)")
        say(f"GET load: {args.concurrency} client threads (keep-alive where the server allows), "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per target")
        say(f"  {'target':<28} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9}   {'requests':>7}   "
            f"CPU cores used: bench, others")
        hello = measure(args, "hello world GET /", hello_server.port, ["/"])
        listing = measure(args, "idea list, 50/page by votes", app_server.port, [LIST_PATH])
        page = measure(args, "idea page /ideas/<id>", app_server.port,
                       [f"/ideas/{i}" for i in ids["read"]])
        rendered = measure(args, "idea list, micro-cache off", uncached_server.port, [LIST_PATH])
        rendered_page = measure(args, "idea page, micro-cache off", uncached_server.port,
                                [f"/ideas/{i}" for i in ids["read"]])
        say(f"  rendered on every request: list/hello {rendered.rps / hello.rps:.3f}, "
            f"idea page/hello {rendered_page.rps / hello.rps:.3f}")
        ratio = listing.rps / hello.rps
        say(f"  list/hello throughput ratio {ratio:.3f} (target >= {TARGET_LIST_RATIO}: "
            f"{'OK' if ratio >= TARGET_LIST_RATIO else 'MISS'}); idea page/hello {page.rps / hello.rps:.3f}")

        votes = vote_bench(args, app_server.port, db_path)

        say("\nTargets (from the issue):")
        say(f"  list throughput >= {TARGET_LIST_RATIO}x hello world: {ratio:.3f}x   "
            f"{'OK' if ratio >= TARGET_LIST_RATIO else 'MISS'}")
        say(f"  constant queries per list page: "
            f"{sorted({queries['counts'][f'list page, {n} per page'][0] for n in (10, 20, 50)})}   "
            f"{'OK' if queries['list_constant'] else 'MISS'}")
        ok_votes = votes["rate"] >= TARGET_VOTES_PER_S and votes["exact"]
        say(f"  >= {TARGET_VOTES_PER_S} accepted votes/s with exact final count: {votes['rate']:.0f}/s, "
            f"count {'exact' if votes['exact'] else 'MISMATCH'}   {'OK' if ok_votes else 'MISS'}")
        return 0
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
