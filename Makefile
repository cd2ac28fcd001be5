# Quick start: `make demo` and `make test`. Each sets itself up in .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
YEAR ?= 2023

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "govxl 需要 Python 3.11 或更高版本"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf out/workbooks
	$(BIN)/govxl generate --year $(YEAR) --roster samples/roster.csv --out out/workbooks
	$(BIN)/govxl generate --year $(YEAR) --blank --out out

test: $(STAMP)
	tools/ensure-libreoffice
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_generate.py

clean:
	rm -rf out .pytest_cache build dist
