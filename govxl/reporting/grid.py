"""A national table as a grid of cells with spans, laid out from the workbook layout: the one
table model that every report format (Markdown, HTML, Word) writes out."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from govxl.form.layout import Label, WorkbookLayout
from govxl.form.rules import format_number


@dataclass(frozen=True)
class GridCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # header | label | number


COVERED = GridCell("", 0, 0, "covered")  # a position inside another cell's merge


def table_grid(layout: WorkbookLayout, table_key: str, values: dict) -> list[list[GridCell | None]]:
    """A national table as rows of cells with spans, from the workbook layout: labels where the
    workbook has them, numbers where it has inputs and totals (blank where a value is unknown)."""
    sheet = layout.table_sheet(table_key)
    items = [(lab.span, lab.text, "header" if lab.role in ("header", "corner", "block_heading") else "label")
             for lab in sheet.labels if lab.role in Label.TABLE_ROLES]
    for key, span in (*sheet.inputs.items(), *sheet.derived.items()):
        value = values.get(key)
        items.append((span, "" if value is None else format_number(value), "number"))
    top = min(s.row for s, *_ in items)
    height = max(s.last_row for s, *_ in items) - top + 1
    width = max(s.last_col for s, *_ in items) + 1
    grid: list[list[GridCell | None]] = [[None] * width for _ in range(height)]
    for span, text, kind in items:
        for r in range(span.row, span.last_row + 1):
            for c in range(span.col, span.last_col + 1):
                grid[r - top][c] = COVERED
        grid[span.row - top][span.col] = GridCell(text, span.last_row - span.row + 1,
                                                  span.last_col - span.col + 1, kind)
    return grid


def table_widths(layout: WorkbookLayout, table_key: str) -> list[float]:
    """Relative column widths of a national table, as the workbook lays it out (each sums to 1)."""
    sheet = layout.table_sheet(table_key)
    width = max(lab.span.last_col for lab in sheet.labels if lab.role in Label.TABLE_ROLES) + 1
    widths = [sheet.col_widths.get(c, 10) for c in range(width)]
    total = sum(widths)
    return [w / total for w in widths]


def _is_header(row) -> bool:
    cells = [c for c in row if c is not None and c is not COVERED]
    return bool(cells) and all(c.kind == "header" for c in cells)


def header_rows(grid: list[list[GridCell | None]]) -> int:
    """How many leading rows are the table's header (every cell a header), when the table has
    one header: a table whose header cells come back further down (blocks, each under its own
    heading) repeats none."""
    n = 0
    while n < len(grid) and _is_header(grid[n]):
        n += 1
    return 0 if any(_is_header(row) for row in grid[n:]) else n


def row_groups(grid: list[list[GridCell | None]]) -> list[list]:
    """The rows in groups that each start with header rows: the blocks of a table of blocks."""
    groups: list[list] = []
    for i, row in enumerate(grid):
        if not groups or (_is_header(row) and not _is_header(grid[i - 1])):
            groups.append([])
        groups[-1].append(row)
    return groups


def text_width(text: str) -> float:
    """Width in full-width characters (a digit or Latin letter is half)."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)
