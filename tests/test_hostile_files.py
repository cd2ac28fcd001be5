"""One file can never stop, hang or starve a collect run: bounds checked before the work, special
files never opened, a reader that dies costs only its file, odd names shown readably, unlistable
folders reported (issue 9, item 1)."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster
from hostile import by_name, codes, govxl, json_of, with_far_cell

from govxl.collection.collect import collect
from govxl.collection.examine import Context, examine
from govxl.collection.feedback import write_reports
from govxl.workbook.reader import Limits

ROSTER = {a.code: a for a in AGENCIES}
WHOLE_SHEET = Limits(max_rows=2**20, max_cols=2**14)  # lets a far cell through to the reader


def _roster_csv(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("code,name,group\n" + "".join(f"{a.code},{a.name},{a.group}\n" for a in AGENCIES),
                    encoding="utf-8")
    return path


def _peak_of(args, cwd=None) -> tuple[subprocess.CompletedProcess, int]:
    """Run govxl; return its result and the peak memory (bytes) of it and its worker processes."""
    probe = ("import json, resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, "
             "text=True); print(json.dumps([r.returncode, r.stdout, r.stderr, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "govxl", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    code, out, err, peak_kb = json.loads(done.stdout)
    return subprocess.CompletedProcess(args, code, out, err), peak_kb * 1024


def test_far_cells_are_refused_before_any_grid_is_built(tmp_path, form):
    good, _ = filled(tmp_path, "good.xlsx", form)
    for ref in ("XFD1048576", "XFD2000", "GR1000000"):
        with_far_cell(good, tmp_path / "in" / f"far-{ref}.xlsx", ref)
    other, _ = filled(tmp_path / "src", "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    draft = openpyxl.load_workbook(other)
    draft.create_sheet("草稿")["XFD1048576"] = 1  # a sheet nobody reads may be as large as it likes
    draft.save(tmp_path / "in" / "draft.xlsx")
    db = tmp_path / "govxl.db"
    started = time.monotonic()
    result, peak = _peak_of(["collect", tmp_path / "in", "--year", YEAR, "--db", db, "--roster",
                             _roster_csv(tmp_path), "--json", "--report", tmp_path / "report"])
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    files = by_name(json_of(result))
    assert files["good.xlsx"]["status"] == "accepted"
    assert codes(files["draft.xlsx"]) == ["structure.sheet_extra"]
    for ref, (rows, cols) in {"XFD1048576": (1048576, 16384), "XFD2000": (2000, 16384),
                              "GR1000000": (1000000, 200)}.items():
        (finding,) = files[f"far-{ref}.xlsx"]["findings"]
        assert finding["code"] == "file.sheet_too_large", ref
        assert f"{rows}行 × {cols}列" in finding["message"] and "文字部分" in finding["message"]
    assert (tmp_path / "report" / "问题清单.xlsx").exists()
    # Loading XFD2000 alone costs a gigabyte and GR1000000 six; refused from the stream they cost nothing.
    assert peak < 400 * 1024**2, f"peak memory {peak / 1024**2:.0f} MB"
    assert elapsed < 120


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_a_reader_that_dies_costs_only_its_file(tmp_path, form, monkeypatch, method):
    """With the area check out of the way, calamine really aborts on XFD1048576 (it asks for
    512 GiB) and runs out of memory on XFD2000: each costs its own file, the others are read."""
    monkeypatch.setenv("GOVXL_START_METHOD", method)
    files = []
    for i, agency in enumerate(AGENCIES):
        path, _ = filled(tmp_path, f"ok-{agency.code}.xlsx", form, agency=agency, seed=i)
        files.append(path)
    crash = with_far_cell(files[0], tmp_path / "in" / "crash.xlsx", "XFD1048576")
    hog = with_far_cell(files[1], tmp_path / "in" / "hog.xlsx", "XFD2000")
    copies = []  # enough files for a pool of workers to be busy (a pool once broke at 32)
    for i in range(30):
        copies.append(tmp_path / "copies" / f"copy{i:02}.xlsx")
        copies[-1].parent.mkdir(exist_ok=True)
        copies[-1].write_bytes(files[i % 3].read_bytes())
    store = store_with_roster(tmp_path / "govxl.db")
    order = [crash, files[0], hog, files[1], files[2], *copies]
    report = collect(order, YEAR, store, workers=2, limits=WHOLE_SHEET, memory_limit=512 * 1024**2)
    got = {f.file.rsplit("/", 1)[-1]: f for f in report.files}
    assert [f.code for f in got["crash.xlsx"].findings] == ["file.reader_crashed"]
    assert [f.code for f in got["hog.xlsx"].findings] in (["file.out_of_memory"], ["file.reader_crashed"])
    assert all(got[p.name].status == "accepted" for p in files)
    assert all(got[p.name].status == "duplicate" for p in copies)
    assert [f.file for f in report.files] == [str(p) for p in order]
    assert len(store.receipts()) == 3  # the files not examined are not kept: a later run tries again
    paths = write_reports(report, store, tmp_path / "report")
    assert paths and paths[0].name == "问题清单.xlsx"


def test_a_reader_that_hangs_costs_only_its_file(tmp_path, form):
    """A worker that stops answering (here: stopped by a signal) is ended after the time limit;
    its file gets a finding and a new worker reads the rest."""
    for i in range(4):
        filled(tmp_path, f"f{i}.xlsx", form, agency=AGENCIES[i % 3], seed=i)
    store = store_with_roster(tmp_path / "govxl.db")
    stopped = []

    def stop_the_first_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stopped:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGSTOP)
                stopped.append(child.pid)
                return
            time.sleep(0.005)

    watcher = threading.Thread(target=stop_the_first_worker)
    watcher.start()
    started = time.monotonic()
    report = collect([tmp_path / "in"], YEAR, store, workers=1, timeout=10)
    watcher.join()
    assert stopped, "no worker process was seen"
    timed_out = [f for f in report.files if [x.code for x in f.findings] == ["file.timeout"]]
    assert len(timed_out) == 1 and "10秒" in timed_out[0].findings[0].message
    assert sum(f.status == "accepted" for f in report.files) == 3
    assert time.monotonic() - started < 60
    with pytest.raises(ProcessLookupError):  # the stopped worker was ended, not left behind
        for _ in range(100):
            os.kill(stopped[0], 0)
            time.sleep(0.05)


def test_special_files_links_and_huge_files_are_never_read(tmp_path, form):
    folder = tmp_path / "in"
    good, _ = filled(tmp_path, "good.xlsx", form)
    os.mkfifo(folder / "pipe.xlsx")
    os.symlink("/dev/zero", folder / "zero.xlsx")
    outside, _ = filled(tmp_path / "elsewhere", "outside.xlsx", form, agency=AGENCIES[1])
    os.symlink(outside, folder / "outside.xlsx")
    os.symlink(good, folder / "z-again.xlsx")  # a link inside the folder: read like the file
    with open(folder / "huge.xlsx", "wb") as f:  # sparse: 6 GB that take no disk
        f.truncate(6 * 1024**3)
    sock = folder / "s.sock"
    import socket

    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    try:
        result, peak = _peak_of(["collect", folder, "/dev/zero",
                                 "--year", YEAR, "--db", tmp_path / "g.db", "--roster", _roster_csv(tmp_path),
                                 "--json"])
    finally:
        server.close()
    assert result.returncode == 1, result.stderr
    files = by_name(json_of(result))
    assert files["good.xlsx"]["status"] == "accepted"
    assert files["z-again.xlsx"]["status"] == "duplicate"
    assert codes(files["pipe.xlsx"]) == ["file.special"] and "命名管道" in files["pipe.xlsx"]["findings"][0]["message"]
    assert codes(files["s.sock"]) == ["file.special"]
    assert codes(files["zero.xlsx"]) == ["file.link_outside"]
    assert codes(files["outside.xlsx"]) == ["file.link_outside"]
    assert codes(files["zero"]) == ["file.special"] and "设备文件" in files["zero"]["findings"][0]["message"]
    assert codes(files["huge.xlsx"]) == ["file.too_large"] and "6144.0 MB" in files["huge.xlsx"]["findings"][0]["message"]
    assert peak < 400 * 1024**2
    from govxl.store import Store

    with Store(tmp_path / "g.db", readonly=True) as store:  # what is not read is not kept (README: 数据安全)
        assert [r["original_name"] for r in store.receipts()] == ["good.xlsx"]


def test_names_that_are_not_utf8_are_shown_readably(tmp_path, form):
    filled(tmp_path, "good.xlsx", form)
    a02, _ = filled(tmp_path / "src", "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    b01, _ = filled(tmp_path / "src", "b01.xlsx", form, agency=AGENCIES[2], seed=3)
    folder = os.fsencode(tmp_path / "in")
    gbk = folder + b"/" + "教育局报表.xlsx".encode("gbk")
    junk = folder + b"/\xff\xfe-\x80.xlsx"
    sub = folder + b"/" + "第二批".encode("gbk")
    os.mkdir(sub)
    shutil.copy(a02, gbk)
    shutil.copy(b01, sub + b"/" + "东安街道.xlsx".encode("gbk"))
    with open(junk, "wb") as f:
        f.write(b"not a workbook")
    roster = _roster_csv(tmp_path)
    result = govxl("collect", tmp_path / "in", "--year", YEAR, "--db", tmp_path / "g.db", "--roster", roster,
                   "--json")
    assert result.returncode == 1, result.stderr
    files = by_name(json_of(result))
    assert files["教育局报表.xlsx"]["status"] == "accepted"
    (sub_entry,) = [f for f in json_of(result)["files"] if f["file"].endswith("第二批/东安街道.xlsx")]
    assert sub_entry["status"] == "accepted" and sub_entry["agency"] == "B01"
    assert codes(files["\\xff\\xfe-\\x80.xlsx"]) == ["file.not_spreadsheet"]
    text = govxl("collect", tmp_path / "in", "--year", YEAR, "--db", tmp_path / "g2.db", "--roster", roster)
    assert text.returncode == 1 and "教育局报表.xlsx" in text.stdout, text.stderr
    from govxl.store import Store

    receipts = Store(tmp_path / "g.db").receipts()
    assert {r["original_name"] for r in receipts} == {"good.xlsx", "教育局报表.xlsx", "东安街道.xlsx",
                                                      "\\xff\\xfe-\\x80.xlsx"}


def _without_file_permissions() -> tuple:
    """A prefix that runs a command as this user without the power to ignore file permissions:
    root reads every folder, so it gives that power up."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root and setpriv (util-linux) is not installed to give up CAP_DAC_*")
    caps = "-dac_override,-dac_read_search"
    return ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")


def test_a_folder_that_cannot_be_listed_is_a_finding(tmp_path, form):
    good, _ = filled(tmp_path, "good.xlsx", form)
    locked = tmp_path / "in" / "锁住的文件夹"
    locked.mkdir()
    shutil.copy(good, locked / "hidden-from-us.xlsx")
    locked.chmod(0)
    try:
        result = govxl("collect", tmp_path / "in", "--year", YEAR, "--db", tmp_path / "g.db", "--roster",
                       _roster_csv(tmp_path), "--json", prefix=_without_file_permissions())
    finally:
        locked.chmod(stat.S_IRWXU)
    assert result.returncode == 1, result.stderr
    report = json_of(result)
    assert report["valid"] is False
    (entry,) = [f for f in report["files"] if f["file"].endswith("锁住的文件夹")]
    assert codes(entry) == ["file.folder_unreadable"] and "没有权限" in entry["findings"][0]["message"]
    assert by_name(report)["good.xlsx"]["status"] == "accepted"


def test_examining_bytes_directly_applies_the_same_bounds(tmp_path, form):
    good, _ = filled(tmp_path, "good.xlsx", form)
    far = with_far_cell(good, tmp_path / "far.xlsx", "B2001", sheet="二、主动公开")
    exam = examine(far.read_bytes(), far.name, Context(YEAR, ROSTER))
    assert [f.code for f in exam.findings] == ["file.sheet_too_large"]
    near = with_far_cell(good, tmp_path / "near.xlsx", "B2000", sheet="二、主动公开")
    assert "file.sheet_too_large" not in [f.code for f in examine(near.read_bytes(), near.name,
                                                                   Context(YEAR, ROSTER)).findings]
