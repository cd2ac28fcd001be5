"""The Excel check formulas and the Python rules agree, as LibreOffice computes them.

Random value sets, balanced and unbalanced, are filled into the input cells of a generated
workbook with openpyxl (which drops every cached formula result), recalculated in LibreOffice
headless, and every derived cell, check cell and summary is compared with the Python evaluation
of the same rule. A second batch written by the generator itself proves that the cached values it
writes are the ones a spreadsheet program computes.
"""

from __future__ import annotations

import random

import openpyxl
import pytest
from libreoffice import recalculate
from python_calamine import CalamineWorkbook

from govxl.form import formulas, rules
from govxl.form.layout import COVER
from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, write_workbook

pytestmark = pytest.mark.real_program

AGENCY = Agency("WD025", "卫东区金融工作局", "区直部门")
SETS = 60


def random_values(form, rng: random.Random, balanced: bool) -> dict:
    """Input values; balanced ones satisfy every rule, others usually break the t3 balance.
    Some cells are left blank: the workbook and Python both count a blank as 0."""
    values = {k: rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40, 120]) for k in form.input_keys}
    if balanced:
        t3 = form.table("t3")
        outcomes = [r.key for r in t3.rows if r.key not in ("new", "carried_over", "handled_total", "carry_next")]
        for col in t3.columns:
            if col.key == "total":
                continue
            handled = sum(values[f"t3.{r}.{col.key}"] for r in outcomes)
            out = handled + values[f"t3.carry_next.{col.key}"]
            carried = min(values[f"t3.carried_over.{col.key}"], out)
            values[f"t3.carried_over.{col.key}"] = carried
            values[f"t3.new.{col.key}"] = out - carried
    else:  # blanks count as 0 and would break a balanced set: only unbalanced ones have them
        for key in rng.sample(sorted(values), rng.choice([0, 0, 3])):
            values[key] = None
    return values


def _sheet_cells(path):
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def _at(cells, sheet, span):
    rows = cells[sheet]
    if span.row >= len(rows) or span.col >= len(rows[span.row]):
        return ""
    return rows[span.row][span.col]


def _assert_agrees(form, layout, cells, values, where):
    full = rules.complete(form, values)
    results = rules.evaluate(form, values)
    # A check waiting for a blank cell shows 待填写 and does not count as an imbalance.
    shown = {r.instance.id: formulas.workbook_check_text(layout, r, values) for r in results}
    failing_ids = {iid for iid, text in shown.items() if formulas.is_failing(layout, text)}
    for sheet in layout.sheets:
        for key, span in sheet.derived.items():
            assert _at(cells, sheet.name, span) == full[key], f"{where}: {key}"
        for result in results:
            span = sheet.checks.get(result.instance.id)
            if span:
                assert _at(cells, sheet.name, span) == shown[result.instance.id], f"{where}: {result.instance.id}"
        if sheet.fail_count:
            expected = len(failing_ids & set(sheet.checks))
            assert _at(cells, sheet.name, sheet.fail_count) == expected, where
    failing = len(failing_ids)
    table_blanks = sum(values.get(k) is None for k in form.input_keys)
    assert _at(cells, "填报说明", COVER.fail_count) == failing, where
    assert _at(cells, "填报说明", COVER.summary) == formulas.summary_text(layout, failing, table_blanks), where
    blanks = sum(values.get(k) is None for k in form.input_keys) + len(form.narrative)
    assert _at(cells, "填报说明", COVER.blanks) == blanks, where
    return failing


@pytest.fixture(scope="module")
def batches(form, layout, tmp_path_factory):
    rng = random.Random(20231231)
    root = tmp_path_factory.mktemp("agreement")
    base = root / "base.xlsx"
    write_workbook(WorkbookRequest(base, 2023, AGENCY))
    filled_dir, written_dir = root / "filled", root / "written"
    filled_dir.mkdir()
    written_dir.mkdir()
    filled, written = [], []
    for i in range(SETS):
        values = random_values(form, rng, balanced=i % 2 == 0)
        wb = openpyxl.load_workbook(base)
        for key in form.input_keys:
            sheet, span = layout.locate(key)
            wb[sheet][span.a1].value = values[key]
        path = filled_dir / f"set{i:03}.xlsx"
        wb.save(path)
        filled.append((path, values))
    for i in range(20):
        values = random_values(form, rng, balanced=i % 2 == 0)
        path = written_dir / f"gen{i:03}.xlsx"
        write_workbook(WorkbookRequest(path, 2023, AGENCY, values=values))
        written.append((path, values))
    paths = [p for p, _ in filled + written]
    recalculated = recalculate(paths, root / "recalculated", root / "profile")
    by_name = {p.name: p for p in recalculated}
    return filled, written, by_name


def test_check_formulas_agree_with_python_rules(form, layout, batches):
    filled, _, recalculated = batches
    for i, (path, values) in enumerate(filled):
        cells = _sheet_cells(recalculated[path.name])
        failing = _assert_agrees(form, layout, cells, values, path.name)
        # Both outcomes are exercised: every balanced set passes every check, every other fails.
        assert (failing == 0) == (i % 2 == 0), f"{path.name}: {failing} failing checks"


def test_filled_files_had_no_cached_results_before_recalculation(layout, batches):
    filled, _, _ = batches
    path, _ = filled[1]
    cells = _sheet_cells(path)
    span = next(iter(layout.table_sheet("t3").checks.values()))
    assert _at(cells, "三、依申请公开", span) in ("", None)


def test_cached_values_written_by_the_generator_are_what_a_spreadsheet_computes(form, layout, batches):
    _, written, recalculated = batches
    for path, values in written:
        before = _sheet_cells(path)
        after = _sheet_cells(recalculated[path.name])
        _assert_agrees(form, layout, before, values, f"cached {path.name}")
        _assert_agrees(form, layout, after, values, f"recalculated {path.name}")
