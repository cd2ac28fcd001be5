"""``govxl export``: every agency's values as one long table, for analysts.

One row per agency and cell: agency, agency_name, group, version, table, row, column, row_label,
column_label, value — from the latest accepted version of each agency (derived cells recomputed).
CSV is UTF-8 with BOM so that Excel opens it correctly; a text cell that starts with = + - @ (or
a tab or carriage return) is prefixed with ' so that no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from govxl.atomic import atomic_path
from govxl.consolidation.merge import Consolidation
from govxl.tabular import DANGEROUS_START, neutralise  # noqa: F401 (DANGEROUS_START: re-exported)

FORMATS = ("csv", "json", "xlsx")
COLUMNS = ("agency", "agency_name", "group", "version", "table", "row", "column", "row_label", "column_label",
           "value")


def rows(consolidation: Consolidation) -> list[tuple]:
    form = consolidation.form
    out = []
    for c in consolidation.contributions:
        for key, cell in form.cells.items():
            table, row, column = key.split(".")
            out.append((c.agency.code, c.agency.name, c.agency.group, c.version, table, row, column,
                        cell.row.full_label, "·".join((*cell.column.group, cell.column.label)), c.values[key]))
    return out


def export(consolidation: Consolidation, fmt: str, path: str | Path) -> Path:
    """Write the long table as csv, json or xlsx (atomically)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    path = Path(path)
    data = rows(consolidation)
    with atomic_path(path) as tmp:
        {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt](data, tmp)
    return path


def _text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _csv(data, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in data:
            writer.writerow([_text(v) if isinstance(v, (int, Decimal)) else neutralise(str(v)) for v in row])


def _json(data, path: Path) -> None:
    records = [{k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in zip(COLUMNS, row)} for row in data]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")


def _xlsx(data, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, "constant_memory": True})
    ws = wb.add_worksheet("data")
    header = wb.add_format({"bold": True})
    for col, name in enumerate(COLUMNS):
        ws.write_string(0, col, name, header)
    for r, row in enumerate(data, start=1):
        for col, value in enumerate(row):
            if isinstance(value, (int, Decimal)):
                ws.write_number(r, col, float(value) if isinstance(value, Decimal) else value)
            else:
                ws.write_string(r, col, str(value))  # always text: never run as a formula
    ws.autofilter(0, 0, max(len(data), 1), len(COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    wb.close()

