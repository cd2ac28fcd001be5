"""The public Python API of govxl: the whole yearly cycle, one function per step.

Every function takes a store first (see :func:`open_store`), then the year, then keyword
options, and returns a result object whose ``as_dict()`` is exactly what the command line prints
with ``--json``. The command line (``govxl.cli``) and the web workbench call these functions and
nothing else, so a test of the API is a test of both. Errors are :class:`govxl.errors.GovxlError`
subclasses whose message is a Chinese sentence for a clerk; :class:`InvalidArgument` means the
call itself was wrong (the command line exits with 2 for it, 1 for the others).

    >>> import govxl
    >>> with govxl.open_store("govxl.db") as store:               # doctest: +SKIP
    ...     govxl.generate(store, 2025, "下发", roster="名单.csv")
    ...     result = govxl.collect(store, 2025, ["收回文件"], report="反馈")
    ...     govxl.merge(store, 2025, out="2025年全区汇总表.xlsx", name="卫东区人民政府")

See docs/api.md for a tour with runnable examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govxl import messages as msg
from govxl.errors import GovxlError, InvalidArgument, OutputError
from govxl.form import DEFAULT_FORM
from govxl.reporting import ANNEXES, DEFAULT_ANNEXES
from govxl.roster import Agency, read_roster
from govxl.store import Store, default_db_path
from govxl.workbook import DEFAULT_PASSWORD

_UPLOADS = ("Intake", "UploadLimits", "UploadRefused")  # part of the API, from govxl.collection.uploads


def __getattr__(name: str):
    """The upload types, loaded on first use: they bring the workbook reader with them, which a
    quick command (``govxl status``) does not need."""
    if name in _UPLOADS:
        from govxl.collection import uploads

        return getattr(uploads, name)
    raise AttributeError(f"module 'govxl.api' has no attribute {name!r}")

PathLike = str | Path


# --- the store and the roster ------------------------------------------------------------------


def open_store(path: PathLike | None = None, *, must_exist: bool = False, readonly: bool = False) -> Store:
    """Open the store (a SQLite file; ``govxl.db`` in the current folder, or ``$GOVXL_DB``, when
    ``path`` is None). ``must_exist``: refuse to create a new one (for commands that only read).
    ``readonly``: open it for reading only (works on a read-only file or folder; writes nothing)."""
    target = Path(path) if path else default_db_path()
    if (must_exist or readonly) and not target.exists():
        raise GovxlError(msg.NO_DB.format(path=target))
    try:
        return Store(target, readonly=readonly)
    except GovxlError:
        raise
    except Exception as e:  # sqlite3 errors: not a database, locked, no permission
        raise GovxlError(msg.CANNOT_OPEN_DB.format(path=target, error=msg.os_error(e))) from None


def update_agency(store: Store, code: str, *, name: str, group: str = "", contact: str = "", phone: str = "",
                  add: bool = False) -> list[Agency]:
    """Change an agency of the roster (its name, group, contact person and phone; its code stays),
    or with ``add=True`` add a new one at the end. The roster is checked as a roster file is; a
    problem raises :class:`govxl.roster.RosterError` and changes nothing. Returns the roster."""
    from govxl.roster import check_agencies

    code = code.strip()
    agencies = store.roster()
    at = next((i for i, a in enumerate(agencies) if a.code == code), None)
    if add:
        if at is not None:
            raise InvalidArgument(msg.AGENCY_EXISTS.format(code=code))
        agencies.append(Agency(code, "").with_details(name=name, group=group, contact=contact, phone=phone))
    else:
        if at is None:
            raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=code))
        agencies[at] = agencies[at].with_details(name=name, group=group, contact=contact, phone=phone)
    check_agencies(agencies)
    store.set_roster(agencies)
    return agencies


def remove_agency(store: Store, code: str) -> list[Agency]:
    """Take an agency off the roster (what it sent stays in the store). Returns the roster."""
    agencies = store.roster()
    if not any(a.code == code for a in agencies):
        raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=code))
    agencies = [a for a in agencies if a.code != code]
    store.set_roster(agencies)
    return agencies


def roster_csv(store: Store) -> bytes:
    """The roster as a CSV file (UTF-8 with BOM, opens in Excel, reads back with :func:`set_roster`)."""
    from govxl.roster import roster_csv as write_csv

    return write_csv(store.roster())


def set_roster(store: Store, roster: PathLike | list[Agency]) -> list[Agency]:
    """Record the roster (a CSV file, or agencies already read) as the store's active roster and
    return it. A roster with problems raises :class:`govxl.roster.RosterError` listing every one,
    and changes nothing."""
    agencies = read_roster(roster) if isinstance(roster, (str, Path)) else list(roster)
    store.set_roster(agencies)
    return agencies


# --- generate ------------------------------------------------------------------------------------


@dataclass
class GenerateResult:
    year: int
    paths: list[Path]
    blank: bool = False
    prefilled: int = 0  # agencies whose 上年结转 was filled in from last year's data

    def as_dict(self) -> dict:
        return {"year": self.year, "blank": self.blank, "files": [str(p) for p in self.paths],
                "prefilled": self.prefilled}


def generate(store: Store | None, year: int, out: PathLike, *, roster: PathLike | list[Agency] | None = None,
             codes: list[str] | None = None,
             blank: bool = False, password: str = DEFAULT_PASSWORD, deadline: dt.date | None = None,
             form: str = DEFAULT_FORM, progress: Callable[[Path], None] | None = None,
             upload_url: str | None = None) -> GenerateResult:
    """Write one locked workbook per agency of ``roster`` into the folder ``out`` (the roster is
    then recorded in the store), or with ``blank=True`` the template an agency fills in with its
    own name and code. Agencies with last year's data in the store get their 上年结转 pre-filled.
    ``store`` may be None for a blank template. With ``upload_url`` (the address at which the
    agencies reach the workbench, ``govxl serve --share``), each cover carries the agency's own
    self-check link (issued now if it has none). A ``deadline`` is recorded for the year.
    ``codes``: write only these agencies' workbooks, from the store's roster (which stays as it is)."""
    from govxl.workbook import generate as gen

    year = check_year(year)
    load_form_or_raise(form)
    if blank:
        if roster is not None:
            raise InvalidArgument(msg.ROSTER_AND_BLANK)
        path = _writing(out, gen.generate_blank, year, out, password=password, deadline=deadline, form_name=form)
        return GenerateResult(year, [path], blank=True)
    if roster is None and codes is None:
        raise InvalidArgument(msg.NEED_ROSTER_OR_BLANK)
    if store is None:
        raise InvalidArgument(msg.NEED_STORE)
    if roster is None:
        roster = store.roster()
    agencies = read_roster(roster) if isinstance(roster, (str, Path)) else list(roster)
    if codes is not None:
        unknown = [c for c in codes if c not in {a.code for a in agencies}]
        if unknown:
            raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=unknown[0]))
    written = agencies if codes is None else [a for a in agencies if a.code in codes]
    prefill = carry_over_values(store, year, form=form)
    notes = None
    if upload_url:
        from govxl.collection import links
        from govxl.form.layout import workbook_texts

        store.set_roster(agencies)
        urls = {link.agency.code: link.url(upload_url) for link in links.links(store, [a.code for a in written])}
        note = workbook_texts()["cover"]["link_note"]
        notes = lambda a: (note.format(url=urls[a.code]),) if a.code in urls else ()  # noqa: E731
    paths = _writing(out, gen.generate_workbooks, year, written, out, password=password, deadline=deadline,
                     form_name=form, prefill=lambda a: prefill.get(a.code, {}), cover_notes=notes,
                     progress=progress)
    store.set_roster(agencies)
    if deadline is not None:
        store.set_setting(f"deadline.{year}", deadline.isoformat())
    return GenerateResult(year, paths, prefilled=sum(1 for a in written if a.code in prefill))


def deadline(store: Store, year: int) -> dt.date:
    """The deadline of the year's returns: the one given to :func:`generate`, else the statutory
    one (31 January of the next year)."""
    from govxl.workbook.generate import default_deadline

    recorded = store.setting(f"deadline.{check_year(year)}")
    return dt.date.fromisoformat(recorded) if recorded else default_deadline(year)


def zip_files(paths: Iterable[PathLike], out: PathLike) -> Path:
    """Pack files (the generated workbooks) into one .zip whose Chinese names show correctly in
    Windows Explorer (UTF-8 names, flagged as such)."""
    from govxl.bundle import write_zip

    return _writing(out, write_zip, [Path(p) for p in paths], out)


def carry_over_values(store: Store, year: int, *, form: str = DEFAULT_FORM) -> dict[str, dict]:
    """Per agency code, the input values of ``year`` that last year's data in the store settles
    (上年结转 = last year's 结转下年度继续办理)."""
    from govxl.form.spec import load_form
    from govxl.workbook.generate import carry_over

    spec = load_form(form)
    return {code: carry_over(spec, s.values) for code, s in store.latest(year - 1).items()}


# --- collect and status --------------------------------------------------------------------------


def collect(store: Store, year: int, paths: Iterable[PathLike], *, roster: PathLike | list[Agency] | None = None,
            report: PathLike | None = None, blank_as_zero: bool = False, password: str = DEFAULT_PASSWORD,
            form: str = DEFAULT_FORM, progress: Callable[[int, int], None] | None = None,
            root: PathLike | None = None, agency: str | None = None):
    """Read, identify, check and keep every file under ``paths`` (files and folders, recursively)
    as returns for ``year``. With ``report``, write 问题清单.xlsx and each agency's 退回修改表 into
    that folder. Returns a :class:`govxl.collection.collect.CollectReport`; if the feedback files
    could not be written, the files are still collected and ``report_error`` says why.
    ``root``: name the files by their path relative to it (an upload folder). ``agency``: take only
    that agency's workbooks (its self-check link); another agency's workbook is refused, not kept."""
    from govxl.collection.collect import collect as run_collect
    from govxl.collection.feedback import write_reports

    year = check_year(year)
    load_form_or_raise(form)
    if roster is not None:
        set_roster(store, roster)
    result = run_collect(paths, year, store, blank_as_zero=blank_as_zero, form_name=form, progress=progress,
                         root=root, agency=agency)
    if report is not None:
        try:
            result.report_files = write_reports(result, store, report, password=password, form_name=form)
        except OSError as e:  # the files are collected and stored; only the feedback could not be written
            result.report_error = msg.CANNOT_WRITE.format(path=e.filename or report, error=msg.os_error(e))
    return result


def check(store: Store, year: int, paths: Iterable[PathLike], *, feedback: PathLike | None = None,
          blank_as_zero: bool = False, password: str = DEFAULT_PASSWORD, form: str = DEFAULT_FORM,
          progress: Callable[[int, int], None] | None = None, root: PathLike | None = None,
          agency: str | None = None):
    """Examine every file under ``paths`` as :func:`collect` would, and keep nothing: the
    :class:`govxl.collection.collect.CollectReport` tells each file's status and findings as
    collecting it now would (``duplicate``: already received), without storing it. What an agency
    sees before it submits; collect the same files to submit them. ``feedback``: write the
    退回修改表 of every file with findings into that folder (each file's ``feedback``).
    ``root`` and ``agency`` as for :func:`collect`."""
    from govxl.collection.collect import check as run_check
    from govxl.collection.feedback import checked_feedback

    year = check_year(year)
    load_form_or_raise(form)
    writer = checked_feedback(store, year, feedback, password=password, form_name=form) if feedback else None
    try:
        return run_check(paths, year, store, blank_as_zero=blank_as_zero, form_name=form, progress=progress,
                         root=root, agency=agency, feedback=writer)
    except OSError as e:
        raise OutputError(msg.CANNOT_WRITE.format(path=e.filename or feedback, error=msg.os_error(e))) from None


def status(store: Store, year: int):
    """How complete the collection of ``year`` is: every agency of the roster with its status and
    the version in use, and the reporting rate per group
    (:class:`govxl.collection.status.StatusReport`)."""
    from govxl.collection.status import completeness

    return completeness(store, check_year(year))


def reminders(store: Store, year: int, *, status=None):
    """The 催报清单: every agency not yet reported (nothing received, or only rejected versions)
    with its contact person and phone (:class:`govxl.collection.status.Reminders`; ``.csv()``).
    ``status``: the year's :func:`status` already computed (a page showing both reads the store
    once); it must be of ``year``."""
    from govxl.collection.status import reminders as find

    year = check_year(year)
    if status is not None and status.year != year:
        raise InvalidArgument(msg.STATUS_OTHER_YEAR.format(year=status.year, expected=year))
    return find(store, year, report=status)


def pin(store: Store, year: int, code: str, version: int):
    """Use ``version`` of the agency's ``year`` downstream (merge, reports, next year's carry-over)
    whatever the rule says, also after newer files arrive, until :func:`unpin`. Returns the pinned
    :class:`govxl.store.Submission`. A version that does not exist or was not accepted raises
    :class:`govxl.store.PinError` (a :class:`GovxlError`)."""
    year = check_year(year)
    return store.pin(store.agency_code(code), year, version)


def unpin(store: Store, year: int, code: str) -> bool:
    """Let the rule choose the agency's version in use again (the newest accepted one); False when
    no version was pinned."""
    year = check_year(year)
    return store.unpin(store.agency_code(code), year)


def agency_history(store: Store, year: int, code: str):
    """One agency's status for ``year`` and every version it sent, newest first, each with its
    findings (:class:`govxl.collection.status.AgencyHistory`)."""
    from govxl.collection.status import agency_history as history

    found = history(store, check_year(year), code)
    if found is None:
        raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=code))
    return found


def original_file(store: Store, year: int, code: str, version: int) -> tuple[str, bytes]:
    """The name and the bytes, exactly as received, of a version an agency sent."""
    history = agency_history(store, year, code)
    found = next((v for v in history.versions if v.version == version and v.sha256), None)
    if found is None:
        raise InvalidArgument(msg.NO_SUCH_VERSION.format(code=code, year=year, version=version))
    return found.original_name or f"{code}_{version}.xlsx", store.blob(found.sha256)


def feedback(store: Store, year: int, code: str, out: PathLike, *, version: int | None = None,
             password: str = DEFAULT_PASSWORD, form: str = DEFAULT_FORM) -> Path | None:
    """Write the agency's 退回修改表 (its workbook with its values, every finding on its cell) for
    its latest version, or ``version``, into the folder ``out``; None when there is nothing to
    point out."""
    from govxl.collection.feedback import feedback_for

    history = agency_history(store, year, code)
    if version is None:
        version = history.latest.version if history.latest else None
    if version is None:
        return None
    if not any(v.version == version for v in history.versions):
        raise InvalidArgument(msg.NO_SUCH_VERSION.format(code=code, year=year, version=version))
    return _writing(out, feedback_for, store, year, history.agency, version, out, password=password, form_name=form)


def issue_list(store: Store, year: int, out: PathLike) -> Path:
    """Write 问题清单.xlsx for the year as it stands: the findings of each agency's latest version."""
    from govxl.collection.collect import CollectReport, FileReport
    from govxl.collection.feedback import write_issue_list

    year = check_year(year)
    roster = {a.code: a for a in store.roster()}
    report = CollectReport(year, "")
    for code, s in store.newest(year, lean=True).items():  # findings, not values
        if code in roster:
            report.files.append(FileReport(s.original_name or s.source, s.sha256 or "", s.status, s.findings, code,
                                           roster[code].name, year, s.version))
    return _writing(out, write_issue_list, report, roster, Path(out))


# --- agencies' self-check links --------------------------------------------------------------------


def agency_links(store: Store, codes: list[str] | None = None, *, issue: bool = True) -> list:
    """The self-check link of every agency of the roster (or of ``codes``), issuing missing ones
    (:class:`govxl.collection.links.AgencyLink`; ``.url(base)`` is its address)."""
    from govxl.collection import links

    return links.links(store, codes, issue=issue)


def reissue_link(store: Store, code: str):
    """A new link for the agency; its old one stops working."""
    from govxl.collection import links

    link = links.reissue(store, code)
    if link is None:
        raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=code))
    return link


def revoke_link(store: Store, code: str) -> bool:
    """The agency's link stops working; True if it had one."""
    from govxl.collection import links

    return links.revoke(store, code)


def agency_for_token(store: Store, token: str) -> Agency | None:
    """The agency whose link holds ``token``; None for an unknown or revoked token."""
    from govxl.collection import links

    return links.agency_of(store, token)


def district_view(store: Store, year: int, *, name: str = "本区", form: str = DEFAULT_FORM) -> dict:
    """What the district report is drafted from, for showing: the three national tables as grids
    (``tables``; :func:`govxl.reporting.compose.html_table` writes one as HTML), the main
    indicators with last year's figures (``indicators``), the charts as SVG (``charts``)."""
    from govxl.collection.status import completeness
    from govxl.consolidation.merge import consolidate, previous_year
    from govxl.reporting.compose import district_context

    year = check_year(year)
    load_form_or_raise(form)
    current = consolidate(store, year, form)
    return district_context(current, previous_year(store, current, form), completeness(store, year), name=name)


# --- merge, export -------------------------------------------------------------------------------


def merge(store: Store, year: int, *, out: PathLike | None = None, code: str = "district",
          name: str = "全区汇总", password: str = DEFAULT_PASSWORD, form: str = DEFAULT_FORM):
    """Add up the version in use of every agency (a
    :class:`govxl.consolidation.merge.Consolidation`). With ``out``, also write the district
    summary workbook there (``code`` and ``name`` identify the district to the level above, which
    can collect and merge the summary workbook again); its path is then ``summary_path``."""
    from govxl.consolidation.merge import consolidate, previous_year, write_summary

    year = check_year(year)
    load_form_or_raise(form)
    result = consolidate(store, year, form)
    if out is not None:
        result.summary_path = _writing(out, write_summary, result, out, store=store,
                                       previous=previous_year(store, result, form), code=code, name=name,
                                       password=password)
    return result


EXPORT_FORMATS = ("csv", "json", "xlsx")


@dataclass
class ExportResult:
    year: int
    path: Path
    format: str
    agencies: int

    def as_dict(self) -> dict:
        return {"year": self.year, "file": str(self.path), "format": self.format, "agencies": self.agencies}


def export(store: Store, year: int, out: PathLike, *, format: str, keys: bool = False,
           form: str = DEFAULT_FORM) -> ExportResult:
    """Every value of every agency's version in use as one long table (csv, json or xlsx). csv
    and xlsx are for Excel: Chinese column titles, tables, rows, columns and statuses by their
    names (表二, 规章, 通过（有警告）); json — and csv or xlsx with ``keys=True`` — carry the
    machine keys (t2, rules, accepted_with_warnings)."""
    from govxl.consolidation.export import export as write_export
    from govxl.consolidation.merge import consolidate

    year = check_year(year)
    if format not in EXPORT_FORMATS:
        raise InvalidArgument(msg.BAD_FORMAT.format(value=format, choices="、".join(EXPORT_FORMATS)))
    load_form_or_raise(form)
    result = consolidate(store, year, form)
    _writing(out, write_export, result, format, out, keys=keys)
    return ExportResult(year, Path(out), format, len(result.contributions))


# --- compose -------------------------------------------------------------------------------------

REPORT_FORMATS = ("md", "html", "docx")


@dataclass
class ComposeResult:
    year: int
    format: str
    paths: list[Path] = field(default_factory=list)
    findings: list = field(default_factory=list)  # where the district draft disagrees with its tables

    def as_dict(self) -> dict:
        return {"year": self.year, "format": self.format, "files": [str(p) for p in self.paths],
                "findings": [f.as_dict() for f in self.findings]}


def compose(store: Store, year: int, out: PathLike, *, format: str, agency: str | None = None,
            district: bool = False, all_agencies: bool = False, name: str = "本区",
            annexes: Iterable[str] = DEFAULT_ANNEXES, form: str = DEFAULT_FORM,
            progress: Callable[[int, int], None] | None = None) -> ComposeResult:
    """The annual report in the national format: of one agency (``agency=`` its code), of the
    district (``district=True``, section 一 drafted from the data, ``name`` the government's
    name), or of every agency with accepted data (``all_agencies=True``; ``out`` is a folder).

    The district report is for publication: it names no agency with its status. ``annexes``
    (:data:`ANNEXES`) are internal documents written beside it in the same format, named after
    it: ``"texts"`` 各单位文字材料汇编 (every agency's text part by part; the draft's placeholders
    point to it; written by default), ``"status"`` 各单位报送情况 (every agency's status and main
    figures, who has not reported). ``paths`` lists the report first, then the annexes.
    ``progress(done, total)`` is called after each report of ``all_agencies``."""
    from govxl.reporting import reports

    year = check_year(year)
    if [bool(agency), district, all_agencies].count(True) != 1:
        raise InvalidArgument(msg.COMPOSE_ONE_KIND)
    if format not in REPORT_FORMATS:
        raise InvalidArgument(msg.BAD_FORMAT.format(value=format, choices="、".join(REPORT_FORMATS)))
    annexes = tuple(annexes)
    if any(a not in ANNEXES for a in annexes):
        raise InvalidArgument(msg.BAD_ANNEX.format(value="、".join(a for a in annexes if a not in ANNEXES),
                                                   choices="、".join(ANNEXES)))
    load_form_or_raise(form)
    findings: list = []
    if district:
        paths = _writing(out, reports.district_reports, store, year, format, out, name=name, form_name=form,
                         annexes=annexes, findings=findings)
    elif agency:
        paths = [_writing(out, reports.agency_report, store, year, store.agency_code(agency), format, out,
                          form_name=form)]
    else:
        paths = _writing(out, reports.all_agency_reports, store, year, format, out, form_name=form,
                         progress=progress)
    return ComposeResult(year, format, paths, findings)


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportedFile:
    file: str
    result: object | None = None  # govxl.importer.ImportResult; None when the file could not be read
    saved: bool = False
    error: str | None = None  # why the file could not be read at all

    def as_dict(self) -> dict:
        if self.result is None:
            return {"source": self.file, "error": self.error, "saved": False}
        return self.result.as_dict() | {"saved": self.saved}

    @property
    def failed(self) -> bool:
        from govxl.importer.save import readable

        return self.result is None or not readable(self.result)


@dataclass
class ImportBatch:
    files: list[ImportedFile]

    @property
    def failed(self) -> bool:
        return any(f.failed for f in self.files)

    def as_dict(self) -> dict:
        return {"files": [f.as_dict() for f in self.files], "saved": sum(f.saved for f in self.files)}


def import_reports(store: Store | None, files: Iterable[PathLike], *, year: int | None = None,
                   agency: str | None = None, progress: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Read published annual reports (text, Markdown, HTML, Word, PDF; folders searched
    recursively) into the same data as a returned workbook. A report of an agency of the roster is
    stored as its data for that year (source: import) and serves next year's carry-over check.
    ``store`` may be None: read only."""
    from govxl.importer import import_paths

    if year is not None:
        year = check_year(year)
    if agency is not None and store is not None:
        agency = store.agency_code(agency)  # wd025, ＷＤ０２５: the roster's WD025
    batch = import_paths(files, store=store, agency=agency, year=year,
                         progress=(lambda _item, done, total: progress(done, total)) if progress else None)
    out = ImportBatch([ImportedFile(f.path, f.result, f.saved, f.error) for f in batch.files])
    out.files += [ImportedFile(p, error=msg.IMPORT_NO_FILES.format(path=p)) for p in batch.missing]
    return out


# --- helpers -------------------------------------------------------------------------------------


def check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidArgument(msg.BAD_YEAR.format(year=year))
    return year


def load_form_or_raise(name: str):
    from govxl.errors import SpecError
    from govxl.form.spec import load_form

    try:
        return load_form(name)
    except (SpecError, OSError) as e:
        raise InvalidArgument(msg.BAD_FORM.format(form=name, error=e)) from None


def _writing(target: PathLike, function, *args, **kwargs):
    """Call a function that writes files; a failure of the file system becomes an OutputError with
    a Chinese message naming the file."""
    try:
        return function(*args, **kwargs)
    except OSError as e:
        raise OutputError(msg.CANNOT_WRITE.format(path=e.filename or target, error=msg.os_error(e))) from None
