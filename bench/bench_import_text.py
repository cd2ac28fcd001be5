"""Benchmark: importing published reports given as text, against reading the same text.

``govxl.import_reports`` (the public API, no store: read only) imports the published reports in
text form — the sample district's, the seed report, the real reports of ../shared/domain — and the
baseline reads the same files: bytes decoded, every character normalised (NFKC, as anything that
reads these reports must do for ⼀ ⾏ ⼈ and full-width digits) and split into lines. Both in
this one process, interleaved, best of several rounds in CPU time. The issue sets no target for
the ratio; the figures say what an import costs per report.

    python bench/bench_import_text.py [--rounds 5] [--smoke] [--json PATH]
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from benchlib import ROOT, Bench, arguments, interleaved

import govxl

SHARED = ROOT.parent / "shared" / "domain"


def report_files() -> list[Path]:
    files = sorted((ROOT / "samples" / "published").glob("*.txt"))
    files += sorted(SHARED.glob("seed-report-*.txt"))
    files += sorted((SHARED / "real-reports").glob("*.txt"))
    return files


def read_text(files: list[Path]) -> int:
    lines = 0
    for f in files:
        data = f.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", "replace")
        lines += len(unicodedata.normalize("NFKC", text).splitlines())
    return lines


def main() -> None:
    args = arguments(__doc__, rounds=5)
    files = report_files()
    if args.smoke:
        args.rounds, files = 1, files[:2]
    bench = Bench("import_text", "govxl.import_reports of published text reports against reading the same text",
                  args)
    batch = govxl.import_reports(None, files)  # warm: spec and templates loaded once
    failed = [f.file for f in batch.files if f.failed]
    size = sum(f.stat().st_size for f in files)
    best = interleaved({"import": lambda: govxl.import_reports(None, files), "read": lambda: read_text(files)},
                       args.rounds)
    i, r = best["import"].per(len(files)), best["read"].per(len(files))
    bench.figure(f"{len(files)} published reports as text ({size / len(files) / 1024:.0f} KB each on average"
                 f"{'; not read as reports: ' + ', '.join(Path(f).name for f in failed) if failed else ''})")
    bench.figure(f"CPU per report, best of {args.rounds} interleaved rounds: import {i.cpu * 1000:.1f} ms, "
                 f"reading the same text {r.cpu * 1000:.2f} ms; ratio {i.cpu / r.cpu:.0f}x (no target)")
    if args.smoke:
        bench.profile("where an import's time goes (cProfile):", lambda: govxl.import_reports(None, files))
    bench.finish()


if __name__ == "__main__":
    main()
