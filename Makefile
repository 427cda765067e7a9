# mairie-tui — every command installs what it needs first (Python 3.11+ and make only).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# The demo opens in training mode on the day of the portal tutorial.
DEMO_DIR ?= .demo
DEMO_NOW ?= 2020-09-15T10:00
DEMO_HOUSEHOLDS ?= 2000

.PHONY: install run demo test check lint typecheck bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Open the application on an embedded SQLite demo database (created on first run).
run: $(STAMP)
	@test -f $(DEMO_DIR)/mairie.db || MAIRIE_DATA_DIR=$(DEMO_DIR) $(BIN)/mairie-tui demo --households $(DEMO_HOUSEHOLDS)
	MAIRIE_DATA_DIR=$(DEMO_DIR) MAIRIE_NOW=$(DEMO_NOW) $(BIN)/mairie-tui

## Rebuild the demo database.
demo: $(STAMP)
	MAIRIE_DATA_DIR=$(DEMO_DIR) $(BIN)/mairie-tui demo --force --households $(DEMO_HOUSEHOLDS)

## Every test (PostgreSQL too when MAIRIE_TEST_PG_URL is set; skipped with the reason otherwise).
test: $(STAMP)
	$(BIN)/python -m pytest -rs

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy mairie_tui/domain mairie_tui/services

## Lint, types, tests.
check: lint typecheck test

## Benchmarks: figures written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## SVG of every screen into screenshots/.
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache .mypy_cache *.egg-info
