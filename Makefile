# Two commands: `make run` and `make test`. Each bootstraps .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test catalogs compile-catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(VENV)/.run-deps

# Compiled catalogs (.mo) are build output: made from the .po files, never committed.
compile-catalogs: $(VENV)/.run-deps
	@$(BIN)/pybabel compile -d locales -D messages

run: $(VENV)/.run-deps compile-catalogs
	@$(BIN)/nearmiss run

test: $(VENV)/.test-deps compile-catalogs
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# After changing user-facing text: re-extract msgids and merge them into every language.
catalogs: $(VENV)/.run-deps
	$(BIN)/python -m nearmiss.catalogs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
