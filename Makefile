# Everything runs inside virtual environments made here, so no command touches the system
# Python. Override the interpreter with: make test PYTHON=/path/to/python3.11
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0

# Reinstall only when the project's metadata or its set of top-level packages changes.
INSTALL_INPUTS := pyproject.toml $(wildcard lstm_explorer/__init__.py app/__init__.py engine/__init__.py)

.DEFAULT_GOAL := help
.PHONY: help serve test lint format bench fixtures vendor

help:
	@echo "make serve     run the app at http://127.0.0.1:8000 (HOST=... PORT=... WORKERS=...)"
	@echo "make test      ruff check, then the whole test suite"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make format    ruff format and ruff's safe fixes"
	@echo "make bench     benchmarks (with torch $(TORCH_VERSION)) into bench/results/"
	@echo "make fixtures  regenerate tests/fixtures with torch $(TORCH_VERSION)"
	@echo "make vendor    refresh static/vendor (plotly.js, KaTeX)"

# A venv (with a current pip), then a stamp per set of extras.
.PRECIOUS: %/bin/python
%/bin/python:
	$(PYTHON) -m venv $*
	$*/bin/python -m pip install --disable-pip-version-check -q --upgrade pip

$(VENV)/.stamp-run: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -e .
	touch $@

$(VENV)/.stamp-test: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.stamp-run  # the test extras include the runtime install

# `make serve HOST=0.0.0.0 PORT=8080 WORKERS=2`; without them LSTM_EXPLORER_HOST, _PORT and
# _WORKERS (or their defaults) apply. Only values given on make's command line count: a HOST
# variable of the shell must not move the server.
cli_arg = $(if $(filter command line,$(origin $(1))),--$(2) $($(1)))
serve: $(VENV)/.stamp-run
	$(BIN)/lstm-explorer serve $(call cli_arg,HOST,host) $(call cli_arg,PORT,port) $(call cli_arg,WORKERS,workers)

# One pytest-xdist worker per core, each with its own server and browser; `make test
# TEST_WORKERS=0` runs everything in one process (easier to debug). Bytecode caching on, even
# where the shell turns it off: every worker and every server the tests start would otherwise
# recompile the same modules (and pytest rewrite every test file) each time.
TEST_WORKERS ?= auto
test: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# mypy reads the package as the wheel lays it out (lstm_explorer/app, lstm_explorer/engine):
	@# a tree of links in build/, since it cannot follow lstm_explorer's search path.
	rm -rf build/typecheck && mkdir -p build/typecheck/lstm_explorer
	cp lstm_explorer/*.py build/typecheck/lstm_explorer/
	ln -s ../../../app ../../../engine build/typecheck/lstm_explorer/
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p lstm_explorer

format: $(VENV)/.stamp-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Throwaway venvs with torch, pinned so results and fixtures are reproducible.
.venv-bench/.stamp: $(INSTALL_INPUTS) | .venv-bench/bin/python
	.venv-bench/bin/python -m pip install --disable-pip-version-check torch==$(TORCH_VERSION)
	.venv-bench/bin/python -m pip install --disable-pip-version-check -e '.[bench]'
	touch $@

bench: .venv-bench/.stamp
	.venv-bench/bin/python bench/run_all.py

.venv-torch/.stamp: | .venv-torch/bin/python
	.venv-torch/bin/python -m pip install --disable-pip-version-check torch==$(TORCH_VERSION) numpy
	touch $@

fixtures: .venv-torch/.stamp
	PYTHONPATH=. .venv-torch/bin/python scripts/make_fixtures.py

vendor: $(VENV)/.stamp-run
	bash scripts/vendor_assets.sh $(BIN)/python
