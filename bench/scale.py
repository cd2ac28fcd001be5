"""The scale note of the README: time and memory of generate, collect, merge and compose --all for
districts of 35, 500, 5,000 and 20,000 agencies.

Each step runs through the public API (``govxl.generate``, ``govxl.collect``, ``govxl.merge``,
``govxl.compose``) in a fresh process, as a command would, on one store per size: generate writes
the blank workbooks; collect takes the same number of filled workbooks (written beforehand, not
timed); merge writes the summary workbook; compose writes every agency's report as HTML. For each:
wall time, CPU time of all processes, peak memory of the main process and of the largest worker.
Not part of ``make bench`` (it takes long); run ``python bench/scale.py [--sizes 35,500,5000,20000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench_collect import make_agencies, make_files
from benchlib import load_average, machine, run_python

YEAR = 2025

STEP = """
import govxl
from govxl.roster import Agency
with open({rows!r}, encoding="utf-8") as f:
    agencies = [Agency(c, n, g) for c, n, g in json.load(f)]
with govxl.open_store({db!r}) as store:
    with timed() as t:
{body}
print(json.dumps({{"wall": t.wall, "cpu": t.cpu, "rss": peak_rss_mb()}}))
"""

BODIES = {
    "generate": "        govxl.generate(store, {year}, {tmp!r} + '/blank', roster=agencies)",
    "collect": "        r = govxl.collect(store, {year}, [{tmp!r} + '/files'])\n"
               "    assert r.valid, [f.as_dict() for f in r.files if f.status == 'rejected'][:1]",
    "merge": "        govxl.merge(store, {year}, out={tmp!r} + '/summary.xlsx')",
    "compose --all": "        govxl.compose(store, {year}, {tmp!r} + '/reports', format='html', all_agencies=True)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="35,500,5000,20000")
    parser.add_argument("--out", help="append the JSON lines to this file")
    args = parser.parse_args()
    print(f"machine: {machine()['cpu']}, {os.cpu_count()} cores; load {load_average()}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    print("| agencies | step | wall | CPU (all processes) | peak memory (main / largest worker) |")
    print("|---|---|---|---|---|", flush=True)
    for n in [int(x) for x in args.sizes.split(",")]:
        agencies = make_agencies(n)
        with tempfile.TemporaryDirectory() as tmp:
            rows = Path(tmp) / "roster.json"
            rows.write_text(json.dumps([(a.code, a.name, a.group) for a in agencies], ensure_ascii=False),
                            encoding="utf-8")
            make_files(Path(tmp) / "files", agencies)
            for step, body in BODIES.items():
                load = load_average()
                out = run_python(STEP.format(rows=str(rows), db=str(Path(tmp) / "govxl.db"),
                                             body=body.format(year=YEAR, tmp=tmp)))
                main_mb, worker_mb = out["rss"]
                line = (f"| {n:,} | {step} | {out['wall']:.1f} s | {out['cpu']:.1f} s | "
                        f"{main_mb:.0f} MB / {worker_mb:.0f} MB |")
                print(line + f" <!-- load {load} -->", flush=True)
                if args.out:
                    with open(args.out, "a", encoding="utf-8") as f:
                        f.write(json.dumps({"agencies": n, "step": step, **out, "load": load}) + "\n")


if __name__ == "__main__":
    main()
