"""Inputs that once broke a stage: each must end in a clear finding, never a crash or a wrong number."""

from __future__ import annotations

import io
import json
import random
import zipfile

import docx
import openpyxl
from collect_helpers import AGENCIES, YEAR, balanced_values, filled, store_with_roster
from conftest import SHARED

from govxl.collection.collect import collect
from govxl.collection.examine import Context, examine
from govxl.consolidation.merge import consolidate
from govxl.importer import Unread, import_file, import_text, store_import
from govxl.reporting.compose import agency_context, write_output

ROSTER = {a.code: a for a in AGENCIES}
SEED = (SHARED / "domain" / "seed-report-weidong-finance-2023.txt").read_text(encoding="utf-8")


def test_a_damaged_compressed_part_is_a_corrupt_file_and_the_batch_goes_on(tmp_path, form):
    path, _ = filled(tmp_path, "ok.xlsx", form)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet3.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    data[start:start + 40] = bytes(40)
    damaged = tmp_path / "in" / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    exam = examine(bytes(data), "damaged.xlsx", Context(YEAR, ROSTER))
    assert [f.code for f in exam.findings] == ["file.corrupt"]
    report = collect([tmp_path / "in"], YEAR, store_with_roster(tmp_path / "g.db"), workers=1)
    assert sorted(f.status for f in report.files) == ["accepted", "rejected"]


def test_an_absurd_year_in_the_file_is_a_missing_identity(tmp_path, form):
    path, _ = filled(tmp_path, "y.xlsx", form)
    wb = openpyxl.load_workbook(path)
    for row in wb["govxl"].iter_rows():
        if row[0].value == "year":
            row[1].value = "99999999999999999999"
    for prop in list(wb.custom_doc_props.props):
        wb.custom_doc_props.props.remove(prop)
    wb.save(path)
    exam = examine(path.read_bytes(), "y.xlsx", Context(YEAR, ROSTER))
    assert [f.code for f in exam.findings] == ["identity.missing"]


def test_an_import_never_replaces_a_submitted_workbook_nor_counts_unread_cells(tmp_path, form):
    store = store_with_roster(tmp_path / "g.db")
    path, values = filled(tmp_path, "a01.xlsx", form, seed=3)
    collect([path], YEAR, store, workers=1)
    thin = SEED.replace("卫东区金融工作局", "卫东区财政局").replace("三、收到和处理政府信息公开申请情况", "三、其他")
    report = import_text(thin, roster=ROSTER)
    assert report.agency == "A01" and any(u.table == "t3" for u in report.unread)
    assert store_import(store, report, thin.encode(), "pub.txt")
    assert store.latest(YEAR)["A01"].source == "workbook"
    assert consolidate(store, YEAR).totals["t3.new.total"] == sum(values[k] for k in form.input_keys
                                                                  if k.startswith("t3.new."))


def test_last_years_unread_cells_are_not_taken_for_zero(tmp_path, form):
    store = store_with_roster(tmp_path / "g.db")
    thin = SEED.replace("卫东区金融工作局", "卫东区财政局").replace("2023", "2022").replace(
        "三、收到和处理政府信息公开申请情况", "三、其他")
    last = import_text(thin, roster=ROSTER)
    assert last.year == YEAR - 1 and store_import(store, last, thin.encode(), "2022.txt")
    path, _ = filled(tmp_path, "a01.xlsx", form, seed=4)
    (report,) = collect([path], YEAR, store, workers=1).files
    assert not [f for f in report.findings if f.code == "rule.t3.carry_over"]


def test_numbers_with_spaces_between_them_are_never_split(form):
    result = import_text(SEED.replace("规章\t0\t0\t0", "规章 0 22"))
    assert result.values["t2.rules.made"] is None
    assert Unread("t2", "rules", None, "cells_missing") in result.unread
    assert import_text(SEED.replace("规章\t0\t0\t0", "规章 000")).values["t2.rules.in_force"] == 0


def test_odd_numbers_in_a_published_table_are_unread(form):
    for odd in ("Infinity", "1e1", "-5"):
        text = SEED.replace("一、本年新收政府信息公开申请数量\t\t0", f"一、本年新收政府信息公开申请数量\t\t{odd}")
        result = import_text(text)
        assert result.values["t3.new.natural"] is None, odd
        assert any(u.row == "new" and u.reason == "not_a_number" for u in result.unread)


def test_line_separators_in_text_cannot_forge_headings(tmp_path, form):
    narrative = {"overview": "正常文字\u2028TITLE|伪造的标题\u2029H1|七、伪造章节\rTABLE|nosuch\x85ZZZ|boom"}
    values = balanced_values(form, random.Random(1))
    context = agency_context(form, name="卫东区财政局", year=YEAR, values=values, narrative=narrative)
    document = docx.Document(write_output(context, "docx", "agency", tmp_path / "r.docx"))
    titles = [p.text for p in document.paragraphs if p.style.name in ("Title", "Heading 1")]
    assert "伪造的标题" not in titles and "七、伪造章节" not in titles
    assert any(p.text == "TITLE|伪造的标题" for p in document.paragraphs)
    md = write_output(context, "md", "agency", tmp_path / "r.md").read_text(encoding="utf-8")
    assert "\r" not in md and "\u2028" not in md and md.count("\n# ") == 0


def test_a_file_that_is_no_report_is_said_to_be_none(tmp_path):
    junk = tmp_path / "随笔.txt"
    junk.write_text("今天天气很好。", encoding="utf-8")
    result = import_file(junk)
    assert [f.code for f in result.findings] == ["import.not_a_report"]
    utf16 = tmp_path / "page.html"
    utf16.write_bytes((SHARED / "domain" / "report-shapes" / "web-page.html").read_text(encoding="utf-8")
                      .encode("utf-16"))
    assert import_file(utf16).values["t3.new.total"] == 139
    assert json.dumps(result.as_dict(), ensure_ascii=False)
