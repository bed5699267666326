# pupilhub: two commands for a newcomer, `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export PUPILHUB_DATA_DIR ?= var
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: run test lint check unit e2e bench bench-scale clean demo worker otp screenshots faults

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install $(PIP_FLAGS) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	mkdir -p $(PUPILHUB_DATA_DIR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_data
	@echo "Serving pupilhub on http://$(HOST):$(PORT)/  (Ctrl-C stops the site, worker and beat)"
	@$(VENV)/bin/celery -A config worker -B --loglevel=warning --concurrency=2 \
	    --schedule=$(PUPILHUB_DATA_DIR)/celerybeat-schedule & CELERY_PID=$$!; \
	  trap 'kill $$CELERY_PID 2>/dev/null; wait $$CELERY_PID 2>/dev/null' EXIT INT TERM; \
	  CONN_MAX_AGE=0 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# The demo accounts' current second-factor code (each code works once per account).
otp: $(VENV)/.runtime
	@$(PY) manage.py demo_otp

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A config worker -B --loglevel=info --schedule=$(PUPILHUB_DATA_DIR)/celerybeat-schedule

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: $(VENV)/.dev
	PUPILHUB_DATA_DIR=$$(mktemp -d) $(PY) manage.py check
	PUPILHUB_DATA_DIR=$$(mktemp -d) $(PY) manage.py makemigrations --check --dry-run

test: lint check
	$(PY) -m pytest

# Faults injected into real processes, on the suite's own PostgreSQL and Redis (issue 27).
faults: $(VENV)/.dev
	bash faults/run

bench: $(VENV)/.dev
	$(PY) -m bench

# 24,000 schools and 10M pupils on PostgreSQL (DATABASE_URL, default the local server).
bench-scale: $(VENV)/.dev
	$(PY) -m bench.scale

# PNGs of the main pages at desktop and phone sizes (needs /usr/bin/chromium).
screenshots: $(VENV)/.dev
	PUPILHUB_DATA_DIR=$$(mktemp -d) SCREENSHOT_DIR=$(CURDIR)/docs/screenshots E2E_REQUIRED=1 \
		$(PY) -m pytest e2e/test_screenshots.py
	@ls docs/screenshots/*.png

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
