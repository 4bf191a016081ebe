# envbot — the two commands of the README:
#   make run    set up, migrate, ingest the corpus and serve on 127.0.0.1:8000
#   make test   install what the tests need and run them
PYTHON ?= python3
VENV ?= .venv
CORPUS ?= ../shared/corpus
BIN := $(VENV)/bin
PIP := $(BIN)/pip

.PHONY: run install install-test test lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/envbot migrate
	ENVBOT_CORPUS_DIR=$(CORPUS) $(BIN)/envbot ingest
	$(BIN)/envbot serve

# torch first, pinned to the CPU build pip finds here, so sentence-transformers
# does not pull a multi-GB CUDA build.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[st,dev]'
	touch $@ $(VENV)/.installed

install-test: $(VENV)/.installed-test

test: install-test
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

check: lint test

bench: install-test
	$(BIN)/python bench/qa.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/nlu.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/hazards.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) data
