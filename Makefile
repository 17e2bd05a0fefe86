# The two set-up commands of the README:
#   make demo   brings the platform up with demo data on SQLite at http://127.0.0.1:8000
#   make test   installs what the tests need and runs them
# Both create .venv with the pinned versions of constraints.txt on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install check-browser lint constraints clean-demo

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Setting up logs warnings and errors only (Wagtail logs every page and item it saves at INFO).
DEMO_SETUP_ENV := $(DEMO_ENV) LOG_LEVEL=WARNING

demo: install
	@$(DEMO_SETUP_ENV) $(PY) manage.py migrate --noinput -v 0
	@$(DEMO_SETUP_ENV) $(PY) manage.py demo_setup
	@echo "Starting the task worker and the ASGI server at http://$(HOST):$(PORT)/ (Ctrl-C stops all)."
	@$(DEMO_ENV) $(PY) manage.py db_worker --queue-name '*' --no-reload -v 0 & \
	  worker=$$!; $(DEMO_ENV) $(PY) manage.py survey_jobs_sweep --every 30 & \
	  sweeper=$$!; trap 'kill $$worker $$sweeper 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# Browser tests need Debian's chromium (apt-get install chromium fonts-noto-cjk);
# without it they are skipped locally and fail under REQUIRE_BROWSER=1 (CI).
test: install check-browser
	$(PY) -m pytest $(PYTEST_ARGS)

check-browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  echo "note: chromium not found; browser tests will be skipped (apt-get install chromium fonts-noto-cjk)."

# Lint, format and types, as .ci/run's first stage and the pre-commit hooks run them.
# All three run even when one fails, so one pass shows every problem.
MYPY_PATHS := psychometrics itembank assessment cms learning_platform

lint: install
	@status=0; \
	echo "== ruff check"; $(VENV)/bin/ruff check . || status=1; \
	echo "== ruff format --check"; $(VENV)/bin/ruff format --check . || status=1; \
	echo "== mypy"; $(VENV)/bin/mypy $(MYPY_PATHS) || status=1; \
	echo "== typing debt list"; $(PY) .ci/mypy_debt.py --check || status=1; \
	exit $$status

# Re-pin after changing dependencies: the versions the tests passed with.
constraints: install
	$(PIP) freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean-demo:
	rm -f var/db.sqlite3
