# The two commands of the README:
#   make run    install the toolkit (runtime only) into .venv, run the main job on the sample
#               units, serve the workbooks (`bup-toolkit demo`)
#   make test   install the toolkit with the test and development tools into .venv, then run the
#               whole test suite (what CI runs)
#   make check  the quick loop for developers: ruff, mypy and the in-process tests (no kernels,
#               servers, browsers or virtual environments; those are marked `slow`)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint install check

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(TEST_STAMP) $(RUN_STAMP)

install: $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/bup-toolkit demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check toolkit tests benchmarks deploy
	$(BIN)/mypy

check: lint
	BUP_INPROCESS_ONLY=1 $(BIN)/pytest -m "not slow" -q -n 2

test: lint
	sh scripts/install_chromium.sh
	sh scripts/install_proxy.sh
	$(BIN)/pytest -n 2 --dist loadfile
