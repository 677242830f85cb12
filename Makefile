# fieldapp — the two commands: `make run` and `make test`. Each sets itself up from nothing.
SHELL := /bin/bash
VENV ?= .venv
PORT ?= 5000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
FIELDAPP := $(VENV)/bin/fieldapp
TEST_DATABASE ?= fieldapp_test
export FIELDAPP_TEST_POSTGRES_URL ?= postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/$(TEST_DATABASE)

.PHONY: run test test-fast setup bench lint bandit clean lock lock-check audit

export FIELDAPP_PUBLIC_URL ?= http://$(HOST):$(PORT)

# `make run` on the default database (instance/fieldapp.sqlite) is a development installation: it gets the
# demo walk. With your own FIELDAPP_DATABASE_URL it does not, unless you set FIELDAPP_ENV=development yourself.
run: export FIELDAPP_ENV := $(or $(FIELDAPP_ENV),$(if $(FIELDAPP_DATABASE_URL),production,development))

run:  ## set up, migrate, seed the demo walk (development database only) and serve on http://$(HOST):$(PORT)
	@scripts/bootstrap.sh run
	$(FIELDAPP) db upgrade
	$(FIELDAPP) seed $(if $(filter development,$(FIELDAPP_ENV)),--demo)
	@# The worker (protocol PDFs and other background jobs) runs beside the server; Ctrl-C stops both.
	@$(FIELDAPP) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FIELDAPP) run --host $(HOST) --port $(PORT)

test:  ## set up test dependencies (PostGIS, Chromium) and run the whole suite on both databases
	@scripts/bootstrap.sh test
	@scripts/setup-postgres.sh $(TEST_DATABASE)
	$(VENV)/bin/python scripts/lock.py check
	$(VENV)/bin/bandit -q -r fieldapp gis -ll
	$(VENV)/bin/ruff check fieldapp gis tests bench scripts
	$(VENV)/bin/mypy  # --strict on gis/ and fieldapp/services/ ([tool.mypy] in pyproject.toml)
	@# Without ../shared/realworld (FIELDAPP_REALWORLD_DIR) the extended-corpus tests are not run: one line says
	@# how many. Under FIELDAPP_REQUIRE_BACKENDS=1 (CI) a missing corpus or backend is a failure.
	$(VENV)/bin/python -m pytest $(if $(FIELDAPP_REQUIRE_BACKENDS),--require-backends) $(PYTEST_ARGS)

bandit:  ## static security scan: any medium or high severity finding fails
	$(VENV)/bin/bandit -q -r fieldapp gis -ll

lock:  ## re-resolve pyproject.toml into the hashed lock files requirements/run.txt and requirements/test.txt
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q 'uv>=0.5,<1' packaging
	$(VENV)/bin/python scripts/lock.py compile

lock-check:  ## fail when pyproject.toml's dependencies changed since `make lock`
	$(VENV)/bin/python scripts/lock.py check

audit:  ## look the locked runtime dependencies up in the PyPI advisory database (needs network)
	$(VENV)/bin/python -m pip install -q 'pip-audit>=2.7,<3'
	$(VENV)/bin/pip-audit --require-hashes --disable-pip -r requirements/run.txt

lint:  ## ruff and mypy --strict (gis/, fieldapp/services/); both also part of `make test`
	$(VENV)/bin/ruff check fieldapp gis tests bench scripts
	$(VENV)/bin/mypy

bench:  ## every benchmark, one after the other; results in bench/results/, summary in docs/PERFORMANCE.md
	@scripts/bootstrap.sh test
	@scripts/setup-postgres.sh fieldapp_bench
	$(VENV)/bin/python bench/photos.py
	$(VENV)/bin/python bench/field_page.py
	$(VENV)/bin/python bench/nearby.py
	@scripts/setup-postgres.sh fieldapp_bench_organizer
	$(VENV)/bin/python bench/duplicates.py
	$(VENV)/bin/python bench/exports.py
	@scripts/setup-postgres.sh fieldapp_bench_situation
	$(VENV)/bin/python bench/situation.py
	@scripts/setup-postgres.sh fieldapp_load
	$(VENV)/bin/python bench/load.py
	$(VENV)/bin/python bench/detection.py --sweep

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
