# fieldapp — the two commands: `make run` and `make test`. Each sets itself up from nothing.
SHELL := /bin/bash
VENV ?= .venv
PORT ?= 5000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
FIELDAPP := $(VENV)/bin/fieldapp
TEST_DATABASE ?= fieldapp_test
export FIELDAPP_TEST_POSTGRES_URL ?= postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/$(TEST_DATABASE)

.PHONY: run test test-fast setup bench lint bandit clean

export FIELDAPP_PUBLIC_URL ?= http://$(HOST):$(PORT)

run:  ## set up, migrate, seed the demo walk and serve on http://$(HOST):$(PORT)
	@scripts/bootstrap.sh run
	$(FIELDAPP) db upgrade
	$(FIELDAPP) demo
	$(FIELDAPP) run --host $(HOST) --port $(PORT)

test:  ## set up test dependencies (PostGIS, Chromium) and run the whole suite on both databases
	@scripts/bootstrap.sh test
	@scripts/setup-postgres.sh $(TEST_DATABASE)
	$(VENV)/bin/bandit -q -r fieldapp gis -ll
	$(VENV)/bin/python -m pytest $(if $(FIELDAPP_REQUIRE_BACKENDS),--require-backends) $(PYTEST_ARGS)

bandit:  ## static security scan: any medium or high severity finding fails
	$(VENV)/bin/bandit -q -r fieldapp gis -ll

lint:
	$(VENV)/bin/ruff check fieldapp gis tests bench

bench:  ## every benchmark, one after the other; results in bench/results/, summary in docs/PERFORMANCE.md
	@scripts/bootstrap.sh test
	@scripts/setup-postgres.sh fieldapp_bench
	$(VENV)/bin/python bench/photos.py
	$(VENV)/bin/python bench/field_page.py
	$(VENV)/bin/python bench/nearby.py
	@scripts/setup-postgres.sh fieldapp_bench_organizer
	$(VENV)/bin/python bench/duplicates.py
	$(VENV)/bin/python bench/exports.py
	@scripts/setup-postgres.sh fieldapp_load
	$(VENV)/bin/python bench/load.py
	$(VENV)/bin/python bench/detection.py --sweep

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
