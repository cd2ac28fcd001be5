"""The store under faults: read-only commands on a read-only store, another program's SQLite file
left untouched, a damaged store, a full disk, a consistent backup while collecting (issue 9, item 4)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster
from hostile import govxl, json_of, remount, small_disk

from govxl.collection.collect import collect
from govxl.store import APPLICATION_ID, Store, StoreError, backup


def _district(tmp_path, form, n=3):
    """A store holding one accepted workbook per agency."""
    db = tmp_path / "govxl.db"
    files = [filled(tmp_path, f"{a.code}.xlsx", form, agency=a, seed=i)[0] for i, a in enumerate(AGENCIES[:n])]
    with store_with_roster(db) as store:
        collect(files, YEAR, store, workers=1)
    return db


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_another_programs_sqlite_file_is_refused_and_left_unchanged(tmp_path, form, journal):
    other = tmp_path / "其他系统.db"
    with sqlite3.connect(other) as c:
        c.execute(f"PRAGMA journal_mode={journal}")
        c.execute("CREATE TABLE 公文 (id INTEGER PRIMARY KEY, 标题 TEXT)")
        c.execute("INSERT INTO 公文 (标题) VALUES ('关于报送年度报告的通知')")
    c.close()
    before, listing = _digest(other), sorted(os.listdir(tmp_path))
    good, _ = filled(tmp_path / "src", "ok.xlsx", form)
    runs = [] if journal == "delete" else [  # every command once; the store itself for both journal modes
            govxl("collect", good, "--year", YEAR, "--db", other),
            govxl("collect", good, "--year", YEAR, "--db", other, "--roster", tmp_path / "none.csv"),
            govxl("status", "--year", YEAR, "--db", other),
            govxl("merge", "--year", YEAR, "--db", other, "--out", tmp_path / "m.xlsx"),
            govxl("export", "--year", YEAR, "--db", other, "--format", "csv", "--out", tmp_path / "e.csv"),
            govxl("pin", "--year", YEAR, "--agency", "A01", "--version", 1, "--db", other),
            govxl("backup", "--db", other, "--out", tmp_path / "copy.db")]
    with pytest.raises(StoreError, match="没有改动它"):
        Store(other, readonly=True)
    for result in runs:
        assert result.returncode in (1, 2), result.args
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
    assert all("其他程序的数据库文件" in r.stderr for r in runs if "--roster" not in r.args)
    with pytest.raises(StoreError, match="没有改动它"):
        Store(other)
    assert _digest(other) == before
    assert sorted(os.listdir(tmp_path)) == sorted([*listing, "src"])  # no -wal, -shm or journal made
    text = tmp_path / "notes.db"
    text.write_text("这不是数据库", encoding="utf-8")
    result = govxl("status", "--year", YEAR, "--db", text)
    assert result.returncode == 1 and "不是数据库文件" in result.stderr
    assert text.read_text(encoding="utf-8") == "这不是数据库"


def test_a_store_is_marked_and_an_unmarked_govxl_store_is_adopted(tmp_path, form):
    db = _district(tmp_path, form)
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        c.execute("PRAGMA application_id = 0")  # as stores made before the mark
    c.close()
    with Store(db) as store:  # recognised by its tables, and marked
        assert len(store.in_use(YEAR)) == 3
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    c.close()


@contextlib.contextmanager
def _read_only_folder(db, folder):
    """A copy of the store ``db`` that nobody may write to: a read-only file in a read-only folder;
    for a user who writes through permissions (root), a read-only file system instead."""
    folder.mkdir()
    shutil.copy(db, folder / db.name)
    (folder / db.name).chmod(0o444)
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    folder.chmod(0o755)
    shutil.rmtree(folder)
    with small_disk(folder, "16m") as disk:
        shutil.copy(db, disk / db.name)
        remount(disk, "ro")
        yield disk


def test_read_only_commands_work_on_a_read_only_store(tmp_path, form):
    db = _district(tmp_path, form)
    with _read_only_folder(db, tmp_path / "ro") as disk:
        copy = disk / db.name
        with pytest.raises(OSError):
            (disk / "probe").write_text("x")
        status = govxl("status", "--year", YEAR, "--db", copy, "--json")
        assert status.returncode == 0, status.stderr
        assert json_of(status)["overall"]["reported"] == 3
        merged = govxl("merge", "--year", YEAR, "--db", copy, "--out", tmp_path / "sum.xlsx", "--json")
        assert merged.returncode == 0, merged.stderr
        assert json_of(merged)["agencies"] == 3 and (tmp_path / "sum.xlsx").exists()
        exported = govxl("export", "--year", YEAR, "--db", copy, "--format", "csv", "--out", tmp_path / "e.csv")
        assert exported.returncode == 0, exported.stderr
        composed = govxl("compose", "--year", YEAR, "--db", copy, "--agency", "A01", "--format", "md",
                         "--out", tmp_path / "a01.md")
        assert composed.returncode == 0, composed.stderr
        backed = govxl("backup", "--db", copy, "--out", tmp_path / "copy.db")
        assert backed.returncode == 0, backed.stderr
        good, _ = filled(tmp_path / "src", "late.xlsx", form, seed=9)
        refused = govxl("collect", good, "--year", YEAR, "--db", copy)
        assert refused.returncode == 1 and "只读" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and "内部错误" not in refused.stderr
        assert sorted(os.listdir(disk)) == ["govxl.db"]  # nothing written beside it


def test_a_damaged_store_names_the_file_and_the_way_back(tmp_path, form):
    db = _district(tmp_path, form)
    good = backup(db, tmp_path / "备份.db")
    size = db.stat().st_size
    with open(db, "r+b") as f:  # damage the pages after the schema
        f.seek(4096 * 2)
        f.write(os.urandom(min(size - 4096 * 2, 4096 * 6)))
    for args in (["status", "--year", YEAR, "--db", db],
                 ["merge", "--year", YEAR, "--db", db, "--out", tmp_path / "m.xlsx"],
                 ["collect", tmp_path / "in", "--year", YEAR, "--db", db]):
        result = govxl(*args)
        assert result.returncode == 1, (args, result.stderr)
        flat = "".join(result.stderr.split())  # the console wraps long lines
        assert "已损坏" in flat and str(db) in flat and "govxlbackup" in flat
        assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    shutil.copy(good, db)  # the way back
    assert govxl("status", "--year", YEAR, "--db", db).returncode == 0


def test_a_full_disk_keeps_what_was_stored_and_prints_it(tmp_path, form):
    files = [filled(tmp_path, f"f{i:02}.xlsx", form, agency=AGENCIES[i % 3], seed=i)[0] for i in range(40)]
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name,group\n" + "".join(f"{a.code},{a.name},{a.group}\n" for a in AGENCIES),
                      encoding="utf-8")
    with small_disk(tmp_path / "disk", "640k") as disk:
        db = disk / "govxl.db"
        result = govxl("collect", tmp_path / "in", "--year", YEAR, "--db", db, "--roster", roster, "--json")
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
        report = json_of(result)
        assert "磁盘空间已满" in report["error"] and "磁盘空间已满" in result.stderr
        stored = [f for f in report["files"] if f["status"] != "duplicate"]
        assert 0 < len(stored) < len(files) and report["valid"] is False
        assert len(report["files"]) + len(report["unfinished"]) == len(files)
        remount(disk, "size=32m")
        with Store(db) as store:
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            kept = {r["sha256"] for r in store.receipts()}
        assert kept == {f["sha256"] for f in report["files"]}  # exactly what was said to be stored
        again = json_of(govxl("collect", tmp_path / "in", "--year", YEAR, "--db", db, "--json"))
        assert "error" not in again or again["error"] is None
        with Store(db) as store:
            assert len(store.receipts()) == len(files)


def test_backup_while_a_collect_writes(tmp_path, form):
    for i in range(60):
        filled(tmp_path, f"f{i:02}.xlsx", form, agency=AGENCIES[i % 3], seed=i)
    db = tmp_path / "govxl.db"
    store_with_roster(db).close()
    proc = subprocess.Popen([sys.executable, "-m", "govxl", "collect", str(tmp_path / "in"), "--year", str(YEAR),
                             "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    copies = []
    deadline = time.time() + 300
    while proc.poll() is None and time.time() < deadline:
        if not db.exists():
            continue
        copy = tmp_path / f"copy{len(copies)}.db"
        if len(copies) == 3:  # once through the command, the rest through the library
            result = govxl("backup", "--db", db, "--out", copy)
            assert result.returncode == 0, result.stderr
        else:
            backup(db, copy)
        copies.append(copy)
    proc.wait()
    final = backup(db, tmp_path / "final.db")
    counts = []
    for copy in [*copies, final]:
        with sqlite3.connect(copy) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert c.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        c.close()
        with Store(copy, readonly=True) as store:
            n = store.counts()
            receipts = {r["sha256"] for r in store.receipts()}
            submissions = {s.sha256 for s in store.submissions(YEAR)}
            assert submissions <= receipts  # each file with its values, never one without the other
            counts.append(n["files"])
    assert counts == sorted(counts) and counts[-1] == 60
    assert any(0 < n < 60 for n in counts[:-1]), counts  # at least one copy taken mid-run
    assert oct(final.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
