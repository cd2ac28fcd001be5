"""Benchmark: collecting filled workbooks into a fresh store.

Prints the per-file time of ``collect`` (identify, check structure, coerce, rules, store with the
file's bytes) and its ratio to a bare python-calamine read of every sheet of the same files, in
the same run, and the peak memory of collecting N/4 and N files (it should not grow with N).
Targets (issue 3): at least 500 workbooks/s on 2 cores, within 3x of the bare read, flat memory.

    python bench/bench_collect.py [N]
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

from govxl.demo import balanced_values, narrative_for
from govxl.form.spec import load_form
from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, write_workbook


YEAR = 2025


def make_files(folder: Path, n: int) -> list[Agency]:
    form = load_form()
    agencies = [Agency(f"B{i:04}", f"卫东区测试单位{i:04}", "区直部门") for i in range(n)]
    rng = random.Random(1)
    for a in agencies:
        values = balanced_values(form, rng)
        write_workbook(WorkbookRequest(folder / f"{a.code}.xlsx", YEAR, a, values=values,
                                       narrative=narrative_for(a, YEAR, values, form)))
    return agencies


def bare_read(files: list[Path]) -> float:
    start = time.perf_counter()
    for f in files:
        book = CalamineWorkbook.from_filelike(io.BytesIO(f.read_bytes()))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def collect_run(folder: Path, db: Path, agencies: list[Agency]) -> tuple[float, int]:
    """Collect in a fresh process; returns (seconds, peak RSS in KB)."""
    code = (
        "import json, sys, time, resource\n"
        "from govxl.collection.collect import collect\nfrom govxl.store import Store\nfrom govxl.roster import Agency\n"
        f"store = Store({str(db)!r})\n"
        f"store.set_roster([Agency(c, n, g) for c, n, g in json.loads({json.dumps(json.dumps([(a.code, a.name, a.group) for a in agencies]))})])\n"
        "start = time.perf_counter()\n"
        f"report = collect([{str(folder)!r}], {YEAR}, store)\n"
        "elapsed = time.perf_counter() - start\n"
        "assert report.valid, [f.findings for f in report.files if f.status == 'rejected'][:1]\n"
        "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(json.dumps([elapsed, peak]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    elapsed, peak = json.loads(out.stdout.strip().splitlines()[-1])
    return elapsed, peak


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small, large = tmp / "small", tmp / "large"
        agencies = make_files(large, n)
        small.mkdir()
        for f in sorted(large.iterdir())[: n // 4]:
            (small / f.name).write_bytes(f.read_bytes())
        files = sorted(large.iterdir())
        bare_read(files[:50])  # warm up
        t_bare = bare_read(files)
        t_small, peak_small = collect_run(small, tmp / "small.db", agencies)
        t_large, peak_large = collect_run(large, tmp / "large.db", agencies)
    per_file = t_large / n
    print(f"collect {n} workbooks: {t_large:.2f} s, {per_file * 1000:.2f} ms per file, "
          f"{n / t_large:.0f} workbooks/s (target >= 500/s)")
    print(f"bare python-calamine read: {t_bare / n * 1000:.2f} ms per file; "
          f"ratio {per_file / (t_bare / n):.2f}x (target <= 3x)")
    print(f"peak memory: {n // 4} files {peak_small / 1024:.0f} MB, {n} files {peak_large / 1024:.0f} MB "
          f"(ratio {peak_large / peak_small:.2f}, flat is ~1)")


if __name__ == "__main__":
    main()
