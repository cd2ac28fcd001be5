"""What the district office sends back: the issue list (问题清单.xlsx) and, for each agency with
findings, its own workbook regenerated with its values, every offending cell marked and commented.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from govxl import messages as msg
from govxl.atomic import atomic_path
from govxl.collection.collect import CollectReport, FileReport
from govxl.findings import SEVERITY_LABELS, STATUS_LABELS
from govxl.form.layout import layout_form
from govxl.form.spec import load_form
from govxl.names import agency_filename
from govxl.roster import Agency
from govxl.store import Store
from govxl.workbook.generate import DEFAULT_PASSWORD, WorkbookRequest, write_workbook
from govxl.workbook.reader import read_workbook

ISSUE_LIST = "问题清单.xlsx"
ISSUE_COLUMNS = [
    ("单位代码", 12), ("单位名称", 28), ("单位类别", 10), ("文件", 36), ("版本", 6), ("状态", 14),
    ("级别", 6), ("问题代码", 24), ("工作表", 14), ("单元格", 8), ("行", 30), ("列", 18),
    ("填写值", 12), ("应为", 12), ("说明", 80),
]
SUMMARY_COLUMNS = [("单位代码", 12), ("单位名称", 28), ("单位类别", 10), ("文件", 36), ("版本", 6),
                   ("状态", 14), ("错误", 8), ("警告", 8)]


def write_reports(report: CollectReport, store: Store, out_dir: str | Path, *,
                  password: str = DEFAULT_PASSWORD, form_name: str = "annual-2021") -> list[Path]:
    """Write 问题清单.xlsx and a feedback workbook for each agency with findings; returns the paths."""
    out_dir = Path(out_dir)
    roster = {a.code: a for a in store.roster()}
    paths = [write_issue_list(report, roster, out_dir / ISSUE_LIST)]
    for file in _latest_per_agency(report):
        if file.findings and file.agency in roster and file.status != "duplicate":
            paths.append(write_feedback(file, roster[file.agency], report.year, store, out_dir,
                                        password=password, form_name=form_name))
    return paths


def _latest_per_agency(report: CollectReport) -> list[FileReport]:
    latest: dict[str, FileReport] = {}
    for f in report.files:
        if f.agency and f.stored and f.status != "duplicate":
            latest[f.agency] = f
    return list(latest.values())


def write_issue_list(report: CollectReport, roster: dict[str, Agency], path: Path) -> Path:
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "vcenter", "font_name": "宋体"})
        body = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "font_name": "宋体"})
        error = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "font_name": "宋体",
                               "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        summary = wb.add_worksheet("按单位汇总")
        issues = wb.add_worksheet("问题清单")
        _table(summary, header, SUMMARY_COLUMNS, [
            ([f.agency or "", _name(f, roster), _group(f, roster), Path(f.file).name, f.version or "",
              STATUS_LABELS.get(f.status, f.status), sum(x.severity == "error" for x in f.findings),
              sum(x.severity == "warning" for x in f.findings)], error if f.status == "rejected" else body)
            for f in report.files
        ])
        rows = []
        for f in report.files:
            for x in f.findings:
                rows.append(([
                    f.agency or "", _name(f, roster), _group(f, roster), Path(f.file).name, f.version or "",
                    STATUS_LABELS.get(f.status, f.status), SEVERITY_LABELS.get(x.severity, x.severity), x.code,
                    x.sheet or "", x.cell or "", x.row or "", x.column or "", _show(x.value), _show(x.expected),
                    x.text,
                ], error if x.severity == "error" else body))
        _table(issues, header, ISSUE_COLUMNS, rows)
        issues.activate()
        wb.close()
    return path


def _table(ws, header, columns, rows) -> None:
    for c, (title, width) in enumerate(columns):
        ws.write_string(0, c, title, header)
        ws.set_column(c, c, width)
    for r, (values, fmt) in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value), fmt)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _name(f: FileReport, roster: dict) -> str:
    agency = roster.get(f.agency or "")
    return agency.name if agency else (f.agency_name or "")


def _group(f: FileReport, roster: dict) -> str:
    agency = roster.get(f.agency or "")
    return agency.group if agency else ""


def _show(value) -> str:
    return "" if value is None else str(value)


def write_feedback(file: FileReport, agency: Agency, year: int, store: Store, out_dir: Path, *,
                   password: str = DEFAULT_PASSWORD, form_name: str = "annual-2021") -> Path:
    """The agency's workbook again, with its values, each finding as a comment on its cell."""
    form = load_form(form_name)
    layout = layout_form(form)
    submission = next(s for s in store.submissions(year, agency.code) if s.sha256 == file.sha256)
    values = dict(submission.values)
    # Cells that could not be read keep what the agency typed, so it sees what is wrong.
    raw = read_workbook(store.blob(file.sha256), Path(file.file).name, layout.texts["sheets"]["meta"])
    for key, value in values.items():
        if value is None:
            sheet, span = layout.locate(key)
            typed = raw.cell(sheet, span.row, span.col)
            values[key] = str(typed) if typed not in ("", None) else None
    notes: dict[str, str] = {}
    cover_notes = []
    for x in file.findings:
        target = _note_target(x, layout)
        if target:
            notes[target] = (notes[target] + "\n" + x.text) if target in notes else x.text
        else:
            cover_notes.append(x.text)
    errors = sum(x.severity == "error" for x in file.findings)
    cover_notes.insert(0, msg.FEEDBACK_COVER.format(errors=errors, warnings=len(file.findings) - errors,
                                                    file=Path(file.file).name))
    name = agency_filename(year, agency.code, agency.name, "xlsx", suffix="_反馈")
    path = out_dir / name
    write_workbook(WorkbookRequest(path, year, agency, password=password, values=values,
                                   narrative=submission.narrative, form_name=form_name, notes=notes,
                                   cover_notes=tuple(cover_notes)))
    return path


def _note_target(finding, layout) -> str | None:
    """The cell key, narrative key or rule instance a finding is about, where it has a cell."""
    if finding.code.startswith("rule."):
        sheet = layout.table_sheet(finding.key.split(".")[0]) if finding.key else None
        if sheet:
            for iid, span in sheet.checks.items():
                if span.a1 == finding.cell:
                    return iid
        return finding.key
    return finding.key
