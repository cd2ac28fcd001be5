"""govxl demo: the whole sample cycle from the installed package, without make or bash."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govxl.collection.status import completeness
from govxl.demo import MARKER, DemoError, prepare_folder
from govxl.store import Store


def test_demo_runs_the_whole_cycle_into_a_folder_with_spaces_and_chinese(tmp_path):
    out = tmp_path / "示例 输出"
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "govxl", "demo", "--out", str(out)], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "示例已完成" in result.stdout and "报送率" in result.stdout
    assert len(list((out / "workbooks").glob("2023_WD*.xlsx"))) == 35
    assert (out / "2023_空白模板.xlsx").exists()
    # What the sample agencies do, as the demo's description says, seen through the store.
    with Store(out / "govxl.db") as store:
        status = {a.code: a for a in completeness(store, 2023).agencies}
        assert status["WD027"].status == status["WD108"].status == "not_received"
        assert status["WD104"].status == "not_received"  # sent an old .xls file only
        assert status["WD012"].status == "rejected" and status["WD015"].status == "rejected"
        assert status["WD003"].status == "accepted" and status["WD003"].version == 2  # fixed in batch two
        assert status["WD007"].status == "accepted_with_warnings"
        # the published 2023 report, carried over from 2022; its text is the 2022 report's (narrative.copied)
        assert status["WD025"].status == "accepted_with_warnings"
        assert len(store.latest(2022)) == 1  # the imported published report
    assert (out / "report" / "第一批" / "问题清单.xlsx").exists()
    assert list((out / "report" / "第一批").glob("2023_WD012_*_反馈.xlsx"))
    assert (out / "2023年卫东区汇总表.xlsx").exists() and (out / "2023年各单位数据.csv").exists()
    for fmt in ("md", "html", "docx"):
        assert (out / "reports" / f"2023年卫东区人民政府政府信息公开工作年度报告.{fmt}").exists()
        assert len(list((out / "reports" / "各单位").glob(f"*.{fmt}"))) == 29
    assert not list(tmp_path.glob("*.db")), "nothing written outside the output folder"
    _status_fits_80_columns(out / "govxl.db")


def _status_fits_80_columns(db):
    """govxl status of the sample district (received dates, warnings, versions not in use, reasons)
    in an 80-column console: no line wider; each agency's code, status, date and version in use
    whole on its first line; its name read back from the lines of its name column."""
    import re

    from rich.cells import cell_len

    from govxl.findings import STATUS_LABELS

    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "govxl", "status", "--year", "2023", "--db", str(db)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    with Store(db) as store:
        agencies = completeness(store, 2023).agencies
    for a in agencies:
        starts = [i for i, line in enumerate(lines) if line.split()[:1] == [a.code]]
        assert len(starts) == 1, (a.code, "its code is not whole at the start of one line")
        first = lines[starts[0]].split()
        assert STATUS_LABELS[a.status] in first, (a.code, first)
        if a.received_at:
            assert a.received_at[:10] in first, (a.code, first)
        if a.accepted_version:
            assert any(re.fullmatch(rf"{a.accepted_version}(（最新\d+）)?", word) for word in first), (a.code, first)
        start = starts[0]
        column = lines[start].index(first[1])
        name = first[1]
        for line in lines[start + 1:]:
            if line[:column].strip() or not line.strip():  # the next agency, or the end of the table
                break
            name += line[column:].split()[0] if line[column:].strip() and line[column] != " " else ""
        assert name == a.name, (a.code, name)


def test_demo_writes_only_into_an_empty_folder_or_its_own(tmp_path):
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "重要文件.docx").write_bytes(b"keep")
    with pytest.raises(DemoError, match="已有其他文件"):
        prepare_folder(mine)
    assert (mine / "重要文件.docx").read_bytes() == b"keep"
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(DemoError, match="不是文件夹"):
        prepare_folder(a_file)
    earlier = tmp_path / "earlier"
    prepare_folder(earlier)
    (earlier / "old.xlsx").write_bytes(b"from the last run")
    prepare_folder(earlier)
    assert sorted(p.name for p in earlier.iterdir()) == [MARKER]


def test_demo_refusal_is_a_chinese_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "govxl", "demo", "--out", str(tmp_path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "已有其他文件" in result.stderr
    assert (tmp_path / "notes.txt").exists()
