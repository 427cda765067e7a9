# mairie-tui — every command installs what it needs first (Python 3.11+ and make only).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# The demo opens in training mode on the day of the portal tutorial.
DEMO_DIR ?= .demo
DEMO_NOW ?= 2020-09-15T10:00
DEMO_HOUSEHOLDS ?= 2000
# make run DEMO_REGIE=1: the régie's demo (September and October 2020 invoiced, payments,
# a closed till) in its own directory, opened on jeudi 05/11/2020.
ifdef DEMO_REGIE
DEMO_DIR = .demo-regie
DEMO_NOW = 2020-11-05T10:00
DEMO_FLAGS = --regie
endif

.PHONY: install run demo test check lint imports typecheck bench mutation screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Open the application on an embedded SQLite demo database (created on first run).
run: $(STAMP)
	@test -f $(DEMO_DIR)/mairie.db || MAIRIE_DATA_DIR=$(DEMO_DIR) $(BIN)/mairie-tui demo --households $(DEMO_HOUSEHOLDS) $(DEMO_FLAGS)
	MAIRIE_DATA_DIR=$(DEMO_DIR) MAIRIE_NOW=$(DEMO_NOW) $(BIN)/mairie-tui

## Rebuild the demo database.
demo: $(STAMP)
	rm -f $(DEMO_DIR)/mairie.db $(DEMO_DIR)/mairie.db-wal $(DEMO_DIR)/mairie.db-shm
	MAIRIE_DATA_DIR=$(DEMO_DIR) $(BIN)/mairie-tui demo --households $(DEMO_HOUSEHOLDS) $(DEMO_FLAGS)

## Every test (PostgreSQL too when MAIRIE_TEST_PG_URL is set; skipped with the reason otherwise).
test: $(STAMP)
	$(BIN)/python -m pytest -rs

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy mairie_tui/domain mairie_tui/services mairie_tui/cli

## Import contracts between layers (pyproject.toml, [tool.importlinter]).
imports: $(STAMP)
	$(BIN)/lint-imports

## Lint, import contracts, types, tests.
check: lint imports typecheck test

## Benchmarks: figures written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## Mutation testing of the booking rules (docs/mutation.md): mutmut on domain/calendar.py,
## domain/draft.py and services/bookings.py, SQLite only. Log: mutants/run.log.
mutation: $(STAMP)
	rm -rf mutants && mkdir mutants
	env -u MAIRIE_TEST_PG_URL $(BIN)/mutmut run --max-children 2 > mutants/run.log 2>&1 \
		|| (tail -n 30 mutants/run.log; exit 1)
	@$(BIN)/mutmut results
	@$(BIN)/mutmut results --all true | awk -F': ' 'NF == 2 { n[$$2]++; total++ } \
		END { for (s in n) printf "%6d %s\n", n[s], s; \
		printf "score: %d killed / %d mutants = %.1f %%\n", n["killed"], total, 100 * n["killed"] / total }'

## SVG of every screen into screenshots/.
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .demo-regie mutants .pytest_cache .ruff_cache .mypy_cache *.egg-info
