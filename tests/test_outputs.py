"""Outputs with normal permissions, write failures as messages, govxl's own outputs recognised when
collected again (issue 9, item 5); agency codes in one normal form and system errors in Chinese
(item 7)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster
from hostile import by_name, codes, govxl, json_of, small_disk

from govxl.collection.collect import collect
from govxl.collection.examine import Context, examine
from govxl.form.layout import COVER
from govxl.roster import Agency, RosterError, parse_roster
from govxl.store import Store


def _roster(tmp_path, agencies=AGENCIES):
    path = tmp_path / "roster.csv"
    path.write_text("code,name,group\n" + "".join(f"{a.code},{a.name},{a.group}\n" for a in agencies),
                    encoding="utf-8")
    return path


def _with_umask(mask):
    def run(*args):
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        return subprocess.run([sys.executable, "-m", "govxl", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=600, preexec_fn=lambda: os.umask(mask))
    return run


@pytest.mark.parametrize("mask", [0o002])  # group-writable, as on a shared drive: 0600 and 0644 both fail
def test_outputs_get_the_permissions_the_umask_allows(tmp_path, form, mask):
    run = _with_umask(mask)
    expected = 0o666 & ~mask
    db = tmp_path / "govxl.db"
    assert run("generate", "--year", YEAR, "--roster", _roster(tmp_path), "--out", tmp_path / "wb", "--db", db).returncode == 0
    assert run("generate", "--year", YEAR, "--blank", "--out", tmp_path / "blank").returncode == 0
    bad, _ = filled(tmp_path, "bad.xlsx", form, agency=AGENCIES[1], changes={"t3.new.natural": 9999})
    good, _ = filled(tmp_path, "good.xlsx", form)
    run("collect", tmp_path / "in", "--year", YEAR, "--db", db, "--report", tmp_path / "report")
    assert run("merge", "--year", YEAR, "--db", db, "--out", tmp_path / "sum.xlsx").returncode == 0
    assert run("export", "--year", YEAR, "--db", db, "--format", "csv", "--out", tmp_path / "e.csv").returncode == 0
    assert run("compose", "--year", YEAR, "--db", db, "--agency", "A01", "--format", "docx",
               "--out", tmp_path / "a.docx").returncode == 0
    assert run("backup", "--db", db, "--out", tmp_path / "copy.db").returncode == 0
    outputs = [*(tmp_path / "wb").glob("*.xlsx"), *(tmp_path / "blank").glob("*.xlsx"),
               *(tmp_path / "report").glob("*.xlsx"), tmp_path / "sum.xlsx", tmp_path / "e.csv",
               tmp_path / "a.docx", tmp_path / "copy.db", db]
    assert len(outputs) >= 10 and len(list((tmp_path / "report").glob("*.xlsx"))) == 2
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in outputs}
    assert set(modes.values()) == {oct(expected)}, modes


def test_a_report_on_a_full_disk_is_a_message_and_the_results_are_kept(tmp_path, form):
    filled(tmp_path, "bad.xlsx", form, agency=AGENCIES[1], changes={"t3.new.natural": 9999})
    filled(tmp_path, "good.xlsx", form)
    db = tmp_path / "govxl.db"
    with small_disk(tmp_path / "full", "64k") as disk:
        (disk / "ballast").write_bytes(b"\0" * 60 * 1024)
        result = govxl("collect", tmp_path / "in", "--year", YEAR, "--db", db, "--roster", _roster(tmp_path),
                       "--report", disk / "反馈", "--json")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
        assert "磁盘空间已满" in result.stderr
        report = json_of(result)  # printed although the feedback could not be written
        assert {f["status"] for f in report["files"]} == {"accepted", "rejected"}
        assert "磁盘空间已满" in report["report_error"]
        with Store(db) as store:
            assert len(store.receipts()) == 2
        for args in (["merge", "--year", YEAR, "--db", db, "--out", disk / "汇总.xlsx"],
                     ["export", "--year", YEAR, "--db", db, "--format", "xlsx", "--out", disk / "e.xlsx"],
                     ["compose", "--year", YEAR, "--db", db, "--all", "--format", "html", "--out", disk / "reports"],
                     ["generate", "--year", YEAR, "--blank", "--out", disk / "blank"],
                     ["backup", "--db", db, "--out", disk / "copy.db"]):
            failed = govxl(*args)
            assert failed.returncode == 1, (args, failed.stderr)
            assert "磁盘空间已满" in failed.stderr and "Traceback" not in failed.stderr, (args, failed.stderr)
        assert [p.name for p in disk.rglob("*") if p.is_file()] == ["ballast"]  # no half-written file left


def test_govxls_own_outputs_collected_again_are_recognised(tmp_path, form):
    folder = tmp_path / "收回"
    warned, _ = filled(tmp_path / "src", "a01.xlsx", form, changes={"t2.penalty.decisions": "１５"})
    rejected, _ = filled(tmp_path / "src", "a02.xlsx", form, agency=AGENCIES[1], changes={"t3.new.natural": 9999},
                         seed=2)
    folder.mkdir()
    for p in (warned, rejected):
        (folder / p.name).write_bytes(p.read_bytes())
    db = tmp_path / "govxl.db"
    roster = _roster(tmp_path)
    first = json_of(govxl("collect", folder, "--year", YEAR, "--db", db, "--roster", roster, "--json",
                          "--report", folder / "反馈"))
    assert len(first["report_files"]) == 3  # 问题清单 and two 退回修改表, inside the collected folder
    with Store(db) as store:
        in_use = {code: s.sha256 for code, s in store.in_use(YEAR).items()}
    again = govxl("collect", folder, "--year", YEAR, "--db", db, "--json")
    files = by_name(json_of(again))
    assert again.returncode == 0, again.stderr
    assert files["问题清单.xlsx"]["status"] == "skipped" and codes(files["问题清单.xlsx"]) == ["file.own_issue_list"]
    feedback = [name for name in files if name.endswith("_反馈.xlsx")]
    assert len(feedback) == 2
    for name in feedback:
        assert files[name]["status"] == "skipped", files[name]
        assert codes(files[name]) == ["submission.feedback_unchanged"]
    with Store(db) as store:
        assert {code: s.sha256 for code, s in store.in_use(YEAR).items()} == in_use
        assert len(store.submissions(YEAR)) == 2
    # Opened and saved without a change (Excel would stamp a new time): still not a new version.
    a01_feedback = next(folder / "反馈" / n for n in feedback if "A01" in n)
    wb = openpyxl.load_workbook(a01_feedback)
    wb.save(tmp_path / "resaved.xlsx")
    (report,) = collect([tmp_path / "resaved.xlsx"], YEAR, Store(db), workers=1).files
    assert report.status == "skipped"
    # Returned with the correction: a submission, now the version in use.
    a02_feedback = next(folder / "反馈" / n for n in feedback if "A02" in n)
    wb = openpyxl.load_workbook(a02_feedback)
    from govxl.form.layout import layout_form

    sheet, span = layout_form(form).locate("t3.new.natural")
    import random

    from collect_helpers import balanced_values

    wb[sheet][span.a1].value = balanced_values(form, random.Random(2))["t3.new.natural"]
    wb.save(tmp_path / "corrected.xlsx")
    (report,) = collect([tmp_path / "corrected.xlsx"], YEAR, Store(db), workers=1).files
    assert report.status in ("accepted", "accepted_with_warnings") and report.in_use
    assert "submission.feedback_unchanged" not in [f.code for f in report.findings]


@pytest.mark.parametrize("typed", ["wd004", "ＷＤ００４", " Wd004 ", "ｗｄ００４"])
def test_agency_codes_compare_in_one_normal_form(tmp_path, form, typed):
    district = [Agency("WD004", "卫东区发展和改革局"), Agency("WD005", "卫东区教育局")]
    path, _ = filled(tmp_path, "blank.xlsx", form, agency=None)
    wb = openpyxl.load_workbook(path)
    wb["填报说明"][COVER.field("code").a1].value = typed
    wb["填报说明"][COVER.field("agency").a1].value = "卫东区发展和改革局"
    wb.save(path)
    exam = examine(path.read_bytes(), path.name, Context(YEAR, {a.code: a for a in district}))
    assert exam.findings == [] and exam.agency == "WD004"
    store = Store(tmp_path / "g.db")
    store.set_roster(district)
    (report,) = collect([path], YEAR, store, workers=1).files
    assert report.agency == "WD004" and "WD004" in store.in_use(YEAR)
    assert store.agency_code(typed) == "WD004"
    with pytest.raises(RosterError, match="重复"):
        parse_roster("code,name\nWD004,甲局\nｗｄ００４,乙局\n".encode())


def test_compose_finds_an_agency_by_its_code_in_any_case(tmp_path, form):
    path, _ = filled(tmp_path, "a01.xlsx", form)
    db = tmp_path / "g.db"
    with store_with_roster(db) as store:
        collect([path], YEAR, store, workers=1)
    result = govxl("compose", "--year", YEAR, "--db", db, "--agency", "ａ01", "--format", "md", "--out", tmp_path / "r.md")
    assert result.returncode == 0, result.stderr
    assert "卫东区财政局" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_system_errors_are_told_in_chinese(tmp_path, form):
    missing = govxl("import", tmp_path / "没有这个文件.txt")
    assert missing.returncode == 1 and "文件或文件夹不存在" in missing.stderr
    assert "No such file" not in missing.stderr + missing.stdout
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    blocked = govxl("generate", "--year", YEAR, "--blank", "--out", tmp_path / "a-file" / "sub")
    assert blocked.returncode == 1 and "路径中有一部分不是文件夹" in blocked.stderr, blocked.stderr
    assert "Not a directory" not in blocked.stderr
    good, _ = filled(tmp_path, "locked.xlsx", form)
    good.chmod(0)
    prefix = ()
    if os.geteuid() == 0:
        import shutil

        if not shutil.which("setpriv"):
            pytest.skip("running as root and setpriv is not installed to give up CAP_DAC_*")
        caps = "-dac_override,-dac_read_search"
        prefix = ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")
    result = govxl("collect", good, "--year", YEAR, "--db", tmp_path / "g.db", "--roster", _roster(tmp_path),
                   "--json", prefix=prefix)
    (entry,) = json_of(result)["files"]
    assert codes(entry) == ["file.unreadable"] and "没有权限" in entry["findings"][0]["message"]
    assert "Permission denied" not in result.stdout + result.stderr
