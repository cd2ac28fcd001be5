"""Run every benchmark (bench/bench_*.py) and write bench/results.md: the machine, the date, each
benchmark's figures, every target with its verdict, and where the time goes where one is missed.

    python bench/run_all.py [--only NAME,...] [--out bench/results.md] [--smoke]

``make bench`` runs this. A benchmark that does not speak benchlib's ``--json`` is run as it is and
its output kept as its figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import load_average, machine

HERE = Path(__file__).resolve().parent
ORDER = ["startup", "generate", "collect", "merge"]  # the others after these, by name


def scripts(only: set[str] | None) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"), key=lambda p: (
        ORDER.index(p.stem[6:]) if p.stem[6:] in ORDER else len(ORDER), p.stem))
    return [p for p in found if only is None or p.stem[6:] in only]


def run(script: Path, smoke: bool, folder: Path) -> dict:
    print(f"\n=== {script.name}", flush=True)
    speaks_json = "benchlib" in script.read_text(encoding="utf-8")
    record_path = folder / f"{script.stem}.json"
    command = [sys.executable, str(script)]
    if speaks_json:
        command += ["--json", str(record_path)] + (["--smoke"] if smoke else [])
    start = time.perf_counter()
    out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(out.stdout, end="", flush=True)
    elapsed = time.perf_counter() - start
    if speaks_json and out.returncode == 0 and record_path.exists():
        record = json.loads(record_path.read_text(encoding="utf-8"))
    else:
        record = {"name": script.stem[6:], "description": "", "figures": out.stdout.strip().splitlines(),
                  "targets": [], "profiles": []}
    record.update(script=script.name, returncode=out.returncode, seconds=round(elapsed, 1))
    if out.returncode != 0:
        record["failure"] = out.stdout[-3000:]
    return record


def target_line(t: dict) -> str:
    unit = f" {t['unit']}" if t["unit"] else ""
    verdict = "**met**" if t["met"] else "**NOT MET**"
    note = f" — {t['note']}" if t.get("note") else ""
    return f"| {t['name']} | {t['value']:.3g}{unit} | {t['op']} {t['limit']:g}{unit} | {verdict}{note} |"


def markdown(records: list[dict], started: str, loads: tuple) -> str:
    m = machine()
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run_all.py`); each benchmark's method is in its docstring.",
        "Ratios are in CPU time against a baseline measured in the same run on the same input; wall-time",
        "targets are shown with the machine's load (it is shared with other work).",
        "",
        f"- date: {started}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; {m['os']}; Python {m['python']}",
        f"- packages: {packages}",
        f"- worker start method: {m['GOVXL_START_METHOD'] or m['default_start_method'] + ' (platform default)'}"
        " unless a figure says otherwise",
        f"- load average (1 min) at start {loads[0]}, at end {loads[1]}",
        "",
        "## Targets",
        "",
        "| benchmark | measured | target | verdict |",
        "|---|---|---|---|",
    ]
    for r in records:
        for t in r.get("targets", []):
            lines.append(target_line(t).replace("| ", f"| {r['name']}: ", 1))
    for r in records:
        lines += ["", f"## {r['name']} (`bench/{r['script']}`, {r['seconds']} s)", ""]
        if r.get("description"):
            lines += [r["description"], ""]
        if r.get("load_before") is not None:
            lines += [f"Load average at start {r['load_before']}, at end {r.get('load_after')}.", ""]
        lines += ["```", *r.get("figures", []), "```"]
        if r.get("failure"):
            lines += ["", "**The benchmark failed:**", "```", r["failure"], "```"]
        for p in r.get("profiles", []):
            lines += ["", "<details><summary>" + p.splitlines()[0] + "</summary>", "", "```",
                      *p.splitlines()[1:], "```", "</details>"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names (startup, generate, collect, merge, …)")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    parser.add_argument("--smoke", action="store_true", help="tiny inputs; results.md is not written")
    parser.add_argument("--keep", help="also keep each benchmark's JSON record in this folder")
    parser.add_argument("--records", help="write results.md from the JSON records in this folder (as --keep left "
                                          "them, e.g. from runs of single benchmarks) instead of running")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    started, load = time.strftime("%Y-%m-%d %H:%M:%S %z"), load_average()
    if args.records:
        records = []
        for s in scripts(only):
            path = Path(args.records) / f"{s.stem}.json"
            if path.exists():
                record = json.loads(path.read_text(encoding="utf-8"))
                record.setdefault("script", s.name)
                record.setdefault("returncode", 0)
                record.setdefault("seconds", "?")
                records.append(record)
        started = min(r["started"] for r in records)
        load = records[0].get("load_before")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            records = [run(s, args.smoke, Path(tmp)) for s in scripts(only)]
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                for r in records:
                    if (Path(tmp) / f"{Path(r['script']).stem}.json").exists():
                        (Path(args.keep) / f"{Path(r['script']).stem}.json").write_text(
                            json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")
    loads = (load, records[-1].get("load_after") if args.records else load_average())
    if args.records:
        started = f"{started} to {max(r.get('finished', r['started']) for r in records)}"
    text = markdown(records, started, loads)
    print("\n=== targets")
    for r in records:
        for t in r.get("targets", []):
            print(target_line(t).replace("| ", f"| {r['name']}: ", 1))
    if not args.smoke:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"\nwritten: {args.out}")
    sys.exit(1 if any(r["returncode"] for r in records) else 0)


if __name__ == "__main__":
    main()
