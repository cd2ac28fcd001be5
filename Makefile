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

# The whole cycle on the sample district (卫东区). collect exits 1 when a file is rejected, as some
# sample files are meant to be; anything else stops the demo.
demo: $(STAMP)
	rm -rf out
	$(BIN)/govxl generate --year $(YEAR) --roster samples/roster.csv --out out/workbooks --db out/govxl.db
	$(BIN)/govxl generate --year $(YEAR) --blank --out out
	$(BIN)/python samples/make_submissions.py out/workbooks out/received --year $(YEAR)
	$(BIN)/govxl import samples/published/*.txt --db out/govxl.db
	$(BIN)/govxl collect out/received/第一批 --year $(YEAR) --db out/govxl.db --report out/report/第一批 || [ $$? -eq 1 ]
	$(BIN)/govxl collect out/received/第二批 --year $(YEAR) --db out/govxl.db --report out/report/第二批 || [ $$? -eq 1 ]
	$(BIN)/govxl status --year $(YEAR) --db out/govxl.db
	$(BIN)/govxl merge --year $(YEAR) --db out/govxl.db --out out/$(YEAR)年卫东区汇总表.xlsx --code WD --name 卫东区人民政府
	$(BIN)/govxl export --year $(YEAR) --db out/govxl.db --format csv --out out/$(YEAR)年各单位数据.csv
	for f in md html docx; do \
	  $(BIN)/govxl compose --year $(YEAR) --district --name 卫东区人民政府 --db out/govxl.db --format $$f --out out/reports/$(YEAR)年卫东区人民政府政府信息公开工作年度报告.$$f && \
	  $(BIN)/govxl compose --year $(YEAR) --all --db out/govxl.db --format $$f --out out/reports/各单位 || exit 1; \
	done

test: $(STAMP)
	tools/ensure-test-tools
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_generate.py
	$(BIN)/python bench/bench_collect.py
	$(BIN)/python bench/bench_merge.py

clean:
	rm -rf out .pytest_cache build dist
