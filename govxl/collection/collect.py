"""``govxl collect``: read, identify, check and keep every returned workbook.

Files are examined in worker processes (reading dominates) and stored by the calling process, one
transaction per file. Collecting the same file again changes nothing; a changed file of the same
agency becomes a new version; two files of one agency in one run: the newest (by the time the
file says it was saved) is the submission, the other is kept and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from govxl import messages as msg
from govxl.collection.examine import Context, Examination, examine
from govxl.errors import InvalidArgument
from govxl.findings import ERROR, WARNING, Finding
from govxl.form import rules as rule_engine
from govxl.form.spec import load_form
from govxl.parallel import process_pool
from govxl.store import Store, new_run_id

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


class CollectError(InvalidArgument):
    """The collection cannot start (no roster, a path that does not exist). Chinese message."""


@dataclass
class FileReport:
    file: str
    sha256: str
    status: str
    findings: list[Finding]
    agency: str | None = None
    agency_name: str | None = None
    year: int | None = None
    version: int | None = None
    file_time: str | None = None
    stored: bool = False  # a submission was recorded from this file in this run

    @property
    def unexplained(self) -> int:
        """Warnings the agency has not explained in its 情况说明."""
        return sum(f.severity == WARNING and not f.explained for f in self.findings)

    def as_dict(self) -> dict:
        return {
            "file": self.file, "sha256": self.sha256, "agency": self.agency, "agency_name": self.agency_name,
            "year": self.year, "status": self.status, "version": self.version,
            "errors": sum(f.severity == ERROR for f in self.findings),
            "warnings": sum(f.severity == WARNING for f in self.findings),
            "unexplained": self.unexplained,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class CollectReport:
    year: int
    run_id: str
    files: list[FileReport] = field(default_factory=list)
    report_files: list[Path] = field(default_factory=list)  # 问题清单 and feedback workbooks written
    report_error: str | None = None  # why they could not be written (the files are collected anyway)

    @property
    def valid(self) -> bool:
        return all(f.status != "rejected" for f in self.files)

    def as_dict(self) -> dict:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {"valid": self.valid, "year": self.year, "run_id": self.run_id, "counts": counts,
                "files": [f.as_dict() for f in self.files],
                "report_files": [str(p) for p in self.report_files], "report_error": self.report_error}


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every file under the given files and folders (recursively), in a stable order, leaving out
    hidden files, Office lock files (~$…) and system files."""
    for p in paths:
        p = Path(p)
        if p.is_file():
            yield p
        elif p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith((".", "~$")) or name.lower() in IGNORED_NAMES:
                        continue
                    yield Path(root) / name
        else:
            raise CollectError(msg.COLLECT_NO_PATH.format(path=p))


_CONTEXT: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _CONTEXT
    _CONTEXT = ctx


def _examine_path(path: Path) -> tuple[Path, bytes, str, Examination]:
    try:
        data = path.read_bytes()
    except OSError as e:
        exam = Examination(path.name, [Finding.of("file.unreadable", error=e.strerror or e)])
        return path, b"", "", exam
    exam = examine(data, path.name, _CONTEXT)
    if exam.modified is None:
        exam.modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return path, data, hashlib.sha256(data).hexdigest(), exam


def collect(paths: Iterable[str | Path], year: int, store: Store, *, blank_as_zero: bool = False,
            form_name: str = "annual-2021", workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> CollectReport:
    """Collect every file under ``paths`` for ``year`` into ``store``; returns the run's report.
    ``progress(done, total)`` is called after each file."""
    roster = {a.code: a for a in store.roster()}
    if not roster:
        raise CollectError(msg.COLLECT_NO_ROSTER)
    files = list(iter_files(paths))
    form = load_form(form_name)
    last_year = store.latest(year - 1)
    previous = {code: rule_engine.known_values(form, sub.values) for code, sub in last_year.items()}
    ctx = Context(year, roster, blank_as_zero, previous, form_name,
                  previous_narrative={code: sub.narrative for code, sub in last_year.items()})
    report = CollectReport(year, new_run_id())
    for path, data, sha, exam in _examine_all(files, ctx, workers):
        file_report = _store_one(store, report.run_id, year, roster, path, data, sha, exam)
        report.files.append(file_report)
        if progress:
            progress(len(report.files), len(files))
    _mark_superseded(report)
    _number_versions(store, report)
    return report


def _examine_all(files: list[Path], ctx: Context, workers: int | None):
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(files) >= 32:
        with process_pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
            yield from pool.map(_examine_path, files, chunksize=16)
    else:
        _init_worker(ctx)
        for path in files:
            yield _examine_path(path)


def _store_one(store: Store, run_id: str, year: int, roster: dict, path: Path, data: bytes, sha: str,
               exam: Examination) -> FileReport:
    file_time = exam.modified.isoformat() if exam.modified else None
    report = FileReport(str(path), sha, exam.status, list(exam.findings), exam.agency, exam.agency_name,
                        exam.year, file_time=file_time)
    if not sha:  # could not even be read from disk: nothing to keep
        return report
    known = store.receipt(sha)
    if known is None:
        readable = exam.readable and exam.agency in roster and exam.year == year
        submission = None
        if readable:
            submission = dict(agency=exam.agency, year=year, source="workbook", status=exam.status,
                              values=exam.values, narrative=exam.narrative, findings=exam.findings,
                              file_time=file_time, form_id=exam.form_id, form_version=exam.form_version,
                              agency_name=exam.agency_name,
                              info={"explanations": exam.explanations} if exam.explanations else None)
        stored = store.record_file(sha256=sha, content=data, original_name=path.name, source_path=str(path),
                                   run_id=run_id, status=exam.status, agency=exam.agency, year=exam.year,
                                   findings=exam.findings, submission=submission)
        if stored:
            report.stored = readable
            return report
        known = store.receipt(sha)  # another run stored it a moment ago
    report.status = "duplicate"
    report.agency, report.year = known["agency"], known["year"]
    report.findings = [Finding.of("submission.duplicate", time=known["received_at"], name=known["original_name"])]
    return report


def _mark_superseded(report: CollectReport) -> None:
    by_agency: dict[str, list[FileReport]] = {}
    for f in report.files:
        if f.stored:
            by_agency.setdefault(f.agency, []).append(f)
    for files in by_agency.values():
        if len(files) < 2:
            continue
        files.sort(key=lambda f: f.file_time or "")
        newest = files[-1]
        for f in files[:-1]:
            f.status = "duplicate"
            f.findings = [Finding.of("submission.superseded", newer=Path(newest.file).name), *f.findings]


def _number_versions(store: Store, report: CollectReport) -> None:
    versions = store.versions(report.year)
    for f in report.files:
        f.version = versions.get(f.sha256)
