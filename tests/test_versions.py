"""One documented rule decides the version in use, whatever the order, concurrency or interruption
of the collects: the most recently saved accepted workbook (its own saved time, then the time
received, then the sha256), unless the office pinned another (issue 9, item 3)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from collect_helpers import AGENCIES, YEAR, filled, store_with_roster
from hostile import govxl, json_of, with_saved_time

from govxl.collection.collect import collect
from govxl.collection.status import completeness
from govxl.consolidation.merge import consolidate
from govxl.roster import Agency
from govxl.store import Store

UTC = dt.timezone.utc
DISTRICT = [Agency(f"C{i:02}", f"卫东区第{i}局", "区直部门") for i in range(1, 9)]
SAVED = [dt.datetime(2024, 1, 10, 9, tzinfo=UTC), dt.datetime(2024, 1, 11, 9, tzinfo=UTC),
         dt.datetime(2024, 1, 12, 9, tzinfo=UTC)]


def three_versions(tmp, form, agency, seed=0):
    """Three accepted workbooks of ``agency`` with different numbers, saved a day apart (oldest first)."""
    out = []
    for v, when in enumerate(SAVED, start=1):
        path, _ = filled(tmp / "src", f"{agency.code}-v{v}.xlsx", form, agency=agency, seed=seed * 10 + v)
        out.append(with_saved_time(path, tmp / "versions" / f"{agency.code}-v{v}.xlsx", when))
    return out


def sha(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def in_use(db) -> dict[str, str]:
    with Store(db) as store:
        return {code: s.sha256 for code, s in store.in_use(YEAR).items()}


def test_every_order_of_three_versions_ends_with_the_most_recently_saved(tmp_path, form):
    v1, v2, v3 = three_versions(tmp_path, form, AGENCIES[0])
    calm = store_with_roster(tmp_path / "calm.db")
    collect([v1, v2, v3], YEAR, calm, workers=1)
    assert calm.in_use(YEAR)["A01"].sha256 == sha(v3)
    for n, order in enumerate(itertools.permutations([v1, v2, v3])):
        store = store_with_roster(tmp_path / f"order{n}.db")
        for path in order:  # each file in a run of its own, in this order
            (report,) = collect([path], YEAR, store, workers=1).files
            if path != v3 and sha(v3) in {s.sha256 for s in store.submissions(YEAR)}:
                assert report.status == "superseded", [p.name for p in order]
                assert report.findings[0].code == "submission.superseded"
                assert "较旧的版本，未采用" in report.findings[0].message and v3.name in report.findings[0].message
        current = store.in_use(YEAR)["A01"]
        assert current.sha256 == sha(v3), [p.name for p in order]
        assert current.reason == "newest"
        assert completeness(store, YEAR).agencies[0].accepted_version == current.version
        assert consolidate(store, YEAR).totals == consolidate(calm, YEAR).totals


def test_a_rejected_newer_version_leaves_the_accepted_one_in_use(tmp_path, form):
    v1, _, _ = three_versions(tmp_path, form, AGENCIES[0])
    bad, _ = filled(tmp_path / "src", "bad.xlsx", form, changes={"t3.new.natural": 10_000}, seed=7)
    bad = with_saved_time(bad, tmp_path / "bad.xlsx", SAVED[2] + dt.timedelta(days=1))
    store = store_with_roster(tmp_path / "g.db")
    collect([bad, v1], YEAR, store, workers=1)
    assert store.in_use(YEAR)["A01"].sha256 == sha(v1)
    row = completeness(store, YEAR).agencies[0]
    assert (row.status, row.version, row.accepted_version, row.accepted_reason) == ("rejected", 1, 2,
                                                                                    "newest_accepted")


def test_a_saved_time_in_the_future_counts_as_the_time_received(tmp_path, form):
    v1, v2, _ = three_versions(tmp_path, form, AGENCIES[0])
    future = with_saved_time(v1, tmp_path / "future.xlsx", dt.datetime(2099, 1, 1, tzinfo=UTC))
    store = store_with_roster(tmp_path / "g.db")
    collect([future], YEAR, store, workers=1)
    time.sleep(1.1)  # received a second later
    now = with_saved_time(v2, tmp_path / "now.xlsx", dt.datetime.now(UTC))
    collect([now], YEAR, store, workers=1)
    assert store.in_use(YEAR)["A01"].sha256 == sha(now)


def test_the_office_pins_a_version_and_unpins_it(tmp_path, form):
    v1, v2, v3 = three_versions(tmp_path, form, AGENCIES[0])
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name\n" + "".join(f"{a.code},{a.name}\n" for a in AGENCIES), encoding="utf-8")
    db = tmp_path / "g.db"
    assert govxl("collect", v1, v2, "--year", YEAR, "--db", db, "--roster", roster).returncode == 0
    pinned = govxl("pin", "--year", YEAR, "--agency", "ａ０１", "--version", 1, "--db", db)
    assert pinned.returncode == 0 and "第1版本" in pinned.stdout, pinned.stderr
    with Store(db) as store:
        assert store.in_use(YEAR)["A01"].sha256 == sha(v1) and store.in_use(YEAR)["A01"].pinned
        pinned_values = store.in_use(YEAR)["A01"].values
        assert consolidate(store, YEAR).contributions[0].values["t3.new.total"] == \
            sum(v for k, v in pinned_values.items() if k.startswith("t3.new."))
    later = json_of(govxl("collect", v3, "--year", YEAR, "--db", db, "--json"))
    (entry,) = later["files"]
    assert entry["status"] == "superseded" and entry["findings"][0]["code"] == "submission.pinned"
    status = json_of(govxl("status", "--year", YEAR, "--db", db, "--json"))
    a01 = next(a for a in status["agencies"] if a["code"] == "A01")
    assert (a01["accepted_version"], a01["accepted_reason"]) == (1, "pinned")
    text = govxl("status", "--year", YEAR, "--db", db)
    assert "办公室指定采用" in text.stdout
    unpinned = govxl("pin", "--year", YEAR, "--agency", "a01", "--unpin", "--db", db)
    assert unpinned.returncode == 0 and "第3版本" in unpinned.stdout, unpinned.stderr
    assert in_use(db)["A01"] == sha(v3)
    assert "最近保存的版本" in govxl("status", "--year", YEAR, "--db", db).stdout
    missing = govxl("pin", "--year", YEAR, "--agency", "A01", "--version", 9, "--db", db)
    assert missing.returncode == 1 and "没有第9版本" in missing.stderr
    bad, _ = filled(tmp_path / "src", "bad.xlsx", form, changes={"t3.new.natural": 10_000}, seed=9)
    govxl("collect", bad, "--year", YEAR, "--db", db)
    refused = govxl("pin", "--year", YEAR, "--agency", "A01", "--version", 4, "--db", db)
    assert refused.returncode == 1 and "未通过校验" in refused.stderr
    assert govxl("pin", "--year", YEAR, "--agency", "A01", "--db", db).returncode == 2


@pytest.fixture(scope="module")
def district_versions(tmp_path_factory, form):
    """Eight agencies with three versions each; file names sort newest first, so a run that
    stops part-way has stored the newest versions and a rerun stores the older ones."""
    tmp = tmp_path_factory.mktemp("district")
    files, newest = [], {}
    for i, agency in enumerate(DISTRICT):
        versions = three_versions(tmp, form, agency, seed=i)
        newest[agency.code] = sha(versions[-1])
        for v, path in enumerate(versions, start=1):
            target = tmp / "all" / f"{4 - v}-{agency.code}.xlsx"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(path.read_bytes())
            files.append(target)
    roster = tmp / "roster.csv"
    roster.write_text("code,name,group\n" + "".join(f"{a.code},{a.name},{a.group}\n" for a in DISTRICT),
                      encoding="utf-8")
    return tmp, sorted(files), newest, roster


def _fresh_store(path, roster):
    from govxl.roster import read_roster

    with Store(path) as store:
        store.set_roster(read_roster(roster))


# The four collects start at the same moment: each process loads the command line first, says it
# is ready and waits for a file, so that neither a fast machine (one run finishing before the next
# has started) nor a slow one (one process still loading) makes them run one after the other.
_START_TOGETHER = """
import os, sys, time
import govxl.api, govxl.cli
go = sys.argv[1]
open(f"{go}.ready.{os.getpid()}", "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
sys.argv = ["govxl", *sys.argv[2:]]
govxl.cli.run()
"""


def _four_at_once(folder, roster, batches):
    """Four collects of ``batches`` into a fresh store at ``folder``, started together: the store,
    the run ids of its receipts in the order written, and the four reports."""
    folder.mkdir()
    db = folder / "busy.db"
    _fresh_store(db, roster)
    env = {**os.environ, "NO_COLOR": "1"}
    go = folder / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _START_TOGETHER, str(go), "collect", *map(str, batch),
                               "--year", str(YEAR), "--db", str(db), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
             for batch in batches]
    deadline = time.monotonic() + 300
    while len(list(folder.glob("go.ready.*"))) < len(procs) and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break  # one died while loading: its output says why
        time.sleep(0.01)
    go.touch()  # every process has paid its start-up and waits at the line
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _, err in outputs]
    with Store(db) as store:
        runs = [r["run_id"] for r in store.receipts()]
    return db, runs, [json.loads(out) for out, _ in outputs]


def test_four_concurrent_collects_end_like_one_calm_run(tmp_path, district_versions):
    tmp, files, newest, roster = district_versions
    calm = tmp_path / "calm.db"
    _fresh_store(calm, roster)
    assert govxl("collect", tmp / "all", "--year", YEAR, "--db", calm).returncode == 0
    assert in_use(calm) == newest
    rng = random.Random(4)
    batches = [rng.sample(files, 18) for _ in range(4)]  # overlapping, each in its own order
    overlapped = []
    for attempt in range(3):  # started together, they overlap nearly always; a scheduler may still
        db, runs, reports = _four_at_once(tmp_path / f"attempt{attempt}", roster, batches)  # run one first
        assert len(runs) == len(set().union(*map(set, batches)))
        assert {r["run_id"] for r in reports} >= set(runs)
        assert in_use(db) == in_use(calm) == newest  # whatever the interleaving
        # Did they overlap? The store's receipts, in the order written, switch between runs more
        # often than four runs one after the other could.
        switches = sum(a != b for a, b in itertools.pairwise(runs))
        overlapped.append(len(set(runs)) >= 2 and switches > len(set(runs)) - 1)
        if overlapped[-1]:
            break
    assert any(overlapped), "the four collects never ran at the same time"


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(x) for x in f.read().split()]
    return found


def _all_gone(pids: list[int], seconds: float = 20) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().split(") ")[-1][0] != "Z":
                        alive.append(pid)
            except FileNotFoundError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_kill_at_random_points_ends_like_one_calm_run(tmp_path, district_versions):
    tmp, files, newest, roster = district_versions
    rng = random.Random(9)
    for trial in range(3):
        db = tmp_path / f"killed{trial}.db"
        _fresh_store(db, roster)
        stop_after = rng.randint(1, len(files) // 2)  # half the files still to store: no machine is that quick
        method = ("fork", "spawn", "forkserver")[trial]  # each way of starting workers leaves none behind
        proc = subprocess.Popen([sys.executable, "-m", "govxl", "collect", str(tmp / "all"), "--year", str(YEAR),
                                 "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "GOVXL_START_METHOD": method})
        stored = 0
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            try:
                with Store(db) as store:
                    stored = store.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
            except Exception:
                stored = 0
            if stored >= stop_after:
                break
            time.sleep(0.01)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert stop_after <= stored < len(files), (trial, stored)
        assert workers and _all_gone(workers), "worker processes outlived the killed run"
        rerun = govxl("collect", tmp / "all", "--year", YEAR, "--db", db, "--json")
        assert rerun.returncode == 0, rerun.stderr
        with Store(db) as store:
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert store.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0] == len(files)
        assert in_use(db) == newest, (trial, stop_after)
