"""Keeping imported reports, one file or a whole folder of them.

:func:`store_import` keeps a report file and its data as that agency's year (source: import), so
that next year's carry-over check can use it. :func:`import_paths` imports files and folders
(recursively), one file at a time so that a bad file costs only itself, storing each result and
telling a progress callback after each file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govxl import messages as msg
from govxl.form import narrative_checks
from govxl.form.spec import load_form
from govxl.importer.limits import SUFFIXES
from govxl.importer.reader import import_file
from govxl.importer.result import EDITIONS, ImportResult


# Findings that mean the file gave nothing to keep.
FATAL = {"import.not_a_report", "import.scanned_pdf", "import.too_large", "import.bad_file"}


def readable(result: ImportResult) -> bool:
    return not any(f.code in FATAL for f in result.findings)


def store_import(store, result: ImportResult, data: bytes, filename: str) -> bool:
    """Keep the report file and its data as that agency's year. A published report is stored even
    when it does not balance; its findings go with it. Returns False when it was already stored,
    its agency is not in the roster, its year is unknown or it is not a report."""
    from govxl.store import new_run_id

    roster = {a.code for a in store.roster()}
    if result.agency not in roster or result.year is None or not readable(result):
        return False
    last = store.latest(result.year - 1).get(result.agency)
    if last is not None:  # copied parts, jumps and the rules across years (govxl.form.narrative_checks)
        result.findings += narrative_checks.check_published_last_year(
            result.forms, values=result.values, narrative=result.narrative, previous=last.values,
            previous_narrative=last.narrative)
    keys = {k for name in result.forms.values() for k in load_form(name).cells}
    submission = dict(
        agency=result.agency, year=result.year, source="import",
        status="accepted_with_warnings" if result.findings else "accepted",
        values={k: v for k, v in result.values.items() if k in keys}, narrative=result.narrative,
        findings=result.findings, form_id=load_form(result.forms.get("t2", EDITIONS["2021"])).id,
        form_version=result.edition, agency_name=result.agency_name,
        info={"edition": result.edition, "forms": result.forms, "unread": [u.as_dict() for u in result.unread],
              "sources": result.sources},
    )
    return store.record_file(sha256=hashlib.sha256(data).hexdigest(), content=data, original_name=Path(filename).name,
                             source_path=str(filename), run_id=new_run_id(), status=submission["status"],
                             agency=result.agency, year=result.year, findings=result.findings,
                             submission=submission)


@dataclass
class FileImport:
    """One file of a batch: its result, whether it was stored, or why it could not be read."""

    path: str
    result: ImportResult | None = None
    saved: bool = False
    error: str | None = None  # a message when the file could not be read at all

    @property
    def ok(self) -> bool:
        return self.result is not None and readable(self.result)

    def as_dict(self) -> dict:
        if self.result is None:
            return {"source": self.path, "error": self.error, "saved": False}
        return self.result.as_dict() | {"saved": self.saved}


@dataclass
class BatchImport:
    files: list[FileImport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths given that hold no report file

    @property
    def failed(self) -> bool:
        return bool(self.missing) or any(not f.ok for f in self.files)

    def as_dict(self) -> dict:
        return {"files": [f.as_dict() for f in self.files], "missing": self.missing}


def report_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The report files named, folders searched recursively (in name order); (files, paths that
    hold none). Files named directly are taken whatever their suffix."""
    files: list[Path] = []
    missing: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = []
            for root, dirs, names in os.walk(p, onerror=None):
                dirs.sort()
                for name in sorted(names):
                    f = Path(root) / name
                    if f.suffix.lower() in SUFFIXES and not name.startswith(("~$", ".")) and f.is_file():
                        found.append(f)
            if not found:
                missing.append(str(p))
            files.extend(found)
        else:
            files.append(p)
    return files, missing


def import_paths(paths: Iterable[str | Path], *, store=None, agency: str | None = None, year: int | None = None,
                 progress: Callable[[FileImport, int, int], None] | None = None) -> BatchImport:
    """Import every report file under ``paths``; store each one an agency of the roster can own.
    ``progress(file_import, done, total)`` is called after each file."""
    files, missing = report_files(paths)
    batch = BatchImport(missing=missing)
    roster = {a.code: a for a in store.roster()} if store is not None else {}
    for n, path in enumerate(files, 1):
        item = FileImport(str(path))
        try:
            item.result = import_file(path, agency=agency, year=year, roster=roster)
            if store is not None and item.ok:
                item.saved = store_import(store, item.result, path.read_bytes(), str(path))
        except OSError as e:
            item.result = None
            item.error = msg.CANNOT_READ.format(path=path, error=msg.os_error(e))
        batch.files.append(item)
        if progress:
            progress(item, n, len(files))
    return batch


__all__ = ["BatchImport", "FileImport", "import_paths", "report_files", "store_import"]
