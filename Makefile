# Everything a fresh machine needs: Python 3.10+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-exits test-matrix fuzz bench screenshots clean

demo: $(VENV)/.installed
	$(BIN)/losscli evaluate sample_data/demand_forecast.csv --group-by region --format table

test: $(VENV)/.installed-test
	$(BIN)/ruff check losscli tests bench examples
	$(BIN)/ruff format --check losscli tests bench examples
	$(BIN)/mypy
	$(BIN)/pytest

# Exit codes under load (a few minutes): 50 interrupted and 50 failing runs over 10,000
# shards, each exiting 3, 4, 130 or 143 as the case may be, never 134 (SIGABRT).
test-exits: $(VENV)/.installed-test
	$(BIN)/pytest -m slow tests/test_exit_codes_loop.py

# The suite on the oldest and newest supported Python (3.10, 3.13), each in .venv-matrix/,
# and on 3.10 with every runtime dependency at its lowest supported version.
test-matrix:
	tools/test_matrix.sh

# The CSV fuzzer for longer: make fuzz FUZZ_EXAMPLES=100000
FUZZ_EXAMPLES ?= 20000
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=explore LOSSCLI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_fuzz.py -q \
		--hypothesis-show-statistics

# The README's PNGs under docs/: the terminal table and the HTML report in headless Chromium.
screenshots: $(VENV)/.installed-test
	$(BIN)/python tools/screenshots.py docs

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .venv-matrix build *.egg-info .pytest_cache .mypy_cache .ruff_cache
