"""``govxl generate``: the locked workbook the district office sends to each agency.

Everything is laid out from the form spec through :mod:`govxl.form.layout`; formulas come from
:mod:`govxl.form.formulas`; cached formula values from :mod:`govxl.form.rules`, so a viewer that does not
recalculate still shows the truth.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import xlsxwriter
import xlsxwriter.worksheet

from govxl.atomic import atomic_path
from govxl.form import formulas
from govxl.form import rules as rule_engine
from govxl.form.layout import COVER, EXPLAIN, SheetLayout, Span, WorkbookLayout, _height_for, a1, layout_form
from govxl.form.spec import Form, load_form
from govxl.names import workbook_filename
from govxl.parallel import process_pool
from govxl.roster import Agency, RosterError, clashes
from govxl.version import __version__
from govxl.workbook import DEFAULT_PASSWORD, identity

COVER_WIDTHS = (18, 30)  # column A, columns B-D of the cover
COVER_TEXT_WIDTH = COVER_WIDTHS[0] + 3 * COVER_WIDTHS[1]  # a note merged over A:D

INPUT_FILL = "#FFF2CC"
DERIVED_FILL = "#E7E6E6"
PREFILLED_FILL = "#E2EFDA"
HEADER_FILL = "#DDEBF7"
PASS_FORMAT = {"font_color": "#006100", "bg_color": "#C6EFCE"}
FAIL_FORMAT = {"font_color": "#9C0006", "bg_color": "#FFC7CE"}
PENDING_FORMAT = {"font_color": "#9C5700", "bg_color": "#FFEB9C"}


# XlsxWriter runs some 80 regular expressions over every formula it writes (its internal
# ``Worksheet._prepare_formula``, which expands newer Excel functions). govxl writes the same few
# hundred formulas into every workbook, so each distinct formula is prepared once per process: the
# same output, some 40% less time per workbook. There is no public way to skip the
# preparation, so this overrides an internal method, on two conditions: it is applied only where
# the installed XlsxWriter has that method with the signature it was written for (otherwise
# XlsxWriter's own, slower, way is kept), and tests/test_xlsxwriter_guard.py fails loudly on a
# release that renamed it, changed its signature or its results, or stopped calling it.
_STOCK_PREPARE = getattr(xlsxwriter.worksheet.Worksheet, "_prepare_formula", None)


def _formula_cache_applies() -> bool:
    try:
        names = list(inspect.signature(_STOCK_PREPARE).parameters)
    except (TypeError, ValueError):  # missing, or not a plain function any more
        return False
    return names == ["self", "formula", "expand_future_functions"]


FORMULA_CACHE = _formula_cache_applies()


@functools.lru_cache(maxsize=8192)
def _prepared(formula: str, expand_future_functions: bool) -> str:
    return _STOCK_PREPARE(_PREPARER, formula, expand_future_functions)


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    """A stock worksheet whose formula preparation is remembered (see above)."""

    if FORMULA_CACHE:
        def _prepare_formula(self, formula, expand_future_functions=False):
            expand = bool(expand_future_functions or getattr(self, "use_future_functions", False))
            return _prepared(formula, expand)


_PREPARER = xlsxwriter.worksheet.Worksheet()  # use_future_functions off: expansion is asked per call


@dataclass
class WorkbookRequest:
    """One workbook to write. ``agency`` None makes the unpersonalised (blank) template."""

    path: Path
    year: int
    agency: Agency | None = None
    deadline: dt.date | None = None
    password: str = DEFAULT_PASSWORD
    values: dict = field(default_factory=dict)  # cell key -> int | Decimal, pre-filled inputs
    narrative: dict = field(default_factory=dict)  # part key -> text
    prefilled: tuple[str, ...] = ()  # cell keys pre-filled from last year (noted on the cover)
    form_name: str = "annual-2021"
    # Feedback: comments on cells (cell key, narrative key or rule instance id -> text) and notes
    # on the cover. Commented input cells are marked red.
    notes: dict = field(default_factory=dict)
    cover_notes: tuple[str, ...] = ()
    # What the cover's verdict says instead of 全部校验通过 once every check passes (a feedback
    # workbook whose file had problems the checks do not show).
    pass_text: str | None = None
    # A feedback workbook: the sha256 of the received file it answers (recognised when it comes
    # back: returned unchanged, it is not a new version).
    feedback_of: str = ""
    # A summary workbook (merge): how many agencies it adds up, and a function that adds its own
    # sheets, called as extend(workbook, formats) after the form's sheets.
    consolidates: int = 0
    extra_sheets: tuple[str, ...] = ()
    extend: Callable | None = None


def default_deadline(year: int) -> dt.date:
    """The statutory publication deadline of a department's report: 31 January of the next year."""
    return dt.date(year + 1, 1, 31)


def generate_workbooks(
    year: int,
    agencies: list[Agency],
    out_dir: str | Path,
    *,
    password: str = DEFAULT_PASSWORD,
    deadline: dt.date | None = None,
    form_name: str = "annual-2021",
    prefill: Callable[[Agency], dict] | None = None,
    cover_notes: Callable[[Agency], tuple[str, ...]] | None = None,
    workers: int | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write one workbook per agency into ``out_dir`` as ``<year>_<code>_<name>.xlsx``.

    File names are checked for clashes (after being made safe for Windows) before anything is
    written. ``prefill(agency)`` may return pre-filled values (cell key -> value),
    ``cover_notes(agency)`` notes for its cover (its self-check link). Work is spread
    over ``workers`` processes (default: the machine's cores) when there are many workbooks.
    """
    out_dir = Path(out_dir)
    problems = clashes(agencies)  # two agencies that would write one file: nothing is written
    if problems:
        raise RosterError(problems)
    requests = []
    for agency in agencies:
        name = workbook_filename(year, agency.code, agency.name)
        values = prefill(agency) if prefill else {}
        requests.append(WorkbookRequest(
            out_dir / name, year, agency, deadline, password, values,
            prefilled=tuple(values), form_name=form_name,
            cover_notes=cover_notes(agency) if cover_notes else (),
        ))
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(requests) >= 16:
        with process_pool(workers) as pool:
            for path in pool.map(write_workbook, requests, chunksize=8):
                if progress:
                    progress(path)
    else:
        for request in requests:
            write_workbook(request)
            if progress:
                progress(request.path)
    return [r.path for r in requests]


def carry_over(form: Form, previous: dict) -> dict:
    """Input values of this year that last year's values settle: every cross-year rule that equates
    one input cell with one cell of last year (上年结转 = last year's 结转下年度继续办理)."""
    full = rule_engine.known_values(form, previous)
    values = {}
    for inst in rule_engine.instances(form):
        if inst.cross_year and len(inst.lhs) == 1 and len(inst.rhs) == 1 and inst.rhs[0].previous \
                and inst.rule.severity == "error":
            key = inst.lhs[0].key
            if key in form.cells and not form.cells[key].derived and full.get(inst.rhs[0].key) is not None:
                values[key] = full[inst.rhs[0].key]
    return values


def generate_blank(year: int, out_dir: str | Path, **options) -> Path:
    """Write the unpersonalised template; the agency types its name and code on the cover."""
    path = Path(out_dir) / f"{year}_空白模板.xlsx"
    return write_workbook(WorkbookRequest(path, year, None, **options))


def write_workbook(request: WorkbookRequest) -> Path:
    """Write one workbook atomically; returns its path."""
    form = load_form(request.form_name)
    with atomic_path(request.path) as tmp:
        _Writer(form, layout_form(form), request).write(tmp)
    return request.path


class _Writer:
    def __init__(self, form: Form, layout: WorkbookLayout, request: WorkbookRequest):
        self.form = form
        self.layout = layout
        self.request = request
        self.texts = layout.texts
        # Values as written: numbers, or the text an agency typed where a number belongs (feedback).
        self.values = {k: v for k, v in request.values.items() if k in form.cells and not form.cells[k].derived}
        numbers = {k: v for k, v in self.values.items() if isinstance(v, (int, Decimal)) and not isinstance(v, bool)}
        if numbers:
            self.full, self.results = _evaluate(form, numbers)
        else:
            self.full, self.results = _blank_state(form)

    def write(self, path: Path) -> None:
        wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "in_memory": True,
        })
        self.wb = wb
        self.f = _formats(wb, self.texts["print"]["font"])
        cover = wb.add_worksheet(self.texts["sheets"]["cover"], _Worksheet)
        failing = 0
        for sheet in self.layout.sheets:
            failing += self._sheet(wb.add_worksheet(sheet.name, _Worksheet), sheet)
        self._cover(cover, failing)
        if self.request.extend:
            self.request.extend(wb, self.f)
        self._identity(wb)
        cover.activate()
        wb.close()

    # --- table and narrative sheets ------------------------------------------------------------

    def _sheet(self, ws, sheet: SheetLayout) -> int:
        f = self.f
        plan = _plan(self.layout)[sheet.name]
        for label in sheet.labels:
            self._put(ws, label.span, label.text, f[label.role])
        notes = self.request.notes
        for key, span in sheet.inputs.items():
            if sheet.table is None:
                kind, value = "text", self.request.narrative.get(key) or None
            else:
                kind = "amount" if self.form.cells[key].type.kind == "decimal" else "count"
                value = self.values.get(key)
            mark = "_flagged" if key in notes else "_prefilled" if key in self.request.prefilled else ""
            self._put(ws, span, value, f[f"{kind}_input{mark}"])
        for key, span, formula in plan.derived:
            self._formula(ws, span, formula, f["count_derived"], self.full[key])
        failing = 0
        for iid, span, formula in plan.checks:
            text = formulas.workbook_check_text(self.layout, self.results[iid], self.values)
            failing += formulas.is_failing(self.layout, text)
            self._formula(ws, span, formula, f["check"], text)
        if plan.fail_count:
            self._formula(ws, sheet.fail_count, plan.fail_count, f["count_derived"], failing)
        for span, options in plan.validations:
            ws.data_validation(span.row, span.col, span.last_row, span.last_col, dict(options))
        for span, options, fmt in plan.conditionals:
            ws.conditional_format(span.row, span.col, span.last_row, span.last_col, {**options, "format": f[fmt]})
        prefill_note = self.texts["cover"]["prefilled_cell"]
        for key, span in (*sheet.inputs.items(), *sheet.derived.items(), *sheet.checks.items()):
            text = notes.get(key) or (prefill_note if key in self.request.prefilled else None)
            if text:
                ws.write_comment(span.row, span.col, text, {"author": "govxl", "x_scale": 3, "y_scale": 2})
        for col, width in sheet.col_widths.items():
            ws.set_column(col, col, width)
        for row, height in sheet.row_heights.items():
            ws.set_row(row, height)
        ws.freeze_panes(*sheet.freeze)
        self._print(ws, sheet.last_row, sheet.last_col, sheet.repeat_rows)
        ws.protect(self.request.password, {"select_locked_cells": True, "select_unlocked_cells": True})
        return failing

    def _put(self, ws, span: Span, value, fmt) -> None:
        """Write a value (text always as text, never as a formula) into a cell or merged span."""
        if span.merged:
            ws.merge_range(span.row, span.col, span.last_row, span.last_col, "", fmt)
            if value is None or value == "":
                return
        if value is None:
            ws.write_blank(span.row, span.col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(span.row, span.col, value, fmt)
        else:
            ws.write_number(span.row, span.col, value, fmt)

    def _formula(self, ws, span: Span, formula: str, fmt, value) -> None:
        if span.merged:
            ws.merge_range(span.row, span.col, span.last_row, span.last_col, "", fmt)
        ws.write_formula(span.row, span.col, formula, fmt, value)

    def _print(self, ws, last_row: int, last_col: int, repeat_rows) -> None:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.print_area(0, 0, last_row, last_col)
        if repeat_rows:
            ws.repeat_rows(*repeat_rows)
        ws.set_footer("&C" + self.texts["print"]["footer"])

    # --- cover and identity ----------------------------------------------------------------------

    def _cover(self, ws, failing: int) -> None:
        f, t, req = self.f, self.texts["cover"], self.request
        agency = req.agency
        title = (t["title"].format(agency=agency.name, year=req.year) if agency
                 else t["blank_title"].format(year=req.year))
        self._put(ws, COVER.title, title, f["title"])
        deadline = req.deadline or default_deadline(req.year)
        values = {
            "agency": agency.name if agency else None,
            "code": agency.code if agency else None,
            "group": agency.group if agency else "",
            "year": f"{req.year}年",
            "deadline": f"{deadline.year}年{deadline.month}月{deadline.day}日",
            "form": f"{self.form.edition}年版（{self.form.basis}），规格 {self.form.version}",
            "generator": f"govxl {__version__}",
        }
        for name in COVER.fields:
            span = COVER.field(name)
            ws.write_string(span.row, 0, t[name], f["field_label"])
            if agency is None and name in ("agency", "code"):
                self._put(ws, span, None, f["identity_input"])
                ws.data_validation(span.row, span.col, span.last_row, span.last_col, {
                    "validate": "length", "criteria": "between", "minimum": 1, "maximum": 100,
                    "input_title": t[name], "input_message": t["blank_identity_note"],
                })
            else:
                self._put(ws, span, values[name], f["field_value"])
        ws.write_string(COVER.fail_count_row, 0, t["fail_count"], f["field_label"])
        self._formula(ws, COVER.fail_count, formulas.cover_fail_count_formula(self.layout),
                      f["count_derived"], failing)
        ws.write_string(COVER.summary_row, 0, t["summary"], f["field_label"])
        table_blanks = sum(1 for k in self.form.input_keys if self.values.get(k) is None)
        self._formula(ws, COVER.summary, formulas.cover_summary_formula(self.layout, req.pass_text), f["summary"],
                      formulas.summary_text(self.layout, failing, table_blanks, req.pass_text))
        checks = self.texts["checks"]
        pending_prefix = checks["pending_summary"].partition("{n}")[0]
        ws.conditional_format(COVER.summary.range_a1, {
            "type": "cell", "criteria": "==", "value": formulas.string_literal(checks["all_pass"]),
            "format": f["cf_pass"]})
        ws.conditional_format(COVER.summary.range_a1, {
            "type": "text", "criteria": "begins with", "value": pending_prefix, "format": f["cf_pending"]})
        ws.conditional_format(COVER.summary.range_a1, {
            "type": "cell", "criteria": "!=", "value": formulas.string_literal(checks["all_pass"]),
            "format": f["cf_fail"]})
        ws.write_string(COVER.blanks_row, 0, t["blanks"], f["field_label"])
        self._formula(ws, COVER.blanks, formulas.blanks_formula(self.layout), f["count_derived"],
                      self._blank_count())
        r = COVER.notes_row
        if agency is None:
            ws.merge_range(r, 0, r, 3, t["blank_identity_note"], f["note_strong"])
            r += 1
        if req.prefilled:
            ws.merge_range(r, 0, r, 3, t["prefilled_note"], f["note_strong"])
            ws.set_row(r, 32)
            r += 1
        for note in req.cover_notes:
            ws.merge_range(r, 0, r, 3, note, f["note_strong"])
            ws.set_row(r, _height_for(note, COVER_TEXT_WIDTH))
            r += 1
        ws.merge_range(r, 0, r, 3, t["instructions_heading"], f["block_heading"])
        r += 1
        for i, line in enumerate(t["instructions"], 1):
            ws.merge_range(r, 0, r, 3, f"{i}. {line}", f["note_wrap"])
            ws.set_row(r, _height_for(line, COVER_TEXT_WIDTH))
            r += 1
        r += 1
        ws.merge_range(r, 0, r, 3, t["legend_heading"], f["block_heading"])
        r += 1
        for fmt, sample, text in (
            ("legend_input", "", t["legend_input"]), ("legend_prefilled", "", t["legend_prefilled"]),
            ("legend_derived", "", t["legend_derived"]),
            ("legend_pass", rule_engine.PASS_TEXT, t["legend_pass"]),
            ("legend_pending", self.texts["checks"]["pending"], t["legend_pending"]),
            ("legend_fail", "", t["legend_fail"]),
        ):
            ws.write_string(r, 0, sample, f[fmt])
            ws.merge_range(r, 1, r, 3, text, f["note_wrap"])
            r += 1
        ws.set_column(0, 0, COVER_WIDTHS[0])
        ws.set_column(1, 3, COVER_WIDTHS[1])
        ws.set_row(0, 36)
        self._print(ws, r, 3, None)
        ws.set_portrait()
        ws.protect(req.password, {"select_locked_cells": True, "select_unlocked_cells": True})

    def _blank_count(self) -> int:
        n = sum(1 for k in self.form.input_keys if self.values.get(k) is None)
        n += sum(1 for p in self.form.narrative if not self.request.narrative.get(p.key))
        return n

    def _identity(self, wb) -> None:
        req = self.request
        ident = identity.Identity.for_workbook(self.form, self.layout, req.year, req.agency,
                                               req.consolidates, req.extra_sheets)
        wb.set_properties({
            "title": f"{ident.agency_name}{ident.year}年{self.form.name}" if ident.agency_code
            else f"{ident.year}年{self.form.name}（空白模板）",
            "subject": self.form.name,
            "author": "govxl",
            "company": "",
            "comments": "由 govxl 生成的填报表，请勿修改表格结构。",
        })
        for name, value in ident.as_properties().items():
            wb.set_custom_property(name, value)
        if req.feedback_of:
            wb.set_custom_property(identity.PROPERTY_PREFIX + identity.FEEDBACK_OF_PROPERTY, req.feedback_of)
        wb.define_name(identity.DEFINED_NAME, "=" + formulas.string_literal(ident.defined_name_value()))
        ws = wb.add_worksheet(self.texts["sheets"]["meta"], _Worksheet)
        for r, (key, value) in enumerate(ident.as_rows()):
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, value)
        ws.very_hidden()
        ws.protect(self.request.password)


def _evaluate(form: Form, values: dict) -> tuple[dict, dict]:
    """Every cell's value and every rule's result: the cached values of the formula cells."""
    return rule_engine.complete(form, values), {r.instance.id: r for r in rule_engine.evaluate(form, values)}


@cache
def _blank_state(form: Form) -> tuple[dict, dict]:
    return _evaluate(form, {})


@dataclass(frozen=True)
class _SheetPlan:
    """What a sheet holds in every workbook of a form: formulas, validations, conditional formats."""

    derived: tuple  # (cell key, span, formula)
    checks: tuple  # (rule instance id, span, formula)
    fail_count: str | None
    validations: tuple  # (span, options)
    conditionals: tuple  # (span, options, format name)


@cache
def _plan(layout: WorkbookLayout) -> dict[str, _SheetPlan]:
    form = layout.form
    instances = {i.id: i for i in rule_engine.instances(form)}
    passed = formulas.string_literal(rule_engine.PASS_TEXT)
    pending = formulas.string_literal(layout.texts["checks"]["pending"])
    plans = {}
    for sheet in layout.sheets:
        validations = []
        if sheet.table is None:
            t = layout.texts["narrative"]
            for part in form.narrative:
                validations.append((sheet.inputs[part.key], {
                    "validate": "length", "criteria": "<=", "value": part.max_length,
                    "input_title": t["prompt_title"], "input_message": part.hint[:255],
                    "error_title": t["error_title"], "error_message": t["error"].format(max_length=part.max_length),
                }))
            for e in form.explanations:
                validations.append((sheet.inputs[EXPLAIN + e.key], {
                    "validate": "length", "criteria": "<=", "value": t["explanation_max_length"],
                    "input_title": t["explanation_prompt_title"], "input_message": e.hint[:255],
                    "error_title": t["error_title"],
                    "error_message": t["error"].format(max_length=t["explanation_max_length"]),
                }))
        else:
            by_type: dict[str, list[Span]] = {}
            for key, span in sheet.inputs.items():
                by_type.setdefault(form.cells[key].type.key, []).append(span)
            for type_key, spans in by_type.items():
                vt = form.types[type_key]
                validations.append((spans[0], {
                    "validate": "integer" if vt.kind == "integer" else "decimal",
                    "criteria": "between", "minimum": vt.min, "maximum": vt.max,
                    "input_title": vt.prompt_title, "input_message": vt.prompt,
                    "error_title": vt.error_title, "error_message": vt.error,
                    "multi_range": " ".join(s.range_a1 for s in spans),
                }))
        conditionals = []
        for iid, span in sheet.checks.items():
            # The cells a failing check reads turn red.
            cells = [layout.locate(k)[1] for k in instances[iid].cells]
            check = a1(span.row, span.col, absolute=True)
            conditionals.append((cells[0], {
                "type": "formula", "criteria": f"=AND({check}<>{passed},{check}<>{pending})",
                "multi_range": " ".join(c.range_a1 for c in cells),
            }, "cf_fail"))
        if sheet.checks:
            spans = list(sheet.checks.values())
            for criteria, value, fmt in (("==", passed, "cf_pass"), ("==", pending, "cf_pending"),
                                         ("!=", passed, "cf_fail")):
                conditionals.append((spans[0], {
                    "type": "cell", "criteria": criteria, "value": value,
                    "multi_range": " ".join(s.range_a1 for s in spans),
                }, fmt))
        plans[sheet.name] = _SheetPlan(
            derived=tuple((k, span, formulas.derived_formula(layout, k)) for k, span in sheet.derived.items()),
            checks=tuple((iid, span, formulas.check_formula(layout, instances[iid]))
                         for iid, span in sheet.checks.items()),
            fail_count=formulas.fail_count_formula(layout, sheet.checks.values()) if sheet.fail_count else None,
            validations=tuple(validations),
            conditionals=tuple(conditionals),
        )
    return plans


@cache
def _format_specs() -> dict[str, dict]:
    thin = {"border": 1, "valign": "vcenter", "text_wrap": True}
    center = {**thin, "align": "center"}
    return {
        "title": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"},
        "header": {**center, "bold": True, "bg_color": HEADER_FILL},
        "check_header": {**center, "bold": True, "bg_color": HEADER_FILL},
        "corner": {**center, "font_size": 9},
        "group": {**center, "bold": True},
        "group_vertical": {**center, "bold": True, "rotation": 270},
        "row_label": {**thin, "align": "left"},
        "block_heading": {**thin, "bold": True, "bg_color": HEADER_FILL},
        "check_label": {**thin, "align": "left", "font_size": 9, "italic": True},
        "note": {"text_wrap": True, "valign": "top", "font_size": 10, "font_color": "#404040"},
        "hint": {**thin, "valign": "top", "font_size": 10, "font_color": "#404040"},
        "note_wrap": {"text_wrap": True, "valign": "vcenter"},
        "note_strong": {"text_wrap": True, "valign": "vcenter", "bold": True, "font_color": "#9C0006"},
        "count_input": {**center, "locked": False, "bg_color": INPUT_FILL, "num_format": "0"},
        "amount_input": {**center, "locked": False, "bg_color": INPUT_FILL, "num_format": "General"},
        "text_input": {**thin, "valign": "top", "locked": False, "bg_color": INPUT_FILL},
        "count_input_prefilled": {**center, "locked": False, "bg_color": PREFILLED_FILL, "num_format": "0"},
        "amount_input_prefilled": {**center, "locked": False, "bg_color": PREFILLED_FILL, "num_format": "General"},
        "text_input_prefilled": {**thin, "valign": "top", "locked": False, "bg_color": PREFILLED_FILL},
        "count_input_flagged": {**center, "locked": False, **FAIL_FORMAT, "num_format": "0"},
        "amount_input_flagged": {**center, "locked": False, **FAIL_FORMAT, "num_format": "General"},
        "text_input_flagged": {**thin, "valign": "top", "locked": False, **FAIL_FORMAT},
        "identity_input": {**thin, "locked": False, "bg_color": INPUT_FILL},
        "count_derived": {**center, "bg_color": DERIVED_FILL, "num_format": "0"},
        "check": {**center, "font_size": 9},
        "summary": {**center, "bold": True, "font_size": 12},
        "field_label": {**thin, "bold": True, "bg_color": HEADER_FILL},
        "field_value": {**thin},
        "legend_input": {**thin, "bg_color": INPUT_FILL},
        "legend_prefilled": {**thin, "bg_color": PREFILLED_FILL},
        "legend_derived": {**thin, "bg_color": DERIVED_FILL},
        "legend_pass": {**center, **PASS_FORMAT},
        "legend_pending": {**center, **PENDING_FORMAT},
        "legend_fail": {**thin, **FAIL_FORMAT},
    }


def _formats(wb, font: str) -> dict:
    formats = {name: wb.add_format({"font_name": font, "font_size": 11, **spec})
               for name, spec in _format_specs().items()}
    formats["cf_pass"] = wb.add_format(PASS_FORMAT)
    formats["cf_fail"] = wb.add_format(FAIL_FORMAT)
    formats["cf_pending"] = wb.add_format(PENDING_FORMAT)
    return formats

