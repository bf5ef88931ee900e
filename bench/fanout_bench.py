"""Live fan-out benchmark: many readers on one thread, posts at a steady rate, delivery latency.

Every reader is one websocket in a single asyncio loop speaking Engine.IO 4 / Socket.IO 5 directly
(a python-socketio client per reader would measure the clients, not the server: STACK-NOTES). The
latency of a delivery is its receipt time minus the post's creation time, which the server puts in
every live payload (same machine, same clock). In the same run a bare Flask-SocketIO relay that only
broadcasts a message of the same size to the same room gives the reference.

    .venv/bin/python bench/fanout_bench.py [--clients 200] [--rate 2] [--seconds 10] [--warmup-posts 2] [--runs 3]
                                           [--no-redis]

A run's p99 is the 40th slowest of 4,000 deliveries, so one post held up by a scheduling hiccup sets it: the relay's
alone moved between 31 and 39 ms from one run to the next on a quiet machine. Each case therefore runs --runs times,
the relay and the app taking turns in the same servers, and the medians are compared (every run's p99 is printed).
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websockets

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
TARGET_P99_MS = 250
TARGET_RATIO = 1.3
#: two processes over Redis, against the same relay
TARGET_RATIO_REDIS = 2.0
PASSWORD = "bench-password-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def build_database(folder: Path) -> tuple[str, int]:
    """A migrated SQLite database with a poster and a public idea discussion."""
    from flask_migrate import upgrade

    from crowdspirit import create_app
    from crowdspirit.accounts import services as accounts
    from crowdspirit.extensions import db
    from crowdspirit.forum import services as forum
    from crowdspirit.pipeline import services as pipeline
    from crowdspirit.projects import services as projects

    url = f"sqlite:///{folder / 'fanout.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64})
    with app.app_context():
        import logging
        logging.disable(logging.INFO)
        upgrade()
        logging.disable(logging.NOTSET)
        poster = accounts.register("poster@bench.example", "Poster", PASSWORD, "amateur", confirmed=True)
        project = projects.create_project(poster, "Fan-out", "A busy thread", "", "self_carried")
        idea = pipeline.propose_idea(project, poster, "Loud idea", "Everyone reads this", "", "")
        thread_id = forum.thread_of_idea(idea).id
        db.engine.dispose()
    return url, thread_id


class Server:
    """A Python process serving HTTP and Socket.IO on a free port (threading mode)."""

    def __init__(self, script: str, env: dict, log: Path):
        self.port = free_port()
        self.log = open(log, "w")
        self.process = subprocess.Popen([sys.executable, "-c", script, str(self.port)], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


APP_SCRIPT = ("import sys; from wsgi import app; from crowdspirit.extensions import socketio; "
              "socketio.run(app, host='127.0.0.1', port=int(sys.argv[1]), allow_unsafe_werkzeug=True)")
RELAY_SCRIPT = ("import sys; sys.path.insert(0, 'bench'); from relay_app import app, socketio; "
                "socketio.run(app, host='127.0.0.1', port=int(sys.argv[1]), allow_unsafe_werkzeug=True)")


async def reader(url: str, thread_id: int, latencies: list, ready: asyncio.Event, counter: list, stop: asyncio.Event):
    """One websocket reader: Engine.IO open, Socket.IO connect with the thread, then collect posts."""
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(ws_url, max_size=2 ** 22) as ws:
        await ws.recv()  # "0{...}" the Engine.IO open packet
        await ws.send("40" + json.dumps({"thread": thread_id, "after": 10 ** 9}))
        while True:
            packet = await ws.recv()
            if packet.startswith("40"):
                break
            if packet.startswith("44"):
                raise RuntimeError(f"connection refused: {packet}")
        counter[0] += 1
        if counter[0] == counter[1]:
            ready.set()
        while not stop.is_set():
            try:
                packet = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time()
            if packet == "2":
                await ws.send("3")
            elif packet.startswith('42["post"'):
                payload = json.loads(packet[2:])[1]
                latencies.append((now - payload["created"]) * 1000)


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def make_poster(base: str, thread_id: int, relay: bool):
    """A function that publishes one post (through the app's reply form, or the relay's endpoint)."""
    session = requests.Session()
    if relay:
        return lambda n: session.post(f"{base}/relay", data={"n": n})
    token = csrf(session.get(f"{base}/login").text)
    session.post(f"{base}/login", data={"email": "poster@bench.example", "password": PASSWORD, "csrf_token": token})
    token = csrf(session.get(f"{base}/threads/{thread_id}").text)
    return lambda n: session.post(f"{base}/threads/{thread_id}/posts", allow_redirects=False,
                                  data={"body": f"Post number {n}: " + "lorem " * 40, "csrf_token": token})


async def run_case(label: str, read_urls: list[str], post_url: str, thread_id: int, args, relay: bool) -> dict:
    """Connect the readers (spread over read_urls), post at the rate, and gather the latencies."""
    latencies: list[float] = []
    ready, stop = asyncio.Event(), asyncio.Event()
    counter = [0, args.clients]
    tasks = [asyncio.create_task(reader(read_urls[i % len(read_urls)], thread_id, latencies, ready, counter, stop))
             for i in range(args.clients)]
    await asyncio.wait_for(ready.wait(), 60)
    post = make_poster(post_url, thread_id, relay)
    loop = asyncio.get_running_loop()
    # unmeasured posts first, for every case alike: a fresh process's first post pays once for what it loads then
    # (the templates compiled, the catalogues read, the queue's connection opened), about 80 ms more over Redis
    for n in range(args.warmup_posts):
        await loop.run_in_executor(None, post, -1 - n)
    deadline = time.monotonic() + 10
    while len(latencies) < args.warmup_posts * args.clients and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    latencies.clear()
    total = int(args.rate * args.seconds)
    start = time.monotonic()
    for n in range(total):
        await loop.run_in_executor(None, post, n)
        await asyncio.sleep(max(0.0, start + (n + 1) / args.rate - time.monotonic()))
    expected = total * args.clients
    deadline = time.monotonic() + 10
    while len(latencies) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")  # noqa: E731
    return {"label": label, "delivered": len(latencies), "expected": expected, "p50": p(0.50), "p99": p(0.99),
            "mean": statistics.fmean(ordered) if ordered else float("nan")}


def summary(label: str, runs: list[dict]) -> dict:
    """One case over its runs: the deliveries added up, the median p50 and p99, every run's p99, the last RSS."""
    return {"label": label, "delivered": sum(r["delivered"] for r in runs),
            "expected": sum(r["expected"] for r in runs), "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "each": [r["p99"] for r in runs], "rss": runs[-1]["rss"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-redis", action="store_true", help="skip the two-process case over Redis")
    parser.add_argument("--warmup-posts", type=int, default=2, help="unmeasured posts before each case's run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each case, taking turns; medians compared")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crowdspirit-fanout-"))
    url, thread_id = build_database(folder)
    base_env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fanout", "PAGE_CACHE_SECONDS": "0",
                "POST_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "100000 per minute",
                "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "64"}
    servers: list[Server] = []
    redis = None
    print(f"Fan-out: {args.clients} readers on one thread, {args.rate:g} posts/s for {args.seconds:g} s "
          f"({int(args.rate * args.seconds) * args.clients} deliveries per run, after {args.warmup_posts} "
          f"unmeasured posts), {args.runs} runs each; 2 CPUs")
    try:
        relay = Server(RELAY_SCRIPT, base_env, folder / "relay.log")
        app = Server(APP_SCRIPT, base_env, folder / "app.log")
        servers += [relay, app]
        wait_http(relay.url + "/ping")
        wait_http(app.url + "/login")
        cases = (("bare Flask-SocketIO relay", [relay.url], relay, True),
                 ("CrowdSpirit, one process", [app.url], app, False))
        if not args.no_redis and shutil.which("redis-server"):
            port = free_port()
            redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL)
            env = {**base_env, "SOCKETIO_MESSAGE_QUEUE": f"redis://127.0.0.1:{port}/0"}
            pair = [Server(APP_SCRIPT, env, folder / f"app-{n}.log") for n in (1, 2)]
            servers += pair
            for srv in pair:
                wait_http(srv.url + "/login")
            cases += (("CrowdSpirit, 2 processes + Redis", [s.url for s in pair], pair[0], False),)
        runs = {label: [] for label, *_rest in cases}
        for _ in range(args.runs):
            for label, read_urls, srv, is_relay in cases:
                result = asyncio.run(run_case(label, read_urls, srv.url, thread_id, args, is_relay))
                result["rss"] = sum(s.rss_mb() for s in servers if s.url in read_urls)
                runs[label].append(result)
        results = [summary(label, done) for label, done in runs.items()]
    finally:
        for srv in servers:
            srv.stop()
        if redis is not None:
            redis.terminate()
    print(f"  {'case (medians of the runs)':<36} {'delivered':>15} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8}"
          f"  p99 of each run")
    for r in results:
        print(f"  {r['label']:<36} {r['delivered']:>7}/{r['expected']:<7} {r['p50']:>8.1f} {r['p99']:>8.1f} "
              f"{r['rss']:>8.0f}  {' '.join(f'{p99:.1f}' for p99 in r['each'])}")
    reference, app_result = results[0], results[1]
    ratio = app_result["p99"] / reference["p99"]
    print(f"Targets: p99 within {TARGET_RATIO}x of the relay: {ratio:.2f}x "
          f"{'OK' if ratio <= TARGET_RATIO else 'MISS'}; p99 under {TARGET_P99_MS} ms: "
          f"{app_result['p99']:.0f} ms {'OK' if app_result['p99'] < TARGET_P99_MS else 'MISS'}; "
          f"every post delivered: {'OK' if app_result['delivered'] == app_result['expected'] else 'MISS'}")
    if len(results) > 2:
        pair = results[2]
        ratio = pair["p99"] / reference["p99"]
        print(f"Two processes + Redis: p99 within {TARGET_RATIO_REDIS}x of the relay: {ratio:.2f}x "
              f"{'OK' if ratio <= TARGET_RATIO_REDIS else 'MISS'}; every post delivered: "
              f"{'OK' if pair['delivered'] == pair['expected'] else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
