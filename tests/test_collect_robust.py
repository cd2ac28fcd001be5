"""collect under real conditions: files saved by LibreOffice, a run killed mid-way, two runs at
once, the command line, the feedback files, and the carry-over pre-fill of the next year."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster
from libreoffice import recalculate

from govxl.collection.collect import collect
from govxl.collection.examine import Context, examine
from govxl.store import Store
from govxl.workbook.generate import carry_over


def _cli(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "govxl", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.mark.real_program
def test_files_saved_by_libreoffice_read_like_files_saved_by_openpyxl(tmp_path, form):
    sources = []
    for i, changes in enumerate([None, {"t3.new.natural": 777}, {"t2.penalty.decisions": "１５"},
                                 {"t3.granted.other": "无"}]):
        path, _ = filled(tmp_path, f"lo{i}.xlsx", form, agency=AGENCIES[i % 3], seed=i, changes=changes)
        sources.append(path)
    saved = recalculate(sources, tmp_path / "libreoffice", tmp_path / "profile")
    roster = {a.code: a for a in AGENCIES}
    for original, resaved in zip(sources, saved):
        a = examine(original.read_bytes(), original.name, Context(YEAR, roster))
        b = examine(resaved.read_bytes(), resaved.name, Context(YEAR, roster))
        assert (b.agency, b.year, b.status) == (a.agency, a.year, a.status), resaved.name
        assert b.values == a.values
        assert b.narrative == a.narrative
        assert [(f.code, f.cell) for f in b.findings] == [(f.code, f.cell) for f in a.findings]


def _many(tmp_path, form, n):
    for i in range(n):
        filled(tmp_path, f"m{i:03}.xlsx", form, agency=AGENCIES[i % 3], seed=i)
    return tmp_path / "in"


def _consistent(db):
    store = Store(db)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = store.db.execute(
        "SELECT COUNT(*) FROM receipts r LEFT JOIN blobs b ON b.sha256 = r.sha256 WHERE b.sha256 IS NULL").fetchone()[0]
    loose = store.db.execute(
        "SELECT COUNT(*) FROM submissions s LEFT JOIN receipts r ON r.sha256 = s.sha256 "
        "WHERE s.sha256 IS NOT NULL AND r.sha256 IS NULL").fetchone()[0]
    assert orphans == 0 and loose == 0
    return store


def test_a_collect_killed_mid_run_leaves_the_store_consistent_and_a_rerun_completes(tmp_path, form):
    folder = _many(tmp_path, form, 120)
    db = tmp_path / "govxl.db"
    store_with_roster(db).close()
    proc = subprocess.Popen([sys.executable, "-m", "govxl", "collect", str(folder), "--year", str(YEAR),
                             "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.05)
        try:
            n = Store(db).db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
        except Exception:
            continue
        if n >= 10:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = _consistent(db)
    stored = store.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
    assert 10 <= stored < 120, "the run was killed part-way"
    result = _cli("collect", str(folder), "--year", str(YEAR), "--db", str(db), "--json")
    report = json.loads(result.stdout)
    statuses = [f["status"] for f in report["files"]]
    assert statuses.count("duplicate") >= stored and len(statuses) == 120
    store = _consistent(db)
    assert store.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0] == 120


def _two_collects_at_once(tmp_path, files, attempt):
    """Run two collects of overlapping halves at the same time. The test holds the store's write
    lock while both start, so that both are waiting for it when it is released."""
    import sqlite3
    import time

    db = tmp_path / f"govxl-{attempt}.db"
    store_with_roster(db).close()
    halves = [files[:40], files[20:]]  # overlapping by 20 files
    env = {**os.environ, "NO_COLOR": "1"}
    lock = sqlite3.connect(db, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    procs = [subprocess.Popen([sys.executable, "-m", "govxl", "collect", *map(str, half), "--year", str(YEAR),
                               "--db", str(db), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for half in halves]
    time.sleep(3)
    lock.execute("ROLLBACK")
    lock.close()
    reports = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    return db, reports


def test_two_collects_at_once_lose_nothing(tmp_path, form):
    folder = _many(tmp_path, form, 60)
    files = sorted(folder.iterdir())
    for attempt in range(3):
        db, reports = _two_collects_at_once(tmp_path, files, attempt)
        store = _consistent(db)
        # Did the two runs really overlap? Each file is stored in a transaction of its own, so
        # runs at the same time store their files interleaved, not one run after the other.
        runs = [r["run_id"] for r in store.db.execute("SELECT run_id FROM receipts ORDER BY id")]
        if len(set(runs)) == 2 and sum(a != b for a, b in zip(runs, runs[1:])) >= 2:
            break
        store.close()
    else:
        pytest.fail("in three attempts the two collects never ran at the same time")
    assert store.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0] == 60
    assert store.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 60
    duplicates = [f for r in reports for f in r["files"]
                  if f["findings"] and f["findings"][0]["code"] == "submission.duplicate"]
    assert len(duplicates) == 20
    versions = [s.version for s in store.submissions(YEAR, "A01")]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) == 20


def test_cli_json_report_exit_codes_feedback_and_status(tmp_path, form):
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,group\n" + "".join(f"{a.code},{a.name},{a.group}\n" for a in AGENCIES),
                      encoding="utf-8")
    db = tmp_path / "govxl.db"
    good, _ = filled(tmp_path, "good.xlsx", form, seed=5)
    result = _cli("collect", str(good), "--year", str(YEAR), "--db", str(db), "--roster", str(roster), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True
    (entry,) = report["files"]
    assert {"file", "sha256", "agency", "year", "status", "findings"} <= set(entry)
    assert (entry["agency"], entry["year"], entry["status"]) == ("A01", YEAR, "accepted")

    bad, _ = filled(tmp_path, "bad.xlsx", form, agency=AGENCIES[1], seed=6,
                    changes={"t3.new.natural": 5000, "t2.rules.made": "三"})
    result = _cli("collect", str(bad), "--year", str(YEAR), "--db", str(db), "--json", "--report",
                  str(tmp_path / "report"))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    findings = report["files"][0]["findings"]
    assert {f["code"] for f in findings} == {"rule.t3.balance", "value.not_number"}
    assert all({"code", "severity", "sheet", "cell", "message"} <= set(f) for f in findings)

    issues = openpyxl.load_workbook(tmp_path / "report" / "问题清单.xlsx")["全部问题"]
    rows = list(issues.iter_rows(values_only=True))
    assert rows[1][0] == "单位代码" and len(rows) == 2 + len(findings)
    assert issues.auto_filter.ref
    feedback = openpyxl.load_workbook(tmp_path / "report" / f"{YEAR}_A02_卫东区教育局_反馈.xlsx")
    cell = feedback["二、主动公开"]["B4"]
    assert cell.value == "三" and "应填写数字" in cell.comment.text
    assert feedback["三、依申请公开"]["D31"].comment is not None  # the imbalance, on its check cell
    assert any("退回修改表" in str(c.value) for row in feedback["填报说明"].iter_rows() for c in row)

    assert _cli("collect", str(tmp_path / "nothing-here"), "--year", str(YEAR), "--db", str(db)).returncode == 2
    status = _cli("status", "--year", str(YEAR), "--db", str(db), "--json")
    data = json.loads(status.stdout)
    by_code = {a["code"]: a for a in data["agencies"]}
    assert by_code["A01"]["status"] == "accepted" and by_code["A01"]["accepted_version"] == 1
    assert by_code["A02"]["status"] == "rejected" and by_code["A02"]["accepted_version"] is None
    assert by_code["B01"]["status"] == "not_received"
    assert data["overall"] == {"group": "合计", "total": 3, "reported": 1, "rate": 0.3333, "not_received": 1,
                               "rejected": 1, "accepted": 1, "accepted_with_warnings": 0}
    text = _cli("status", "--year", str(YEAR), "--db", str(db))
    assert "报送率" in text.stdout and "未报送" in text.stdout


def test_next_years_workbook_is_prefilled_with_the_carry_over(tmp_path, form, layout):
    db = tmp_path / "govxl.db"
    store = store_with_roster(db)
    path, values = filled(tmp_path, "a01.xlsx", form, seed=9)
    collect([path], YEAR, store, workers=1)
    last = store.latest(YEAR)["A01"]
    assert carry_over(form, last.values)["t3.carried_over.natural"] == values["t3.carry_next.natural"]
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name\nA01,卫东区财政局\nA02,卫东区教育局\n", encoding="utf-8")
    result = _cli("generate", "--year", str(YEAR + 1), "--roster", str(roster), "--out", str(tmp_path / "next"),
                  "--db", str(db))
    assert result.returncode == 0 and "1个单位" in result.stdout
    wb = openpyxl.load_workbook(tmp_path / "next" / f"{YEAR + 1}_A01_卫东区财政局.xlsx")
    ws = wb["三、依申请公开"]
    for col in ("natural", "commercial", "other"):
        span = layout.locate(f"t3.carried_over.{col}")[1]
        assert ws[span.a1].value == values[f"t3.carry_next.{col}"]
        assert ws[span.a1].comment is not None
    other = openpyxl.load_workbook(tmp_path / "next" / f"{YEAR + 1}_A02_卫东区教育局.xlsx")["三、依申请公开"]
    assert other[layout.locate("t3.carried_over.natural")[1].a1].value is None
