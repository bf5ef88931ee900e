"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

import gc

from crowdspirit import create_app

app = create_app()
# What start-up made lives as long as the process: out of the collector's sight, a full collection no longer walks
# its 200,000 objects (60-90 ms during which the request waits, and with it those queued behind it).
gc.freeze()
