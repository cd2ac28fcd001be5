"""collect: every kind of finding, from real files filled by openpyxl (and LibreOffice, below)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster

from govxl.collection.collect import CollectError, collect
from govxl.collection.examine import Context, examine
from govxl.findings import ERROR, WARNING
from govxl.form import rules
from govxl.roster import Agency

ROSTER = {a.code: a for a in AGENCIES}


def run(path, year=YEAR, blank_as_zero=False, previous=None):
    return examine(path.read_bytes(), path.name, Context(year, ROSTER, blank_as_zero, previous or {}))


def codes(exam, severity=None):
    return [f.code for f in exam.findings if severity is None or f.severity == severity]


def only(exam, code):
    (finding,) = [f for f in exam.findings if f.code == code]
    return finding


# --- a valid file ------------------------------------------------------------------------------


def test_a_valid_file_is_accepted_with_its_values(tmp_path, form):
    path, values = filled(tmp_path, "ok.xlsx", form)
    exam = run(path)
    assert exam.findings == []
    assert exam.status == "accepted"
    assert exam.agency == "A01" and exam.year == YEAR
    for key in form.input_keys:
        assert exam.values[key] == (Decimal(str(values[key])) if key == "t2.fees.amount" else values[key])
    assert exam.narrative["other_matters"].endswith("未收取信息处理费。")


def test_amounts_keep_their_decimals_exactly(tmp_path, form):
    path, _ = filled(tmp_path, "fees.xlsx", form, changes={"t2.fees.amount": 35.28})
    assert run(path).values["t2.fees.amount"] == Decimal("35.28")
    path, _ = filled(tmp_path, "fees5.xlsx", form, changes={"t2.fees.amount": 1.23456})
    exam = run(path)
    assert exam.values["t2.fees.amount"] == Decimal("1.23456")
    assert only(exam, "value.too_many_decimals").severity == WARNING


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, code, severity, value", [
    ("１２", "value.text_number", WARNING, 12),
    (" 7 ", "value.text_number", WARNING, 7),
    ("1,200", "value.text_number", WARNING, 1200),
    (2.5, "value.not_integer", ERROR, None),
    (-1, "value.negative", ERROR, None),
    (dt.date(2023, 5, 1), "value.date", ERROR, None),
    ("无", "value.not_number", ERROR, None),
    ("=1+1", "value.not_number", ERROR, None),
    (True, "value.not_number", ERROR, None),
    (10**12, "value.too_large", ERROR, None),
])
def test_values_are_coerced_by_explicit_rules(tmp_path, form, layout, typed, code, severity, value):
    path, _ = filled(tmp_path, "v.xlsx", form, changes={"t2.penalty.decisions": typed})
    if isinstance(typed, str) and typed.startswith("="):  # typed as text, not as a formula
        wb = openpyxl.load_workbook(path)
        cell = wb["二、主动公开"][layout.locate("t2.penalty.decisions")[1].a1]
        cell.value, cell.data_type = typed, "s"
        wb.save(path)
    exam = run(path)
    finding = only(exam, code)
    assert finding.severity == severity
    assert finding.cell == layout.locate("t2.penalty.decisions")[1].a1
    assert finding.sheet == "二、主动公开"
    assert finding.row == "行政处罚" and finding.column == "本年处理决定数量"
    assert "“二、主动公开”工作表" in finding.message
    assert exam.values["t2.penalty.decisions"] == value


def test_blank_is_an_error_unless_blanks_are_zero(tmp_path, form):
    path, _ = filled(tmp_path, "blank.xlsx", form, changes={"t4.review.upheld": None, "t4.review.pending": None})
    exam = run(path)
    assert [f.cell for f in exam.findings if f.code == "value.blank"] == ["A5", "D5"]
    assert exam.status == "rejected"
    lenient = run(path, blank_as_zero=True)
    assert codes(lenient) == ["value.blank_as_zero", "value.blank_as_zero"]
    assert lenient.status == "accepted_with_warnings"
    assert lenient.values["t4.review.upheld"] == 0


def test_narrative_too_long_and_blank(tmp_path, form):
    narrative = {p.key: "内容" for p in form.narrative}
    narrative["problems"] = ""
    narrative["overview"] = "长" * 3001
    path, _ = filled(tmp_path, "n.xlsx", form, narrative=narrative)
    exam = run(path)
    assert only(exam, "narrative.too_long").severity == ERROR
    assert "3001字" in only(exam, "narrative.too_long").message
    assert only(exam, "narrative.blank").row == "五、存在的主要问题"


# --- rules ---------------------------------------------------------------------------------------


def test_rules_are_recomputed_from_the_inputs_never_from_cached_results(tmp_path, form):
    path, values = filled(tmp_path, "imbalance.xlsx", form)
    values_off = {"t3.new.commercial": values["t3.new.commercial"] + 2}
    path, _ = filled(tmp_path, "imbalance.xlsx", form, changes=values_off)
    exam = run(path)
    assert codes(exam) == ["rule.t3.balance", "rule.t3.balance"]
    commercial, total = exam.findings
    assert commercial.column == "法人或其他组织·商业企业" and commercial.cell == "E31"
    assert "相差 2" in commercial.message
    assert total.column == "总计"


def test_a_total_typed_over_its_formula_is_ignored_and_reported(tmp_path, form, layout):
    path, values = filled(tmp_path, "total.xlsx", form)
    wb = openpyxl.load_workbook(path)
    span = layout.locate("t3.new.total")[1]
    wb["三、依申请公开"][span.a1].value = 99999
    wb.save(path)
    exam = run(path)
    finding = only(exam, "structure.derived_overwritten")
    assert finding.severity == WARNING and finding.cell == span.a1 and finding.value == 99999
    assert "rule.t3.row_total" not in codes(exam)


def test_cross_year_carry_over_and_in_force_plausibility(tmp_path, form):
    path, values = filled(tmp_path, "cy.xlsx", form)
    from govxl.form import rules

    last = {k: 0 for k in form.input_keys}
    for col in ("natural", "commercial", "research", "public_interest", "legal_service", "other"):
        last[f"t3.carry_next.{col}"] = values[f"t3.carried_over.{col}"]
    last["t3.carry_next.natural"] += 1
    last["t2.rules.in_force"] = values["t2.rules.in_force"] - values["t2.rules.made"] + values["t2.rules.repealed"]
    last["t2.normative_docs.in_force"] = 1000
    previous = {"A01": rules.complete(form, last)}
    exam = run(path, previous=previous)
    carry = [f for f in exam.findings if f.code == "rule.t3.carry_over"]
    assert [f.column for f in carry] == ["自然人", "总计"]
    assert carry[0].severity == ERROR and carry[0].cell == "D6"
    trend = only(exam, "rule.t2.in_force_trend")
    assert trend.severity == WARNING and trend.row == "行政规范性文件"
    assert run(path).findings == []  # without last year, no cross-year findings


# --- identity ------------------------------------------------------------------------------------


def test_wrong_year_and_unknown_agency_are_reported(tmp_path, form):
    path, _ = filled(tmp_path, "old.xlsx", form, year=YEAR - 1)
    exam = run(path)
    assert codes(exam) == ["identity.wrong_year"]
    assert "2022年度" in exam.findings[0].message and exam.agency == "A01"
    path, _ = filled(tmp_path, "x.xlsx", form, agency=Agency("Z99", "外区某局"))
    exam = run(path)
    assert codes(exam) == ["identity.unknown_agency"]
    assert "Z99" in exam.findings[0].message


def test_identity_comes_from_the_contents_not_the_file_name(tmp_path, form):
    path, _ = filled(tmp_path, "2023_B01_卫东区东安街道办事处.xlsx", form, agency=AGENCIES[1])
    assert run(path).agency == "A02"


def test_name_mismatch_is_a_warning(tmp_path, form):
    path, _ = filled(tmp_path, "n.xlsx", form, agency=Agency("A01", "卫东区财政局（旧称）"))
    exam = run(path)
    assert codes(exam) == ["identity.name_mismatch"]
    assert exam.agency_name == "卫东区财政局"


def test_blank_template_identified_from_its_cover(tmp_path, form):
    from govxl.form.layout import COVER

    path, _ = filled(tmp_path, "b.xlsx", form, agency=None)  # filled into the blank template
    assert codes(run(path)) == ["identity.no_agency"]
    wb = openpyxl.load_workbook(path)
    wb["填报说明"][COVER.field("code").a1].value = "B01"
    wb["填报说明"][COVER.field("agency").a1].value = "卫东区东安街道办事处"
    wb.save(path)
    exam = run(path)
    assert exam.findings == [] and exam.agency == "B01"


def test_a_workbook_that_is_not_a_govxl_template(tmp_path):
    path = tmp_path / "own.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自制表格"
    wb.save(path)
    assert codes(run(path)) == ["identity.missing"]


def test_foreign_outdated_and_inconsistent_identity(tmp_path, form):
    path, _ = filled(tmp_path, "id.xlsx", form)
    for key, value, code in (("form_id", "gov-info-annual-2019", "identity.foreign_template"),
                             ("form_version", "0", "identity.outdated_template"),
                             ("agency_code", "A02", "identity.inconsistent")):
        wb = openpyxl.load_workbook(path)
        meta = wb["govxl"]
        for row in meta.iter_rows():
            if row[0].value == key:
                row[1].value = value
        if key != "agency_code":  # keep the three copies of the identity in agreement
            for prop in wb.custom_doc_props.props:
                if prop.name == f"govxl.{key}":
                    prop.value = value
            wb.defined_names.pop("govxl_identity")
        changed = tmp_path / f"{key}.xlsx"
        wb.save(changed)
        assert codes(run(changed)) == [code], key


# --- structure -----------------------------------------------------------------------------------


def test_inserted_and_deleted_rows_and_columns_are_named(tmp_path, form):
    path, _ = filled(tmp_path, "s.xlsx", form)
    cases = [
        (lambda ws: ws.insert_rows(10, 2), "structure.rows_inserted", "插入了2行"),
        (lambda ws: ws.delete_rows(12), "structure.rows_deleted", "删除了1行"),
        (lambda ws: ws.insert_cols(5), "structure.columns_inserted", "插入了1列"),
    ]
    for change, code, words in cases:
        wb = openpyxl.load_workbook(path)
        change(wb["三、依申请公开"])
        out = tmp_path / f"{code}.xlsx"
        wb.save(out)
        exam = run(out)
        finding = only(exam, code)
        assert words in finding.message and finding.sheet == "三、依申请公开"
        assert exam.status == "rejected"
        assert not any(k.startswith("t3.") for k in exam.values)  # no values read from a shifted sheet


def test_edited_label_renamed_missing_and_extra_sheets(tmp_path, form):
    path, _ = filled(tmp_path, "s.xlsx", form)
    wb = openpyxl.load_workbook(path)
    wb["三、依申请公开"]["A5"].value = "一、本年新收申请"
    wb["四、复议诉讼"].title = "复议诉讼"
    del wb["文字部分"]
    wb.create_sheet("我的草稿")
    out = tmp_path / "s2.xlsx"
    wb.save(out)
    exam = run(out)
    label = only(exam, "structure.label_changed")
    assert label.cell == "A5" and label.value == "一、本年新收申请"
    assert only(exam, "structure.sheet_renamed").value == "复议诉讼"
    assert "文字部分" in only(exam, "structure.sheet_missing").message
    assert only(exam, "structure.sheet_extra").severity == WARNING
    assert "t4.review.upheld" in exam.values  # the renamed sheet is still read


# --- containers ----------------------------------------------------------------------------------


def _zip_with(source, extra: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for member, data in extra.items():
            dst.writestr(member, data)
    return buf.getvalue()


def test_containers_that_are_not_readable_workbooks(tmp_path, form):
    import msoffcrypto.format.ooxml

    path, _ = filled(tmp_path, "c.xlsx", form)
    good = path.read_bytes()
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(good)).encrypt("口令", encrypted)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    cases = {
        ("报表.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600): "file.old_format",
        ("报表.et", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600): "file.old_format",
        ("报表.xlsx", encrypted.getvalue()): "file.encrypted",
        ("报表.xlsm", good): "file.macro",
        ("报表.xlsx", _zip_with(path, {"xl/vbaProject.bin": b"\0" * 100})): "file.macro",
        ("报表.xlsx", good[: len(good) // 2]): "file.corrupt",
        ("报表.xlsx", b""): "file.empty",
        ("报表.pdf", b"%PDF-1.7 ..."): "file.not_spreadsheet",
        ("报表.docx", docx.getvalue()): "file.not_spreadsheet",
        ("报表.txt", "这是一封邮件".encode()): "file.not_spreadsheet",
        ("报表.xlsx", _zip_with(path, {"xl/media/bomb.bin": b"\0" * 30_000_000})): "file.zip_bomb",
    }
    for (name, data), code in cases.items():
        exam = examine(data, name, Context(YEAR, ROSTER))
        assert codes(exam) == [code], name
        assert exam.status == "rejected"
        assert all("\u4e00" <= ch <= "\u9fff" for ch in exam.findings[0].message[:2]), exam.findings[0].message


def test_an_oversized_sheet_is_refused_before_it_is_read(tmp_path, form):
    path, _ = filled(tmp_path, "big.xlsx", form)
    wb = openpyxl.load_workbook(path)
    wb["文字部分"]["A50000"] = "x"
    wb.save(path)
    assert codes(run(path)) == ["file.sheet_too_large"]


# --- the batch and the store ---------------------------------------------------------------------


def test_collect_keeps_every_file_and_versions_and_is_idempotent(tmp_path, form):
    store = store_with_roster(tmp_path / "govxl.db")
    first, _ = filled(tmp_path, "a01-first.xlsx", form, changes={"t3.new.natural": 999}, seed=1)
    other, _ = filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    junk = tmp_path / "in" / "readme.txt"
    junk.write_text("请查收", encoding="utf-8")
    (tmp_path / "in" / "~$a02.xlsx").write_bytes(b"lock file of Excel")
    report = collect([tmp_path / "in"], YEAR, store, workers=1)
    by_name = {f.file.rsplit("/", 1)[-1]: f for f in report.files}
    assert set(by_name) == {"a01-first.xlsx", "a02.xlsx", "readme.txt"}
    assert by_name["a01-first.xlsx"].status == "rejected" and by_name["a01-first.xlsx"].version == 1
    assert by_name["a02.xlsx"].status == "accepted"
    assert by_name["readme.txt"].status == "rejected" and by_name["readme.txt"].agency is None
    assert not report.valid
    receipts = store.receipts()
    assert len(receipts) == 3
    assert store.blob(by_name["readme.txt"].sha256) == "请查收".encode()

    again = collect([tmp_path / "in"], YEAR, store, workers=1)
    assert {f.status for f in again.files} == {"duplicate"}
    assert len(store.receipts()) == 3 and len(store.submissions(YEAR)) == 2

    fixed, _ = filled(tmp_path, "a01-fixed.xlsx", form, seed=1)
    third = collect([fixed], YEAR, store, workers=1)
    assert third.files[0].status == "accepted" and third.files[0].version == 2
    latest = store.latest(YEAR)
    assert latest["A01"].version == 2 and latest["A01"].status == "accepted"
    assert [s.version for s in store.submissions(YEAR, "A01")] == [1, 2]


def test_two_files_of_one_agency_in_one_run_the_newest_wins(tmp_path, form):
    import datetime as dt

    from hostile import with_saved_time

    store = store_with_roster(tmp_path / "govxl.db")
    older, _ = filled(tmp_path / "src", "z-older.xlsx", form, seed=3)
    newer, _ = filled(tmp_path / "src", "a-newer.xlsx", form, seed=40)
    older = with_saved_time(older, tmp_path / "in" / older.name, dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.timezone.utc))
    newer = with_saved_time(newer, tmp_path / "in" / newer.name, dt.datetime(2024, 1, 12, 9, 0, tzinfo=dt.timezone.utc))
    report = collect([older, newer], YEAR, store, workers=1)
    by_name = {f.file.rsplit("/", 1)[-1]: f for f in report.files}
    assert by_name["z-older.xlsx"].status == "superseded"
    assert by_name["z-older.xlsx"].findings[0].code == "submission.superseded"
    assert "a-newer.xlsx" in by_name["z-older.xlsx"].findings[0].message
    assert by_name["a-newer.xlsx"].status == "accepted" and by_name["a-newer.xlsx"].in_use
    assert store.latest(YEAR)["A01"].sha256 == by_name["a-newer.xlsx"].sha256
    assert len(store.receipts()) == 2


def test_collect_needs_a_roster_and_existing_paths(tmp_path):
    from govxl.store import Store

    with pytest.raises(CollectError, match="单位名单"):
        collect([tmp_path], YEAR, Store(tmp_path / "empty.db"))
    with pytest.raises(CollectError, match="找不到"):
        collect([tmp_path / "nope"], YEAR, store_with_roster(tmp_path / "r.db"))


def test_parallel_collect_gives_the_same_results(tmp_path, form):
    for i in range(40):
        filled(tmp_path, f"f{i:02}.xlsx", form, agency=AGENCIES[i % 3], seed=i,
               changes={"t3.new.natural": 10_000} if i % 7 == 0 else None)
    serial = collect([tmp_path / "in"], YEAR, store_with_roster(tmp_path / "s.db"), workers=1)
    parallel = collect([tmp_path / "in"], YEAR, store_with_roster(tmp_path / "p.db"), workers=2)
    assert [(f.file, f.status, f.version) for f in serial.files] == \
        [(f.file, f.status, f.version) for f in parallel.files]



def test_a_deleted_column_never_shifts_a_number_into_another_cell(tmp_path, form, layout):
    """Every column of every table sheet deleted in turn (openpyxl's delete_cols, which moves the
    cells to its right but leaves merges, validations and formulas as they were): the file is
    refused with a structure finding, or — when the column held nothing the form reads (the
    empty column beyond a table; a check column, which the examination recomputes rather than
    reads) — every value is read exactly as typed. A number read from a shifted cell is never
    accepted."""
    path, values = filled(tmp_path, "s.xlsx", form)
    complete = rules.complete(form, values)
    accepted = 0
    for sheet in layout.sheets:
        if sheet.table is None:
            continue
        for col in range(1, sheet.last_col + 3):
            wb = openpyxl.load_workbook(path)
            wb[sheet.name].delete_cols(col)
            out = tmp_path / f"{sheet.table}-{col}.xlsx"
            wb.save(out)
            exam = run(out)
            if exam.status == "rejected":
                assert any(c.startswith("structure.") for c in codes(exam, ERROR)), (sheet.name, col, codes(exam))
                assert not any(k.startswith(sheet.table + ".") for k in exam.values), (sheet.name, col)
                continue
            accepted += 1  # a column that held nothing the form reads
            for key in form.input_keys:
                if key.startswith(sheet.table + "."):
                    assert exam.values.get(key) == complete[key], (sheet.name, col, key)
    assert accepted >= 1


def test_marking_versions_and_status_read_no_stored_values(tmp_path, form, monkeypatch):
    """After storing, collect marks each file's version and whether it is in use from what the
    store holds for the whole year, and status shows every agency's: both read which version is
    which, never every version's values (a province's year holds tens of thousands; decoding them
    all made collect's memory grow with the store, not with the file at hand)."""
    import govxl.store

    store = store_with_roster(tmp_path / "govxl.db")
    first = [filled(tmp_path / "a", f"{a.code}.xlsx", form, agency=a, seed=i)[0] for i, a in enumerate(AGENCIES)]
    assert collect(first, YEAR, store, workers=1).valid
    decoded = []
    real = govxl.store.decode_values
    monkeypatch.setattr(govxl.store, "decode_values", lambda text: decoded.append(1) or real(text))
    again, _ = filled(tmp_path / "b", "second.xlsx", form, agency=AGENCIES[0], seed=40)
    report = collect([again], YEAR, store, workers=1)
    assert [(f.version, f.in_use) for f in report.files] == [(2, True)]
    assert decoded == []
    from govxl.collection.status import completeness  # status too: which version, how many warnings

    status = {a.code: a for a in completeness(store, YEAR).agencies}
    assert (status[AGENCIES[0].code].version, status[AGENCIES[0].code].accepted_version) == (2, 2)
    assert decoded == []
