# The two commands of the README: `make run` (install, build the model, ingest, serve) and
# `make test` (install, build the model, install Chromium and PostgreSQL if missing, run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Nothing is ever fetched from a model hub, and the UI sends no analytics.
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false
export ANONYMIZED_TELEMETRY := False

.PHONY: run test setup install model ingest chromium postgresql lint bench eval sizing train lexicon clean

run: setup ingest
	$(BIN)/python app.py

test: setup chromium postgresql
	$(BIN)/python -m pytest

setup: install model

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# LightGBM (the unit scorer's trees) loads the GNU OpenMP runtime: Debian's libgomp1.
	@ldconfig -p 2>/dev/null | grep -q libgomp.so.1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgomp1 >/dev/null) || \
	  echo "warning: could not install libgomp1; the answer scorer (LightGBM) will not load"
	# torch is pinned to 2.13.0 in pyproject.toml: the CPU wheel, not a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

model: install
	$(BIN)/python -m kernel.e5

ingest: install model
	$(BIN)/python -m ingest

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "warning: could not install chromium; browser tests will be skipped"

# Debian's PostgreSQL for the shared-state tests (a throwaway cluster per test run, on
# loopback; the service the package starts is not used). Debian keeps initdb off PATH.
postgresql:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || \
	  echo "warning: could not install postgresql; PostgreSQL tests will be skipped"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refit the answer scorer on every question set (leave-one-set-out figures printed first).
train: setup
	$(BIN)/python -m evals.train

# Relearn the English → Vietnamese lexicon (kernel/lexicon.json) from the sets' English items.
lexicon: setup
	$(BIN)/python -m evals.lexicon

bench: setup
	$(BIN)/python -m ingest.bench
	$(BIN)/python -m evals.query_bench
	$(BIN)/python -m evals.bench

# One replica's answers/s per core (JSON API and web UI) and memory, against a real app.
sizing: setup ingest
	$(BIN)/python -m evals.sizing --cores 1
	$(BIN)/python -m evals.sizing --cores 2

eval: setup ingest
	$(BIN)/python -m evals run --compare

clean:
	rm -rf data/chroma data/tiktoken evals/out artifacts
