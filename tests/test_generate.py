"""The structure of every generated workbook, as Excel would see it (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from conftest import ROOT

from govxl.form.layout import COVER, layout_form
from govxl.roster import Agency, RosterError, read_roster
from govxl.workbook import identity
from govxl.workbook.generate import (
    DEFAULT_PASSWORD,
    WorkbookRequest,
    generate_blank,
    generate_workbooks,
    write_workbook,
)

AGENCY = Agency("WD025", "卫东区金融工作局", "区直部门", (("contact", "办公室"),))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "agency.xlsx"
    write_workbook(WorkbookRequest(path, 2023, AGENCY, deadline=dt.date(2024, 1, 15)))
    return openpyxl.load_workbook(path)


def _span_cells(span):
    return {(r + 1, c + 1) for r in range(span.row, span.last_row + 1) for c in range(span.col, span.last_col + 1)}


def _validations(ws):
    out = []
    for dv in ws.data_validations.dataValidation:
        cells = set()
        for rng in dv.sqref.ranges:
            cells |= {(r, c) for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)}
        out.append((dv, cells))
    return out


def test_sheets_in_order_and_identity_sheet_very_hidden(workbook, layout):
    names = workbook.sheetnames
    assert names == ["填报说明", "二、主动公开", "三、依申请公开", "四、复议诉讼", "文字部分", "govxl"]
    assert workbook["govxl"].sheet_state == "veryHidden"
    assert all(workbook[n].sheet_state == "visible" for n in names[:-1])


def test_every_sheet_is_protected_with_the_password(workbook):
    from openpyxl.workbook.protection import hash_password

    for ws in workbook.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password == hash_password(DEFAULT_PASSWORD), ws.title


def test_only_input_cells_are_unlocked_and_each_is_validated(workbook, layout, form):
    for sheet in layout.sheets:
        ws = workbook[sheet.name]
        input_cells = set().union(*(_span_cells(s) for s in sheet.inputs.values()))
        validations = _validations(ws)
        for row in ws.iter_rows(min_row=1, max_row=sheet.last_row + 1, max_col=sheet.last_col + 1):
            for cell in row:
                pos = (cell.row, cell.column)
                assert cell.protection.locked == (pos not in input_cells), f"{sheet.name}!{cell.coordinate}"
        for key, span in sheet.inputs.items():
            pos = (span.row + 1, span.col + 1)
            matching = [dv for dv, cells in validations if pos in cells]
            assert len(matching) == 1, f"{sheet.name} {key}"
            dv = matching[0]
            assert dv.showErrorMessage and dv.showInputMessage and dv.prompt and dv.error
            if sheet.table is None:
                part = next((p for p in form.narrative if p.key == key), None)
                limit = part.max_length if part else layout.texts["narrative"]["explanation_max_length"]  # 情况说明
                assert (dv.type, dv.operator, dv.formula1) == ("textLength", "lessThanOrEqual", str(limit))
            else:
                kind = form.cells[key].type.kind
                assert dv.type == {"integer": "whole", "decimal": "decimal"}[kind], key
                assert dv.operator in (None, "between")  # "between" is the default, left out of the file
                assert (dv.formula1, dv.formula2) == ("0", str(form.cells[key].type.max))


def test_labels_are_the_spec_labels_where_the_layout_puts_them(workbook, layout, form):
    for sheet in layout.sheets:
        ws = workbook[sheet.name]
        for label in sheet.labels:
            assert ws.cell(label.span.row + 1, label.span.col + 1).value == label.text
            if label.span.merged:
                assert label.span.range_a1 in {str(r) for r in ws.merged_cells.ranges}
    t3 = workbook["三、依申请公开"]
    texts = {c.value for row in t3.iter_rows() for c in row if isinstance(c.value, str)}
    for row in form.table("t3").rows:
        assert row.label in texts
        assert set(row.group) <= texts
    assert {"申请人情况", "法人或其他组织", form.table("t3").corner} <= texts
    t4 = {c.value for row in workbook["四、复议诉讼"].iter_rows() for c in row}
    assert {"行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "尚未审结"} <= t4


def test_derived_cells_are_locked_formulas_with_cached_values(tmp_path, layout, form):
    """Every input 1: the totals follow from the format document by counting, not from the rules
    that wrote them — a row of t3 sums six applicant columns (6), （七）总计 sums the 21 outcome rows
    of the 2021 edition (21, and 126 in the 总计 column), a block of t4 sums four results (4); the
    stated balance 一+二 = 三+四 then fails in all seven columns (2 ≠ 22, 12 ≠ 132)."""
    values = {k: 1 for k in form.input_keys}
    path = tmp_path / "filled.xlsx"
    write_workbook(WorkbookRequest(path, 2023, AGENCY, values=values))
    formulas_wb = openpyxl.load_workbook(path)
    cached_wb = openpyxl.load_workbook(path, data_only=True)
    t3_columns = [c.key for c in form.table("t3").columns if c.key != "total"]
    expected = {}
    for row in form.table("t3").rows:
        if row.key != "handled_total":
            expected[f"t3.{row.key}.total"] = 6
    expected |= {f"t3.handled_total.{c}": 21 for c in t3_columns} | {"t3.handled_total.total": 126}
    expected |= {f"t4.{b}.total": 4 for b in ("review", "suit_direct", "suit_after_review")}
    seen = {}
    for sheet in layout.sheets:
        for key, span in sheet.derived.items():
            cell = formulas_wb[sheet.name].cell(span.row + 1, span.col + 1)
            assert isinstance(cell.value, str) and cell.value.startswith("="), key
            assert cell.protection.locked
            seen[key] = cached_wb[sheet.name].cell(span.row + 1, span.col + 1).value
        for iid, span in sheet.checks.items():
            text = cached_wb[sheet.name].cell(span.row + 1, span.col + 1).value
            assert (text == "通过") == (not iid.startswith("t3.balance")), (iid, text)
    assert seen == expected
    assert formulas_wb["三、依申请公开"]["J5"].value == "=SUM(D5:I5)"
    assert formulas_wb["三、依申请公开"]["D28"].value == "=SUM(D7:D27)"
    cover = cached_wb["填报说明"]
    assert cover.cell(COVER.summary.row + 1, 2).value == "尚有7处不平衡"
    assert cover.cell(COVER.blanks.row + 1, 2).value == len(form.narrative)


def test_cover_shows_identity_deadline_instructions_and_legend(tmp_path, form):
    path = tmp_path / "a.xlsx"
    write_workbook(WorkbookRequest(path, 2023, AGENCY, deadline=dt.date(2024, 1, 15)))
    cover = openpyxl.load_workbook(path, data_only=True)["填报说明"]
    fields = {cover.cell(r, 1).value: cover.cell(r, 2).value for r in range(1, 20)}
    assert fields["填报单位"] == "卫东区金融工作局"
    assert fields["单位代码"] == "WD025"
    assert fields["报告年度"] == "2023年"
    assert fields["报送截止日期"] == "2024年1月15日"
    # A blank form is not "passed": the verdict says how much is left, every check waits for input.
    assert fields["校验结果"] == f"尚未填写（{len(form.input_keys)}处未填）"
    assert fields["不平衡处数"] == 0
    assert fields["未填写单元格"] == len(form.input_keys) + len(form.narrative)
    workbook = openpyxl.load_workbook(path, data_only=True)
    shown = {workbook[s.name].cell(span.row + 1, span.col + 1).value
             for s in layout_form(form).sheets for span in s.checks.values()}
    assert shown == {"待填写"}
    texts = " ".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert "填写说明" in texts and "颜色说明" in texts and "黄色单元格" in texts
    assert cover["A1"].value == "卫东区金融工作局2023年政府信息公开工作年度报告填报表"


def test_identity_is_readable_three_ways(workbook, form, layout):
    rows = [(r[0].value, r[1].value) for r in workbook["govxl"].iter_rows()]
    ident = identity.Identity.from_rows(rows)
    assert (ident.template_id, ident.form_id, ident.form_version) == (form.template_id, form.id, form.version)
    assert (ident.year, ident.agency_code, ident.agency_name, ident.agency_group) == (
        2023, "WD025", "卫东区金融工作局", "区直部门")
    assert ident.fingerprint == layout.fingerprint()
    assert ident.sheet_fingerprints == {s.name: s.fingerprint() for s in layout.sheets}
    assert ident.roster_extra == (("contact", "办公室"),)
    props = {p.name: p.value for p in workbook.custom_doc_props.props}
    assert props["govxl.agency_code"] == "WD025"
    assert props["govxl.year"] == "2023"
    assert props["govxl.fingerprint"] == layout.fingerprint()
    defined = workbook.defined_names[identity.DEFINED_NAME]
    assert defined.attr_text == f'"{form.template_id}|{form.id}|{form.version}|2023|WD025"'


def test_fingerprint_changes_when_a_label_moves(layout):
    sheet = layout.table_sheet("t3")
    before = sheet.fingerprint()
    label = sheet.labels[5]
    from dataclasses import replace

    moved = replace(label, span=replace(label.span, row=label.span.row + 1, last_row=label.span.last_row + 1))
    sheet.labels[5] = moved
    try:
        assert sheet.fingerprint() != before
    finally:
        sheet.labels[5] = label
    assert sheet.fingerprint() == before


def test_print_ready(workbook, layout):
    for sheet in layout.sheets:
        ws = workbook[sheet.name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows
        assert ws.freeze_panes
        for col, width in sheet.col_widths.items():
            (dim,) = [d for d in ws.column_dimensions.values() if d.min <= col + 1 <= d.max]
            assert dim.width == pytest.approx(width, abs=1)
        label = sheet.labels[0]
        assert ws.cell(label.span.row + 1, label.span.col + 1).font.name == "宋体"
    assert workbook["填报说明"].page_setup.paperSize == 9


def test_roster_text_is_always_text(tmp_path):
    evil = Agency("=1+1", '=HYPERLINK("http://evil","点我")', "@SUM(A1)")
    path = tmp_path / "evil.xlsx"
    write_workbook(WorkbookRequest(path, 2023, evil))
    wb = openpyxl.load_workbook(path)
    cover = wb["填报说明"]
    cells = [cover.cell(COVER.field(f).row + 1, 2) for f in ("agency", "code", "group")]
    assert [c.value for c in cells] == [evil.name, evil.code, evil.group]
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(path) as z:
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
    assert "HYPERLINK" not in sheet1  # only in the shared strings, never as a formula
    meta = dict((r[0].value, r[1].value) for r in wb["govxl"].iter_rows())
    assert meta["agency_name"] == evil.name


def test_prefilled_values_and_amounts(tmp_path, form, layout):
    path = tmp_path / "p.xlsx"
    values = {"t3.carried_over.natural": 2, "t2.fees.amount": Decimal("35.28")}
    write_workbook(WorkbookRequest(path, 2024, AGENCY, values=values, prefilled=("t3.carried_over.natural",)))
    wb = openpyxl.load_workbook(path, data_only=True)
    for key, expected in values.items():
        sheet, span = layout.locate(key)
        assert wb[sheet][span.a1].value == pytest.approx(float(expected))
    texts = " ".join(str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value)
    assert "预先填写" in texts


def test_generate_names_files_safely_and_refuses_clashes(tmp_path):
    agencies = [Agency("A/1", "财政局: 预算*科?", "区直部门", line=2), Agency("CON", "卫东区 . ", "", line=3)]
    paths = generate_workbooks(2023, agencies, tmp_path / "out", workers=1)
    assert [p.name for p in paths] == ["2023_A_1_财政局_ 预算_科_.xlsx", "2023__CON_卫东区.xlsx"]
    assert all(p.exists() for p in paths)
    clash = [Agency("A/1", "财政局?", line=2), Agency("a_1", "财政局*", line=5), Agency("B", "y", line=6)]
    with pytest.raises(RosterError) as e:
        generate_workbooks(2023, clash, tmp_path / "clash", workers=1)
    assert "第5行与第2行" in e.value.problems[0]
    assert not (tmp_path / "clash").exists()


def test_sample_district_in_parallel_and_no_temporary_files_left(tmp_path):
    agencies = read_roster(ROOT / "samples" / "roster.csv")
    paths = generate_workbooks(2023, agencies, tmp_path, workers=2)
    assert len(paths) == len(agencies)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    wb = openpyxl.load_workbook(paths[-1], read_only=True)
    assert wb["填报说明"]["B3"].value == agencies[-1].name


def test_blank_template_lets_the_agency_type_its_identity(tmp_path, form):
    path = generate_blank(2023, tmp_path)
    assert path.name == "2023_空白模板.xlsx"
    wb = openpyxl.load_workbook(path)
    cover = wb["填报说明"]
    for name in ("agency", "code"):
        cell = cover.cell(COVER.field(name).row + 1, 2)
        assert cell.value is None and not cell.protection.locked
    rows = dict((r[0].value, r[1].value) for r in wb["govxl"].iter_rows())
    assert rows["agency_code"] in ("", None) and rows["year"] == "2023"
