"""What the district office sends back: the issue list (问题清单.xlsx) and, for each agency with
findings, its own workbook regenerated with its values, every offending cell marked and commented.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import xlsxwriter

from govxl import messages as msg
from govxl.atomic import atomic_path
from govxl.collection.carry import carry
from govxl.collection.collect import CollectReport, FileReport
from govxl.findings import STATUS_LABELS
from govxl.form.layout import EXPLAIN, layout_form, workbook_texts
from govxl.form.spec import load_form
from govxl.names import agency_filename
from govxl.roster import Agency
from govxl.store import Store
from govxl.workbook.generate import DEFAULT_PASSWORD, WorkbookRequest, write_workbook
from govxl.workbook.identity import ISSUE_LIST_KIND, KIND_PROPERTY, PROPERTY_PREFIX
from govxl.workbook.reader import read_workbook

ISSUE_LIST = "问题清单.xlsx"
# (title, width): the sheets of the issue list. 全部问题 for filtering on screen, 按单位 for
# printing and sending to each agency (a page per agency), 按文件 for the state of each file.
FILE_COLUMNS = [("单位代码", 10), ("单位名称", 26), ("单位类别", 10), ("文件", 30), ("版本", 6),
                ("状态", 12), ("错误", 6), ("警告", 6), ("未说明", 6)]
ALL_COLUMNS = [("单位代码", 10), ("单位名称", 22), ("文件", 24), ("状态", 10), ("级别", 6), ("工作表", 14),
               ("单元格", 8), ("行", 24), ("列", 14), ("填写值", 10), ("应为", 10), ("说明", 56),
               ("情况说明", 30), ("单位类别", 10), ("版本", 6), ("问题代码", 24)]
PRINTED_ALL = 13  # the columns of 全部问题 printed: up to 情况说明 (the agency's explanation of a warning)
AGENCY_COLUMNS = [("级别", 6), ("工作表", 14), ("单元格", 8), ("行", 26), ("列", 14), ("填写值", 10), ("应为", 10),
                  ("说明", 60), ("情况说明", 30)]


def write_reports(report: CollectReport, store: Store, out_dir: str | Path, *,
                  password: str = DEFAULT_PASSWORD, form_name: str = "annual-2021") -> list[Path]:
    """Write 问题清单.xlsx and a feedback workbook for each agency with findings; returns the paths."""
    out_dir = Path(out_dir)
    roster = {a.code: a for a in store.roster()}
    paths = [write_issue_list(report, roster, out_dir / ISSUE_LIST)]
    for file in _latest_per_agency(report, roster):
        if file.findings:
            paths.append(write_feedback(file, roster[file.agency], report.year, store, out_dir,
                                        password=password, form_name=form_name))
    return paths


def _latest_per_agency(report: CollectReport, roster: dict) -> list[FileReport]:
    """The file of each agency of the roster this run is about: the latest one not a duplicate,
    refused ones included (last year's form, a tampered layout): their values are carried over."""
    latest: dict[str, FileReport] = {}
    for f in report.files:
        if f.agency in roster and f.sha256 and f.status not in ("duplicate", "superseded", "skipped"):
            latest[f.agency] = f
    return list(latest.values())


def guess_agency(filename: str, roster: dict[str, Agency]) -> Agency | None:
    """The agency a file's name suggests (a hint for a file that could not be identified): the
    roster name it contains, or, failing that, the name without the prefix all names share."""
    stem = unicodedata.normalize("NFKC", Path(filename).stem)
    agencies = list(roster.values())
    for a in sorted(agencies, key=lambda a: -len(a.name)):
        if a.name and unicodedata.normalize("NFKC", a.name) in stem:
            return a
    prefix = os.path.commonprefix([a.name for a in agencies]) if len(agencies) > 1 else ""
    short = [(a.name[len(prefix):], a) for a in agencies if len(a.name) - len(prefix) >= 2]
    hits = [a for part, a in sorted(short, key=lambda x: -len(x[0])) if part in stem]
    return hits[0] if hits else None


def write_issue_list(report: CollectReport, roster: dict[str, Agency], path: Path) -> Path:
    files = [(f, _who(f, roster)) for f in report.files]
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_custom_property(PROPERTY_PREFIX + KIND_PROPERTY, ISSUE_LIST_KIND)  # collect skips it if met again
        font = {"font_name": "宋体", "font_size": 10}
        f = {
            "title": wb.add_format({**font, "bold": True, "font_size": 14}),
            "header": wb.add_format({**font, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                     "valign": "vcenter", "align": "center"}),
            "body": wb.add_format({**font, "text_wrap": True, "valign": "top", "border": 1}),
            "error": wb.add_format({**font, "text_wrap": True, "valign": "top", "border": 1,
                                    "font_color": "#9C0006", "bg_color": "#FFC7CE"}),
            "agency": wb.add_format({**font, "bold": True, "font_size": 12, "bottom": 2}),
        }
        title = msg.ISSUE_LIST_TITLE.format(year=report.year)
        every = wb.add_worksheet(msg.ISSUE_SHEET_ALL)
        per_agency = wb.add_worksheet(msg.ISSUE_SHEET_AGENCY)
        by_file = wb.add_worksheet(msg.ISSUE_SHEET_FILES)
        rows = []
        for file, (code, name, group) in files:
            for x in file.findings:
                rows.append(([code, name, Path(file.file).name, STATUS_LABELS.get(file.status, file.status),
                              x.severity_label, x.sheet or "", x.cell or "", x.row or "",
                              x.column or "", *_values(x), x.text, x.explanation or "", group, file.version or "",
                              x.code],
                             f["error"] if x.severity == "error" else f["body"]))
        _table(every, f, title, ALL_COLUMNS, rows, printed=PRINTED_ALL)
        _by_agency(per_agency, f, title, files)
        _table(by_file, f, title, FILE_COLUMNS, [
            ([code, name, group, Path(file.file).name, file.version or "", STATUS_LABELS.get(file.status, file.status),
              sum(x.severity == "error" for x in file.findings), sum(x.severity == "warning" for x in file.findings),
              file.unexplained],
             f["error"] if file.status == "rejected" else f["body"])
            for file, (code, name, group) in files
        ])
        every.activate()
        wb.close()
    return path


def _who(file: FileReport, roster: dict[str, Agency]) -> tuple[str, str, str]:
    """(code, name, group) of a file's agency; for a file that names no agency of the roster, its
    name's suggestion, marked as a guess."""
    agency = roster.get(file.agency or "")
    if agency:
        return agency.code, agency.name, agency.group
    if file.agency:
        return file.agency, file.agency_name or "", ""
    guess = guess_agency(file.file, roster)
    return "", msg.ISSUE_GUESSED_AGENCY.format(name=guess.name) if guess else "", ""


def _values(finding) -> list[str]:
    """填写值 and 应为: what a cell of the form holds and should hold, never a cell address."""
    if finding.key is None:
        return ["", ""]
    return [_show(finding.value), _show(finding.expected)]


def _print_setup(ws, ncols: int, title_rows: tuple[int, int]) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(*title_rows)
    ws.set_header("&L&\"宋体\"&A")
    ws.set_footer("&C" + workbook_texts()["print"]["footer"])
    ws.print_area(0, 0, ws.dim_rowmax or 0, ncols - 1)


def _table(ws, f, title: str, columns, rows, printed: int | None = None) -> None:
    ws.merge_range(0, 0, 0, min(len(columns), printed or len(columns)) - 1, title, f["title"])
    ws.set_row(0, 24)
    for c, (name, width) in enumerate(columns):
        ws.write_string(1, c, name, f["header"])
        ws.set_column(c, c, width)
    for r, (values, fmt) in enumerate(rows, start=2):
        for c, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value), fmt)
    ws.autofilter(1, 0, max(len(rows), 1) + 1, len(columns) - 1)
    ws.freeze_panes(2, 0)
    _print_setup(ws, printed or len(columns), (1, 1))


def _by_agency(ws, f, title: str, files) -> None:
    """Each agency's (or file's) problems under its own heading, a page each."""
    ws.merge_range(0, 0, 0, len(AGENCY_COLUMNS) - 1, title, f["title"])
    for c, (_name, width) in enumerate(AGENCY_COLUMNS):
        ws.set_column(c, c, width)
    r = 2
    breaks = []
    for file, (code, name, _group) in files:
        if not file.findings:
            continue
        if r > 2:
            breaks.append(r)
        heading = msg.ISSUE_AGENCY_HEADING.format(name=name or msg.ISSUE_UNKNOWN_AGENCY,
                                                  code=f"（{code}）" if code else "", file=Path(file.file).name,
                                                  status=STATUS_LABELS.get(file.status, file.status))
        ws.merge_range(r, 0, r, len(AGENCY_COLUMNS) - 1, heading, f["agency"])
        ws.set_row(r, 30)
        r += 1
        for c, (name_, _w) in enumerate(AGENCY_COLUMNS):
            ws.write_string(r, c, name_, f["header"])
        r += 1
        for x in file.findings:
            values = [x.severity_label, x.sheet or "", x.cell or "", x.row or "",
                      x.column or "", *_values(x), x.text, x.explanation or ""]
            for c, value in enumerate(values):
                ws.write_string(r, c, str(value), f["error"] if x.severity == "error" else f["body"])
            r += 1
        r += 1
    ws.set_h_pagebreaks(breaks)
    _print_setup(ws, len(AGENCY_COLUMNS), (0, 0))


def _show(value) -> str:
    return "" if value is None else str(value)


def write_feedback(file: FileReport, agency: Agency, year: int, store: Store, out_dir: Path, *,
                   password: str = DEFAULT_PASSWORD, form_name: str = "annual-2021",
                   data: bytes | None = None) -> Path:
    """The agency's workbook again, fresh from the template, with every value it typed carried
    over by its row and column labels, each finding as a comment on its cell or a note on the
    cover. The cover, the check cells and the notes agree with the findings. ``data``: the file's
    bytes when the store does not keep them (a file checked, not collected)."""
    form = load_form(form_name)
    layout = layout_form(form)
    raw = read_workbook(store.blob(file.sha256) if data is None else data, Path(file.file).name,
                        layout.texts["sheets"]["meta"])
    carried = carry(raw, layout)
    notes: dict[str, str] = {}
    loose = []  # findings with no cell of the fresh template to carry them
    for x in file.findings:
        target = _note_target(x, layout)
        if target:
            notes[target] = (notes[target] + "\n" + x.text) if target in notes else x.text
        else:
            loose.append(x.text)
        topic = form.explanation_for(x.code) if x.severity == "warning" and not x.explained else None
        if topic:  # where the agency may explain it, if it is right
            key = EXPLAIN + topic.key
            notes[key] = notes.get(key, layout.texts["narrative"]["explanation_comment"]) + "\n" + x.message
    errors = sum(x.severity == "error" for x in file.findings)
    warnings = len(file.findings) - errors
    name = Path(file.file).name
    if errors:
        cover = [msg.FEEDBACK_REJECTED.format(file=name, errors=errors,
                                              warnings=msg.FEEDBACK_AND_WARNINGS.format(n=warnings) if warnings else "")]
    else:
        cover = [msg.FEEDBACK_WARNINGS.format(file=name, warnings=warnings)]
    if notes:
        cover.append(msg.FEEDBACK_COMMENTS.format(n=len(notes)))
    cover += [f"{i}. {text}" for i, text in enumerate(loose, 1)]
    cover += [msg.FEEDBACK_UNPLACED.format(sheet=u.sheet, cell=u.cell, value=u.value) for u in carried.unplaced]
    path = out_dir / agency_filename(year, agency.code, agency.name, "xlsx", suffix="_反馈")
    write_workbook(WorkbookRequest(path, year, agency, password=password, values=carried.values,
                                   narrative=carried.narrative, form_name=form_name, notes=notes,
                                   cover_notes=tuple(cover),
                                   pass_text=layout.texts["checks"]["feedback_pass"] if errors else None,
                                   feedback_of=file.sha256))
    return path


def checked_feedback(store: Store, year: int, out_dir: str | Path, *, password: str = DEFAULT_PASSWORD,
                     form_name: str = "annual-2021"):
    """What :func:`govxl.collection.collect.check` calls to write the 退回修改表 of a checked file
    from its bytes (the store does not have them) into ``out_dir``; a second file of the same
    agency in one check gets a numbered subfolder, so that both are kept."""
    roster = {a.code: a for a in store.roster()}
    written: dict[str, int] = {}

    def write(file: FileReport, data: bytes) -> Path:
        n = written.get(file.agency, 0)
        written[file.agency] = n + 1
        folder = Path(out_dir) / str(n + 1) if n else Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return write_feedback(file, roster[file.agency], year, store, folder, password=password,
                              form_name=form_name, data=data)

    return write


def _note_target(finding, layout) -> str | None:
    """The cell key, narrative key or rule instance a finding is about, where the fresh template
    has a cell for it (a check cell, else the rule's first cell); None for the file as a whole."""
    if finding.code.startswith("rule."):
        sheet = layout.table_sheet(finding.key.split(".")[0]) if finding.key else None
        if sheet:
            for iid, span in sheet.checks.items():
                if span.a1 == finding.cell:
                    return iid
        return finding.key
    return finding.key


def feedback_for(store: Store, year: int, agency: Agency, version: int, out_dir: str | Path, *,
                 password: str = DEFAULT_PASSWORD, form_name: str = "annual-2021") -> Path | None:
    """The 退回修改表 of one stored version of an agency's workbook, as collect writes it; None if
    that version has nothing to point out or did not come from a workbook."""
    submission = next((s for s in store.submissions(year, agency.code) if s.version == version), None)
    if submission is None or submission.sha256 is None or not submission.findings or submission.source != "workbook":
        return None
    file = FileReport(submission.original_name or f"{agency.code}.xlsx", submission.sha256, submission.status,
                      submission.findings, agency.code, agency.name, year, version)
    return write_feedback(file, agency, year, store, Path(out_dir), password=password, form_name=form_name)
