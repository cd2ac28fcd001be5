"""What every benchmark shares: the machine, CPU time that counts worker processes, timing in fresh
processes, targets checked and printed, and the JSON record that ``bench/run_all.py`` gathers into
``bench/results.md``.

Rules the benchmarks follow (issue 11):
- every ratio is against a baseline measured in the same run, on the same files, with the same
  number of processes — or in CPU time per file for both;
- govxl is called only through its public API (``govxl`` / ``govxl.api``) and the public
  functions of its stage modules, never a private name;
- the machine is shared: wall time is inflated by other work, CPU time much less so. Ratios are
  taken in CPU time, the best (lowest) of several interleaved rounds; absolute targets in wall
  time are printed with the load average beside them.

Every script takes ``--smoke`` (a tiny input, seconds: what ``tests/test_bench_smoke.py`` runs)
and ``--json PATH`` (where to write its record).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: no rusage; CPU time of this process only
    resource = None

ROOT = Path(__file__).resolve().parent.parent


# --- clocks ---------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of every child process it has waited for
    (the workers of a pool count once the pool is shut down)."""
    if resource is None:
        return time.process_time()
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory in MB of this process and of its largest waited-for child."""
    if resource is None:
        return 0.0, 0.0
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale)


@dataclass
class Timing:
    wall: float
    cpu: float

    def per(self, n: int) -> Timing:
        return Timing(self.wall / n, self.cpu / n)


class timed:
    """``with timed() as t: ...`` then ``t.wall``, ``t.cpu`` (seconds, this process and waited-for
    children)."""

    def __enter__(self) -> Timing:
        self._wall, self._cpu = time.perf_counter(), cpu_seconds()
        self.timing = Timing(0.0, 0.0)
        return self.timing

    def __exit__(self, *exc) -> None:
        self.timing.wall = time.perf_counter() - self._wall
        self.timing.cpu = cpu_seconds() - self._cpu


def best(timings: list[Timing]) -> Timing:
    """The round with the least CPU time (the least disturbed by other work on the machine)."""
    return min(timings, key=lambda t: t.cpu)


def interleaved(functions: dict, rounds: int) -> dict[str, Timing]:
    """Run each function once per round, alternating, and keep each one's best round: a burst of
    load on the shared machine then hurts both sides alike."""
    results: dict[str, list[Timing]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, fn in functions.items():
            with timed() as t:
                fn()
            results[name].append(t)
    return {name: best(ts) for name, ts in results.items()}


def run_python(code: str, *, env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run Python code in a fresh interpreter (this one's), which prints one JSON object as its
    last line; return that object. The code may use ``measure_start()``/``measure_end()``."""
    prelude = ("import sys, json\n"
               f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
               "from benchlib import timed, peak_rss_mb, cpu_seconds\n")
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=cwd)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the machine ----------------------------------------------------------------------------------


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    versions = {}
    from importlib.metadata import PackageNotFoundError, version

    for name in ("govxl", "XlsxWriter", "python-calamine", "openpyxl", "typer", "rich"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            pass
    import multiprocessing

    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": memory,
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "packages": versions, "default_start_method": multiprocessing.get_start_method(allow_none=False),
        "GOVXL_START_METHOD": os.environ.get("GOVXL_START_METHOD") or None,
    }


# --- results --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float
    op: str  # "<=" or ">="
    limit: float
    unit: str = ""
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def line(self) -> str:
        verdict = "met" if self.met else "NOT MET"
        unit = f" {self.unit}" if self.unit else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.name}: {self.value:.3g}{unit}, target {self.op} {self.limit:g}{unit} — {verdict}{note}"


@dataclass
class Bench:
    """One benchmark's record: figures (lines of text), targets, profile summaries."""

    name: str
    description: str
    args: argparse.Namespace | None = None
    figures: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %z"))
    load_before: float | None = field(default_factory=load_average)

    def figure(self, text: str) -> None:
        print(text, flush=True)
        self.figures.append(text)

    def target(self, name: str, value: float, op: str, limit: float, unit: str = "", note: str = "") -> Target:
        t = Target(name, value, op, limit, unit, note)
        print("  → " + t.line(), flush=True)
        self.targets.append(t)
        return t

    def profile(self, title: str, fn, *, limit: int = 15) -> None:
        """Where the time goes: run ``fn`` under cProfile and keep the functions with the most
        time of their own, and those with the most time in total."""
        profiler = cProfile.Profile()
        profiler.enable()
        fn()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.strip_dirs().sort_stats("tottime").print_stats(limit)
        stats.sort_stats("cumulative").print_stats(limit)
        summary = f"{title}\n" + "\n".join(line for line in text.getvalue().splitlines()
                                             if line.strip() and not line.startswith("   Ordered by"))
        print(summary, flush=True)
        self.profiles.append(summary)

    def finish(self) -> None:
        record = {
            "name": self.name, "description": self.description, "started": self.started,
            "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "load_before": self.load_before, "load_after": load_average(),
            "smoke": bool(self.args and self.args.smoke), "machine": machine(),
            "figures": self.figures, "targets": [asdict(t) | {"met": t.met} for t in self.targets],
            "profiles": self.profiles,
        }
        if self.args and self.args.json:
            Path(self.args.json).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def arguments(doc: str, **sizes) -> argparse.Namespace:
    """The common command line: ``--smoke``, ``--json PATH`` and the sizes given as NAME=default."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny input: check that the benchmark runs")
    parser.add_argument("--json", help="write the record (figures, targets, profiles) to this file")
    for name, default in sizes.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args()


def loaded_note() -> str:
    """A note for wall-time targets when the machine is busier than its cores."""
    load, cores = load_average(), os.cpu_count() or 1
    if load is not None and load > cores:
        return f"machine loaded: load average {load:g} on {cores} cores, wall time inflated"
    return ""
