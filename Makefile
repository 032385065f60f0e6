# govportal: `make run` serves the site, `make test` runs every test.
# Needs only python3 and make; everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# SEED=0: serve an empty site, without the Guandu seed and the demo data (another district's start).
SEED ?= 1
WORKERS ?= 3

.PHONY: help install install-dev migrate seed static run test test-browser lint bench standby faults clean

help:
	@echo "make run    - install, migrate, load seed + demo data, serve on 127.0.0.1:$(PORT) (SEED=0: without them)"
	@echo "make test   - run the whole test suite (SQLite, or PostgreSQL via DATABASE_URL)"
	@echo "make lint   - ruff (lint + format) and the import-linter layering contracts"
	@echo "make bench  - benchmarks (not part of make test)"
	@echo "make standby - a streaming standby of the local PostgreSQL on port 5433 (replica tests)"
	@echo "make faults - faults under load: PostgreSQL restart, standby away or lagging, Redis down, two nodes, killed workers"

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py load_seed
	$(PY) manage.py load_demo_data

static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: $(if $(filter 0,$(SEED)),migrate,seed) static
	DEBUG=$${DEBUG:-0} $(VENV)/bin/gunicorn govportal.wsgi_local:application \
		--config python:govportal.gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --no-control-socket \
		--access-logfile -

test: install-dev
	# --ds wins over any DJANGO_SETTINGS_MODULE in the environment: tests always use test settings.
	$(VENV)/bin/pytest --ds=govportal.settings.test

# The layering (import-linter contracts in pyproject.toml) and ruff's lint and format rules.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# BENCH_SCALE=10k|100k|1m (comma-separated), BENCH_DURATION=seconds; see bench/run.py.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m bench.run

# A hot standby of DATABASE_URL's server (default 127.0.0.1:5432) on port 5433, made with
# pg_basebackup -R; `python -m bench.standby stop|start|delay N|status|destroy` controls it.
# The replica tests then run with (see .ci/run):
#   DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5433/<DATABASE_URL's database> pytest -m standby
standby: install-dev
	$(PY) -m bench.standby create

# Slower faults under load (wrk), each on servers of its own; prints requests, errors and lost
# counts per fault. FAULTS=name,name runs some; see bench/faults.py.
faults: install-dev
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m bench.faults

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
