"""Benchmark: merging stored submissions.

Fills a fresh store with N accepted submissions (default 10,000) and times, in the same run,
the consolidation (read the latest accepted versions, add up exactly, recompute the totals) and,
separately, writing the summary workbook with its per-agency sheet. Target (issue 4): merging
10,000 stored submissions in under 2 s.

    python bench/bench_merge.py [N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from govxl.consolidation.merge import consolidate, write_summary
from govxl.demo import balanced_values
from govxl.form.spec import load_form
from govxl.roster import Agency
from govxl.store import Store, new_run_id


YEAR = 2025


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    form = load_form()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "govxl.db")
        agencies = [Agency(f"B{i:05}", f"测试单位{i:05}", "区直部门" if i % 4 else "乡镇街道") for i in range(n)]
        store.set_roster(agencies)
        run = new_run_id()
        with store.transaction():
            for a in agencies:
                store._insert_submission(agency=a.code, year=YEAR, source="workbook", status="accepted",
                                         values=balanced_values(form, rng), narrative={}, findings=[],
                                         received_at="2026-01-20T10:00:00+08:00", run_id=run)
        start = time.perf_counter()
        result = consolidate(store, YEAR)
        t_merge = time.perf_counter() - start
        assert len(result.contributions) == n
        start = time.perf_counter()
        write_summary(result, Path(tmp) / "summary.xlsx", store=store)
        t_write = time.perf_counter() - start
    print(f"consolidate {n} stored submissions: {t_merge:.2f} s (target < 2 s)")
    print(f"write the summary workbook ({n} agency rows x {len(form.cells)} cells): {t_write:.2f} s")


if __name__ == "__main__":
    main()
