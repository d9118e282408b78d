# The two commands of the README: `make quickstart` (run the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: quickstart test fast lint typecheck clean bench bench-peers

TEST_EXTRAS ?= test
# .ci/run sets TEST_EXTRAS=test,bohb: BOHB's hpbandster needs a C compiler, so a laptop's `make test` skips it.

$(VENV)/.installed: pyproject.toml  ## the package alone: what the main job needs, nothing compiled
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-$(TEST_EXTRAS): $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[$(TEST_EXTRAS)]'
	touch $@

quickstart: $(VENV)/.installed  ## install, then run the built-in quickstart sweep on a local Ray
	$(BIN)/sweeps run quickstart --overwrite
	$(BIN)/sweeps report results/quickstart

test: $(VENV)/.installed-$(TEST_EXTRAS)  ## lint, then the whole test suite (what CI runs)
	$(BIN)/ruff check sweeps analysis tests benchmarks
	$(BIN)/pytest

fast: $(VENV)/.installed-$(TEST_EXTRAS)  ## the quick loop: no sweeps through Ray, no cluster
	$(BIN)/pytest -m "not slow and not cluster"

lint: $(VENV)/.installed-$(TEST_EXTRAS)
	$(BIN)/ruff check sweeps analysis tests benchmarks

typecheck: $(VENV)/.installed-$(TEST_EXTRAS)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache

bench: $(VENV)/.installed  ## the runner's own figures: trial overhead, quickstart and 48-configuration grid
	$(BIN)/python benchmarks/trial_overhead.py --epochs 20
	$(BIN)/python benchmarks/runner_efficiency.py quickstart --json benchmarks/results/quickstart.json
	$(BIN)/python benchmarks/runner_efficiency.py grid48 --json benchmarks/results/grid48.json
	$(BIN)/python benchmarks/report_speed.py

PEERS_VENV := benchmarks/.venv-peers
PEERS_REPEATS ?= 3  # time-to-target is noisy: medians of 3 runs of each search (issue 14)

$(PEERS_VENV)/.installed: pyproject.toml benchmarks/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/pip install --quiet -e .
	$(PEERS_VENV)/bin/pip install --quiet -r benchmarks/requirements-peers.txt
	touch $@

bench-peers: $(PEERS_VENV)/.installed  ## time KerasTuner, Optuna (grid, TPE), GridSearchCV and plain Ray Tune against our runner (long)
	$(PEERS_VENV)/bin/python benchmarks/peers.py --repeats $(PEERS_REPEATS)
