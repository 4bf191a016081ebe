# envbot — the two commands of the README:
#   make run    set up, migrate, ingest the corpus and serve on 127.0.0.1:8000
#   make test   install what the tests need and run them
PYTHON ?= python3
VENV ?= .venv
CORPUS ?= ../shared/corpus
BIN := $(VENV)/bin
PIP := $(BIN)/pip

.PHONY: run install install-test test test-postgres lint check bench clean

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
	ENVBOT_TEST_CACHE=$(CURDIR)/.test-cache $(BIN)/pytest -q

# The suite again with every test database on PostgreSQL (a fresh database per test on the
# server of ENVBOT_TEST_POSTGRES_URL). Left out: retrieval-quality and parsing tests that run
# no SQL of their own (the same answers from the same rows), to keep both passes in CI's budget.
POSTGRES_PASS_IGNORE := --ignore=tests/knowledge/test_answers.py --ignore=tests/knowledge/test_sentence_transformers.py \
	--ignore=tests/knowledge/test_loaders.py --ignore=tests/knowledge/test_splitter.py

test-postgres: install-test
	@test -n "$$ENVBOT_TEST_POSTGRES_URL" || { echo "set ENVBOT_TEST_POSTGRES_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test" >&2; exit 2; }
	ENVBOT_TEST_CACHE=$(CURDIR)/.test-cache ENVBOT_TEST_DATABASE=postgres $(BIN)/pytest -q $(POSTGRES_PASS_IGNORE) $(PYTEST_ARGS)

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
