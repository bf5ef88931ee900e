"""Post latency and followers: a reply in a thread with 10,000 followers against one in a thread with none (issue 18).

    .venv/bin/python bench/notify_bench.py                 # 10,000 followers, 30 posts in each thread
    .venv/bin/python bench/notify_bench.py --quick         # 1,000 followers, 10 posts
    .venv/bin/python bench/notify_bench.py --followers 20000 --posts 50 --profile

1. builds a SQLite database in a temporary directory (the schema by the Alembic migrations; a project, three ideas
   with their threads and a poster through the services; the followers bulk-inserted into users and thread_follows);
2. times POST /threads/<id>/posts in-process (test client, signed in, CSRF off) alternately in the thread with no
   follower and in the followed one, with EVENTS_DELIVERY=off so that the request alone is timed (in production the
   delivery runs in a background thread, after the commit);
3. then times the delivery of the waiting events one by one (`events.deliver`, as the background loop does) and
   checks that every follower got exactly one notification per post.
See bench/README.md ("Post latency and followers").
"""

import argparse
import cProfile
import io
import logging
import os
import platform
import pstats
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import machine  # noqa: E402

POSTER_EMAIL = "poster@bench.example"
#: the app as the bench runs it: nothing leaves the process, nothing runs in the background, nothing refuses the poster
OVERRIDES = {
    "WTF_CSRF_ENABLED": False,
    "EVENTS_DELIVERY": "off",
    "MAIL_DELIVERY": "off",
    "MAIL_BACKEND": "console",
    "SEARCH_INDEXER": "off",
    "WEBHOOKS_DELIVERY": "off",
    "CONTEST_SCHEDULER": "off",
    "PAGE_CACHE_SECONDS": 0,
    "POST_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "ARGON2_TIME_COST": dataset.ARGON2_TIME_COST,
    "ARGON2_MEMORY_COST": dataset.ARGON2_MEMORY_COST,
    "LOG_LEVEL": "WARNING",
}
WARMUP_POSTS = 3


def parse_args(argv=None):
    """The command line: followers, posts per thread, --quick, --profile, --keep."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, help="followers of the followed thread (10000; quick 1000)")
    parser.add_argument("--posts", type=int, help="timed posts in each thread (30; quick 10)")
    parser.add_argument("--quick", action="store_true", help="1,000 followers, 10 posts")
    parser.add_argument("--profile", action="store_true",
                        help="also profile 5 posts in each thread and one delivery, and print where the time goes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.followers = args.followers if args.followers is not None else (1000 if args.quick else 10_000)
    args.posts = args.posts or (10 if args.quick else 30)
    return args


def say(text: str = "") -> None:
    """Print a line at once."""
    print(text, flush=True)


# --- 1. Database -------------------------------------------------------------------------------------------------
def build(app, path: Path, followers: int) -> dict:
    """Schema, project, ideas, threads and poster through the app; then the followers in bulk. Returns the ids."""
    from flask_migrate import upgrade

    from crowdspirit.accounts import services as accounts
    from crowdspirit.extensions import db
    from crowdspirit.forum.services import thread_of_idea
    from crowdspirit.pipeline import services as pipeline
    from crowdspirit.projects import services as projects
    from crowdspirit.projects.models import POLICY_STAGES

    t0 = time.perf_counter()
    with app.app_context():
        logging.disable(logging.INFO)  # alembic.ini's logging config would print each migration
        upgrade()
        logging.disable(logging.NOTSET)
        owner = accounts.register("owner@bench.example", "Project Owner", dataset.BENCH_PASSWORD, "expert",
                                  confirmed=True)
        poster = accounts.register(POSTER_EMAIL, "Bench Poster", dataset.BENCH_PASSWORD, "amateur", confirmed=True)
        project = projects.create_project(owner, "Quiet lamps", "A field to explore", "About it", "self_carried")
        projects.update_settings(project, owner, **{f"policy_{stage}": "public" for stage in POLICY_STAGES})
        threads = {}
        for name in ("warm-up", "no follower", "followed"):
            idea = pipeline.propose_idea(project, owner, f"A {name} idea", "Something to discuss.",
                                         "Details **here**.", "lamps")
            threads[name] = thread_of_idea(idea).id
        ids = {"poster": poster.id, "threads": threads}
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(path) as con:
        first = con.execute("SELECT max(id) FROM users").fetchone()[0] + 1
        pw = dataset.password_hash()
        now = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
        con.executemany(
            "INSERT INTO users (id, email, display_name, password_hash, profile_kind, skills, bio, is_moderator, "
            "is_admin, banned, karma, failed_logins, session_token, created_at, email_verified_at) "
            "VALUES (?,?,?,?,?,?,?,0,0,0,0,0,?,?,?)",
            [(u, f"follower{u}@bench.example", f"Follower {u}", pw, "amateur", "", "", secrets.token_hex(16), now,
              now) for u in range(first, first + followers)])
        con.executemany("INSERT INTO thread_follows (thread_id, user_id, created_at) VALUES (?,?,?)",
                        [(threads["followed"], u, now) for u in range(first, first + followers)])
        con.commit()
        con.execute("PRAGMA journal_mode=WAL")
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    say(f"Database: {followers:,} followers of thread {threads['followed']}, none of thread "
        f"{threads['no follower']}; built in {time.perf_counter() - t0:.1f} s ({size / 1e6:.1f} MB)")
    return ids


def sign_in(app, poster_id: int):
    """A test client signed in as the poster (a sign-in of its own, as tests/conftest.py login_as opens)."""
    from crowdspirit.accounts import sessions
    from crowdspirit.accounts.models import User
    from crowdspirit.extensions import db

    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, poster_id)
        sessions.open_sign_in(user, "password")
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        db.session.remove()
    return client


# --- 2. Timed posts ------------------------------------------------------------------------------------------------
class StatementCounter:
    """Counts the SQL statements the app's engine executes (a before_cursor_execute listener)."""

    def __init__(self, app):
        """Listen on the app's engine."""
        from sqlalchemy import event

        from crowdspirit.extensions import db

        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        """One more statement."""
        self.count += 1


def post(client, thread_id: int, n: int) -> float:
    """POST one reply; its latency in seconds (a failure stops the bench)."""
    t0 = time.perf_counter()
    response = client.post(f"/threads/{thread_id}/posts", data={"body": f"Reply number {n}: the lamp stays quiet."})
    elapsed = time.perf_counter() - t0
    if response.status_code not in (302, 303):
        raise SystemExit(f"POST /threads/{thread_id}/posts answered {response.status_code}: "
                         f"{response.get_data(as_text=True)[:500]}")
    return elapsed


def timed_posts(client, counter: StatementCounter, ids: dict, posts: int) -> dict:
    """Post alternately in the two threads (the order swapped every round); latencies and statements per thread."""
    threads = ids["threads"]
    for n in range(WARMUP_POSTS):
        post(client, threads["warm-up"], n)
    results = {name: {"seconds": [], "statements": set()} for name in ("no follower", "followed")}
    window = machine.CpuWindow()
    for n in range(posts):
        for name in (("no follower", "followed") if n % 2 == 0 else ("followed", "no follower")):
            before = counter.count
            results[name]["seconds"].append(post(client, threads[name], n))
            results[name]["statements"].add(counter.count - before)
    results["cpu"] = window.stop()
    return results


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report_posts(results: dict, followers: int) -> None:
    """p50/p95/max of both threads, statements per request, and the ratio followed / no follower."""
    say(f"\nPOST /threads/<id>/posts, signed in, in-process (EVENTS_DELIVERY=off: the request alone), "
        f"{len(results['followed']['seconds'])} per thread, alternating")
    say(f"  {'thread':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8}  SQL statements")
    for name, label in (("no follower", "0 followers"), ("followed", f"{followers:,} followers")):
        s = results[name]["seconds"]
        statements = "/".join(str(n) for n in sorted(results[name]["statements"]))
        say(f"  {label:<28} {pct(s, 0.5):8.1f} {pct(s, 0.95):8.1f} {max(s) * 1000:8.1f} "
            f"{sum(s) / len(s) * 1000:8.1f}  {statements}")
    quiet, followed = results["no follower"]["seconds"], results["followed"]["seconds"]
    say(f"  ratio {followers:,} / 0 followers: p50 {pct(followed, 0.5) / pct(quiet, 0.5):.2f}x, "
        f"p95 {pct(followed, 0.95) / pct(quiet, 0.95):.2f}x, mean {sum(followed) / sum(quiet):.2f}x")
    if results["cpu"] is not None:
        say(f"  CPU cores used meanwhile: this bench {results['cpu'][0]:.2f}, other processes {results['cpu'][1]:.2f}")


# --- 3. Delivery ---------------------------------------------------------------------------------------------------
def waiting_events(post_threads: dict[int, int]) -> list[tuple[int, str, int | None]]:
    """(outbox id, signal name, thread of the post it names or None), oldest first."""
    from sqlalchemy import select

    from crowdspirit.events import OutboxEvent
    from crowdspirit.extensions import db

    rows = db.session.execute(select(OutboxEvent.id, OutboxEvent.name, OutboxEvent.payload)
                              .order_by(OutboxEvent.id)).all()
    events = []
    for event_id, name, payload in rows:
        sender = payload.get("sender")
        post_id = sender.get("id") if isinstance(sender, dict) and sender.get("model") == "Post" else None
        events.append((event_id, name, post_threads.get(post_id)))
    db.session.rollback()
    return events


def deliver_events(app, ids: dict, profile: bool) -> dict:
    """Apply the waiting events one at a time (events.deliver(limit=1)), timing each and counting the notifications
    each writes; grouped by the thread of the post the event names."""
    from sqlalchemy import func, select

    from crowdspirit import events
    from crowdspirit.extensions import db
    from crowdspirit.forum.models import Post
    from crowdspirit.notifications.models import Notification

    names = {thread_id: name for name, thread_id in ids["threads"].items()}
    by_thread: dict[str, dict] = {}
    profiler = cProfile.Profile() if profile else None
    with app.app_context():
        post_threads = dict(db.session.execute(select(Post.id, Post.thread_id)).all())
        plan = waiting_events(post_threads)
        written = db.session.scalar(select(func.count(Notification.id)))
        db.session.rollback()
        t_all = time.perf_counter()
        for _event_id, signal, thread_id in plan:
            name = names.get(thread_id, signal)
            measure = profiler is not None and name == "followed" and "profiled" not in by_thread
            t0 = time.perf_counter()
            if measure:
                profiler.enable()
            applied = events.deliver(limit=1)
            if measure:
                profiler.disable()
                by_thread["profiled"] = {}
            elapsed = time.perf_counter() - t0
            now = db.session.scalar(select(func.count(Notification.id)))
            db.session.rollback()
            entry = by_thread.setdefault(name, {"seconds": [], "rows": []})
            entry["seconds"].append(elapsed)
            entry["rows"].append(now - written)
            written = now
            if not applied:
                raise SystemExit(f"an event failed to apply (outbox row {_event_id}, {signal})")
        total = time.perf_counter() - t_all
        left = db.session.scalar(select(func.count(events.OutboxEvent.id)))
        db.session.remove()
    by_thread.pop("profiled", None)
    return {"threads": by_thread, "total": total, "left": left, "profiler": profiler}


def report_delivery(app, ids: dict, delivery: dict, followers: int) -> None:
    """Delivery time per post of each thread, the notifications written, and the exact check."""
    from sqlalchemy import func, select

    from crowdspirit.extensions import db
    from crowdspirit.forum.models import Post
    from crowdspirit.notifications.models import Notification

    threads = ids["threads"]
    say(f"\nDelivery afterwards (events.deliver one event at a time, as the background loop applies them): "
        f"{sum(len(e['seconds']) for e in delivery['threads'].values())} events in {delivery['total']:.2f} s"
        + (f", {delivery['left']} LEFT WAITING" if delivery["left"] else ""))
    say(f"  {'posts in':<28} {'events':>6} {'p50 ms':>8} {'max ms':>8} {'total s':>8}  notifications per event")
    for name, entry in delivery["threads"].items():
        s, rows = entry["seconds"], entry["rows"]
        say(f"  {name:<28} {len(s):>6} {pct(s, 0.5):8.1f} {max(s) * 1000:8.1f} {sum(s):8.2f}  "
            f"{min(rows):,}..{max(rows):,}")
    followed = delivery["threads"].get("followed")
    if followed:
        per_post = sum(followed["seconds"]) / len(followed["seconds"])
        say(f"  one post to {followers:,} followers: {per_post * 1000:.0f} ms on average "
            f"({per_post / followers * 1e6:.1f} us per notification)")
    with app.app_context():
        published = db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == threads["followed"],
                                                                        Post.pending.is_(False)))
        follow_rows = db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "follow"))
        all_rows = db.session.scalar(select(func.count(Notification.id)))
        counts = (select(func.count(Notification.id).label("n")).where(Notification.thread_id == threads["followed"])
                  .group_by(Notification.user_id).subquery())
        per_user = db.session.execute(select(func.min(counts.c.n), func.max(counts.c.n))).first()
        db.session.remove()
    expected = followers * published
    exact = follow_rows == all_rows == expected and (followers == 0 or tuple(per_user) == (published, published))
    say(f"  notifications: {all_rows:,} rows ({follow_rows:,} of kind follow); expected followers x posts = "
        f"{followers:,} x {published} = {expected:,}"
        + (f"; per follower {per_user[0]}..{per_user[1]}" if per_user[0] is not None else "")
        + f"  exact: {'yes' if exact else 'no'}")


def profile_posts(app, client, ids: dict) -> None:
    """cProfile 5 posts in each thread (not part of the timed ones) and print the top of each."""
    for name in ("no follower", "followed"):
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(5):
            post(client, ids["threads"][name], 1000 + n)
        profiler.disable()
        print_profile(profiler, f"5 posts in the thread with {name.replace('followed', 'followers')}")


def print_profile(profiler, title: str, lines: int = 25) -> None:
    """The top functions by cumulative time."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    say(f"\nProfile: {title} (cumulative)")
    say("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


# --- Main -----------------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    """Build, time the posts, time the delivery, check the counts."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="crowdspirit-notify-bench-"))
    os.environ["SEARCH_INDEX_DIR"] = str(tmp / "search")
    path = tmp / "bench.db"
    try:
        from crowdspirit import create_app

        say(f"CrowdSpirit post latency and followers{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average "
            f"{machine.load_average()}; temp dir {tmp}")
        app = create_app({**OVERRIDES, "SECRET_KEY": secrets.token_hex(32),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        logging.getLogger().setLevel(logging.WARNING)
        ids = build(app, path, args.followers)
        client = sign_in(app, ids["poster"])
        counter = StatementCounter(app)
        results = timed_posts(client, counter, ids, args.posts)
        report_posts(results, args.followers)
        if args.profile:
            profile_posts(app, client, ids)
        delivery = deliver_events(app, ids, args.profile)
        report_delivery(app, ids, delivery, args.followers)
        if delivery["profiler"] is not None:
            print_profile(delivery["profiler"], f"delivering one post to {args.followers:,} followers")
        say(f"\nload average at the end: {machine.load_average()}")
        return 0
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
