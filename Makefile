# Quick start: `make demo` and `make test`. Each sets itself up in .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "govxl 需要 Python 3.11 或更高版本"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The whole cycle on the sample district (卫东区), as `govxl demo` runs it on any computer.
demo: $(STAMP)
	rm -rf out
	$(BIN)/govxl demo --out out

test: $(STAMP)
	tools/ensure-test-tools
	$(BIN)/python -m pytest -n 2 -q

# Every benchmark against its baseline; writes bench/results.md (see bench/run_all.py).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf out .pytest_cache build dist
