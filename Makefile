# The two jobs a newcomer needs (see README): `make run` and `make test`. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SEED   := ../shared/seeds/senacs-haute-garonne.txt
SAMPLE := tests/data/sample-export.txt
# The real seed when ../shared is beside the repo, else the project's own small sample.
INPUT  := $(if $(wildcard $(SEED)),$(SEED),$(SAMPLE))
OUT    := build/dataset
PORT   ?= 8000

.PHONY: install run test lint bench clean browser communes

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

# Build the graph of the bundled export, then serve it (Ctrl+C stops the server).
run: install
	$(BIN)/maillage build $(INPUT) --out $(OUT)
	$(BIN)/maillage serve --data $(OUT) --port $(PORT)

lint: install
	$(BIN)/ruff check .

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
browser:
	command -v chromium || (apt-get update && apt-get install -y chromium)

test: lint browser
	$(BIN)/pytest -m "slow or not slow"

# The national-scale benchmark (2,000, 20,000 and 100,000 fiches against the baselines; under 20 minutes).
bench: install
	$(BIN)/python benchmarks/national.py

# Redraw graph/data/communes.csv.gz from Etalab's npm package (node's npm needed; not part of install or test).
communes: install
	$(BIN)/python benchmarks/fetch_communes.py

clean:
	rm -rf build .pytest_cache
