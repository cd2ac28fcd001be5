"""Benchmark: how long the quick commands take to start and finish.

Runs ``govxl --version``, ``govxl --help`` and ``govxl status`` on a store of the 35-agency sample
district (roster of samples/roster.csv, 33 submissions) as a clerk would — the console script in a
fresh process — many times, interleaved with a bare ``python -c pass`` of the same interpreter
(the floor), and reports the median wall time and CPU time of each. Then ``python -X importtime``
of each command shows which imports the time goes to.

Target (issue 11): each of the three <= 0.15 s wall.

    python bench/bench_startup.py [--runs 15] [--smoke] [--json PATH]
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, Bench, arguments, loaded_note

try:
    import resource
except ImportError:
    resource = None

YEAR = 2025


def console_script() -> list[str]:
    """The installed ``govxl`` console script next to this interpreter (``python -m govxl`` if
    there is none)."""
    script = Path(sys.executable).with_name("govxl.exe" if os.name == "nt" else "govxl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "govxl"]


def make_store(db: Path) -> None:
    import govxl
    from govxl.demo import balanced_values
    from govxl.form.spec import load_form

    form = load_form()
    rng = random.Random(3)
    with govxl.open_store(db) as store:
        agencies = govxl.set_roster(store, ROOT / "samples" / "roster.csv")
        for a in agencies[:33]:
            store.add_submission(agency=a.code, year=YEAR, source="workbook", status="accepted",
                                 values=balanced_values(form, rng), narrative={}, findings=[], agency_name=a.name)


def run_once(command: list[str], env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of a command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {out.stderr.decode(errors='replace')[-2000:]}")
    if before is None:
        return wall, wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_profile(args: list[str], env: dict, top: int = 12) -> str:
    """The modules with the most cumulative import time (``python -X importtime``), top level
    first; their sum is the start-up cost of imports."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          "import sys; from govxl.__main__ import main; sys.argv[0] = 'govxl'; main()", *args],
                         capture_output=True, text=True, env=env)
    rows = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    total = sum(us for us, depth, _ in rows if depth == 0)
    lines = [f"  {us / 1000:6.1f} ms  {'  ' * depth}{name}" for us, depth, name in
             sorted(rows, key=lambda r: -r[0])[:top]]
    return f"imports {total / 1000:.1f} ms in all ({len(rows)} modules); the largest, cumulative:\n" + "\n".join(lines)


def main() -> None:
    args = arguments(__doc__, runs=15)
    if args.smoke:
        args.runs = 2
    bench = Bench("startup", "quick commands of the console script against a bare python start", args)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "govxl.db"
        make_store(db)
        env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
        govxl = console_script()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "govxl --version": [*govxl, "--version"],
            "govxl --help": [*govxl, "--help"],
            "govxl status (35 agencies)": [*govxl, "status", "--year", str(YEAR), "--db", str(db)],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for name, command in commands.items():  # warm the file cache
            run_once(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                samples[name].append(run_once(command, env))
        floor = statistics.median(w for w, _ in samples["python -c pass"])
        bench.figure(f"median of {args.runs} interleaved runs each (wall, CPU user+system); "
                     f"console script: {' '.join(Path(c).name for c in govxl)}")
        note = loaded_note()
        for name, runs in samples.items():
            wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
            bench.figure(f"{name}: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
                         + (f", {wall / floor:.1f}x a bare python start" if name != "python -c pass" else ""))
            if name != "python -c pass":
                bench.target(f"{name} (wall)", wall, "<=", 0.15, "s", note)
                if note:
                    bench.target(f"{name} (CPU)", cpu, "<=", 0.15, "s")
        for name, argv in (("--version", ["--version"]), ("--help", ["--help"]),
                           ("status", ["status", "--year", str(YEAR), "--db", str(db)])):
            text = import_profile(argv, env)
            print(f"govxl {name}: {text}")
            bench.profiles.append(f"python -X importtime, govxl {name}: {text}")
    bench.finish()


if __name__ == "__main__":
    main()
