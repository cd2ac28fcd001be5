"""Quick commands import only what they use (issue 11: ``govxl --help``, ``--version`` and
``status`` should answer at once). Which modules a command loads is checked, never how long it
takes: bench/bench_startup.py measures the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("typer", "rich.console", "rich.progress", "pydantic", "govxl.api", "govxl.store", "sqlite3", "xlsxwriter",
         "openpyxl", "python_calamine", "jinja2", "docx", "govxl.form.spec", "govxl.workbook.generate")

PROBE = """
import atexit, json, sys
heavy = {heavy!r}
atexit.register(lambda: sys.stderr.write("\\nLOADED " + json.dumps([m for m in heavy if m in sys.modules]) + "\\n"))
sys.argv = ["govxl", *{args!r}]
from govxl.__main__ import main
main()
"""


def loaded(*args: str, cwd=None) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, args=list(args))], capture_output=True,
                         text=True, env=env, cwd=cwd, timeout=120)
    line = [x for x in out.stderr.splitlines() if x.startswith("LOADED ")][-1]
    return out, set(json.loads(line.removeprefix("LOADED ")))


def test_version_loads_no_command_line_library():
    out, modules = loaded("--version")
    assert out.returncode == 0 and out.stdout.strip().startswith("govxl ")
    assert modules == set()


def test_help_loads_neither_the_library_nor_the_store():
    out, modules = loaded("--help")
    assert out.returncode == 0 and "政府信息公开" in out.stdout
    assert modules <= {"typer", "rich.console"}, modules


@pytest.mark.parametrize("args", [["status", "--year", "2025", "--json"], ["status", "--year", "2025"]])
def test_status_loads_the_store_but_no_workbook_library(tmp_path, args):
    import govxl

    with govxl.open_store(tmp_path / "govxl.db") as store:
        govxl.set_roster(store, [govxl.Agency("A01", "财政局", "区直部门")])
    out, modules = loaded(*args, "--db", str(tmp_path / "govxl.db"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "财政局" in out.stdout
    assert not modules & {"xlsxwriter", "openpyxl", "python_calamine", "jinja2", "docx", "rich.progress",
                          "govxl.form.spec", "govxl.workbook.generate"}, modules


def test_every_command_imports_the_api_it_calls():
    """The API is imported inside each command (not at the top of cli.py, for a fast start): a
    command that uses ``api`` without importing it would fail only when run."""
    import ast

    from conftest import ROOT

    tree = ast.parse((ROOT / "govxl" / "cli.py").read_text(encoding="utf-8"))
    top = {a.asname or a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    missing = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and "api" not in top:
            uses = any(isinstance(n, ast.Name) and n.id == "api" for n in ast.walk(node))
            imports = any(isinstance(n, ast.ImportFrom) and any(a.name == "api" for a in n.names)
                          for n in ast.walk(node))
            if uses and not imports:
                missing.append(node.name)
    assert missing == []
