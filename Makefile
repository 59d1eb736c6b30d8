# The two commands of the README:
#   make run    install everything into .venv, run the main job on the sample data, serve the workbooks
#   make test   install everything into .venv, then run the whole test suite (what CI runs)
#   make check  the quick loop for developers: ruff, mypy and the in-process tests (no kernels,
#               servers, browsers or virtual environments; those are marked `slow`)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install check

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

check: lint
	BUP_INPROCESS_ONLY=1 $(BIN)/pytest -m "not slow" -q

test: lint
	sh scripts/install_chromium.sh
	$(BIN)/pytest
