# The commands the README gives. Everything installs into .venv.
PYTHON := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The versions CI passed with; `make lock` refreshes them against the newest releases.
LOCK := requirements/lock.txt
export PYTHONDONTWRITEBYTECODE := 1
# The suite runs in parallel (pytest-xdist), test by test (the access matrix alone is 3/4 of the
# tests), the browser tests together on one worker (xdist_group); at most 6 workers, as the Redis
# tests have a database each (tests/redis_db.py). XDIST= runs it in one process.
XDIST ?= -n auto --maxprocesses 6 --dist loadgroup

.PHONY: run test test-fast bench loadtest lint coverage format install install-test migrate demo clean lock

$(BIN)/python:
	@test -n "$(PYTHON)" || exit 1
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	@# the distribution was called "liaison" before; an older .venv may still hold it
	@$(BIN)/python -m pip uninstall -q -q -y liaison 2>/dev/null || true
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[postgres,redis,s3]'
	@touch $@

$(TEST_STAMP): pyproject.toml $(LOCK) $(STAMP)
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[postgres,redis,s3,test,load]'
	@touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)
	@scripts/ensure-chromium
	@scripts/ensure-fonts
	@scripts/ensure-poppler
	@scripts/ensure-apertium

## make run: install, migrate, build the demo district if empty, serve on :8000 with the worker
run: install
	$(BIN)/liaison migrate --no-input
	$(BIN)/liaison demo --if-empty
	$(BIN)/liaison serve

## make test: install what the tests need (Chromium included), lint, and run every test
test: lint
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: install-test
	$(BIN)/python -m pytest $(XDIST) -m "not browser and not slow" -x $(PYTEST_ARGS)

## make bench: measure the speed targets and write bench/report.md; exits non-zero when a target
## is missed or PostgreSQL is unreachable (BENCH_ARGS=--allow-miss for exploratory runs)
bench: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make loadtest: issue #22's performance run (bench/loadtest/): Locust against `liaison serve --asgi`
## groups, the workers and an announcement on PostgreSQL + Redis; writes bench/loadtest.md (< 20 min)
loadtest: install-test
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[postgres,redis,s3,test,load]'
	$(BIN)/python bench/loadtest/run.py $(LOADTEST_ARGS)

## make lint: ruff, ruff format, mypy held to mypy-ratchet.txt, and the layers (.importlinter)
lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python scripts/mypy-ratchet
	$(BIN)/lint-imports

## make coverage: the whole suite with branch coverage of src/liaison, the report printed
coverage: install-test
	$(BIN)/python -m pytest $(XDIST) --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

format: install-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## make lock: resolve every dependency again at its newest release and rewrite requirements/lock.txt
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q 'uv>=0.9'
	$(BIN)/uv pip compile pyproject.toml --extra postgres --extra redis --extra s3 --extra test --extra load \
		--universal --python-version 3.12 --upgrade --custom-compile-command "make lock" --annotation-style line -o $(LOCK)
	@echo "$(LOCK) refreshed: run make test, then commit it"

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .coverage
