"""``govxl collect``: read, identify, check and keep every returned workbook.

Files are found and read within bounds by :mod:`govxl.collection.intake`, examined in worker
processes (:mod:`govxl.collection.workers`: a reader that dies or hangs costs only its file,
which gets a finding) and stored by the calling process, one transaction per file. Collecting the same file again changes nothing; a changed file of the same
agency becomes a new version; two files of one agency in one run: the newest (by the time the
file says it was saved) is the submission, the other is kept and reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from govxl import messages as msg
from govxl.collection import workers as isolation
from govxl.collection.examine import Context, Examination, examine
from govxl.collection.intake import CollectError, Entry, iter_entries, read_bounded
from govxl.findings import ERROR, WARNING, Finding
from govxl.form import rules as rule_engine
from govxl.form.spec import load_form
from govxl.store import Store, StoreError, encode_values, new_run_id
from govxl.workbook.reader import Limits

__all__ = ["CollectError", "CollectReport", "FileReport", "check", "collect", "iter_files"]

FILE_TIMEOUT = 120.0  # seconds one file may take in a worker
WORKER_MEMORY = 1536 * 1024**2  # bytes of address space of a worker (POSIX)


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
    in_use: bool = False  # its submission is the version in use of its agency (after the run)
    feedback: Path | None = None  # its 退回修改表, when :func:`check` wrote one (not in as_dict)

    @property
    def unexplained(self) -> int:
        """Warnings the agency has not explained in its 情况说明."""
        return sum(f.severity == WARNING and not f.explained for f in self.findings)

    def as_dict(self) -> dict:
        return {
            "file": self.file, "sha256": self.sha256, "agency": self.agency, "agency_name": self.agency_name,
            "year": self.year, "status": self.status, "version": self.version, "in_use": self.in_use,
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
    error: str | None = None  # why the run stopped before the end (a full disk): files above are stored
    unfinished: list[str] = field(default_factory=list)  # files not stored because the run stopped
    report_files: list[Path] = field(default_factory=list)  # 问题清单 and feedback workbooks written
    report_error: str | None = None  # why they could not be written (the files are collected anyway)

    @property
    def valid(self) -> bool:
        return self.error is None and all(f.status != "rejected" for f in self.files)

    @property
    def submittable(self) -> bool:
        """Files checked (:func:`check`) that may be submitted: none would be refused, and at least
        one would be accepted (with or without warnings)."""
        return self.valid and any(f.status in ("accepted", "accepted_with_warnings") for f in self.files)

    def as_dict(self) -> dict:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {"valid": self.valid, "year": self.year, "run_id": self.run_id, "counts": counts,
                "files": [f.as_dict() for f in self.files],
                "report_files": [str(p) for p in self.report_files], "report_error": self.report_error,
                "error": self.error, "unfinished": self.unfinished}


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every regular file that :func:`collect` would read under ``paths``."""
    for entry in iter_entries(paths):
        if entry.path is not None:
            yield entry.path


_CONTEXT: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _CONTEXT
    _CONTEXT = ctx


_FAILURES = {isolation.TIMEOUT: "file.timeout", isolation.OUT_OF_MEMORY: "file.out_of_memory"}


def collect(paths: Iterable[str | Path], year: int, store: Store, *, blank_as_zero: bool = False,
            form_name: str = "annual-2021", workers: int | None = None,
            progress: Callable[[int, int], None] | None = None, limits: Limits = Limits(),
            timeout: float | None = FILE_TIMEOUT, memory_limit: int | None = WORKER_MEMORY,
            root: str | Path | None = None, agency: str | None = None) -> CollectReport:
    """Collect every file under ``paths`` for ``year`` into ``store``; returns the run's report.
    ``progress(done, total)`` is called after each file. Files are examined in ``workers``
    processes (default: the machine's cores), each file within ``limits``, ``timeout`` seconds and
    ``memory_limit`` bytes. ``root``: files are named by their path relative to it (an upload's
    temporary folder means nothing to the office). ``agency``: only that agency's workbooks are
    taken (an agency's own link); a workbook of another agency is refused and nothing of it is
    kept."""
    roster, entries, ctx = _prepare(paths, year, store, blank_as_zero, form_name, limits, root)
    report = CollectReport(year, new_run_id())
    workers = max(1, min(workers or os.cpu_count() or 1, len(entries) or 1))
    try:
        for entry, data, exam in _examine_all(entries, ctx, workers, timeout, memory_limit):
            if agency is not None and exam.agency not in (None, agency):
                report.files.append(_not_this_agency(entry, data, exam, roster))
            else:
                report.files.append(_store_one(store, report.run_id, year, roster, entry, data, exam))
            if progress:
                progress(len(report.files), len(entries))
    except StoreError as e:  # a full disk, a store gone read-only: keep what is stored, say what is not
        report.error = str(e)
        report.unfinished = [e.shown for e in entries[len(report.files):]]
    try:
        _mark_versions(store, report)
    except StoreError:
        pass  # the store cannot even be read now: the report still lists every file handled
    return report


def check(paths: Iterable[str | Path], year: int, store: Store, *, blank_as_zero: bool = False,
          form_name: str = "annual-2021", workers: int | None = None,
          progress: Callable[[int, int], None] | None = None, limits: Limits = Limits(),
          timeout: float | None = FILE_TIMEOUT, memory_limit: int | None = WORKER_MEMORY,
          root: str | Path | None = None, agency: str | None = None,
          feedback: Callable[[FileReport, bytes], Path] | None = None) -> CollectReport:
    """Examine every file under ``paths`` exactly as :func:`collect` would, and keep nothing: each
    file gets the status and findings collecting it now would give (``duplicate``: the office
    already has this very file). The store is only read. ``agency``: as for :func:`collect`, a
    workbook of another agency is refused. ``feedback(file, its bytes)``: called for every file
    with findings of an agency of the roster, returns the 退回修改表 it wrote (``report_files``;
    each file's ``feedback``); see :func:`govxl.collection.feedback.checked_feedback`."""
    roster, entries, ctx = _prepare(paths, year, store, blank_as_zero, form_name, limits, root)
    report = CollectReport(year, "")
    workers = max(1, min(workers or os.cpu_count() or 1, len(entries) or 1))
    for entry, data, exam in _examine_all(entries, ctx, workers, timeout, memory_limit):
        if agency is not None and exam.agency not in (None, agency):
            file = _not_this_agency(entry, data, exam, roster)
        else:
            file = _store_one(store, "", year, roster, entry, data, exam, keep=False)
            if feedback is not None and data is not None and file.findings and file.agency in roster \
                    and file.status not in ("duplicate", "skipped"):
                file.feedback = feedback(file, data)
                report.report_files.append(file.feedback)
        report.files.append(file)
        if progress:
            progress(len(report.files), len(entries))
    return report


def _prepare(paths, year: int, store: Store, blank_as_zero: bool, form_name: str, limits: Limits,
             root) -> tuple[dict, list[Entry], Context]:
    """The roster, the files found under ``paths`` and what examining them needs."""
    roster = {a.code: a for a in store.roster()}
    if not roster:
        raise CollectError(msg.COLLECT_NO_ROSTER)
    entries = list(iter_entries(paths))
    if root is not None:
        entries = [dataclasses.replace(e, shown=_relative(e.shown, root)) for e in entries]
    form = load_form(form_name)
    last_year = store.latest(year - 1)
    previous = {code: rule_engine.known_values(form, sub.values) for code, sub in last_year.items()}
    ctx = Context(year, roster, blank_as_zero, previous, form_name,
                  previous_narrative={code: sub.narrative for code, sub in last_year.items()}, limits=limits)
    return roster, entries, ctx


def _examine_all(entries: list[Entry], ctx: Context, workers: int, timeout: float | None,
                 memory_limit: int | None) -> Iterator[tuple[Entry, bytes | None, Examination]]:
    """(entry, its bytes or None when not read, examination), in the order of ``entries``."""
    read: deque[tuple[Entry, bytes | None]] = deque()  # read ahead, not yet examined

    def tasks():
        for entry in entries:
            got = read_bounded(entry, ctx.limits.max_file) if entry.finding is None else entry.finding
            if isinstance(got, Finding):
                read.append((entry, None))
                yield isolation.Done(Examination(entry.shown, [got]))
                continue
            data, mtime = got
            read.append((entry, data))
            yield entry.shown, data, mtime

    outcomes = isolation.isolated_map(_examine_task, tasks(), workers=workers, initializer=_init_worker,
                                      initargs=(ctx,), timeout=timeout, memory_limit=memory_limit)
    for outcome in outcomes:
        entry, data = read.popleft()
        if outcome.status == isolation.OK:
            exam = outcome.value
        else:
            code = _FAILURES.get(outcome.status, "file.reader_crashed")
            exam = Examination(entry.shown, [Finding.of(code, seconds=f"{timeout or 0:g}")])
            data = None  # not examined: not kept, so that a later run examines it again
        yield entry, data, exam


def _examine_task(task: tuple[str, bytes, float]) -> Examination:
    shown, data, mtime = task
    exam = examine(data, shown, _CONTEXT)
    if exam.modified is None:
        exam.modified = dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
    return exam


def _relative(shown: str, root: str | Path) -> str:
    try:
        return Path(shown).relative_to(root).as_posix()
    except ValueError:
        return shown


def _not_this_agency(entry: Entry, data: bytes | None, exam: Examination, roster: dict) -> FileReport:
    name = roster[exam.agency].name if exam.agency in roster else (exam.agency_name or exam.agency)
    sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    return FileReport(entry.shown, sha, "rejected", [Finding.of("identity.other_agency", value=exam.agency, name=name)],
                      exam.agency, name, exam.year)


def _store_one(store: Store, run_id: str, year: int, roster: dict, entry: Entry, data: bytes | None,
               exam: Examination, keep: bool = True) -> FileReport:
    """The file's report, its submission recorded (``keep=False``: only what recording it would
    report, nothing written)."""
    file_time = exam.modified.isoformat() if exam.modified else None
    sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    report = FileReport(entry.shown, sha, exam.status, list(exam.findings), exam.agency, exam.agency_name,
                        exam.year, file_time=file_time)
    if data is None or exam.skipped:  # not read, not examined, or govxl's own issue list: nothing to keep
        return report
    known = store.receipt(sha)
    if known is None:
        readable = exam.readable and exam.agency in roster and exam.year == year
        submission = None
        unchanged = _unchanged_feedback(store, exam, year) if readable else None
        if unchanged is not None:  # our own 退回修改表, sent back as it was: kept, not a new version
            readable = False
            report.status = exam_status = "skipped"
            report.findings = [Finding.of("submission.feedback_unchanged", name=unchanged.original_name or "—",
                                          time=unchanged.received_at[:16].replace("T", " "))]
        else:
            exam_status = exam.status
        if readable:
            submission = dict(agency=exam.agency, year=year, source="workbook", status=exam.status,
                              values=exam.values, narrative=exam.narrative, findings=exam.findings,
                              file_time=file_time, form_id=exam.form_id, form_version=exam.form_version,
                              agency_name=exam.agency_name,
                              info={"explanations": exam.explanations} if exam.explanations else None)
        if not keep:
            return report
        stored = store.record_file(sha256=sha, content=data, original_name=Path(entry.shown).name,
                                   source_path=entry.shown,
                                   run_id=run_id, status=exam_status, agency=exam.agency, year=exam.year,
                                   findings=report.findings, submission=submission)
        if stored:
            report.stored = readable
            return report
        known = store.receipt(sha)  # another run stored it a moment ago
    report.status = "duplicate"
    report.agency, report.year = known["agency"], known["year"]
    report.findings = [Finding.of("submission.duplicate", time=known["received_at"], name=known["original_name"])]
    return report


def _unchanged_feedback(store: Store, exam: Examination, year: int):
    """The submission a 退回修改表 answers, when the file is that feedback workbook with the same
    values, texts and 情况说明 as the submission (returned without a correction); else None."""
    if not exam.feedback_of:
        return None
    original = store.submission_of(exam.feedback_of, year)
    if original is None or original.agency != exam.agency:
        return None
    same = (encode_values(original.values) == encode_values(exam.values) and original.narrative == exam.narrative
            and (original.info or {}).get("explanations", {}) == exam.explanations)
    return original if same else None


def _mark_versions(store: Store, report: CollectReport) -> None:
    """Each file's version number, and whether it is the version in use, from the store's one rule
    (computed from what is stored, so whatever the order of the runs, the same file is in use). A
    file stored now but not in use is kept and reported: 较旧的版本，未采用, or the office pinned another."""
    every = store.submissions(report.year, lean=True)  # lean: a province's year holds many thousands
    versions = {s.sha256: s for s in every if s.sha256}
    in_use = {s.agency: s for s in every if s.in_use}
    for f in report.files:
        s = versions.get(f.sha256) if f.sha256 else None
        if s is None:
            continue
        f.version, f.in_use = s.version, s.in_use
        current = in_use.get(s.agency)
        if s.in_use or s.status == "rejected" or not f.stored or current is None:
            continue
        if current.pinned:
            note = Finding.of("submission.pinned", version=current.version)
        else:
            saved = current.saved_at.astimezone().strftime("%Y-%m-%d %H:%M") if current.saved_at else "—"
            note = Finding.of("submission.superseded", newer=current.original_name or "—", version=current.version,
                              saved=saved)
        f.status = "superseded"
        f.findings = [note, *f.findings]
