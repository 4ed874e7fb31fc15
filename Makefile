# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv, installs the project into it, and runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format up down clean bench chromium

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/vidcompare demo

test: $(BIN)/.installed lint chromium
	$(BIN)/python -m pytest -q

# The web page's tests need Debian's Chromium: installed when missing and possible.
chromium:
	@tests/install-chromium.sh

# Benchmarks on the real local stack: writes benchmarks/RESULTS.md and progress.png.
bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	cd benchmarks && ../$(BIN)/python run_all.py

lint: $(BIN)/.installed
	$(BIN)/ruff check src functions tests benchmarks
	$(BIN)/ruff format --check src functions tests benchmarks

format: $(BIN)/.installed
	$(BIN)/ruff check --fix src functions tests benchmarks
	$(BIN)/ruff format src functions tests benchmarks

up: $(BIN)/.installed
	$(BIN)/vidcompare up

down: $(BIN)/.installed
	$(BIN)/vidcompare down

clean:
	rm -rf $(VENV) .vidcompare .pytest_cache
