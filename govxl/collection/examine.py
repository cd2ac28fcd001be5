"""Examine one received file: identity, structure, values and rules, all from its contents.

Nothing a returned file claims is trusted: cached formula results are ignored (totals are
recomputed from the input cells), protection and validation are assumed gone, and the layout is
compared label by label with the spec. Every problem becomes a :class:`Finding`; none stops the
examination of the rest of the file, and no exception escapes for a bad file.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

from govxl import messages as msg
from govxl.findings import ERROR, Finding, status_of
from govxl.form import narrative_checks
from govxl.form import rules as rule_engine
from govxl.form.layout import COVER, SheetLayout, Span, WorkbookLayout, a1, explanation_key, layout_form
from govxl.form.spec import Form, load_form
from govxl.roster import Agency, code_key
from govxl.workbook.coerce import coerce, coerce_formula
from govxl.workbook.identity import FEEDBACK_OF_PROPERTY, ISSUE_LIST_KIND, KIND_PROPERTY, Identity
from govxl.workbook.reader import FileRejected, Limits, RawWorkbook, read_workbook

MAX_LABEL_FINDINGS = 5


@dataclass
class Context:
    """What examining a file needs besides the file."""

    year: int
    roster: dict[str, Agency]
    blank_as_zero: bool = False
    previous: dict[str, dict] = field(default_factory=dict)  # agency code -> last year's values
    form_name: str = "annual-2021"
    previous_narrative: dict[str, dict] = field(default_factory=dict)  # agency code -> last year's narrative
    limits: Limits = field(default_factory=Limits)


@dataclass
class Examination:
    filename: str
    findings: list[Finding] = field(default_factory=list)
    agency: str | None = None  # agency code, when identified
    agency_name: str | None = None
    year: int | None = None
    values: dict[str, int | Decimal | None] = field(default_factory=dict)  # input cells
    narrative: dict[str, str] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)  # 情况说明 topic key -> text
    modified: dt.datetime | None = None
    form_id: str | None = None
    form_version: str | None = None
    feedback_of: str | None = None  # a 退回修改表 made by govxl: sha256 of the file it answered
    skipped: bool = False  # govxl's own output (问题清单.xlsx): not a submission

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else status_of(self.findings)

    @property
    def readable(self) -> bool:
        """True when the values were read (the file is a submission of a known agency and year)."""
        return bool(self.values)


def examine(data: bytes, filename: str, ctx: Context) -> Examination:
    form = load_form(ctx.form_name)
    layout = layout_form(form)
    result = Examination(filename)
    try:
        _examine(data, filename, ctx, form, layout, result)
    except FileRejected as e:  # a damaged or oversized sheet, found when it is read
        result.findings = [e.finding]
        result.values, result.narrative = {}, {}
    except MemoryError:
        raise  # the worker's to report: its memory is not to be trusted any more
    except Exception:  # whatever else a damaged file provokes: this file is refused, the batch goes on
        result.findings = [Finding.of("file.corrupt")]
        result.values, result.narrative = {}, {}
        result.agency = result.year = None
    return result


def _examine(data: bytes, filename: str, ctx: Context, form: Form, layout: WorkbookLayout,
             result: Examination) -> None:
    raw = read_workbook(data, filename, layout.texts["sheets"]["meta"], ctx.limits)
    result.modified = raw.modified
    if raw.properties.get(KIND_PROPERTY) == ISSUE_LIST_KIND:  # govxl's own issue list, met again
        result.findings.append(Finding.of("file.own_issue_list"))
        result.skipped = True
        return
    result.feedback_of = raw.properties.get(FEEDBACK_OF_PROPERTY) or None
    ident = _identify(raw, form, layout, ctx, result)
    if ident is None or any(f.severity == ERROR for f in result.findings):
        return
    sheets = _map_sheets(raw, layout, result, set(ident.extra_sheets))
    structure = _check_structure(raw, layout, sheets, result)
    if structure and ident.fingerprint != layout.workbook_fingerprint:
        # A layout from another revision of the template, not a tampered one: say so once.
        result.findings.append(Finding.of("identity.outdated_template",
                                          value=f"{ident.form_version}-{ident.fingerprint[:6]}",
                                          expected=f"{form.version}-{layout.workbook_fingerprint[:6]}"))
        return
    result.findings += structure
    broken = {f.sheet for f in structure if f.severity == ERROR}
    _read_values(raw, form, layout, sheets, broken, ctx, result)
    _check_rules(form, layout, ctx, result, broken)
    _check_narrative(form, layout, ctx, result, ident)
    result.findings = narrative_checks.explain(form, result.findings, result.explanations)


# --- identity ------------------------------------------------------------------------------------


def _identify(raw: RawWorkbook, form: Form, layout: WorkbookLayout, ctx: Context,
              result: Examination) -> Identity | None:
    def error(kind: str, /, **params) -> None:
        result.findings.append(Finding.of(kind, **params))

    ident = None
    if raw.meta_rows:
        try:
            ident = Identity.from_rows(raw.meta_rows)
        except (KeyError, ValueError):
            ident = None
    if ident is None and raw.properties:
        try:
            ident = Identity.from_rows(list(raw.properties.items()))
        except (KeyError, ValueError):
            ident = None
    if ident is None:
        error("identity.missing")
        return None
    result.form_id, result.form_version, result.year = ident.form_id, ident.form_version, ident.year
    disagreements = []
    for key, value in (("template_id", ident.template_id), ("form_id", ident.form_id),
                       ("year", str(ident.year)), ("agency_code", ident.agency_code)):
        if key in raw.properties and raw.properties[key] != value:
            disagreements.append(f"{key}：{value} / {raw.properties[key]}")
    if raw.defined_identity is not None and raw.defined_identity != "|".join(
            (ident.template_id, ident.form_id, ident.form_version, str(ident.year), ident.agency_code)):
        disagreements.append(raw.defined_identity)
    if disagreements:
        error("identity.inconsistent", detail="；".join(disagreements))
        return ident
    if ident.template_id != form.template_id or ident.form_id != form.id:
        error("identity.foreign_template", template=ident.form_id, form=form.name)
        return ident
    if ident.form_version != form.version:
        result.findings.append(Finding.of("identity.outdated_template", value=ident.form_version,
                                          expected=form.version))
        return ident
    code, name = ident.agency_code, ident.agency_name
    if not code:  # the blank template: the agency typed its identity on the cover
        cover = layout.texts["sheets"]["cover"]
        code = _cell_text(raw, cover, COVER.field("code"))
        name = _cell_text(raw, cover, COVER.field("agency"))
        if not code:
            error("identity.no_agency")
            return ident
    # Codes compare in one normal form (wd004, ＷＤ００４ and WD004 are one agency); the roster's spelling is kept.
    agency = ctx.roster.get(code) or next((a for c, a in ctx.roster.items() if code_key(c) == code_key(code)), None)
    if agency is not None:
        code = agency.code
    result.agency, result.agency_name = code, name
    if ident.year != ctx.year:
        error("identity.wrong_year", value=ident.year, found=ident.year, expected=ctx.year)
    if agency is None:
        error("identity.unknown_agency", value=code, code=code, name=name or "未填写名称")
    else:
        result.agency_name = agency.name
        if name and _norm(name) != _norm(agency.name):
            result.findings.append(Finding.of("identity.name_mismatch", found=name, code=code, value=name,
                                              expected=agency.name))
    return ident


def _cell_text(raw: RawWorkbook, sheet: str, span: Span) -> str:
    value = raw.cell(sheet, span.row, span.col)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _norm(value)


def _norm(value) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


# --- structure -----------------------------------------------------------------------------------


def _label_score(raw: RawWorkbook, name: str, sheet: SheetLayout) -> float:
    hits = sum(_norm(raw.cell(name, lab.span.row, lab.span.col)) == _norm(lab.text) for lab in sheet.labels)
    return hits / max(1, len(sheet.labels))


def _map_sheets(raw: RawWorkbook, layout: WorkbookLayout, result: Examination, declared: set) -> dict[str, str]:
    """Expected sheet name -> the sheet of the file that holds it. ``declared``: sheets the
    identity says the generator added (a summary's detail sheets), not reported as extra."""
    present = set(raw.sheet_names)
    expected = [s.name for s in layout.sheets]
    fixed = {layout.texts["sheets"]["cover"], layout.texts["sheets"]["meta"], *declared}
    unknown = [n for n in raw.sheet_names if n not in expected and n not in fixed]
    mapping = {}
    for sheet in layout.sheets:
        if sheet.name in present:
            mapping[sheet.name] = sheet.name
            continue
        best = max(unknown, key=lambda n: _label_score(raw, n, sheet), default=None)
        if best is not None and _label_score(raw, best, sheet) >= 0.8:
            unknown.remove(best)
            mapping[sheet.name] = best
            result.findings.append(Finding.of("structure.sheet_renamed", found=best, sheet=best,
                                              expected=sheet.name, value=best))
        else:
            result.findings.append(Finding.of("structure.sheet_missing", sheet=sheet.name))
    for name in unknown:
        result.findings.append(Finding.of("structure.sheet_extra", sheet=name))
    return mapping


def _check_structure(raw: RawWorkbook, layout: WorkbookLayout, sheets: dict[str, str],
                     result: Examination) -> list[Finding]:
    findings = []
    for sheet in layout.sheets:
        actual = sheets.get(sheet.name)
        if actual is None:
            continue
        found_here = []
        for label in sheet.labels:
            found = _norm(raw.cell(actual, label.span.row, label.span.col))
            if found == _norm(label.text):
                continue
            shift = _shift(raw, actual, label.span, _norm(label.text))
            if shift:
                found_here = [shift]
                break
            if len(found_here) < MAX_LABEL_FINDINGS:
                found_here.append(Finding.of(
                    "structure.label_changed", found=found or "（空）", sheet=actual, cell=label.span.a1,
                    value=found, expected=label.text))
        findings += found_here
    return findings


def _shift(raw: RawWorkbook, sheet: str, span: Span, text: str) -> Finding | None:
    """Rows or columns inserted or deleted: the label is found nearby in the same column or row."""
    rows = raw.grid(sheet)
    for distance in range(1, 31):
        for delta in (distance, -distance):
            r = span.row + delta
            if 0 <= r < len(rows) and _norm(raw.cell(sheet, r, span.col)) == text:
                code = "structure.rows_inserted" if delta > 0 else "structure.rows_deleted"
                return Finding.of(code, near_row=span.row + 1, n=abs(delta), label=text,
                                  expected_row=span.row + 1, found_row=r + 1, sheet=sheet,
                                  cell=a1(r, span.col), value=a1(r, span.col), expected=span.a1)
            c = span.col + delta
            if 0 <= c and 0 < distance <= 10 and _norm(raw.cell(sheet, span.row, c)) == text:
                code = "structure.columns_inserted" if delta > 0 else "structure.columns_deleted"
                column = a1(0, min(c, span.col)).rstrip("0123456789")
                return Finding.of(code, near_column=column, n=abs(delta), label=text, expected_cell=span.a1,
                                  found_cell=a1(span.row, c), sheet=sheet, cell=a1(span.row, c),
                                  value=a1(span.row, c), expected=span.a1)
    return None


# --- values --------------------------------------------------------------------------------------


def _read_values(raw: RawWorkbook, form: Form, layout: WorkbookLayout, sheets: dict[str, str],
                 broken: set, ctx: Context, result: Examination) -> None:
    for sheet in layout.sheets:
        actual = sheets.get(sheet.name)
        if actual is None or actual in broken:
            continue
        if sheet.table is None:
            _read_narrative(raw, form, sheet, actual, result)
            continue
        for key, span in sheet.inputs.items():
            cell = form.cells[key]
            formula = raw.formula(actual, span.row, span.col)  # what the cell holds, not its cached result
            got = coerce_formula(formula, cell.type) if formula is not None else \
                coerce(raw.cell(actual, span.row, span.col), cell.type, ctx.blank_as_zero)
            result.values[key] = got.value
            if got.problem:
                where = msg.VALUE_WHERE.format(sheet=actual, cell=span.a1, row=cell.row.full_label,
                                               column=_column_label(cell))
                result.findings.append(Finding.of(
                    got.problem, where=where, **(got.detail or {}), sheet=actual,
                    cell=span.a1, row=cell.row.full_label, column=_column_label(cell),
                    value=got.shown or None, key=key))
    _check_cached_totals(raw, form, layout, sheets, broken, result)


def _column_label(cell) -> str:
    return "·".join((*cell.column.group, cell.column.label))


def _read_narrative(raw: RawWorkbook, form: Form, sheet: SheetLayout, actual: str, result: Examination) -> None:
    for part in form.narrative:
        span = sheet.inputs[part.key]
        value = raw.cell(actual, span.row, span.col)
        if isinstance(value, float):
            value = str(int(value)) if value.is_integer() else repr(value)
        if not isinstance(value, str):
            result.findings.append(Finding.of("narrative.not_text", label=part.label, sheet=actual,
                                              cell=span.a1, row=part.label, value=value, key=part.key))
            value = str(value)
        text = value.replace("\r\n", "\n").strip()
        result.narrative[part.key] = text
        formula = raw.formula(actual, span.row, span.col)
        if formula is not None:
            result.findings.append(Finding.of("narrative.formula", label=part.label, sheet=actual, cell=span.a1,
                                              row=part.label, value="=" + formula[:60], key=part.key))
        if not text:
            result.findings.append(Finding.of("narrative.blank", label=part.label, sheet=actual, cell=span.a1,
                                              row=part.label, key=part.key))
        elif len(text) > part.max_length:
            result.findings.append(Finding.of(
                "narrative.too_long", label=part.label, length=len(text), limit=part.max_length, sheet=actual,
                cell=span.a1, row=part.label, value=len(text), expected=part.max_length, key=part.key))
    for key, span in sheet.inputs.items():
        topic = explanation_key(key)
        value = raw.cell(actual, span.row, span.col) if topic else None
        if topic and value not in (None, ""):
            result.explanations[topic] = str(value).replace("\r\n", "\n").strip()


def _check_cached_totals(raw, form, layout, sheets, broken, result) -> None:
    """A total the file shows that differs from the recomputed one was typed over the formula."""
    usable = {k: v for k, v in result.values.items() if v is not None}
    full = rule_engine.complete(form, usable)
    for sheet in layout.sheets:
        actual = sheets.get(sheet.name)
        if actual is None or actual in broken or not sheet.derived:
            continue
        for key, span in sheet.derived.items():
            cached = raw.cell(actual, span.row, span.col)
            if isinstance(cached, (int, float)) and not isinstance(cached, bool) and math.isfinite(cached) \
                    and Decimal(repr(cached)) != full[key] and _inputs_usable(form, key, result.values):
                cell = form.cells[key]
                where = msg.VALUE_WHERE.format(sheet=actual, cell=span.a1, row=cell.row.full_label,
                                               column=_column_label(cell))
                result.findings.append(Finding.of(
                    "structure.derived_overwritten", where=where,
                    found=rule_engine.format_number(Decimal(repr(cached))),
                    recomputed=rule_engine.format_number(full[key]), sheet=actual, cell=span.a1,
                    row=cell.row.full_label, column=_column_label(cell), value=cached, expected=full[key], key=key))


def _inputs_usable(form: Form, key: str, values: dict) -> bool:
    derived = rule_engine.derivations(form)
    stack, seen = [key], set()
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if k in derived:
            stack += [op.key for op in derived[k].rhs]
        elif values.get(k) is None:
            return False
    return True


# --- rules ---------------------------------------------------------------------------------------


def _check_rules(form: Form, layout: WorkbookLayout, ctx: Context, result: Examination, broken: set) -> None:
    if not result.values:
        return
    unusable = {k for k, v in result.values.items() if v is None}
    unusable |= {k for k in form.input_keys if k not in result.values}
    derived = rule_engine.derivations(form)

    def depends_on_unusable(key: str) -> bool:
        return key in unusable or (key in derived and any(depends_on_unusable(o.key) for o in derived[key].rhs))

    previous = ctx.previous.get(result.agency or "")
    usable = {k: v for k, v in result.values.items() if v is not None}
    for res in rule_engine.evaluate(form, usable, previous, include_derived=False):
        inst = res.instance
        if res.ok or any(depends_on_unusable(k) for k in inst.cells):
            continue
        sheet = layout.table_sheet(inst.rule.table)
        span = sheet.checks.get(inst.id) or layout.locate(inst.lhs[0].key)[1]
        table = form.table(inst.rule.table)
        if inst.rule.over == "rows":
            row = next(r.full_label for r in table.rows if r.key == inst.anchor)
            column = None
        else:
            row = None
            column = next("·".join((*c.group, c.label)) for c in table.columns if c.key == inst.anchor)
        result.findings.append(Finding.of(
            f"rule.{inst.rule.id}", severity=inst.rule.severity, message=res.message(), sheet=sheet.name, cell=span.a1,
            row=row, column=column, value=res.lhs, expected=res.rhs, key=inst.lhs[0].key))


# --- what the narrative says -------------------------------------------------------------------------


def _check_narrative(form: Form, layout: WorkbookLayout, ctx: Context, result: Examination, ident: Identity) -> None:
    """The narrative against the tables and last year, and the year-over-year jumps
    (:mod:`govxl.form.narrative_checks`); each finding placed on its narrative part or cell."""
    if not result.values and not result.narrative:
        return
    level = narrative_checks.AREA if ident.consolidates else narrative_checks.level_of(form, result.agency_name)
    usable = {k: v for k, v in result.values.items() if v is not None}
    found = narrative_checks.check_report(
        form, year=ctx.year, values=usable, narrative=result.narrative, level=level,
        previous=ctx.previous.get(result.agency or ""), previous_narrative=ctx.previous_narrative.get(result.agency or ""),
        blank_sections=False)
    text_sheet = layout.narrative_sheet
    for f in found:
        if f.key in text_sheet.inputs:
            f = replace(f, sheet=text_sheet.name, cell=text_sheet.inputs[f.key].a1)
        elif f.key in form.cells:
            sheet, span = layout.locate(f.key)
            f = replace(f, sheet=sheet, cell=span.a1)
        result.findings.append(f)
