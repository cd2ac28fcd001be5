"""Where every cell of a form sits in the agency workbook.

The layout is the single source of addresses: the generator writes labels, inputs, formulas and
check cells where it says, the reader finds values where it says, and the fingerprint of its
labels tells the reader whether a returned file's layout was altered. Positions are 0-based
(row, column), as XlsxWriter counts; :func:`a1` turns them into Excel addresses.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache

from xlsxwriter.utility import xl_rowcol_to_cell

from govxl.form import rules as rule_engine
from govxl.form.spec import Form, SpecError, Table
from govxl.resources import templates_dir


@dataclass(frozen=True)
class Span:
    row: int
    col: int
    last_row: int
    last_col: int

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)

    @property
    def a1(self) -> str:
        return a1(self.row, self.col)

    @property
    def range_a1(self) -> str:
        if not self.merged:
            return self.a1
        return f"{self.a1}:{a1(self.last_row, self.last_col)}"


def a1(row: int, col: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


# The input key of a 情况说明 topic on the text sheet: EXPLAIN + the topic's key.
EXPLAIN = "explain."


def explanation_key(input_key: str) -> str | None:
    """The 情况说明 topic an input of the text sheet is, or None for a narrative part."""
    return input_key[len(EXPLAIN):] if input_key.startswith(EXPLAIN) else None


@dataclass(frozen=True)
class Label:
    span: Span
    text: str
    role: str  # title header corner group group_vertical row_label block_heading check_header check_label note hint

    # The roles that make up the national table itself (what a report prints), as opposed to the
    # title and the workbook's own check cells and notes.
    TABLE_ROLES = frozenset({"header", "corner", "group", "group_vertical", "row_label", "block_heading"})


@dataclass
class SheetLayout:
    name: str
    table: str | None  # table key, None for the narrative sheet
    labels: list[Label] = field(default_factory=list)
    inputs: dict[str, Span] = field(default_factory=dict)  # input cell key or narrative key -> span
    derived: dict[str, Span] = field(default_factory=dict)
    checks: dict[str, Span] = field(default_factory=dict)  # rule instance id -> span
    fail_count: Span | None = None
    col_widths: dict[int, float] = field(default_factory=dict)
    row_heights: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] = (0, 0)
    repeat_rows: tuple[int, int] | None = None
    last_col: int = 0

    @property
    def last_row(self) -> int:
        spans = [lab.span for lab in self.labels] + [*self.inputs.values(), *self.derived.values(),
                                                     *self.checks.values()]
        if self.fail_count:
            spans.append(self.fail_count)
        return max(s.last_row for s in spans)

    def fingerprint(self) -> str:
        return _digest(f"{self.name}!{lab.span.range_a1}={lab.text}" for lab in self.labels)


@dataclass(eq=False)  # hashed by identity: one layout per form, cached
class WorkbookLayout:
    form: Form
    texts: dict
    sheets: list[SheetLayout]

    def sheet(self, name: str) -> SheetLayout:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def table_sheet(self, table_key: str) -> SheetLayout:
        for s in self.sheets:
            if s.table == table_key:
                return s
        raise KeyError(table_key)

    @property
    def narrative_sheet(self) -> SheetLayout:
        return self.sheet(self.texts["sheets"]["narrative"])

    def locate(self, cell_key: str) -> tuple[str, Span]:
        """(sheet name, span) of a table cell, input or derived."""
        sheet = self.table_sheet(cell_key.split(".", 1)[0])
        return sheet.name, sheet.inputs.get(cell_key) or sheet.derived[cell_key]

    def fingerprint(self) -> str:
        return _digest(s.fingerprint() for s in self.sheets)

    @functools.cached_property
    def fingerprints(self) -> dict[str, str]:
        """The fingerprint of each sheet, computed once."""
        return {s.name: s.fingerprint() for s in self.sheets}

    @functools.cached_property
    def workbook_fingerprint(self) -> str:
        return self.fingerprint()


def _digest(lines) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()[:16]


@cache
def workbook_texts() -> dict:
    with open(templates_dir() / "workbook.toml", "rb") as f:
        return tomllib.load(f)


@cache
def layout_form(form: Form) -> WorkbookLayout:
    """The workbook layout of a form (computed once per form)."""
    texts = workbook_texts()
    checks_by_table: dict[str, list[rule_engine.RuleInstance]] = {}
    for inst in rule_engine.instances(form):
        if not inst.cross_year:
            checks_by_table.setdefault(inst.rule.table, []).append(inst)
    sheets = []
    for table in form.tables:
        lay = {"grid": _grid, "blocks": _blocks, "strip": _strip}[table.layout]
        sheet = lay(table, checks_by_table.get(table.key, []), texts)
        for key in [k for k in sheet.inputs if form.cells[k].derived]:
            sheet.derived[key] = sheet.inputs.pop(key)
        sheets.append(sheet)
    sheets.append(_narrative(form, texts))
    return WorkbookLayout(form, texts, sheets)


@dataclass(frozen=True)
class CoverLayout:
    """Fixed positions of the cover sheet (not fingerprinted: it carries the agency's identity)."""

    title: Span = Span(0, 0, 0, 3)
    fields: tuple[str, ...] = ("agency", "code", "group", "year", "deadline", "form", "generator")
    first_field_row: int = 2
    fail_count_row: int = 10
    summary_row: int = 11
    blanks_row: int = 12
    notes_row: int = 14

    def field(self, name: str) -> Span:
        """The value cell of a field: 填报单位 (agency), 单位代码 (code) …"""
        r = self.first_field_row + self.fields.index(name)
        return Span(r, 1, r, 3)

    @property
    def fail_count(self) -> Span:
        return Span(self.fail_count_row, 1, self.fail_count_row, 1)

    @property
    def summary(self) -> Span:
        return Span(self.summary_row, 1, self.summary_row, 3)

    @property
    def blanks(self) -> Span:
        return Span(self.blanks_row, 1, self.blanks_row, 1)


COVER = CoverLayout()


# --- shared pieces -----------------------------------------------------------------------------


def _title(sheet: SheetLayout, table: Table, width: int) -> None:
    sheet.labels.append(Label(Span(0, 0, 0, width - 1), table.heading, "title"))
    sheet.row_heights[0] = 30


def _header_cells(paths: list[list[str]], stretch: list[int], top: int, left: int, height: int):
    """Merged header cells for columns whose header texts run top-down along ``paths``.

    Neighbouring columns with the same text at the same level (and the same texts above it) share
    one merged cell. A path shorter than ``height`` stretches its element at index ``stretch`` down
    over the missing levels, as 自然人 spans both lower header rows of table three.
    """
    rows_of: list[list[tuple[int, int, str]]] = []  # per column: (first level, last level, text)
    for path, s in zip(paths, stretch):
        extra = height - len(path)
        levels, level = [], 0
        for i, text in enumerate(path):
            span = 1 + (extra if i == s else 0)
            levels.append((level, level + span - 1, text))
            level += span
        rows_of.append(levels)
    out = []
    for col, levels in enumerate(rows_of):
        for idx, (first, last, text) in enumerate(levels):
            if col > 0 and _same_prefix(rows_of[col - 1], levels, idx):
                continue
            end = col
            while end + 1 < len(rows_of) and _same_prefix(rows_of[end + 1], levels, idx):
                end += 1
            out.append(Label(Span(top + first, left + col, top + last, left + end), text, "header"))
    return out


def _same_prefix(other: list, levels: list, idx: int) -> bool:
    return len(other) > idx and other[: idx + 1] == levels[: idx + 1]


def _fail_count(sheet: SheetLayout, row: int, label_cols: int, texts: dict) -> None:
    if not sheet.checks:
        return
    sheet.labels.append(Label(Span(row, 0, row, label_cols - 1), texts["checks"]["sheet_fail_count"],
                              "check_label"))
    sheet.fail_count = Span(row, label_cols, row, label_cols)


def _check_label(rule_title: str, texts: dict) -> str:
    return texts["checks"]["column_prefix"] + rule_title


# --- table layouts -----------------------------------------------------------------------------


def _grid(table: Table, checks: list, texts: dict) -> SheetLayout:
    """Rows down (grouped in merged side cells), columns across under a multi-level header."""
    (block,) = table.blocks
    row_checks = [i for i in checks if i.rule.over == "rows"]
    col_rules = list(dict.fromkeys(i.rule for i in checks if i.rule.over == "columns"))
    row_rules = list(dict.fromkeys(i.rule for i in row_checks))
    depth = max(len(r.group) for r in block.rows) + 1
    ncols = len(block.columns)
    paths = [[*([table.column_header] if table.column_header else []), *c.group, c.label]
             for c in block.columns]
    height = max(len(p) for p in paths)
    width = depth + ncols + len(row_rules)
    sheet = SheetLayout(table.sheet, table.key, last_col=width - 1)
    _title(sheet, table, width)
    top = 1
    sheet.labels.append(Label(Span(top, 0, top + height - 1, depth - 1), table.corner, "corner"))
    sheet.labels += _header_cells(paths, [len(p) - 1 for p in paths], top, depth, height)
    for k, rule in enumerate(row_rules):
        col = depth + ncols + k
        sheet.labels.append(Label(Span(top, col, top + height - 1, col), _check_label(rule.title, texts),
                                  "check_header"))
        sheet.col_widths[col] = 24
    first = top + height
    for i, row in enumerate(block.rows):
        r = first + i
        for level, group in enumerate(row.group):
            prev = block.rows[i - 1] if i else None
            if prev and prev.group[: level + 1] == row.group[: level + 1]:
                continue
            end = i
            while end + 1 < len(block.rows) and block.rows[end + 1].group[: level + 1] == row.group[: level + 1]:
                end += 1
            role = "group_vertical" if level == 0 and depth > 2 else "group"
            sheet.labels.append(Label(Span(r, level, first + end, level), group, role))
        sheet.labels.append(Label(Span(r, len(row.group), r, depth - 1), row.label, "row_label"))
        label_width = sum(_GRID_LABEL_WIDTHS[len(row.group):depth]) if depth == 3 else 44
        sheet.row_heights[r] = _height_for(row.label, label_width)
        for j, col in enumerate(block.columns):
            key = f"{table.key}.{row.key}.{col.key}"
            sheet.inputs[key] = Span(r, depth + j, r, depth + j)
    for inst in row_checks:
        r = first + [x.key for x in block.rows].index(inst.anchor)
        col = depth + ncols + row_rules.index(inst.rule)
        sheet.checks[inst.id] = Span(r, col, r, col)
    r = first + len(block.rows)
    for rule in col_rules:
        sheet.labels.append(Label(Span(r, 0, r, depth - 1), _check_label(rule.title, texts), "check_label"))
        sheet.row_heights[r] = 48
        for inst in checks:
            if inst.rule is rule:
                j = [c.key for c in block.columns].index(inst.anchor)
                sheet.checks[inst.id] = Span(r, depth + j, r, depth + j)
        r += 1
    _fail_count(sheet, r, depth, texts)
    for level in range(depth):
        sheet.col_widths[level] = _GRID_LABEL_WIDTHS[level] if depth == 3 else (44 if level == depth - 1 else 14)
    for j in range(ncols):
        sheet.col_widths[depth + j] = 11
    sheet.freeze = (first, depth)
    sheet.repeat_rows = (0, first - 1)
    sheet.row_heights[top + height - 1] = 30
    return sheet


def _blocks(table: Table, checks: list, texts: dict) -> SheetLayout:
    """A sequence of small grids, each under its own heading row (table two)."""
    if any(i.rule.over != "rows" for i in checks):
        raise SpecError(f"table {table.key}: layout 'blocks' takes only rules over rows")
    row_rules = list(dict.fromkeys(i.rule for i in checks))
    nvals = max(len(b.columns) for b in table.blocks)
    width = 1 + nvals + len(row_rules)
    sheet = SheetLayout(table.sheet, table.key, last_col=width - 1)
    _title(sheet, table, width)
    r = 1
    for block in table.blocks:
        sheet.labels.append(Label(Span(r, 0, r, width - 1), block.heading, "block_heading"))
        r += 1
        sheet.labels.append(Label(Span(r, 0, r, 0), table.corner, "header"))
        spans = _share(nvals, len(block.columns))
        for (c0, c1), col in zip(spans, block.columns):
            sheet.labels.append(Label(Span(r, 1 + c0, r, 1 + c1), col.label, "header"))
        for k, rule in enumerate(row_rules):
            sheet.labels.append(Label(Span(r, 1 + nvals + k, r, 1 + nvals + k),
                                      _check_label(rule.title, texts), "check_header"))
        sheet.row_heights[r] = 30
        r += 1
        for row in block.rows:
            sheet.labels.append(Label(Span(r, 0, r, 0), row.label, "row_label"))
            sheet.row_heights[r] = 20
            for (c0, c1), col in zip(spans, block.columns):
                sheet.inputs[f"{table.key}.{row.key}.{col.key}"] = Span(r, 1 + c0, r, 1 + c1)
            for inst in checks:
                if inst.anchor == row.key:
                    c = 1 + nvals + row_rules.index(inst.rule)
                    sheet.checks[inst.id] = Span(r, c, r, c)
            r += 1
    _fail_count(sheet, r, 1, texts)
    sheet.col_widths[0] = 22
    for j in range(nvals):
        sheet.col_widths[1 + j] = 18
    for k in range(len(row_rules)):
        sheet.col_widths[1 + nvals + k] = 24
    sheet.freeze = (1, 1)
    sheet.repeat_rows = (0, 0)
    return sheet


_GRID_LABEL_WIDTHS = (5, 14, 44)


def _height_for(text: str, width: float) -> float:
    """Row height (points) that shows ``text`` wrapped in a column ``width`` characters wide;
    a CJK character takes about two character widths."""
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    lines = -(-units // max(1, int(width) - 2))
    return max(20, 15 * lines + 5)


def _share(total: int, parts: int) -> list[tuple[int, int]]:
    """Split ``total`` columns among ``parts`` header cells, the last taking the remainder."""
    size = total // parts
    out = [(i * size, i * size + size - 1) for i in range(parts)]
    out[-1] = (out[-1][0], total - 1)
    return out


def _strip(table: Table, checks: list, texts: dict) -> SheetLayout:
    """Every row of the table becomes a group of columns in one strip of cells (table four)."""
    if any(i.rule.over != "rows" for i in checks):
        raise SpecError(f"table {table.key}: layout 'strip' takes only rules over rows")
    (block,) = table.blocks
    paths, stretch, keys = [], [], []
    for row in block.rows:
        for col in block.columns:
            paths.append([*row.group, row.label, col.label])
            stretch.append(len(row.group))
            keys.append(f"{table.key}.{row.key}.{col.key}")
    height = max(len(p) for p in paths)
    width = len(paths)
    sheet = SheetLayout(table.sheet, table.key, last_col=width - 1)
    _title(sheet, table, width)
    sheet.labels += _header_cells(paths, stretch, 1, 0, height)
    data = 1 + height
    for j, key in enumerate(keys):
        sheet.inputs[key] = Span(data, j, data, j)
        sheet.col_widths[j] = 9
    r = data + 1
    for rule in dict.fromkeys(i.rule for i in checks):
        ncol = len(block.columns)
        for inst in (i for i in checks if i.rule is rule):
            b = [x.key for x in block.rows].index(inst.anchor)
            sheet.checks[inst.id] = Span(r, b * ncol, r, b * ncol + ncol - 1)
        sheet.row_heights[r] = 36
        note = texts["checks"]["strip_note"].format(title=rule.title)
        sheet.labels.append(Label(Span(r + 1, 0, r + 1, width - 1), note, "note"))
        r += 2
    if sheet.checks:
        sheet.labels.append(Label(Span(r, 0, r, 3), texts["checks"]["sheet_fail_count"], "check_label"))
        sheet.fail_count = Span(r, 4, r, 4)
    sheet.row_heights[data - 1] = 30
    sheet.row_heights[data] = 22
    sheet.freeze = (data, 0)
    sheet.repeat_rows = (0, data - 1)
    return sheet


def _narrative(form: Form, texts: dict) -> SheetLayout:
    t = texts["narrative"]
    sheet = SheetLayout(texts["sheets"]["narrative"], None, last_col=2)
    max_length = max((p.max_length for p in form.narrative), default=0)
    sheet.labels.append(Label(Span(0, 0, 0, 2), t["title"], "title"))
    sheet.labels.append(Label(Span(1, 0, 1, 2), t["note"].format(max_length=max_length), "note"))
    sheet.labels.append(Label(Span(2, 0, 2, 0), t["label_header"], "header"))
    sheet.labels.append(Label(Span(2, 1, 2, 1), t["text_header"], "header"))
    sheet.labels.append(Label(Span(2, 2, 2, 2), t["hint_header"], "header"))
    for i, part in enumerate(form.narrative):
        r = 3 + i
        sheet.labels.append(Label(Span(r, 0, r, 0), part.label, "row_label"))
        sheet.labels.append(Label(Span(r, 2, r, 2), part.hint, "hint"))
        sheet.inputs[part.key] = Span(r, 1, r, 1)
        sheet.row_heights[r] = 150
    r = 3 + len(form.narrative)
    if form.explanations:  # 情况说明: a row per topic, below the parts
        sheet.labels.append(Label(Span(r, 0, r, 2), t["explanations_title"], "block_heading"))
        sheet.labels.append(Label(Span(r + 1, 0, r + 1, 2), t["explanations_note"], "note"))
        sheet.row_heights[r + 1] = 45
        for i, e in enumerate(form.explanations):
            row = r + 2 + i
            sheet.labels.append(Label(Span(row, 0, row, 0), e.label, "row_label"))
            sheet.labels.append(Label(Span(row, 2, row, 2), e.hint, "hint"))
            sheet.inputs[EXPLAIN + e.key] = Span(row, 1, row, 1)
            sheet.row_heights[row] = 75
    sheet.row_heights[0] = 30
    sheet.row_heights[1] = 30
    sheet.col_widths.update({0: 22, 1: 90, 2: 28})
    sheet.freeze = (3, 0)
    sheet.repeat_rows = (2, 2)
    return sheet
