"""Benchmark: merging N stored submissions, and writing the summary workbook.

A fresh store is filled through the store's public ``add_submission`` with N accepted submissions
(balanced values; one in ten with a warning) for the year and, for year over year, N for the year
before. Then, in this one process and interleaved over several rounds (best round kept, CPU time):

- ``govxl.merge(store, year)``: consolidation only (read the version in use of every agency, add
  up exactly, recompute the derived cells, last year's consolidation for comparison), against a
  plain sum of the same values read from the same store file with sqlite3 and json;
- ``govxl.merge(store, year, out=...)``: the same plus the whole summary workbook; the workbook's
  part (the difference) against a bare XlsxWriter write of the same cells — every cell of every
  sheet of the summary govxl wrote, read back with python-calamine, written row by row in
  constant-memory mode with one format per kind of value.

Target (issue 11): merge of 10,000 submissions including the whole summary workbook <= 3 s.

    python bench/bench_merge.py [--submissions 10000] [--rounds 3] [--smoke] [--json PATH]
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from benchlib import Bench, Timing, arguments, best, loaded_note, timed
from python_calamine import CalamineWorkbook

import govxl
from govxl.demo import balanced_values
from govxl.findings import Finding
from govxl.form.spec import load_form

YEAR = 2025


def fill_store(store, n: int) -> None:
    form = load_form()
    rng = random.Random(5)
    agencies = [govxl.Agency(f"M{i:05}", f"测试单位{i:05}", ("区直部门", "乡镇街道", "垂直管理")[i % 3])
                for i in range(n)]
    govxl.set_roster(store, agencies)
    warning = Finding.of("value.text_number", sheet="三、依申请公开", cell="C8", value="１２", where="C8", number=12)
    for year in (YEAR - 1, YEAR):
        for i, a in enumerate(agencies):
            store.add_submission(agency=a.code, year=year, source="workbook",
                                 status="accepted_with_warnings" if i % 10 == 0 else "accepted",
                                 values=balanced_values(form, rng), narrative={},
                                 findings=[warning] if i % 10 == 0 else [], agency_name=a.name)


def plain_sum(db: Path, year: int) -> dict:
    """The floor of a consolidation: the same values read from the same file, added up."""
    con = sqlite3.connect(db)
    totals: dict = {}
    for (text,) in con.execute('SELECT "values" FROM submissions WHERE year = ? AND status != \'rejected\'', (year,)):
        for key, value in json.loads(text).items():
            if value is not None:
                totals[key] = totals.get(key, 0) + (Decimal(value) if isinstance(value, str) else value)
    con.close()
    return totals


def read_cells(path: Path) -> list[tuple[str, list[list]]]:
    book = CalamineWorkbook.from_path(str(path))
    return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]


def bare_write(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    """The same cells, written by XlsxWriter in constant-memory mode, row by row."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    text = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1})
    number = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "num_format": "0"})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "":
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value, text)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value, number)
                else:
                    ws.write_string(r, c, str(value), text)
    wb.close()


def main() -> None:
    args = arguments(__doc__, submissions=10_000, rounds=3)
    if args.smoke:
        args.submissions, args.rounds = 50, 1
    n = args.submissions
    bench = Bench("merge", "govxl.merge of stored submissions against a plain sum of the same values, and the "
                           "summary workbook against a bare XlsxWriter write of the same cells", args)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "govxl.db"
        with govxl.open_store(db) as store:
            fill_store(store, n)
            result = govxl.merge(store, YEAR, out=tmp / "warm.xlsx")
            assert len(result.contributions) == n
            assert plain_sum(db, YEAR) == {k: v for k, v in result.totals.items() if k in plain_sum(db, YEAR)}
            sheets = read_cells(tmp / "warm.xlsx")
            cells = sum(1 for _, rows in sheets for row in rows for v in row if v != "")
            rounds: dict[str, list[Timing]] = {"consolidate": [], "merge": [], "sum": [], "bare": []}
            for r in range(args.rounds):
                for name, fn in (
                    ("consolidate", lambda: govxl.merge(store, YEAR)),
                    ("merge", lambda: govxl.merge(store, YEAR, out=tmp / f"summary{r}.xlsx")),
                    ("sum", lambda: plain_sum(db, YEAR)),
                    ("bare", lambda: bare_write(tmp / f"bare{r}.xlsx", sheets)),
                ):
                    with timed() as t:
                        fn()
                    rounds[name].append(t)
            c, m, s, b = (best(rounds[k]) for k in ("consolidate", "merge", "sum", "bare"))
            write = Timing(m.wall - c.wall, m.cpu - c.cpu)
            bench.figure(f"{n} submissions (and {n} of {YEAR - 1} for year over year); CPU time, best of "
                         f"{args.rounds} interleaved rounds, one process")
            bench.figure(f"consolidation (govxl.merge without a workbook): {c.cpu:.3f} s; plain sum of the same "
                         f"values from the same store: {s.cpu:.3f} s; ratio {c.cpu / s.cpu:.2f}x "
                         f"(govxl also consolidates {YEAR - 1} for the comparison)")
            bench.figure(f"summary workbook ({len(sheets)} sheets, {cells} cells, "
                         f"{(tmp / 'summary0.xlsx').stat().st_size / 1024 / 1024:.1f} MB): {write.cpu:.3f} s; bare "
                         f"XlsxWriter write of the same cells: {b.cpu:.3f} s; ratio {write.cpu / b.cpu:.2f}x")
            bench.figure(f"govxl.merge with the summary workbook: {m.wall:.2f} s wall, {m.cpu:.2f} s CPU")
            note = loaded_note()
            total = bench.target(f"merge of {n} submissions with the whole summary workbook (wall)", m.wall, "<=",
                                 3 * n / 10_000, "s", note)
            if note:
                bench.target(f"merge of {n} submissions with the whole summary workbook (CPU, single process)",
                             m.cpu, "<=", 3 * n / 10_000, "s")
            if args.smoke or not total.met:
                bench.profile("where merge's time goes (cProfile):",
                              lambda: govxl.merge(store, YEAR, out=tmp / "profile.xlsx"))
    bench.finish()


if __name__ == "__main__":
    main()
