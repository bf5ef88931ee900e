# CrowdSpirit: `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := crowdspirit/translations
export FLASK_APP := wsgi

.PHONY: run serve-prod test lint translations extract-messages bench bench-live bench-search bench-backup bench-load bench-notify journeys clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compiled catalogs (.mo) are build products, made from the committed .po files.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d $(CATALOGS)

# After changing UI strings: refresh the template and the catalogs, then translate the new entries.
extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F $(CATALOGS)/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location \
		--sort-output -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel -q update -N --ignore-obsolete --no-wrap -i $(CATALOGS)/messages.pot -d $(CATALOGS)

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask crowdspirit seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Scale-out mode (docs/deploy.md): gunicorn workers (crowdspirit/gunicorn_conf.py) and the one search indexer
# process, on PostgreSQL (DATABASE_URL) with live rooms shared through Redis (SOCKETIO_MESSAGE_QUEUE).
serve-prod: export SEARCH_INDEXER = off
serve-prod: export LOG_FORMAT ?= json
# rate limits counted once for all workers, in the same Redis unless told otherwise
serve-prod: export RATELIMIT_STORAGE_URI ?= $(SOCKETIO_MESSAGE_QUEUE)
serve-prod: translations
	@test -n "$$DATABASE_URL" -a -n "$$SOCKETIO_MESSAGE_QUEUE" || { echo "serve-prod needs" \
		"DATABASE_URL=postgresql://... and SOCKETIO_MESSAGE_QUEUE=redis://... (see docs/deploy.md)"; exit 2; }
	$(BIN)/flask db upgrade
	$(BIN)/flask crowdspirit search-indexer & indexer=$$!; \
		trap 'kill -TERM $$indexer; wait $$indexer' EXIT; \
		$(BIN)/gunicorn -c crowdspirit/gunicorn_conf.py wsgi:app

# The whole suite, spread over every core by pytest-xdist: each worker has its own SQLite files, PostgreSQL cluster,
# seeded demo and Chromium; an idle worker takes pending tests from a busy one (worksteal). TEST_WORKERS=0 runs it
# in one process.
TEST_WORKERS ?= auto
test: translations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

journeys: translations
	$(BIN)/pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check crowdspirit tests bench

bench: translations
	$(BIN)/python bench/pipeline_bench.py

bench-live: translations
	$(BIN)/python bench/fanout_bench.py

bench-search: translations
	$(BIN)/python bench/search_bench.py

bench-backup: translations
	$(BIN)/python bench/backup_bench.py

bench-load: translations
	$(BIN)/python bench/load_bench.py

bench-notify: translations
	$(BIN)/python bench/notify_bench.py

clean:
	rm -rf $(VENV) instance/crowdspirit.db* .pytest_cache
