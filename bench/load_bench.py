"""Mixed load and faults: 100 simulated members for 60 s against the embedded and the scale-out modes.

Each member signs in, then loops: 80 % page views (home, idea list, an idea, an idea with its discussion, a project,
the forum), 15 % writes (two votes for one post), 5 % searches, with an exponential think time
between requests. Live readers (python-socketio clients, websocket, reconnecting, each naming the
last post it has shown) follow the threads that receive the posts. Three runs:

1. embedded: one gunicorn worker (thread indexer) on SQLite;
2. scale-out: gunicorn workers (crowdspirit/gunicorn_conf.py) on PostgreSQL + Redis, indexer process;
3. scale-out with faults: one worker killed, Redis restarted, PostgreSQL restarted, during the load.

Each run prints requests/s, p50/p99 per kind of request, errors by kind (and, for the fault run, by
fault window), then checks the database: every accepted vote and post is stored, every idea's
vote count equals its vote rows, and every live reader received every accepted post of its thread.

    .venv/bin/python bench/load_bench.py [--users 100] [--seconds 60] [--think 1.0] [--only scale-out]
"""

import argparse
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH), str(ROOT / "tests")]

import loadgen  # noqa: E402
import machine  # noqa: E402
from servers import LiveReader, PostgresCluster, RedisServer, ScaleOut, wait_until  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PASSWORD = "bench-password-123"
WORDS = ("audio", "battery", "sensor", "modular", "repairable", "solar", "haptic", "open", "quiet", "wireless",
         "earbuds", "speaker", "keyboard", "bicycle", "lamp", "garden", "kitchen", "camera", "watch", "drone")
#: the environment both modes share: the bench measures the server, not the limits meant for people
ENV = {"SECRET_KEY": "load-bench", "LOGIN_RATE_LIMIT": "100000 per minute", "POST_RATE_LIMIT": "100000 per minute",
       "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "64", "CROWDSPIRIT_ENV": "development",
       "WEBHOOKS_DELIVERY": "off", "LOG_LEVEL": "WARNING"}
#: seconds after which a member's idle connection is dropped before the next request (gunicorn keeps 5 s)
IDLE_CLOSE = 4.0
MARK = re.compile(r"load[0-9a-f]{12}")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def seed(url: str, users: int, ideas: int, threads: int) -> dict:
    """Members, public projects with ideas open for votes (threshold out of reach) and their threads."""
    import logging

    from conftest import OPEN_POLICIES
    from flask_migrate import upgrade

    from crowdspirit import create_app
    from crowdspirit.accounts import services as accounts
    from crowdspirit.extensions import db
    from crowdspirit.forum import services as forum
    from crowdspirit.pipeline import services as pipeline
    from crowdspirit.pipeline.models import Stage
    from crowdspirit.projects import services as projects

    rng = random.Random(8)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
                      "SEARCH_INDEXER": "off", "WEBHOOKS_DELIVERY": "off"})
    with app.app_context():
        logging.disable(logging.INFO)
        upgrade()
        logging.disable(logging.NOTSET)
        emails = [f"member{n}@bench.example" for n in range(users)]
        members = [accounts.register(email, f"Member {n}", PASSWORD, "amateur", confirmed=True)
                   for n, email in enumerate(emails)]
        owned = [projects.create_project(members[n], f"Field {n} {rng.choice(WORDS)}", "A field", "", "self_carried")
                 for n in range(5)]
        for project in owned:
            projects.update_settings(project, project.owner, vote_threshold=10 ** 6, **OPEN_POLICIES)
        idea_ids, thread_ids, discussed = [], [], []
        for n in range(ideas):
            project = owned[n % len(owned)]
            title = " ".join(rng.sample(WORDS, 3)).capitalize()
            idea = pipeline.propose_idea(project, project.owner, title, f"About {title.lower()}", "", "")
            pipeline._move(idea, Stage.VOTE, None, "load bench", None)
            idea_ids.append(idea.id)
            if n < threads:
                thread_ids.append(forum.thread_of_idea(idea).id)
                discussed.append(idea.id)
        # an idea's discussion is read on the idea's page (its thread's address redirects there)
        world = {"emails": emails, "ideas": idea_ids, "threads": thread_ids, "discussed": discussed,
                 "projects": [p.slug for p in owned]}
        db.engine.dispose()
    return world


@dataclass
class Outcome:
    """What the simulated members saw and what the server accepted."""

    samples: list = field(default_factory=list)  # (start, kind, outcome, seconds)
    votes: set = field(default_factory=set)  # (idea id, member email)
    posts: dict = field(default_factory=dict)  # marker -> (thread id, accepted at)
    examples: dict = field(default_factory=dict)  # "kind:status" -> the start of one such answer
    lock: threading.Lock = field(default_factory=threading.Lock)


class Member(threading.Thread):
    """One simulated member: signs in, then browses, votes, posts and searches until the end."""

    def __init__(self, host, port, email, world, outcome, end, think, seed_):
        super().__init__(daemon=True)
        self.conn = loadgen.Connection(host, port)
        self.email, self.world, self.outcome, self.end, self.think = email, world, outcome, end, think
        self.rng = random.Random(seed_)
        self.unvoted = list(world["ideas"])
        self.rng.shuffle(self.unvoted)
        self.token = None
        self.last_used = 0.0

    def call(self, kind, method, path, form=None):
        body = urlencode({**form, "csrf_token": self.token}).encode() if form is not None else b""
        if time.monotonic() - self.last_used > IDLE_CLOSE:
            self.conn.close()  # as browsers do, rather than send on a connection the server may be closing
        started = time.time()
        t0 = time.perf_counter()
        try:
            status, _headers, page = self.conn.request(method, path, body)
            outcome = status
        except (loadgen.HttpError, OSError) as error:
            self.conn.close()
            status, page, outcome = None, b"", type(error).__name__
        self.last_used = time.monotonic()
        with self.outcome.lock:
            self.outcome.samples.append((started, kind, outcome, time.perf_counter() - t0))
            if status is not None and status >= 500:
                self.outcome.examples.setdefault(f"{kind}:{status}", page[:160])
        return status, page

    def sign_in(self):
        for _attempt in range(20):
            status, page = self.call("sign-in", "GET", "/login")
            if status == 200:
                self.token = CSRF.search(page.decode())[1]
                status, _ = self.call("sign-in", "POST", "/login", {"email": self.email, "password": PASSWORD})
                if status == 303:
                    status, page = self.call("page", "GET", f"/ideas/{self.world['discussed'][0]}")
                    if status == 200:
                        self.token = CSRF.search(page.decode())[1]
                        return
            time.sleep(0.5)
        raise RuntimeError(f"{self.email} could not sign in")

    def page_path(self):
        w, r = self.world, self.rng
        return r.choice(["/", "/ideas", "/ideas?sort=votes", f"/ideas/{r.choice(w['ideas'])}",
                         f"/ideas/{r.choice(w['ideas'])}", f"/ideas/{r.choice(w['discussed'])}",
                         f"/projects/{r.choice(w['projects'])}", "/forum"])

    def step(self):
        r = self.rng.random()
        if r < 0.80:
            self.call("page", "GET", self.page_path())
        elif r < 0.95:
            if self.rng.random() < 2 / 3 and self.unvoted:
                idea = self.unvoted.pop()
                status, _ = self.call("vote", "POST", f"/ideas/{idea}/vote", {})
                if status == 303:
                    with self.outcome.lock:
                        self.outcome.votes.add((idea, self.email))
            else:
                thread, marker = self.rng.choice(self.world["threads"]), f"load{uuid.uuid4().hex[:12]}"
                status, _ = self.call("post", "POST", f"/threads/{thread}/posts",
                                      {"body": f"{marker} from {self.email}"})
                if status == 303:
                    with self.outcome.lock:
                        self.outcome.posts[marker] = (thread, time.time())
        else:
            self.call("search", "GET", "/search?" + urlencode({"q": " ".join(self.rng.sample(WORDS, 2))}))

    def run(self):
        self.sign_in()
        while time.time() < self.end:
            self.step()
            time.sleep(min(self.rng.expovariate(1 / self.think), max(0.0, self.end - time.time())))
        self.conn.close()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def report(label, outcome, start, seconds, usage, windows):
    """Print throughput, latency per kind, errors by kind (and per fault window)."""
    measured = [s for s in outcome.samples if start <= s[0] < start + seconds and s[1] != "sign-in"]
    cores = f" (bench and servers {usage[0]:.2f} cores, other processes {usage[1]:.2f} cores)" if usage else ""
    print(f"\n== {label}: {len(measured) / seconds:.1f} requests/s over {seconds:g} s{cores}")
    print(f"{'kind':8} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  outcomes")
    for kind in ("page", "vote", "post", "search"):
        rows = [s for s in measured if s[1] == kind]
        outcomes = Counter(str(s[2]) for s in rows)
        print(f"{kind:8} {len(rows):7} {percentile([s[3] for s in rows], 0.5):8.1f} "
              f"{percentile([s[3] for s in rows], 0.99):8.1f}  {dict(sorted(outcomes.items()))}")
    errors = Counter(f"{s[1]}:{s[2]}" for s in outcome.samples if not isinstance(s[2], int) or s[2] >= 500)
    five = sum(n for key, n in errors.items() if key.split(":")[1].startswith("5"))
    print(f"5xx: {five}; errors by kind (whole run, sign-in included): {dict(errors) or 'none'}")
    for key, example in outcome.examples.items():
        print(f"  a {key} answer began: {example!r}")
    for name, (w_start, w_end) in windows.items():
        seen = Counter(f"{s[1]}:{s[2]}" for s in outcome.samples if w_start <= s[0] < w_end
                       and (not isinstance(s[2], int) or s[2] >= 500))
        total = sum(1 for s in outcome.samples if w_start <= s[0] < w_end)
        print(f"  fault '{name}' at {time.strftime('%H:%M:%S', time.localtime(w_start))} ({w_end - w_start:.1f} s "
              f"window, {total} requests): {dict(seen) or 'no errors'}")
    if windows:
        outside = Counter(f"{s[1]}:{s[2]}" for s in outcome.samples if (not isinstance(s[2], int) or s[2] >= 500)
                          and not any(w_start <= s[0] < w_end for w_start, w_end in windows.values()))
        print(f"  outside the fault windows: {dict(outside) or 'no errors'}")
    return five


def verify(url, outcome, readers) -> bool:
    """Every accepted vote and post is stored, counts equal rows, and live readers got every accepted post."""
    engine = create_engine(url)
    with engine.connect() as connection:
        emails = dict(connection.execute(text("SELECT email, id FROM users")).all())
        stored_votes = set(connection.execute(text("SELECT idea_id, user_id FROM votes")).all())
        missing_votes = [(idea, email) for idea, email in outcome.votes if (idea, emails[email]) not in stored_votes]
        drift = connection.execute(text(
            "SELECT count(*) FROM ideas i WHERE vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)"
        )).scalar()
        bodies = connection.execute(text("SELECT body FROM posts WHERE body LIKE 'load%'")).scalars().all()
    engine.dispose()
    stored_markers = {body.split(" ", 1)[0] for body in bodies}
    missing_posts = [m for m in outcome.posts if m not in stored_markers]
    print(f"accepted votes {len(outcome.votes)}: {len(missing_votes)} missing; ideas whose count differs from "
          f"their rows: {drift}; accepted posts {len(outcome.posts)}: {len(missing_posts)} missing "
          f"(stored: {len(stored_markers)}, accepted or not)")
    live_ok = True
    if readers:
        expected_by_thread = defaultdict(set)
        for marker, (thread, _at) in outcome.posts.items():
            expected_by_thread[thread].add(marker)
        seen = {reader: set(MARK.findall(" ".join(reader.posts))) for reader, _thread in readers}
        missed = [len(expected_by_thread[thread] - seen[reader]) for reader, thread in readers]
        for reader, thread in readers:
            for marker in sorted(expected_by_thread[thread] - seen[reader]):
                print(f"  reader of thread {thread} (connected {reader.connects} times) missed {marker}, "
                      f"accepted at {time.strftime('%H:%M:%S', time.localtime(outcome.posts[marker][1]))}")
        connected = sum(reader.client.connected for reader, _thread in readers)
        print(f"live readers: {connected}/{len(readers)} connected at the end, "
              f"{sum(r.connects - 1 for r, _t in readers)} reconnections, {sum(r.disconnects for r, _t in readers)} "
              f"disconnections; accepted posts of their threads not received: {sum(missed)} "
              f"(readers missing some: {sum(1 for m in missed if m)})")
        live_ok = connected == len(readers) and not any(missed)
    return not missing_votes and not drift and not missing_posts and live_ok


def load(deployment, world, args, label, transports, faults=None, windows=None) -> tuple[bool, int]:
    """Run the members (and readers) for args.seconds; faults(start) runs meanwhile; then report and verify."""
    host, port = "127.0.0.1", deployment.port
    outcome = Outcome()
    threads = [world["threads"][n % len(world["threads"])] for n in range(args.readers)]
    readers = [(LiveReader(deployment.url, thread, transports, reconnect=True), thread) for thread in threads]
    start = time.time() + 5  # sign-ins first
    members = [Member(host, port, email, world, outcome, start + args.seconds, args.think, n)
               for n, email in enumerate(world["emails"][:args.users])]
    for member in members:
        member.start()
    time.sleep(max(0.0, start - time.time()))
    usage = machine.CpuWindow()
    fault_thread = None
    if faults:
        fault_thread = threading.Thread(target=faults, args=(start, windows), daemon=True)
        fault_thread.start()
    for member in members:
        member.join()
    cpu = usage.stop()
    if fault_thread:
        fault_thread.join()
    time.sleep(3)  # the last live deliveries
    five = report(label, outcome, start, args.seconds, cpu, windows or {})
    ok = verify(deployment.env["DATABASE_URL"], outcome, readers)
    for reader, _thread in readers:
        reader.close()
    return ok, five


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between requests, seconds")
    parser.add_argument("--readers", type=int, default=20, help="live readers (websocket) on the posted threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers in scale-out")
    parser.add_argument("--only", choices=["embedded", "scale-out", "faults"], action="append")
    parser.add_argument("--wait-quiet", type=float, default=60, help="wait up to S s for other processes to calm")
    args = parser.parse_args()
    runs = args.only or ["embedded", "scale-out", "faults"]
    folder = Path(tempfile.mkdtemp(prefix="crowdspirit-load-"))
    waited, others = machine.wait_quiet(args.wait_quiet) if args.wait_quiet else (0, 0)
    print(f"Load: {args.users} members, think {args.think:g} s, {args.seconds:g} s per run, {args.readers} live "
          f"readers; 2 CPUs; load average {machine.load_average()}; other processes {others:.2f} cores after "
          f"waiting {waited:.0f} s; logs in {folder}")
    results = {}
    if "embedded" in runs:
        url = f"sqlite:///{folder / 'embedded.db'}"
        world = seed(url, args.users, 200, 10)
        (folder / "embedded").mkdir()
        deployment = ScaleOut({**ENV, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(folder / "search-embedded")},
                              folder / "embedded", workers=1, threads=64, indexer_process=False)
        try:
            results["embedded"] = load(deployment, world, args, "embedded: 1 gunicorn worker, SQLite, indexer thread",
                                       ["polling", "websocket"])
        finally:
            deployment.stop()
    if "scale-out" in runs or "faults" in runs:
        cluster = PostgresCluster(durable=True)
        (folder / "redis").mkdir()
        redis = RedisServer(folder / "redis")
        try:
            for run in [r for r in ("scale-out", "faults") if r in runs]:
                url = cluster.create_database(run.replace("-", "_"))
                world = seed(url, args.users, 200, 10)
                (folder / run).mkdir()
                deployment = ScaleOut({**ENV, "DATABASE_URL": url, "SOCKETIO_MESSAGE_QUEUE": redis.url,
                                       "SEARCH_INDEX_DIR": str(folder / f"search-{run}")},
                                      folder / run, workers=args.workers, threads=64)
                label = f"scale-out: {args.workers} gunicorn workers, PostgreSQL, Redis, indexer process"
                try:
                    if run == "faults":
                        windows = {}
                        results[run] = load(deployment, world, args, label + ", with faults", ["websocket"],
                                            faults(deployment, redis, cluster, args.seconds), windows)
                    else:
                        results[run] = load(deployment, world, args, label, ["websocket"])
                finally:
                    deployment.stop()
        finally:
            redis.stop()
            cluster.remove()
    print("\nSummary: " + "; ".join(f"{run}: {'OK' if ok else 'LOSS'}, {five} 5xx"
                                     for run, (ok, five) in results.items()))
    return 0 if all(ok for ok, _five in results.values()) else 1


def faults(deployment, redis, cluster, seconds):
    """The fault schedule, at a quarter, half and three quarters of the run; each window lasts until 5 s after."""

    def run(start, windows):
        def at(fraction):
            time.sleep(max(0.0, start + seconds * fraction - time.time()))
            return time.time()

        began = at(0.25)
        deployment.kill_worker(deployment.worker_pids()[0])
        wait_until(lambda: len(deployment.worker_pids()) == int(deployment.env["WEB_CONCURRENCY"]), what="new worker")
        windows["kill one worker"] = (began, time.time() + 5)
        began = at(0.5)
        redis.stop()
        time.sleep(2)
        redis.start()
        windows["restart Redis (down 2 s)"] = (began, time.time() + 5)
        began = at(0.75)
        cluster.stop("fast")
        time.sleep(2)
        cluster.start()
        windows["restart PostgreSQL (down 2 s)"] = (began, time.time() + 5)

    return run


if __name__ == "__main__":
    sys.exit(main())
