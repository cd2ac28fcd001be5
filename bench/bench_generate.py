"""Benchmark: generating the agency workbooks, against a bare stock-XlsxWriter write of the same workbook.

The baseline is read back, once, from a workbook govxl wrote: every cell with its value or its
formula and cached result, its format (font, fill, border, alignment, number format, locking),
the merged ranges, column widths and row heights, data validations, conditional formats, sheet
protection, page setup, the hidden sheet, the defined name and the document properties. A
straightforward program then writes exactly that with stock XlsxWriter (no cache of any kind,
formats made once per workbook), personalised with each agency's name and code. So the ratio is
what govxl's own work — layout, rules, cached values, the plan of every sheet — adds to what
XlsxWriter must do anyway. Both run in this one process, interleaved, in CPU time.

Then ``govxl.generate`` (the public API) writes N workbooks on all cores, start method as
``govxl.parallel`` chooses (fork on Linux unless GOVXL_START_METHOD says otherwise; spawn on
Windows).

Targets (issue 11): ratio <= 1.5; 10,000 agencies in <= 60 s on 2 cores.

    python bench/bench_generate.py [--agencies 10000] [--sample 40] [--rounds 3] [--smoke] [--json PATH]
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import openpyxl
import xlsxwriter
from benchlib import Bench, Timing, arguments, best, loaded_note, timed

import govxl
from govxl.roster import Agency
from govxl.workbook import DEFAULT_PASSWORD
from govxl.workbook.generate import WorkbookRequest, write_workbook

YEAR = 2025


def agencies(n: int, prefix: str = "B") -> list[Agency]:
    return [Agency(f"{prefix}{i:05}", f"卫东区测试单位{i:05}", "区直部门" if i % 3 else "乡镇街道", line=i + 2)
            for i in range(n)]


# --- the recipe: a govxl workbook read back ------------------------------------------------------


def _color(c) -> str | None:
    rgb = getattr(c, "rgb", None)
    return f"#{rgb[-6:]}" if isinstance(rgb, str) and rgb not in ("00000000",) else None


def _cell_format(cell) -> tuple:
    """The XlsxWriter format properties of an openpyxl cell, as a hashable key."""
    f, a = cell.font, cell.alignment
    props = {"font_name": f.name, "font_size": f.sz}
    if f.b:
        props["bold"] = True
    if f.i:
        props["italic"] = True
    if _color(f.color):
        props["font_color"] = _color(f.color)
    if cell.fill.fill_type == "solid" and _color(cell.fill.fgColor):
        props["bg_color"] = _color(cell.fill.fgColor)
    if cell.border.left.style:
        props["border"] = 1
    if a.horizontal:
        props["align"] = a.horizontal
    if a.vertical:
        props["valign"] = "vcenter" if a.vertical == "center" else a.vertical
    if a.wrap_text:
        props["text_wrap"] = True
    if a.textRotation:
        props["rotation"] = 270 if a.textRotation == 255 else a.textRotation
    if cell.number_format != "General":
        props["num_format"] = cell.number_format
    if not cell.protection.locked:
        props["locked"] = False
    return tuple(sorted(props.items()))


_VALIDATE = {"whole": "integer", "decimal": "decimal", "textLength": "length", "list": "list"}
_CRITERIA = {None: "between", "between": "between", "lessThanOrEqual": "<=", "greaterThanOrEqual": ">=",
             "equal": "==", "notEqual": "!=", "lessThan": "<", "greaterThan": ">"}


def read_recipe(path: Path) -> dict:
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in formulas.worksheets:
        values = cached[ws.title]
        merged = {}
        for rng in ws.merged_cells.ranges:
            merged[(rng.min_row, rng.min_col)] = (rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1)
        covered = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
                   for c in range(rng.min_col, rng.max_col + 1)} - set(merged)
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if (c.row, c.column) in covered or (c.value is None and not c.has_style):
                    continue
                value = c.value
                kind = "formula" if c.data_type == "f" else "blank" if value is None else \
                    "string" if isinstance(value, str) else "number"
                result = values.cell(c.row, c.column).value if kind == "formula" else None
                cells.append((kind, c.row - 1, c.column - 1, value, result, _cell_format(c),
                              merged.get((c.row, c.column))))
        validations = []
        for dv in ws.data_validations.dataValidation:
            ranges = str(dv.sqref).split()
            first = openpyxl.utils.cell.range_boundaries(ranges[0])
            options = {"validate": _VALIDATE[dv.type], "criteria": _CRITERIA[dv.operator],
                       "input_title": dv.promptTitle, "input_message": dv.prompt,
                       "error_title": dv.errorTitle, "error_message": dv.error, "multi_range": " ".join(ranges)}
            if options["criteria"] == "between":
                options["minimum"], options["maximum"] = float(dv.formula1), float(dv.formula2)
            else:
                options["value"] = float(dv.formula1)
            validations.append(((first[1] - 1, first[0] - 1, first[3] - 1, first[2] - 1),
                                {k: v for k, v in options.items() if v is not None}))
        conditionals = []
        for cf in ws.conditional_formatting:
            ranges = str(cf.sqref).split()
            for rule in cf.rules:
                fmt = {"font_color": _color(rule.dxf.font.color), "bg_color": _color(rule.dxf.fill.bgColor)
                       or _color(rule.dxf.fill.fgColor)} if rule.dxf else {}
                if rule.type == "expression":
                    options = {"type": "formula", "criteria": "=" + rule.formula[0]}
                else:
                    options = {"type": "cell", "criteria": "==" if rule.operator == "equal" else "!=",
                               "value": rule.formula[0]}
                conditionals.append((ranges[0], {**options, "multi_range": " ".join(ranges)},
                                     tuple(sorted((k, v) for k, v in fmt.items() if v))))
        setup = ws.page_setup
        sheets.append({
            "name": ws.title, "hidden": ws.sheet_state == "veryHidden", "cells": cells,
            "validations": validations, "conditionals": conditionals,
            "widths": [(openpyxl.utils.column_index_from_string(k) - 1, d.width)
                       for k, d in ws.column_dimensions.items() if d.customWidth],
            "heights": [(r - 1, d.height) for r, d in ws.row_dimensions.items() if d.customHeight],
            "freeze": ws.freeze_panes, "protected": bool(ws.protection.sheet),
            "landscape": setup.orientation == "landscape", "paper": setup.paperSize,
            "fit": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
            "area": ws.print_area, "repeat": ws.print_title_rows, "footer": ws.oddFooter.center.text,
        })
    props = formulas.properties
    return {
        "sheets": sheets,
        "names": [(name, dn.attr_text) for name, dn in formulas.defined_names.items()],
        "custom": [(p.name, p.value) for p in formulas.custom_doc_props.props],
        "properties": {"title": props.title, "subject": props.subject, "author": props.creator},
        "active": formulas.active.title,
    }


def bare_write(path: Path, recipe: dict, sample: Agency, agency: Agency) -> None:
    """Write the recipe with stock XlsxWriter, the sample agency's name and code replaced."""
    def text(value: str) -> str:
        return value.replace(sample.name, agency.name).replace(sample.code, agency.code) \
            if sample.code in value or sample.name in value else value

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, "in_memory": True})
    formats: dict[tuple, object] = {}

    def fmt(key: tuple):
        if key not in formats:
            formats[key] = wb.add_format(dict(key))
        return formats[key]

    for sheet in recipe["sheets"]:
        ws = wb.add_worksheet(sheet["name"])
        for kind, row, col, value, result, style, merge in sheet["cells"]:
            f = fmt(style)
            if merge:
                ws.merge_range(*merge, "" if kind == "formula" or value is None else text(value)
                               if isinstance(value, str) else value, f)
                if kind != "formula":
                    continue
            if kind == "formula":
                ws.write_formula(row, col, value, f, result)
            elif kind == "string":
                ws.write_string(row, col, text(value), f)
            elif kind == "number":
                ws.write_number(row, col, value, f)
            else:
                ws.write_blank(row, col, None, f)
        for (r1, c1, r2, c2), options in sheet["validations"]:
            ws.data_validation(r1, c1, r2, c2, dict(options))
        for first, options, style in sheet["conditionals"]:
            ws.conditional_format(first, {**options, "format": fmt(style)})
        for col, width in sheet["widths"]:
            ws.set_column(col, col, width)
        for row, height in sheet["heights"]:
            ws.set_row(row, height)
        if sheet["freeze"]:
            ws.freeze_panes(sheet["freeze"])
        if sheet["landscape"]:
            ws.set_landscape()
        if sheet["paper"]:
            ws.set_paper(int(sheet["paper"]))
        if sheet["fit"]:
            ws.fit_to_pages(1, 0)
        if sheet["area"]:
            ws.print_area(sheet["area"].split("!")[-1].replace("$", ""))
        if sheet["repeat"]:
            first, last = sheet["repeat"].replace("$", "").split(":")
            ws.repeat_rows(int(first) - 1, int(last) - 1)
        if sheet["footer"]:
            ws.set_footer("&C" + sheet["footer"])
        if sheet["protected"]:
            ws.protect(DEFAULT_PASSWORD, {"select_locked_cells": True, "select_unlocked_cells": True})
        if sheet["hidden"]:
            ws.very_hidden()
        if sheet["name"] == recipe["active"]:
            ws.activate()
    wb.set_properties({k: text(v) for k, v in recipe["properties"].items() if v})
    for name, value in recipe["custom"]:
        wb.set_custom_property(name, text(value) if isinstance(value, str) else value)
    for name, value in recipe["names"]:
        wb.define_name(name, "=" + text(value))
    wb.close()


def formula_preparation(recipe: dict, repeat: int = 20) -> float:
    """CPU seconds stock XlsxWriter spends preparing the formulas of one workbook (the regular
    expressions ``write_formula`` runs on every formula). Explanatory only: it calls XlsxWriter's
    internal method directly, never govxl's."""
    from xlsxwriter.worksheet import Worksheet

    ws = Worksheet()
    formulas = [c[3] for s in recipe["sheets"] for c in s["cells"] if c[0] == "formula"]
    formulas += [o["criteria"] for s in recipe["sheets"] for _, o, _ in s["conditionals"] if o["type"] == "formula"]
    with timed() as t:
        for _ in range(repeat):
            for f in formulas:
                ws._prepare_formula(f)
    return t.cpu / repeat


# --- the benchmark ------------------------------------------------------------------------------


def main() -> None:
    args = arguments(__doc__, agencies=10_000, sample=40, rounds=3)
    if args.smoke:
        args.agencies, args.sample, args.rounds = 20, 4, 1
    bench = Bench("generate", "govxl's agency workbook against a bare stock-XlsxWriter write of the same "
                              "workbook; generate of many agencies on all cores", args)
    sample = agencies(args.sample)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_workbook(WorkbookRequest(tmp / "warm.xlsx", YEAR, sample[0]))  # spec and layout loaded once
        recipe = read_recipe(tmp / "warm.xlsx")
        bare_write(tmp / "bare-warm.xlsx", recipe, sample[0], sample[1])
        cells = sum(len(s["cells"]) for s in recipe["sheets"])
        n_formulas = sum(1 for s in recipe["sheets"] for c in s["cells"] if c[0] == "formula")

        def govxl_serial():
            for a in sample:
                write_workbook(WorkbookRequest(tmp / f"g{a.code}.xlsx", YEAR, a))

        def bare_serial():
            for a in sample:
                bare_write(tmp / f"b{a.code}.xlsx", recipe, sample[0], a)

        rounds: dict[str, list[Timing]] = {"govxl": [], "bare": []}
        for _ in range(args.rounds):
            for name, fn in (("govxl", govxl_serial), ("bare", bare_serial)):
                with timed() as t:
                    fn()
                rounds[name].append(t)
        g, b = best(rounds["govxl"]).per(len(sample)), best(rounds["bare"]).per(len(sample))
        sizes = [sum((tmp / f"{side}{a.code}.xlsx").stat().st_size for a in sample) / len(sample)
                 for side in ("g", "b")]
        bench.figure(f"one workbook ({cells} cells, {n_formulas} formulas), one process, CPU time, best of "
                     f"{args.rounds} interleaved rounds of {len(sample)}: govxl {g.cpu * 1000:.1f} ms "
                     f"({sizes[0] / 1024:.0f} KB), bare stock XlsxWriter {b.cpu * 1000:.1f} ms "
                     f"({sizes[1] / 1024:.0f} KB)")
        ratio = bench.target("generate / bare XlsxWriter (CPU per workbook)", g.cpu / b.cpu, "<=", 1.5, "x")
        bench.figure(f"  of the bare write, {formula_preparation(recipe) * 1000:.1f} ms per "
                     f"workbook is XlsxWriter preparing its formulas, which govxl does once per distinct formula "
                     f"(guarded by tests/test_xlsxwriter_guard.py)")

        roster = agencies(args.agencies, "A")
        method = os.environ.get("GOVXL_START_METHOD") or "platform default"
        with govxl.open_store(tmp / "govxl.db") as store, timed() as t:
            result = govxl.generate(store, YEAR, tmp / "all", roster=roster)
        assert len(result.paths) == args.agencies
        bench.figure(f"govxl.generate of {args.agencies} agencies on {os.cpu_count()} cores (start method: "
                     f"{method}): {t.wall:.1f} s wall, {t.cpu:.1f} s CPU in all processes, "
                     f"{args.agencies / t.wall:.0f} workbooks/s")
        limit = 60 * args.agencies / 10_000
        bench.target(f"generate of {args.agencies} agencies (wall)", t.wall, "<=", limit, "s", loaded_note())
        bench.figure(f"  CPU time divided by the cores: {t.cpu / (os.cpu_count() or 1):.1f} s "
                     f"(what the wall time would be on an otherwise idle machine, at best)")
        if not ratio.met or args.smoke:
            bench.profile("where govxl's time goes, one process, per workbook (cProfile):", govxl_serial)
    bench.finish()


if __name__ == "__main__":
    main()
