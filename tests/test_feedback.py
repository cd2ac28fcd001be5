"""What goes back to the agencies: 退回修改表 that keep every value typed, covers and notes that
agree with the findings, a readable issue list, and one status everywhere."""

from __future__ import annotations

import re

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster, template

from govxl import messages as msg
from govxl.collection.collect import collect
from govxl.collection.feedback import write_reports
from govxl.collection.status import completeness
from govxl.consolidation.merge import consolidate
from govxl.form.layout import COVER

A02 = AGENCIES[1]
FEEDBACK = f"{YEAR}_A02_卫东区教育局_反馈.xlsx"


def _insert_row(wb, layout):
    ws = wb[layout.table_sheet("t3").name]
    ws.insert_rows(8)
    ws.cell(8, 2, "其中：网上申请")
    ws.cell(8, 4, 4321)  # a number typed into the inserted row: no place for it in the form


def _insert_column(wb, layout):
    wb[layout.table_sheet("t3").name].insert_cols(5)


def _delete_column(wb, layout):
    """The 科研机构 column of table three deleted (its values go with it)."""
    wb[layout.table_sheet("t3").name].delete_cols(layout.locate("t3.new.research")[1].col + 1)


def _rename_sheet(wb, layout):
    wb[layout.table_sheet("t3").name].title = "表三"


def _swap_rows(wb, layout):
    """Two rows of table three exchanged, labels and values together."""
    ws = wb[layout.table_sheet("t3").name]
    a = layout.locate("t3.withheld_1.natural")[1].row + 1
    b = layout.locate("t3.withheld_2.natural")[1].row + 1
    for col in range(3, 11):
        ws.cell(a, col).value, ws.cell(b, col).value = ws.cell(b, col).value, ws.cell(a, col).value


CHANGES = {"inserted row": _insert_row, "inserted column": _insert_column, "deleted column": _delete_column,
           "renamed sheet": _rename_sheet, "moved rows": _swap_rows}


def _feedback_values(path, layout, form):
    wb = openpyxl.load_workbook(path)
    return wb, {k: wb[layout.locate(k)[0]][layout.locate(k)[1].a1].value for k in form.input_keys}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_feedback_carries_every_value_by_its_labels(tmp_path, form, layout, change):
    store = store_with_roster(tmp_path / "govxl.db")
    path, values = filled(tmp_path, "a02.xlsx", form, agency=A02, seed=31)
    wb = openpyxl.load_workbook(path)
    CHANGES[change](wb, layout)
    wb.save(path)
    report = collect([path], YEAR, store, workers=1)
    assert report.files[0].status == "rejected"
    write_reports(report, store, tmp_path / "report")
    wb, carried = _feedback_values(tmp_path / "report" / FEEDBACK, layout, form)
    lost = {k for k in form.input_keys if change == "deleted column" and k.endswith(".research")}
    assert carried == {k: None if k in lost else values[k] for k in form.input_keys}
    cover = [str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value]
    unplaced = [t for t in cover if "对应不到本表" in t]
    if change == "inserted row":
        assert len(unplaced) == 2 and "其中：网上申请" in unplaced[0] and "4321" in unplaced[1]
    else:
        assert unplaced == []
    # Balanced values in a fresh template: the checks pass, but the verdict is not a green pass.
    verdict = openpyxl.load_workbook(tmp_path / "report" / FEEDBACK, data_only=True)["填报说明"]
    expected = (f"尚未填写（{len(lost)}处未填）" if lost else layout.texts["checks"]["feedback_pass"])
    assert verdict.cell(COVER.summary.row + 1, 2).value == expected


def test_feedback_of_last_years_form_carries_the_values(tmp_path, form, layout):
    store = store_with_roster(tmp_path / "govxl.db")
    path, values = filled(tmp_path, "old.xlsx", form, agency=A02, year=YEAR - 1, seed=32)
    report = collect([path], YEAR, store, workers=1)
    assert [f.code for f in report.files[0].findings] == ["identity.wrong_year"]
    write_reports(report, store, tmp_path / "report")
    _, carried = _feedback_values(tmp_path / "report" / FEEDBACK, layout, form)
    assert carried == {k: values[k] for k in form.input_keys}
    # One status everywhere: the agency sent a file, it was refused.
    assert {a.code: a.status for a in completeness(store, YEAR).agencies}["A02"] == "rejected"
    c = consolidate(store, YEAR)
    assert "A02" in [a.code for a in c.rejected] and "A02" not in [a.code for a in c.missing]


def test_cover_check_cells_and_notes_agree_with_the_findings(tmp_path, form, layout):
    store = store_with_roster(tmp_path / "govxl.db")
    path, values = filled(tmp_path, "a02.xlsx", form, agency=A02, seed=33,
                          changes={"t3.new.natural": 5000, "t2.rules.made": "三"})
    report = collect([path], YEAR, store, workers=1)
    findings = report.files[0].findings
    write_reports(report, store, tmp_path / "report")
    wb = openpyxl.load_workbook(tmp_path / "report" / FEEDBACK)
    comments = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    cover = [str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value]
    promised = [t for t in cover if "批注" in t and "其中" in t]
    assert promised == [msg.FEEDBACK_COMMENTS.format(n=len(comments))] and len(comments) == len(findings)
    assert any("未通过校验" in t and "重新报送" in t for t in cover)
    cached = openpyxl.load_workbook(tmp_path / "report" / FEEDBACK, data_only=True)
    t3 = layout.table_sheet("t3")
    shown = {iid: cached[t3.name][span.a1].value for iid, span in t3.checks.items()}
    assert shown["t3.balance[natural]"].startswith("第一项加第二项为")  # the imbalance stays visible
    assert cached[layout.table_sheet("t2").name]["B4"].value == "三"
    verdict = cached["填报说明"].cell(COVER.summary.row + 1, 2).value
    assert verdict != layout.texts["checks"]["all_pass"] and "不平衡" in verdict


def test_a_file_with_warnings_only_is_told_it_passed(tmp_path, form):
    store = store_with_roster(tmp_path / "govxl.db")
    path, _ = filled(tmp_path, "a02.xlsx", form, agency=A02, seed=34, changes={"t2.penalty.decisions": "８"})
    report = collect([path], YEAR, store, workers=1)
    assert report.files[0].status == "accepted_with_warnings"
    write_reports(report, store, tmp_path / "report")
    wb = openpyxl.load_workbook(tmp_path / "report" / FEEDBACK, data_only=True)
    cover = [str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value]
    assert any("已通过校验" in t for t in cover)
    assert not any("修改后重新报送" in t and "请按" in t for t in cover)
    assert wb["填报说明"].cell(COVER.summary.row + 1, 2).value == "全部校验通过"


def test_issue_list_names_the_sender_of_an_unreadable_file_and_holds_values_only(tmp_path, form, layout):
    store = store_with_roster(tmp_path / "govxl.db")
    xls = tmp_path / "in" / "卫东区教育局报表.xls"
    xls.parent.mkdir(parents=True)
    xls.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1024)
    shifted, _ = filled(tmp_path, "b01.xlsx", form, agency=AGENCIES[2], seed=35)
    wb = openpyxl.load_workbook(shifted)
    _insert_row(wb, layout)
    wb.save(shifted)
    report = collect([xls, shifted], YEAR, store, workers=1)
    write_reports(report, store, tmp_path / "report")
    book = openpyxl.load_workbook(tmp_path / "report" / "问题清单.xlsx")
    assert book.sheetnames == ["全部问题", "按单位", "按文件"]
    ws = book["全部问题"]
    head = [c.value for c in ws[2]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=3, values_only=True)]
    (old,) = [r for r in rows if r["文件"] == xls.name]
    assert old["单位名称"] == "（按文件名推测：卫东区教育局）" and not old["单位代码"]
    for r in rows:
        for column in ("填写值", "应为"):
            assert not re.fullmatch(r"[A-Z]{1,3}\d+", str(r[column] or "")), r
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows
    for name in book.sheetnames:
        assert book[name].sheet_properties.pageSetUpPr.fitToPage and book[name].page_setup.fitToHeight == 0


def test_blank_template_cover_and_checks_say_pending(tmp_path, form, layout):
    path = template(tmp_path)
    cached = openpyxl.load_workbook(path, data_only=True)
    assert cached["填报说明"].cell(COVER.summary.row + 1, 2).value.startswith("尚未填写（")
    hints = openpyxl.load_workbook(path)[layout.narrative_sheet.name]
    hint = hints.cell(4, 3)
    assert hint.font.sz >= 9 and hint.border.left.style and hint.alignment.wrap_text
