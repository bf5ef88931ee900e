"""CrowdSpirit as the benchmark serves it: `gunicorn --chdir bench bench_wsgi:app`.

The database comes from BENCH_DATABASE_URI; the overrides only make the bench possible (no CSRF
token to scrape, a sign-in limit above 16 clients, the cheap argon2 profile the seeded hashes
use) or are what the issue asks (PER_PAGE=50).
"""

import gc
import os

from dataset import ARGON2_MEMORY_COST, ARGON2_TIME_COST

from crowdspirit import create_app

OVERRIDES = {
    "PER_PAGE": int(os.environ.get("BENCH_PER_PAGE", "50")),
    "WTF_CSRF_ENABLED": False,
    # the limits stay on (their cost is part of a request) but never refuse the bench's simulated users
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "VOTE_RATE_LIMIT": "100000 per minute",
    "SEARCH_RATE_LIMIT": "100000 per minute",
    "ARGON2_TIME_COST": ARGON2_TIME_COST,
    "ARGON2_MEMORY_COST": ARGON2_MEMORY_COST,
}


def make_app(url: str, **extra):
    """The bench's CrowdSpirit app on the database at url."""
    return create_app({**OVERRIDES, **extra, "SQLALCHEMY_DATABASE_URI": url})


if "BENCH_DATABASE_URI" in os.environ:  # under gunicorn
    app = make_app(os.environ["BENCH_DATABASE_URI"])
    gc.freeze()  # as wsgi.py does
