# The two jobs a newcomer needs (see README): `make run` and `make test`. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SEED   := ../shared/seeds/senacs-haute-garonne.txt
SAMPLE := tests/data/sample-export.txt
# The real seed when ../shared is beside the repo, else the project's own small sample.
INPUT  := $(if $(wildcard $(SEED)),$(SEED),$(SAMPLE))
OUT    := build/dataset

.PHONY: install run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/maillage build $(INPUT) --out $(OUT)

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -m "slow or not slow"

bench: install
	$(BIN)/python benchmarks/parse_memory.py

clean:
	rm -rf build .pytest_cache
