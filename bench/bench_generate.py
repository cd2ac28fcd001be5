"""Benchmark: generating personalised agency workbooks.

Compares, in the same run, govxl's workbook (formats, merges, validation, conditional formats,
protection, identity) with a bare XlsxWriter write of the same cells (every text, number and
formula with its cached value, read back from a govxl workbook; no formats, merges, validation or
protection; both in XlsxWriter's in-memory mode), one process each, and times the whole parallel ``generate`` of N workbooks.
Targets (issue 2): within 1.5x of the bare write; 500 workbooks in under 30 s on 2 cores.

    python bench/bench_generate.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import xlsxwriter

from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, generate_workbooks, write_workbook


def agencies(n: int) -> list[Agency]:
    return [Agency(f"B{i:04}", f"卫东区测试单位{i:04}", "区直部门" if i % 3 else "乡镇街道", line=i + 2)
            for i in range(n)]


def bare_cells(path: Path) -> dict[str, list]:
    """Every cell of a govxl workbook as (row, col, text or formula, cached value), per sheet."""
    formulas_wb = openpyxl.load_workbook(path)
    values_wb = openpyxl.load_workbook(path, data_only=True)
    sheets = {}
    for ws in formulas_wb.worksheets:
        cached = values_wb[ws.title]
        sheets[ws.title] = [
            (c.row - 1, c.column - 1, c.value, cached.cell(c.row, c.column).value if c.data_type == "f" else None)
            for row in ws.iter_rows() for c in row if c.value is not None
        ]
    return sheets


def bare_write(path: Path, sheets: dict[str, list], agency: Agency) -> None:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False})
    for name, cells in sheets.items():
        ws = wb.add_worksheet(name)
        for row, col, value, cached in cells:
            if cached is not None:
                ws.write_formula(row, col, value, None, cached)
            elif isinstance(value, str):
                ws.write_string(row, col, agency.name if value == "{agency}" else value)
            else:
                ws.write_number(row, col, value)
    wb.close()


def best_of(fn, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sample = agencies(100)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_workbook(WorkbookRequest(tmp / "warm.xlsx", 2025, sample[0]))  # load spec, layout once
        sheets = bare_cells(tmp / "warm.xlsx")

        def govxl_serial():
            for a in sample:
                write_workbook(WorkbookRequest(tmp / f"g{a.code}.xlsx", 2025, a))

        def bare_serial():
            for a in sample:
                bare_write(tmp / f"b{a.code}.xlsx", sheets, a)

        t_govxl = best_of(govxl_serial)
        t_bare = best_of(bare_serial)
        start = time.perf_counter()
        paths = generate_workbooks(2025, agencies(n), tmp / "all")
        t_all = time.perf_counter() - start

    ratio = t_govxl / t_bare
    print(f"per workbook, one process: govxl {t_govxl / len(sample) * 1000:.1f} ms, "
          f"bare XlsxWriter {t_bare / len(sample) * 1000:.1f} ms, ratio {ratio:.2f}x (target <= 1.5x)")
    print(f"generate {len(paths)} workbooks (all cores): {t_all:.1f} s (target < 30 s for 500)")


if __name__ == "__main__":
    main()
