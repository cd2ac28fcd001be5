"""Benchmark: collecting returned workbooks, against a bare python-calamine read of every sheet.

N filled workbooks (balanced values and narrative, each a different agency) are collected by the
public API, ``govxl.collect``, into a fresh store, in a fresh process. The baseline reads every
sheet of the same files with python-calamine (``to_python`` of each sheet, nothing else) in a
process pool of the same size and start method, also in a fresh process. Both are timed in wall
time and in CPU time of all their processes (workers included); each side runs several times,
interleaved, and keeps its best round. The same comparison in one process (no pool) gives the cost
per file without the pool's start-up. Peak memory is compared for N/4 and N files.

Run with the platform's start method and with spawn (the only one Windows has), as chosen by
GOVXL_START_METHOD for govxl and the same for the baseline's pool.

Targets (issue 11): CPU per file <= 2x the bare read; >= 1,000 workbooks/s end to end for 2,000
files on 2 cores; memory flat in the number of files.

    python bench/bench_collect.py [--files 2000] [--rounds 2] [--methods default,spawn] [--smoke] [--json PATH]
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import random
import tempfile
from pathlib import Path

from benchlib import Bench, Timing, arguments, best, interleaved, loaded_note, run_python
from python_calamine import CalamineWorkbook

from govxl.demo import balanced_values, narrative_for
from govxl.form.spec import load_form
from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, write_workbook

YEAR = 2025


def make_agencies(n: int) -> list[Agency]:
    return [Agency(f"C{i:05}", f"卫东区测试单位{i:05}", "区直部门" if i % 3 else "乡镇街道") for i in range(n)]


def _write_filled(job: tuple) -> None:
    path, agency, seed = job
    form = load_form()
    values = balanced_values(form, random.Random(seed))
    write_workbook(WorkbookRequest(Path(path), YEAR, agency, values=values,
                                   narrative=narrative_for(agency, YEAR, values, form)))


def make_files(folder: Path, agencies: list[Agency]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder / f"{a.code}.xlsx"), a, i) for i, a in enumerate(agencies)]
    with multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn").Pool() as pool:
        pool.map(_write_filled, jobs, chunksize=16)
    return sorted(folder.iterdir())


def bare_read(path: str) -> int:
    """The floor: every sheet of a file, read by python-calamine into Python values."""
    with open(path, "rb") as f:
        book = CalamineWorkbook.from_filelike(io.BytesIO(f.read()))
    cells = 0
    for name in book.sheet_names:
        cells += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return cells


BARE_RUN = """
import multiprocessing, os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from bench_collect import bare_read
files = sorted(str(p) for p in Path({folder!r}).iterdir())
method = {method!r}
with timed() as t:
    context = multiprocessing.get_context(method) if method else None
    with ProcessPoolExecutor(os.cpu_count(), mp_context=context) as pool:
        list(pool.map(bare_read, files, chunksize=16))
print(json.dumps({{"wall": t.wall, "cpu": t.cpu, "rss": peak_rss_mb()}}))
"""

COLLECT_RUN = """
import govxl
from govxl.roster import Agency
with open({agencies!r}, encoding="utf-8") as f:
    agencies = [Agency(c, n, g) for c, n, g in json.load(f)]
with govxl.open_store({db!r}) as store:
    govxl.set_roster(store, agencies)
    with timed() as t:
        result = govxl.collect(store, {year}, [{folder!r}])
assert result.valid and len(result.files) == {n}, [f.as_dict() for f in result.files if f.status == "rejected"][:1]
print(json.dumps({{"wall": t.wall, "cpu": t.cpu, "rss": peak_rss_mb()}}))
"""


def main() -> None:
    args = arguments(__doc__, files=2000, rounds=2, methods="default,spawn")
    if args.smoke:
        args.files, args.rounds, args.methods = 40, 1, "default"
    bench = Bench("collect", "govxl.collect against a bare python-calamine read of every sheet of the same files",
                  args)
    n = args.files
    agencies = make_agencies(n)
    rows = [(a.code, a.name, a.group) for a in agencies]
    here = str(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = make_files(tmp / "files", agencies)
        roster_file = tmp / "roster.json"
        roster_file.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        quarter = tmp / "quarter"
        quarter.mkdir()
        for f in files[: n // 4]:
            (quarter / f.name).write_bytes(f.read_bytes())
        size = sum(f.stat().st_size for f in files) / n
        bench.figure(f"{n} filled workbooks, {size / 1024:.0f} KB each on average; {os.cpu_count()} cores")

        # In this process: the examination of a file (what a worker does) against the bare read.
        from govxl.collection.examine import Context, examine

        subset = [(f.name, f.read_bytes()) for f in files[: min(n, 200)]]
        context = Context(YEAR, {a.code: a for a in agencies})
        examine(subset[0][1], subset[0][0], context)  # spec and layout loaded once

        def examine_all():
            for name, data in subset:
                examine(data, name, context)

        def read_all():
            for name, data in subset:
                book = CalamineWorkbook.from_filelike(io.BytesIO(data))
                for sheet in book.sheet_names:
                    book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

        serial = interleaved({"examine": examine_all, "bare": read_all}, args.rounds)
        se, sb = serial["examine"].per(len(subset)), serial["bare"].per(len(subset))
        bench.figure(f"in one process, CPU per file: examining it (govxl.collection.examine.examine: what a "
                     f"worker does) {se.cpu * 1000:.2f} ms, bare calamine read {sb.cpu * 1000:.2f} ms, "
                     f"ratio {se.cpu / sb.cpu:.2f}x")

        methods = [m.strip() for m in args.methods.split(",") if m.strip()]
        ratios = []
        for method in methods:
            start = None if method == "default" else method
            label = multiprocessing.get_start_method() if start is None else start
            env = {"GOVXL_START_METHOD": start or ""}
            runs: dict[str, list[Timing]] = {"bare": [], "collect": []}
            peaks = {}
            for r in range(args.rounds):
                bare = run_python(BARE_RUN.format(folder=str(tmp / "files"), method=start),
                                  env={"PYTHONPATH": here}, cwd=tmp)
                runs["bare"].append(Timing(bare["wall"], bare["cpu"]))
                out = run_python(COLLECT_RUN.format(agencies=str(roster_file), db=str(tmp / f"{label}{r}.db"), year=YEAR,
                                                    folder=str(tmp / "files"), n=n), env=env)
                runs["collect"].append(Timing(out["wall"], out["cpu"]))
                peaks["all"] = max(peaks.get("all", 0), *out["rss"])
            out = run_python(COLLECT_RUN.format(agencies=str(roster_file), db=str(tmp / f"{label}-quarter.db"), year=YEAR,
                                                folder=str(quarter), n=n // 4), env=env)
            peaks["quarter"] = max(out["rss"])
            b, c = best(runs["bare"]), best(runs["collect"])
            bench.figure(f"[{label}] {os.cpu_count()} processes, {n} files: govxl.collect {c.wall:.2f} s wall, "
                         f"{c.cpu / n * 1000:.2f} ms CPU per file; bare calamine read {b.wall:.2f} s wall, "
                         f"{b.cpu / n * 1000:.2f} ms CPU per file")
            ratios.append(bench.target(f"[{label}] collect / bare read (CPU per file, same processes)",
                                       c.cpu / b.cpu, "<=", 2, "x"))
            note = loaded_note()
            bench.target(f"[{label}] throughput, {n} files (wall)", n / c.wall, ">=", 1000, "workbooks/s", note)
            bench.figure(f"  CPU time divided by the cores: {n / (c.cpu / (os.cpu_count() or 1)):.0f} workbooks/s "
                         f"(the throughput an otherwise idle machine would allow, at best)")
            bench.target(f"[{label}] peak memory, {n} files / {n // 4} files", peaks["all"] / peaks["quarter"],
                         "<=", 1.25, "x", f"{peaks['quarter']:.0f} MB and {peaks['all']:.0f} MB, largest process")

        if args.smoke or not all(t.met for t in ratios):
            bench.profile(f"where the examination's time goes, one process, {len(subset)} files (cProfile):",
                          examine_all)
    bench.finish()


if __name__ == "__main__":
    main()
