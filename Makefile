# The commands the README gives. Everything installs into .venv.
PYTHON := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast bench lint format install install-test migrate demo clean

$(BIN)/python:
	@test -n "$(PYTHON)" || exit 1
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[postgres,redis]'
	@touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[postgres,redis,test]'
	@touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)
	@scripts/ensure-chromium
	@scripts/ensure-fonts
	@scripts/ensure-poppler

## make run: install, migrate, build the demo district if empty, serve on :8000 with the worker
run: install
	$(BIN)/liaison migrate --no-input
	$(BIN)/liaison demo --if-empty
	$(BIN)/liaison serve

## make test: install what the tests need (Chromium included) and run every test
test: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-test
	$(BIN)/python -m pytest -m "not browser and not slow" -x $(PYTEST_ARGS)

## make bench: measure the speed targets and write bench/report.md; exits non-zero when a target
## is missed or PostgreSQL is unreachable (BENCH_ARGS=--allow-miss for exploratory runs)
bench: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) data .pytest_cache
