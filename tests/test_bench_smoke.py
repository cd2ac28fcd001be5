"""Every benchmark runs, on a tiny input, and reports its figures and targets. The benchmarks
themselves are never timed here (``make bench`` runs them at full size)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("bench_*.py")
                 if "benchlib" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_on_a_tiny_input(script, tmp_path):
    record = tmp_path / "record.json"
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--smoke", "--json", str(record)],
                         capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "COLUMNS": "100"},
                         timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["smoke"] and data["figures"] and data["machine"]["cores"]
    for target in data["targets"]:
        assert target["value"] > 0 and target["op"] in ("<=", ">=") and target["name"] in out.stdout
    assert list(tmp_path.iterdir()) == [record]  # the benchmark cleaned up after itself


def test_every_benchmark_is_in_the_smoke_test():
    assert {"bench_startup.py", "bench_generate.py", "bench_collect.py", "bench_merge.py"} <= set(SCRIPTS)
