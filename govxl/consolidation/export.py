"""``govxl export``: every agency's values as one long table, for analysts.

One row per agency and cell, from the latest accepted version of each agency (derived cells
recomputed). What a clerk opens in Excel (csv, xlsx) speaks Chinese: column titles from
``templates/summary.toml`` ([export]), the table as 表二, the row and column by their labels, the
agency's status as ``govxl status`` names it. JSON, and csv/xlsx with ``keys=True``, carry the
machine keys instead (agency, agency_name, group, status, version, table, row, column, row_label,
column_label, value: t2, rules, made, accepted_with_warnings). CSV is UTF-8 with BOM so that Excel
opens it correctly; a text cell that starts with = + - @ (or a tab or carriage return) is prefixed
with ' so that no spreadsheet runs it as a formula.
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
COLUMNS = ("agency", "agency_name", "group", "status", "version", "table", "row", "column", "row_label",
           "column_label", "value")
# The columns a clerk sees, in order (their titles in templates/summary.toml [export]).
CLERK_COLUMNS = ("agency", "agency_name", "group", "status", "version", "table", "row_label", "column_label", "value")


def rows(consolidation: Consolidation) -> list[tuple]:
    """The long table with machine keys, in the order of :data:`COLUMNS`."""
    form = consolidation.form
    out = []
    for c in consolidation.contributions:
        for key, cell in form.cells.items():
            table, row, column = key.split(".")
            out.append((c.agency.code, c.agency.name, c.agency.group, c.status, c.version, table, row, column,
                        cell.row.full_label, "·".join((*cell.column.group, cell.column.label)), c.values[key]))
    return out


def clerk_rows(consolidation: Consolidation) -> tuple[list[str], list[tuple]]:
    """The long table as a clerk reads it: Chinese titles (:data:`CLERK_COLUMNS`), the table as
    表二, the status in words."""
    from govxl.consolidation.merge import summary_texts
    from govxl.findings import STATUS_LABELS

    t = summary_texts()["export"]
    form = consolidation.form
    index = {name: i for i, name in enumerate(COLUMNS)}
    out = []
    for row in rows(consolidation):
        values = {name: row[index[name]] for name in CLERK_COLUMNS}
        values["status"] = STATUS_LABELS[values["status"]]
        values["table"] = t["table"].format(number=form.table(row[index["table"]]).number)
        out.append(tuple(values[name] for name in CLERK_COLUMNS))
    return [t["columns"][name] for name in CLERK_COLUMNS], out


def export(consolidation: Consolidation, fmt: str, path: str | Path, *, keys: bool = False) -> Path:
    """Write the long table as csv, json or xlsx (atomically): in Chinese for csv and xlsx, with
    the machine keys in json or when ``keys``."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    path = Path(path)
    if fmt == "json" or keys:
        titles, data = list(COLUMNS), rows(consolidation)
    else:
        titles, data = clerk_rows(consolidation)
    with atomic_path(path) as tmp:
        {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt](titles, data, tmp)
    return path


def _text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _csv(titles, data, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(titles)
        for row in data:
            writer.writerow([_text(v) if isinstance(v, (int, Decimal)) else neutralise(str(v)) for v in row])


def _json(titles, data, path: Path) -> None:
    records = [{k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in zip(titles, row)} for row in data]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")


def _xlsx(titles, data, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, "constant_memory": True})
    ws = wb.add_worksheet("data" if titles == list(COLUMNS) else _sheet_name())
    header = wb.add_format({"bold": True})
    for col, name in enumerate(titles):
        ws.write_string(0, col, name, header)
    for r, row in enumerate(data, start=1):
        for col, value in enumerate(row):
            if isinstance(value, (int, Decimal)):
                ws.write_number(r, col, float(value) if isinstance(value, Decimal) else value)
            else:
                ws.write_string(r, col, str(value))  # always text: never run as a formula
    ws.autofilter(0, 0, max(len(data), 1), len(titles) - 1)
    ws.freeze_panes(1, 0)
    wb.close()


def _sheet_name() -> str:
    from govxl.consolidation.merge import summary_texts

    return summary_texts()["export"]["sheet"]
