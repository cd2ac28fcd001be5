"""Carry what an agency typed into a fresh template, by the labels around each cell.

A returned file may have rows or columns inserted, deleted or moved, sheets renamed, or be an
older or other year's form: its values are not where the layout says. Rows are matched by the
labels they hold and columns by the labels above them (the layout's own labels, in order, as a
sequence alignment), so every value lands in the cell of the same row and column label. What
cannot be matched is listed, never dropped silently.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from govxl.form.layout import SheetLayout, WorkbookLayout, a1
from govxl.form.rules import PASS_TEXT
from govxl.workbook.coerce import coerce
from govxl.workbook.reader import RawWorkbook

_SPACE = re.compile(r"\s+")
SHEET_MATCH = 0.5  # share of a sheet's labels another sheet must hold to be taken for it


def norm(value) -> str:
    """A label as compared: NFKC (full- and half-width alike), no whitespace."""
    if value is None or not isinstance(value, str):
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", value))


@dataclass
class Unplaced:
    sheet: str  # the sheet of the returned file
    cell: str  # A1 address there
    value: str


@dataclass
class Carried:
    values: dict = field(default_factory=dict)  # input cell key -> int | Decimal | text typed | None
    narrative: dict = field(default_factory=dict)  # part key -> text
    unplaced: list[Unplaced] = field(default_factory=list)  # cells of the file that found no place
    sheets: dict = field(default_factory=dict)  # expected sheet -> the file's sheet that held it


def carry(raw: RawWorkbook, layout: WorkbookLayout) -> Carried:
    """Every value of ``raw`` placed by its row and column labels into the cells of ``layout``."""
    out = Carried()
    out.sheets = _map_sheets(raw, layout)
    for sheet in layout.sheets:
        actual = out.sheets.get(sheet.name)
        if actual is None:
            continue
        rows = raw.grid(actual)
        row_map = _align(_signatures(sheet, "row"), _actual_signatures(rows, sheet, "row"), sheet.last_row)
        col_map = _align(_signatures(sheet, "col"), _actual_signatures(rows, sheet, "col"), sheet.last_col)
        used = set()
        for key, span in sheet.inputs.items():
            r, c = row_map.get(span.row), col_map.get(span.col)
            value = _cell(rows, r, c) if r is not None and c is not None else ""
            used.add((r, c))
            if sheet.table is None:
                out.narrative[key] = value.strip() if isinstance(value, str) else _plain(value)
            else:
                got = coerce(value, layout.form.cells[key].type)
                out.values[key] = got.value if got.value is not None else (got.shown or None)
        for span in (*sheet.derived.values(), *sheet.checks.values(),
                     *([sheet.fail_count] if sheet.fail_count else [])):
            used.add((row_map.get(span.row), col_map.get(span.col)))
        labels = {norm(lab.text) for lab in sheet.labels}
        for r, line in enumerate(rows):
            for c, value in enumerate(line):
                if value in ("", None) or (r, c) in used or norm(value) in labels or _is_check_text(layout, value):
                    continue
                out.unplaced.append(Unplaced(actual, a1(r, c), _plain(value)))
    return out


def _plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _is_check_text(layout: WorkbookLayout, value) -> bool:
    """A check cell's cached verdict (通过, 待填写 …), wherever the check cell went."""
    checks = layout.texts["checks"]
    return isinstance(value, str) and value in (PASS_TEXT, checks["pending"], checks["not_numeric"])


def _cell(rows: list[list], r: int, c: int):
    if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
        return rows[r][c]
    return ""


def _map_sheets(raw: RawWorkbook, layout: WorkbookLayout) -> dict[str, str]:
    """Expected sheet -> the file's sheet holding it: the same name, else the sheet holding most of
    its labels."""
    out = {}
    free = [n for n in raw.sheet_names if n not in {s.name for s in layout.sheets}]
    for sheet in layout.sheets:
        if sheet.name in raw.sheet_names:
            out[sheet.name] = sheet.name
            continue
        wanted = {norm(lab.text) for lab in sheet.labels}

        def share(name: str) -> float:
            found = {norm(v) for line in raw.grid(name) for v in line}
            return len(wanted & found) / max(1, len(wanted))

        best = max(free, key=share, default=None)
        if best is not None and share(best) >= SHEET_MATCH:
            free.remove(best)
            out[sheet.name] = best
    return out


def _identifying(sheet: SheetLayout, axis: str) -> list:
    """The labels that name one row (one column): a single row (column) high (wide). A group label
    spanning several rows says where a row belongs, not which row it is."""
    if axis == "row":
        return [lab for lab in sheet.labels if lab.span.row == lab.span.last_row]
    return [lab for lab in sheet.labels if lab.span.col == lab.span.last_col]


def _signatures(sheet: SheetLayout, axis: str) -> dict[int, tuple]:
    """Row (or column) index -> the labels naming it, in reading order."""
    sigs: dict[int, list] = {}
    for lab in sorted(_identifying(sheet, axis), key=lambda x: (x.span.row, x.span.col) if axis == "row"
                      else (x.span.col, x.span.row)):
        index = lab.span.row if axis == "row" else lab.span.col
        sigs.setdefault(index, []).append(norm(lab.text))
    return {k: tuple(v) for k, v in sigs.items()}


def _actual_signatures(rows: list[list], sheet: SheetLayout, axis: str) -> dict[int, tuple]:
    """The same for the returned sheet: the texts in each row (column) that name a row (column)."""
    labels = {norm(lab.text) for lab in _identifying(sheet, axis)}
    sigs: dict[int, list] = {}
    for r, line in enumerate(rows):
        for c, value in enumerate(line):
            text = norm(value)
            if text and text in labels:
                sigs.setdefault(r if axis == "row" else c, []).append(text)
    return {k: tuple(v) for k, v in sigs.items()}


def _align(expected: dict[int, tuple], actual: dict[int, tuple], last: int) -> dict[int, int]:
    """Expected index -> actual index: labelled rows (columns) aligned as sequences, so inserted
    and deleted ones are skipped; moved ones found by their labels; unlabelled ones follow the
    nearest labelled one before them."""
    e_keys, a_keys = sorted(expected), sorted(actual)
    matcher = difflib.SequenceMatcher(None, [expected[k] for k in e_keys], [actual[k] for k in a_keys],
                                      autojunk=False)
    out: dict[int, int] = {}
    for i, j, n in matcher.get_matching_blocks():
        for d in range(n):
            out[e_keys[i + d]] = a_keys[j + d]
    taken = set(out.values())
    for k in e_keys:
        if k in out:
            continue
        same = [j for j in a_keys if actual[j] == expected[k] and j not in taken]
        if len(same) == 1:
            out[k] = same[0]
            taken.add(same[0])
    for k in range(last + 1):
        if k in out or k in expected:
            continue
        before = [e for e in out if e < k and e in expected]
        if before:
            anchor = max(before)
            out[k] = out[anchor] + (k - anchor)
    return out
