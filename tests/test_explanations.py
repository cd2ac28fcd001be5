"""情况说明: the agency explains a warning in its workbook; the warning is shown as 已说明 — still
listed — in collect (JSON and terminal), status, 问题清单 and the feedback workbook. Real files:
generated, filled with openpyxl, collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster

from govxl.collection.collect import collect
from govxl.collection.feedback import ISSUE_LIST, write_reports
from govxl.collection.status import completeness
from govxl.consolidation.merge import consolidate, write_summary
from govxl.form.layout import EXPLAIN

NEW_KEYS = ("natural", "commercial", "research", "public_interest", "legal_service", "other")
WHY = "正文所写为局机关本级收到的申请，表格含下属事业单位。"


def mismatching(form, values: dict, explanation: str | None) -> dict:
    """A narrative quoting 7 applications more than table three has, explained or not."""
    new = sum(values[f"t3.new.{c}"] for c in NEW_KEYS)
    text = {p.key: "本年度依托门户网站公开政府信息，并及时更新栏目内容。" for p in form.narrative}
    text["on_request"] = f"全年收到政府信息公开申请{new + 7}件，均在法定期限内答复。"
    if explanation:
        text[EXPLAIN + "figures"] = explanation
    return text


def test_the_workbook_has_a_place_for_each_topic(tmp_path, form, layout):
    path, _ = filled(tmp_path, "a01.xlsx", form)
    sheet = layout.narrative_sheet
    ws = openpyxl.load_workbook(path)[sheet.name]
    texts = {ws.cell(r + 1, 1).value for r in range(sheet.last_row + 1)}
    assert "情况说明" in texts
    for e in form.explanations:
        span = sheet.inputs[EXPLAIN + e.key]
        assert ws.cell(span.row + 1, 1).value == e.label and ws.cell(span.row + 1, 3).value == e.hint
        assert not ws.cell(span.row + 1, span.col + 1).protection.locked
    assert {e.key for e in form.explanations} >= {"figures", "year_over_year", "in_force"}


def test_an_explained_warning_is_shown_as_explained_everywhere(tmp_path, form, layout):
    store = store_with_roster(tmp_path / "govxl.db")
    _, values = filled(tmp_path, "a01.xlsx", form)
    filled(tmp_path, "a01.xlsx", form, narrative=mismatching(form, values, WHY))
    _, other = filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2, narrative=mismatching(form, other, None))
    report = collect([tmp_path / "in"], YEAR, store, workers=1)
    files = {f.agency: f for f in report.files}

    # collect: the warning is still there, with the explanation; the file is accepted with warnings
    (explained,) = [f for f in files["A01"].findings if f.code == "narrative.figure_mismatch"]
    assert explained.explanation == WHY and explained.explained and explained.severity_label == "警告（已说明）"
    (unexplained,) = [f for f in files["A02"].findings if f.code == "narrative.figure_mismatch"]
    assert unexplained.explanation is None and unexplained.severity_label == "警告"
    assert files["A01"].status == files["A02"].status == "accepted_with_warnings"
    data = report.as_dict()["files"]
    by_agency = {d["agency"]: d for d in data}
    assert (by_agency["A01"]["warnings"], by_agency["A01"]["unexplained"]) == (1, 0)
    assert (by_agency["A02"]["warnings"], by_agency["A02"]["unexplained"]) == (1, 1)
    assert [f["explained"] for f in by_agency["A01"]["findings"]] == [True]

    # the store keeps the explanation with the finding and the submission
    latest = store.latest(YEAR)
    assert latest["A01"].info["explanations"] == {"figures": WHY}
    assert [f.explanation for f in latest["A01"].findings] == [WHY]

    # status: at a glance, which warnings are unexplained
    status = {a.code: a for a in completeness(store, YEAR).agencies}
    assert (status["A01"].warnings, status["A01"].unexplained) == (1, 0)
    assert (status["A02"].warnings, status["A02"].unexplained) == (1, 1)

    # 问题清单: the level says 已说明 and the explanation is beside the message
    write_reports(report, store, tmp_path / "report")
    ws = openpyxl.load_workbook(tmp_path / "report" / ISSUE_LIST)["全部问题"]
    header = [c.value for c in ws[2]]
    rows = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=3)]
    a01 = [r for r in rows if r["单位代码"] == "A01"]
    a02 = [r for r in rows if r["单位代码"] == "A02"]
    assert [(r["级别"], r["情况说明"]) for r in a01] == [("警告（已说明）", WHY)]
    assert [(r["级别"], r["情况说明"] or "") for r in a02] == [("警告", "")]

    # the summary workbook's 警告与缺报 lists it as explained, with the explanation
    summary = tmp_path / "汇总.xlsx"
    write_summary(consolidate(store, YEAR), summary, store=store)
    ws = openpyxl.load_workbook(summary)["警告与缺报"]
    listed = [[c.value for c in row] for row in ws.iter_rows() if any(c.value == "A01" for c in row)]
    assert [(r[0], WHY in r[4]) for r in listed] == [("警告（已说明）", True)]

    # the feedback workbook of A02 asks for an explanation where one can be given; A02 gives it
    # and sends the file back: the warning is now explained
    (back,) = (tmp_path / "report").glob("*A02*_反馈.xlsx")
    wb = openpyxl.load_workbook(back)
    span = layout.narrative_sheet.inputs[EXPLAIN + "figures"]
    cell = wb[layout.narrative_sheet.name].cell(span.row + 1, span.col + 1)
    assert cell.value is None and "请在本格说明原因" in cell.comment.text and "不一致" in cell.comment.text
    cell.value = WHY
    (tmp_path / "again").mkdir()
    wb.save(tmp_path / "again" / "a02-说明.xlsx")
    again = collect([tmp_path / "again"], YEAR, store, workers=1)
    assert [(f.code, f.explanation) for f in again.files[0].findings] == [("narrative.figure_mismatch", WHY)]
    assert {a.code: a.unexplained for a in completeness(store, YEAR).agencies}["A02"] == 0


def test_an_explanation_does_not_cover_errors_or_other_topics(tmp_path, form):
    text = mismatching(form, filled(tmp_path, "a01.xlsx", form)[1], None)
    text[EXPLAIN + "year_over_year"] = "机构改革后审批事项划入本局。"  # another topic
    path, _ = filled(tmp_path, "a01.xlsx", form, narrative=text, changes={"t3.new.natural": 500})
    store = store_with_roster(tmp_path / "govxl.db")
    (file,) = collect([path], YEAR, store, workers=1).files
    assert file.status == "rejected"  # the balance is off: an error, which no explanation covers
    assert all(f.explanation is None for f in file.findings)
    assert file.unexplained == sum(f.severity == "warning" for f in file.findings)


def test_the_terminal_shows_the_unexplained_warnings(tmp_path, form):
    _, values = filled(tmp_path, "a01.xlsx", form)
    filled(tmp_path, "a01.xlsx", form, narrative=mismatching(form, values, WHY))
    db = tmp_path / "govxl.db"
    store_with_roster(db).close()
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}

    def govxl(*args):
        return subprocess.run([sys.executable, "-m", "govxl", *args, "--db", str(db)], capture_output=True,
                              text=True, env=env, timeout=120)

    shown = govxl("collect", str(tmp_path / "in"), "--year", str(YEAR))
    assert "未说明" in shown.stdout, shown.stdout + shown.stderr
    line = next(x for x in shown.stdout.splitlines() if "A01" in x)
    assert [x for x in line.split() if x != "│"][-3:] == ["0", "1", "0"]  # errors, warnings, unexplained
    status = govxl("status", "--year", str(YEAR))
    line = next(x for x in status.stdout.splitlines() if "A01" in x)
    assert "1（0）" in line
    as_json = json.loads(govxl("status", "--year", str(YEAR), "--json").stdout)
    (a01,) = [a for a in as_json["agencies"] if a["code"] == "A01"]
    assert (a01["warnings"], a01["unexplained"]) == (1, 0)


def test_an_error_is_never_explained_away(form):
    from govxl.findings import Finding
    from govxl.form.narrative_checks import explain

    warning = Finding.of("narrative.figure_mismatch", part="p", sentence="s", text="7件", target="t", expected="1")
    error = Finding.of("narrative.figure_mismatch", severity="error", part="p", sentence="s", text="7件", target="t",
                       expected="1")
    done = explain(form, [warning, error], {"figures": WHY, "year_over_year": ""})
    assert [(f.severity, f.explanation) for f in done] == [("warning", WHY), ("error", None)]
    assert explain(form, [warning], {"year_over_year": WHY}) == [warning]


def test_the_workbench_shows_explained_warnings(tmp_path, form):
    from web_helpers import client, workbench

    store = store_with_roster(tmp_path / "govxl.db")
    _, values = filled(tmp_path, "a01.xlsx", form)
    filled(tmp_path, "a01.xlsx", form, narrative=mismatching(form, values, WHY))
    _, other = filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2, narrative=mismatching(form, other, None))
    collect([tmp_path / "in"], YEAR, store, workers=1)
    store.close()
    with workbench(tmp_path / "govxl.db", YEAR) as config, client(config) as http:
        a01 = http.get(f"/{YEAR}/agency/A01").text
        assert "警告（已说明）" in a01 and f"情况说明：{WHY}" in a01
        a02 = http.get(f"/{YEAR}/agency/A02").text
        assert "已说明" not in a02 and "不一致" in a02
        progress = http.get(f"/{YEAR}/progress").text
        assert "警告（未说明）" in progress and "1（0）" in progress and "1（1）" in progress
