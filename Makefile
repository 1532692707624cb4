# psweb — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PYTHONDONTWRITEBYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: audit bench-guard lighthouse install install-dev run serve test test-unit test-e2e test-integration lint format migrations-check messages ci clean-db

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "psweb needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: the app with demo data on the embedded PostgreSQL, at http://127.0.0.1:8000
## (make run PORT=8080 HOST=0.0.0.0 serves elsewhere; links in e-mails follow, or PSWEB_BASE_URL)
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_ENV = DEBUG=true PSWEB_BASE_URL=$${PSWEB_BASE_URL:-http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)}
run: install
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(if $(filter 0.0.0.0,$(HOST)),ALLOWED_HOSTS=$${ALLOWED_HOSTS:-*}) $(PY) manage.py runserver $(HOST):$(PORT)

# Node packages the tests run (the OpenID provider of tests/sso, Lighthouse), from package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## make test: the whole suite (unit, API, authorization matrix, browser) on an embedded PostgreSQL
test: install-dev node_modules/.package-lock.json
	$(BIN)/pytest -m "not integration" -n 2 --dist loadfile

## make test-integration: real Redis broker, real Celery worker, PostgreSQL from DATABASE_URL
test-integration: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest -m integration -p no:xdist

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install-dev
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

## make messages: refresh the translation catalogues (needs GNU gettext) and compile them
messages: install-dev
	DEBUG=true $(PY) manage.py makemessages -l sv -l en --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests --ignore=node_modules
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

ci: lint migrations-check test test-integration

## make audit: known vulnerabilities in the pinned dependencies (pip-audit, in a venv of its own).
## Fails on a reported vulnerability. A dependency the index cannot describe is listed as skipped:
## on a network whose package mirror serves no advisory data every one is (docs/security.md).
audit:
	@test -x .venv-audit/bin/pip-audit || { $(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit==2.10.1; }
	.venv-audit/bin/pip-audit -r requirements.txt -r requirements-dev.txt --progress-spinner off

## make bench-guard: the scale benchmark on a small database, with generous limits (a CI regression guard)
bench-guard: install
	$(PY) bench/scale.py --incidents 100000 --measurements 20000 --complaints 30000 --import-rows 20000 --repeat 5 \
		--duration 15 --database-url $${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/psweb_bench_guard} \
		--check --limit-factor 3

## make lighthouse: Lighthouse 12 on the report form (phone) and the work queue (desktop), DEBUG off, demo data
## on a throwaway database of the PostgreSQL server at LIGHTHOUSE_DATABASE_URL (needs `npm ci` and Chromium)
lighthouse: install
	$(PY) tests/lighthouse/run.py --database-url $${LIGHTHOUSE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

## make clean-db: throw away the development database (demo data is recreated by make run)
clean-db:
	rm -rf var/pgdata
