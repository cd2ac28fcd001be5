"""Windows correctness, proven on Linux: a GBK console, paths with Chinese characters and spaces,
file names Windows accepts whatever the roster says, and nothing POSIX-only in the package.

Worker processes are started by ``spawn`` in every test (tests/conftest.py), as on Windows."""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from collect_helpers import balanced_values, fill, narrative_for
from conftest import ROOT

from govxl.collection.collect import collect
from govxl.collection.feedback import write_reports
from govxl.reporting.reports import all_agency_reports
from govxl.roster import Agency
from govxl.store import Store
from govxl.workbook.generate import generate_workbooks

YEAR = 2023
ASTRAL = "\U00020bb7"  # 𠮷: in names of places and people, outside GBK


def govxl(*args, encoding="utf-8", cwd=None):
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": encoding}
    return subprocess.run([sys.executable, "-m", "govxl", *args], capture_output=True, cwd=cwd, env=env,
                          timeout=300)


def test_a_gbk_console_shows_every_command_without_stopping(tmp_path, form):
    base = tmp_path / "政府 信息公开" / "2023 年报"  # Chinese characters and spaces in every path
    roster = base / "单位 名单.csv"
    roster.parent.mkdir(parents=True)
    roster.write_text(f"code,name,group\nA01,卫东区{ASTRAL}祥街道办事处,乡镇街道\nA02,卫东区财政局,区直部门\n",
                      encoding="utf-8")
    db = base / "数据 库.db"
    made = govxl("generate", "--year", str(YEAR), "--roster", str(roster), "--out", str(base / "下发 文件"),
                 "--db", str(db), encoding="gbk")
    assert made.returncode == 0, made.stderr.decode("gbk")
    (a01,) = (base / "下发 文件").glob("*A01*.xlsx")
    received = base / "收回 文件"
    values = balanced_values(form, random.Random(3))
    agency = Agency("A01", f"卫东区{ASTRAL}祥街道办事处")
    fill(a01, received / a01.name, {**values, "t3.new.natural": values["t3.new.natural"] + 1},
         narrative_for(agency, YEAR, values, form), __import__("datetime").datetime(2024, 1, 10))

    collected = govxl("collect", str(received), "--year", str(YEAR), "--db", str(db),
                      "--report", str(base / "反馈 文件"), encoding="gbk")
    assert collected.returncode == 1, collected.stderr.decode("gbk")  # the imbalance: rejected, not a crash
    out = collected.stdout.decode("gbk")  # strictly GBK: every byte is what the console can show
    assert "卫东区?祥街道办事处" in out and "未通过" in out
    assert list((base / "反馈 文件").glob(f"*{ASTRAL}*反馈.xlsx"))

    status = govxl("status", "--year", str(YEAR), "--db", str(db), encoding="gbk")
    assert status.returncode == 0, status.stderr.decode("gbk")
    text = status.stdout.decode("gbk")
    assert "卫东区?祥街道办事处" in text and "卫东区财政局" in text and "报送率" in text

    as_json = govxl("status", "--year", str(YEAR), "--db", str(db), "--json", encoding="gbk")
    data = json.loads(as_json.stdout.decode("gbk"))  # escaped, so the name arrives exactly
    assert f"卫东区{ASTRAL}祥街道办事处" in [a["name"] for a in data["agencies"]]

    errors = govxl("collect", str(base / "没有 这个"), "--year", str(YEAR), "--db", str(db), encoding="gbk")
    assert errors.returncode == 2 and "没有 这个" in errors.stderr.decode("gbk")


# --- file names ----------------------------------------------------------------------------------

DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
           *(p + n for p in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"])}


def windows_problem(name: str) -> str | None:
    """Why Windows (Win32 on NTFS) would refuse ``name`` as a file or folder name, or None."""
    if any(c in '<>:"/\\|?*' or ord(c) < 32 for c in name):
        return "forbidden character"
    if name.endswith((" ", ".")):
        return "ends with a dot or a space"
    if name.split(".")[0].rstrip(" ").upper() in DEVICES:
        return "device name"
    if len(name.encode("utf-16-le")) // 2 > 255 or len(name.encode("utf-8")) > 255:
        return "too long"
    return None


HOSTILE = [
    Agency("CON", "AUX", "区直部门"),
    Agency("com1", "nul.txt", "区直部门"),
    Agency("LPT¹", "卫东区 . . ", "区直部门"),
    Agency("A<1>", 'a|b?c*d"e"', "区直部门"),
    Agency("B:2\\3/", "PRN .", "乡镇街道"),
    Agency("C9", ASTRAL * 100, "乡镇街道"),
    Agency("X" * 32, "卫东区" + "很长的名称" * 19, "乡镇街道"),
    Agency("CONIN$", "CONOUT$", "乡镇街道"),
]


def test_no_file_govxl_writes_has_a_name_windows_refuses_whatever_the_roster_says(tmp_path, form):
    out = tmp_path / "输出"
    paths = generate_workbooks(YEAR, HOSTILE, out / "workbooks", workers=1)
    store = Store(tmp_path / "govxl.db")
    store.set_roster(HOSTILE)
    for i, (agency, path) in enumerate(zip(HOSTILE, paths)):
        values = balanced_values(form, random.Random(i))
        if i % 2:  # half of them with an error, so that they get a feedback workbook
            values["t3.new.natural"] += 1
        fill(path, out / "received" / path.name, values, narrative_for(agency, YEAR, values, form),
             __import__("datetime").datetime(2024, 1, 10))
    report = collect([out / "received"], YEAR, store, workers=1)
    assert {f.agency for f in report.files} == {a.code for a in HOSTILE}
    feedback = write_reports(report, store, out / "feedback")
    reports = all_agency_reports(store, YEAR, "md", out / "reports")
    assert len(feedback) == 1 + len(HOSTILE) // 2 and len(reports) == len(HOSTILE) // 2
    written = [p for p in out.rglob("*")]
    assert len({p.name.casefold() for p in paths}) == len(HOSTILE)
    for p in written:
        assert windows_problem(p.name) is None, (p.name, windows_problem(p.name))


# --- nothing POSIX-only --------------------------------------------------------------------------

POSIX_MODULES = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "crypt", "syslog"}
POSIX_CALLS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "setsid", "killpg", "getpgid", "setpgrp",
               "nice", "chown", "lchown", "mkfifo", "sync", "getloadavg", "WNOHANG", "sysconf"}
POSIX_SIGNALS = {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGQUIT",
                 "SIGSTOP", "SIGCONT", "SIGTSTP", "alarm", "setitimer", "pause"}


def _guarded_imports(tree) -> set[int]:
    """Imports inside ``try: … except ImportError:`` — used where present, done without elsewhere."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return guarded


def posix_only_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    guarded = _guarded_imports(tree)
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in POSIX_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in POSIX_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Attribute):
            if node.attr in POSIX_CALLS | POSIX_SIGNALS:
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(("/tmp", "/var/tmp", "/dev/")) or node.value in ("fork", "forkserver"):
                found.append(repr(node.value))
    return found


def test_nothing_in_the_package_is_posix_only():
    uses = {str(p.relative_to(ROOT)): posix_only_uses(p) for p in sorted((ROOT / "govxl").rglob("*.py"))}
    assert len(uses) > 30
    assert {p: u for p, u in uses.items() if u} == {}


# --- worker processes --------------------------------------------------------------------------

POOL_SCRIPT = """
import os, sys, time
from govxl.parallel import process_pool
pool = process_pool(2)
print(*{f.result() for f in [pool.submit(os.getpid) for _ in range(8)]}, flush=True)
time.sleep(600)
"""


def test_workers_end_when_the_process_that_started_them_is_killed(tmp_path):
    """As when a clerk ends govxl in the Task Manager: no worker may stay behind, waiting forever."""
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert workers and proc.pid not in workers
    for pid in workers:
        os.kill(pid, 0)  # alive
    proc.kill()
    proc.wait()
    deadline = time.time() + 30
    alive = set(workers)
    while alive and time.time() < deadline:
        for pid in list(alive):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                alive.discard(pid)
        time.sleep(0.1)
    for pid in alive:  # do not leave them to the next test run
        os.kill(pid, 9)
    assert not alive, "workers outlived their parent"
