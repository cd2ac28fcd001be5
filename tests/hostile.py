"""Hostile and unlucky inputs, built by the tests: workbooks edited at the XML level (far cells,
formulas typed into input cells, saved times), and helpers to run govxl as a command."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from govxl.form.layout import layout_form
from govxl.form.spec import load_form


def rewrite(source: Path, target: Path, edits: dict) -> Path:
    """A copy of the workbook ``source`` with parts changed: part name -> function(text) -> text."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename in edits:
                data = edits[item.filename](data.decode("utf-8")).encode("utf-8")
            dst.writestr(item.filename, data)
    return target


def sheet_part(sheet: str) -> str:
    """The part of a sheet of a govxl workbook (sheets are written in the layout's order)."""
    layout = layout_form(load_form())
    names = [layout.texts["sheets"]["cover"], *[s.name for s in layout.sheets]]
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def with_far_cell(source: Path, target: Path, ref: str, sheet: str = "文字部分") -> Path:
    """One more cell holding a number, at ``ref`` (e.g. XFD1048576), at the end of a sheet."""
    row = re.sub(r"[A-Z]+", "", ref)
    extra = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
    return rewrite(source, target, {sheet_part(sheet): lambda x: x.replace("</sheetData>", extra + "</sheetData>")})


def with_cell_xml(source: Path, target: Path, key: str, xml: str) -> Path:
    """The input cell of ``key`` replaced by ``xml`` (a whole <c …>…</c> element, {ref} filled)."""
    layout = layout_form(load_form())
    sheet, span = layout.locate(key)
    pattern = re.compile(rf'<c r="{span.a1}"[^>]*?(/>|>.*?</c>)', re.S)

    def edit(text: str) -> str:
        new, n = pattern.subn(lambda _m: xml.format(ref=span.a1), text, count=1)
        assert n == 1, (key, span.a1)
        return new
    return rewrite(source, target, {sheet_part(sheet): edit})


def with_saved_time(source: Path, target: Path, when: dt.datetime) -> Path:
    """The workbook as if saved at ``when`` (docProps/core.xml dcterms:modified)."""
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return rewrite(source, target, {"docProps/core.xml": lambda x: re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", x)})


def govxl(*args, cwd=None, env=None, timeout=300, prefix=()) -> subprocess.CompletedProcess:
    """Run the govxl command, as a clerk would."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*prefix, sys.executable, "-m", "govxl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=full_env, timeout=timeout)


def json_of(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def by_name(report: dict) -> dict:
    """The files of a collect JSON report by their file name."""
    return {Path(f["file"]).name: f for f in report["files"]}


def codes(entry: dict) -> list[str]:
    return [f["code"] for f in entry["findings"]]


@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A file system of ``size`` (tmpfs) mounted at ``path``: a disk that fills up. Needs root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a size-limited file system (tmpfs) needs root to mount")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, options: str) -> None:
    """Change a mounted small disk: 'ro' (read-only), 'rw', 'size=4m'."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True, capture_output=True)
