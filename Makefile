# The two commands of the README:
#   make run    install everything into .venv, run the main job on the sample data, serve the workbooks
#   make test   install everything into .venv, then run the whole test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m toolkit run sample_data/units.yaml
	$(BIN)/python -m toolkit serve

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests benchmarks
	$(BIN)/mypy

test: lint
	sh scripts/install_chromium.sh
	$(BIN)/pytest
