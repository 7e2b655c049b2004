# The two commands: `make run` and `make test`. Everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run serve test test-cluster nginx libreoffice install install-dev node static migrate demo lint typecheck pytest pytest-pg browsers bench bench-scale bench-growth lock clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs are reproducible: from the locks (every package, dependencies included, pinned), which `make lock`
# resolves from the human lists requirements.txt and requirements-dev.txt.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $(VENV)/.installed $@

install: $(VENV)/.installed node fonts
install-dev: $(VENV)/.installed-dev node fonts

# Front-end packages and the GB/T 2260 table come from the npm registry; the app serves them itself.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.copied: node_modules/.package-lock.json scripts/copy_vendor.sh
	sh scripts/copy_vendor.sh
	touch $@

node: static/vendor/.copied

# The agreement PDF embeds a TrueType CJK font from Debian's packages.
fonts:
	@sh scripts/ensure_fonts.sh

migrate: install
	WANGQIAN_DEMO=1 $(BIN)/python manage.py migrate --noinput

# The server, the task workers and the scheduler run as one group (manage.py serve): SIGTERM to make or Ctrl-C stops
# them all. `exec` hands make's signal to that process itself rather than to the shell around it.
run: migrate
	WANGQIAN_DEMO=1 $(BIN)/python manage.py load_demo
	exec env WANGQIAN_DEMO=1 DEBUG=$${DEBUG:-0} SITE_URL=$${SITE_URL:-http://localhost:$(PORT)} $(BIN)/python manage.py serve --port $(PORT)

# Production from the same checkout: settings from the environment (README), refuses a development secret or
# DEBUG, never loads demo data; migrates, collects static files, runs gunicorn, the task worker(s), the scheduler.
serve: install
	$(BIN)/python manage.py serve_production --port $(PORT)

# Two app hosts and two workers in network namespaces behind nginx, one of each killed and restarted under load,
# on a private PostgreSQL 15 primary with a streaming replica, the replica killed under read load
# (scripts/cluster.py; needs root). Prints requests sent/failed, agreements completed, documents issued, duplicates,
# and the primary's read load with and without the replica.
test-cluster: install-dev
	@INSTALL_NGINX=1 sh scripts/ensure_nginx.sh
	@test -x /usr/lib/postgresql/15/bin/pg_basebackup || apt-get install -y postgresql-15
	$(BIN)/python scripts/cluster.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

# With CI=true the suite runs again on PostgreSQL, browser tests included.
pytest-pg: install-dev
	DATABASE_URL=$${PG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wangqian} $(BIN)/pytest

browsers:
	@sh scripts/ensure_chromium.sh

nginx:
	@sh scripts/ensure_nginx.sh

libreoffice:
	@sh scripts/ensure_libreoffice.sh

test: install-dev browsers nginx libreoffice lint typecheck pytest
	@if [ "$$CI" = "true" ]; then $(MAKE) --no-print-directory pytest-pg && $(MAKE) --no-print-directory test-cluster; fi

bench: install-dev
	@command -v wrk >/dev/null || apt-get install -y wrk
	@for f in benchmarks/bench_*.py; do echo "== $$f"; BENCH_SCALE_OPTIONAL=1 $(BIN)/python $$f || exit 1; done

# Every page against the province-scale data set (manage.py load_scale into SCALE_DATABASE_URL, default wq_scale),
# served by the production server, driven by wrk (from Debian's packages).
bench-scale: install-dev
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python benchmarks/bench_scale.py

# The same pages at 100k, 1M and 3M agreements in one table (benchmarks/growth.py says how to build the data sets).
bench-growth: install-dev
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python benchmarks/growth.py

# After a change to requirements*.txt. Versions already in a lock are kept (uv prefers them); the runtime lock is
# resolved within the dev lock, so both install the same versions.
UV_COMPILE := $(BIN)/uv pip compile --quiet --python-version 3.11 --no-header --annotation-style line
lock: $(VENV)/.installed-dev
	$(UV_COMPILE) requirements-dev.txt -o requirements-dev.lock
	$(UV_COMPILE) requirements.txt -c requirements-dev.lock -o requirements.lock

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
