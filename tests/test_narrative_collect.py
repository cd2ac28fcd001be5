"""The narrative checks in collect: real workbooks filled by openpyxl, examined and stored; last
year's submission of the same agency from the store."""

from __future__ import annotations

from collect_helpers import AGENCIES, YEAR, filled, store_with_roster

from govxl.collection.collect import collect
from govxl.collection.examine import Context, examine
from govxl.demo import seed_submission

ROSTER = {a.code: a for a in AGENCIES}
NEW_KEYS = ("natural", "commercial", "research", "public_interest", "legal_service", "other")


def new_total(values: dict) -> int:
    return sum(values[f"t3.new.{c}"] for c in NEW_KEYS)


def narrative_codes(exam) -> list[str]:
    return [f.code for f in exam.findings if f.code.startswith(("narrative.", "yoy."))]


def test_a_narrative_figure_that_disagrees_with_the_table_is_found_in_its_place(tmp_path, form, layout):
    path, values = filled(tmp_path, "a01.xlsx", form)
    new = new_total(values)
    text = {p.key: "本年度依托门户网站公开政府信息，并及时更新。" for p in form.narrative}
    text["on_request"] = f"全年收到政府信息公开申请{new + 7}件，均在法定期限内答复。"
    path, _ = filled(tmp_path, "a01.xlsx", form, narrative=text)
    exam = examine(path.read_bytes(), path.name, Context(YEAR, ROSTER))
    (f,) = [f for f in exam.findings if f.code == "narrative.figure_mismatch"]
    sheet = layout.narrative_sheet
    assert (f.sheet, f.cell, f.key, f.row) == (sheet.name, sheet.inputs["on_request"].a1, "on_request", "（二）依申请公开")
    assert (f.value, f.expected) == (str(new + 7), str(new))
    assert exam.status == "accepted_with_warnings"


def test_a_text_saying_no_application_while_the_table_has_some_is_refused(tmp_path, form):
    text = {p.key: "本年度依托门户网站公开政府信息，并及时更新。" for p in form.narrative}
    text["on_request"] = f"{YEAR}年度，全年未收到政府信息公开申请。"
    path, values = filled(tmp_path, "a01.xlsx", form, narrative=text, changes={"t3.new.natural": 3,
                                                                                 "t3.carry_next.natural": 0})
    exam = examine(path.read_bytes(), path.name, Context(YEAR, ROSTER))
    assert "narrative.zero_claim" in [f.code for f in exam.findings if f.severity == "error"]
    assert exam.status == "rejected"


def test_the_seed_report_filled_into_its_workbook_gives_no_finding(tmp_path, form):
    values, narrative = seed_submission(form)
    path, _ = filled(tmp_path, "seed.xlsx", form, changes=values, narrative=narrative)
    exam = examine(path.read_bytes(), path.name, Context(YEAR, ROSTER))
    assert exam.findings == []


def test_last_year_from_the_store_copied_text_stale_year_jumps_and_stock(tmp_path, form, layout):
    store = store_with_roster(tmp_path / "govxl.db")
    text = {p.key: f"{YEAR - 1}年，本局在门户网站专栏主动公开机构职能、政策文件、财政预决算、行政执法等各类政府信息，"
            f"并通过政务新媒体同步发布，及时回应社会关切，全年未发生信息发布差错。第{i}部分。"
            for i, p in enumerate(form.narrative)}
    no_rules = {"t2.rules.made": 0, "t2.rules.repealed": 0, "t2.rules.in_force": 0}
    last = {"t2.licensing.decisions": 40, "t2.normative_docs.in_force": 30, "t2.normative_docs.made": 2,
            "t2.normative_docs.repealed": 1, **no_rules}
    _, before = filled(tmp_path / "2022", "a01.xlsx", form, year=YEAR - 1, changes=last, narrative=text)
    first = collect([tmp_path / "2022" / "in"], YEAR - 1, store, workers=1)
    assert [f.status for f in first.files] == ["accepted"]

    this = {"t2.licensing.decisions": 400, "t2.normative_docs.in_force": 35, "t2.normative_docs.made": 3,
            "t2.normative_docs.repealed": 0, **no_rules}
    for c in NEW_KEYS:  # carried over: what last year carried to this one
        this[f"t3.carried_over.{c}"] = before[f"t3.carry_next.{c}"]
        this[f"t3.new.{c}"] = before[f"t3.new.{c}"] + before[f"t3.carried_over.{c}"] - before[f"t3.carry_next.{c}"]
    copied = {**text, "overview": text["overview"].replace("第0部分", "第零部分")}
    filled(tmp_path / "2023", "a01.xlsx", form, changes=this, narrative=copied)
    report = collect([tmp_path / "2023" / "in"], YEAR, store, workers=1)
    (file,) = report.files
    found = {(f.code, f.key) for f in file.findings}
    # every part is last year's: copied and, opening with last year, stale
    assert {("narrative.copied", p.key) for p in form.narrative} <= found
    assert ("narrative.stale_year", "overview") in found
    # 400 行政许可处理决定 after 40
    (rise,) = [f for f in file.findings if f.code == "yoy.rise"]
    sheet, span = layout.locate("t2.licensing.decisions")
    assert (rise.sheet, rise.cell, rise.value, rise.expected) == (sheet, span.a1, "400", "40")
    # 现行有效 35, while 30 + 3 - 0 = 33
    (stock,) = [f for f in file.findings if f.code == "rule.t2.in_force_trend"]
    assert (stock.severity, stock.value, stock.expected) == ("warning", 35, 33)
    assert file.status == "accepted_with_warnings"
    assert all(f.severity == "warning" for f in file.findings)


def test_last_year_from_an_imported_report_copied_text_in_this_years_workbook(tmp_path, form, layout):
    """Last year known only from the agency's published report (imported); this year's workbook
    carries its text over: each long part is copied, a year-opening sentence is stale."""
    from conftest import SHARED

    from govxl.importer import import_paths
    from govxl.roster import Agency
    from govxl.store import Store

    agency = Agency("WD025", "卫东区金融工作局", "区直部门")
    store = Store(tmp_path / "govxl.db")
    store.set_roster([agency])
    seed = SHARED / "domain" / "seed-report-weidong-finance-2023.txt"
    (item,) = import_paths([seed], store=store, agency="WD025").files
    assert item.saved and item.result.year == YEAR
    before = store.latest(YEAR)["WD025"]
    assert before.source == "import"
    from govxl.form.narrative_checks import _plain

    long_parts = {k for k, v in before.narrative.items() if len(_plain(v)) >= form.checks.copied.min_length}
    assert len(long_parts) >= 3
    text = {p.key: before.narrative.get(p.key) or "本年度依托门户网站公开政府信息，并及时更新栏目内容。"
            for p in form.narrative}
    filled(tmp_path, "wd025.xlsx", form, agency=agency, year=YEAR + 1, narrative=text)
    (file,) = collect([tmp_path / "in"], YEAR + 1, store, workers=1).files
    copied = [f for f in file.findings if f.code == "narrative.copied"]
    assert {f.key for f in copied} == long_parts
    sheet = layout.narrative_sheet
    assert all((f.sheet, f.cell) == (sheet.name, sheet.inputs[f.key].a1) for f in copied)
    # 2023 年度，全年未收到依申请公开: last year's year, as this year's
    assert ("narrative.stale_year", "on_request") in {(f.code, f.key) for f in file.findings}
    assert {f.severity for f in copied} == {"warning"}
