# The single entry point for people and CI. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= postgres
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
BENCH_PACKAGES := wrk
SRC := $(wildcard src tests migrations bench)

.PHONY: run serve test lint fmt typecheck test-sqlite test-postgres bench bench-deps screenshots system-deps venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install whenever pyproject.toml or the compiled kernels of the draw change (pip builds
# src/spotcheck/sampling/_native.c into the source tree of the editable install).
NATIVE_SOURCES := setup.py src/spotcheck/sampling/_native.c
$(VENV)/.installed-run: pyproject.toml $(NATIVE_SOURCES) | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(NATIVE_SOURCES) | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run

## run: virtualenv, install, migrate the SQLite file under var/, demo data if empty, serve on 127.0.0.1:8000
run: $(VENV)/.installed-run
	$(BIN)/spotcheck db upgrade
	$(BIN)/spotcheck demo load
	@echo "打开 http://$(HOST):$(PORT) 登录（按 Ctrl+C 停止）"
	$(BIN)/spotcheck serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed-run
	$(BIN)/spotcheck serve --host $(HOST) --port $(PORT)

## system-deps: Debian packages the tests need (Chromium for Playwright, Noto CJK fonts)
system-deps: PACKAGES = $(SYSTEM_PACKAGES)
## bench-deps: what the benchmarks need besides (wrk, the HTTP load generator of the ceremony benchmark)
bench-deps: PACKAGES = $(SYSTEM_PACKAGES) $(BENCH_PACKAGES)
system-deps bench-deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## test: install everything, then lint, type check and the whole suite on SQLite and on PostgreSQL.
## The two runs go side by side (one per core; independent databases); each prints its output
## when it ends, and the target fails if either fails.
test: system-deps $(VENV)/.installed-test lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy src/spotcheck

test-sqlite: $(VENV)/.installed-test
	@echo "== test suite on SQLite =="
	env -u SPOTCHECK_TEST_DATABASE_URL $(BIN)/pytest -q

# A fresh database per run; in CI an unreachable server is a failure, elsewhere a clear skip.
test-postgres: $(VENV)/.installed-test
	@echo "== test suite on PostgreSQL ($(PGHOST):$(PGPORT)) =="
	@if ! pg_isready -q -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) 2>/dev/null; then \
	  if [ "$${CI:-}" = "true" ]; then echo "PostgreSQL is not reachable at $(PGHOST):$(PGPORT): required in CI"; exit 1; fi; \
	  echo "SKIPPED: PostgreSQL is not reachable at $(PGHOST):$(PGPORT); the PostgreSQL run is required only in CI"; exit 0; \
	fi; \
	db="spotcheck_test_$$(date +%s)_$$$$"; \
	createdb -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) --locale=C.UTF-8 -T template0 -E UTF8 "$$db"; \
	trap 'dropdb -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) --if-exists "$$db"' EXIT; \
	SPOTCHECK_TEST_DATABASE_URL="postgresql+psycopg://$(PGUSER)@$(PGHOST):$(PGPORT)/$$db" $(BIN)/pytest -q

## bench: speed and memory benchmarks (draw engine; registry import and search, eligibility preview
## and the whole draw ceremony at 1,000,000 targets with its pages and portal throughput, on SQLite
## and PostgreSQL); results go to docs/benchmarks.md. Takes about 35 minutes on 2 cores, plus about
## 30 minutes for the ceremony benchmark (a 1,000,000-target world is built for each database).
bench: bench-deps $(VENV)/.installed-test
	$(BIN)/python -m bench.draw_bench
	$(BIN)/python -m bench.registry_bench --backend both
	$(BIN)/python -m bench.eligibility_bench --backend both
	$(BIN)/python -m bench.ceremony_bench --backend both --rows 1000000

## screenshots: refresh docs/screenshots/ from a real browser session on the demo data
screenshots: system-deps $(VENV)/.installed-test
	SPOTCHECK_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -m browser

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
