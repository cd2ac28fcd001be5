"""Every workbook govxl writes, printed through LibreOffice and measured page by page: page
budgets, headers on every page, charts whole, nothing off the paper or cut."""

from __future__ import annotations

import pytest
from rendering import office_pdf, pages, pages_with

from govxl.collection.collect import collect
from govxl.collection.feedback import write_reports
from govxl.consolidation.charts import chart_series
from govxl.consolidation.merge import consolidate, summary_texts, write_summary
from govxl.store import Store

pytestmark = pytest.mark.real_program

SUMMARY_PAGES = 20
AGENCY_PAGES = 7


@pytest.fixture(scope="module")
def printed(collected, tmp_path_factory):
    """The summary workbook of the 35-agency sample, a blank agency workbook, the first batch's
    issue list and the 退回修改表 of the agency that inserted a row, printed to PDF."""
    store, tmp = collected
    out = tmp_path_factory.mktemp("printed")
    summary = write_summary(consolidate(store, 2023), out / "summary.xlsx", store=store, code="WD",
                            name="卫东区人民政府")
    first = Store(out / "first.db")
    first.set_roster(store.roster())
    written = write_reports(collect([tmp / "received" / "第一批"], 2023, first, workers=1), first, out / "report")
    (feedback,) = [p for p in written if "WD015" in p.name]
    blank = tmp / "wb" / "2023_WD025_卫东区金融工作局.xlsx"
    files = {"summary": summary, "blank": blank, "issues": written[0], "feedback": feedback}
    pdfs = office_pdf(list(files.values()), out / "pdf", out / "profile")
    return {k: pages(pdf) for k, pdf in zip(files, pdfs)}, store


def _sheets(all_pages) -> dict[str, list]:
    """Pages by sheet: every printed page of the summary's own sheets starts with its sheet's
    name (the page header)."""
    names = sorted(summary_texts()["sheets"].values(), key=len, reverse=True)
    out: dict[str, list] = {}
    for p in all_pages:
        first = p.lines()[0].text if p.lines() else ""
        name = next((n for n in names if first.startswith(n)), None)
        if name:
            out.setdefault(name, []).append(p)
    return out


def test_page_budgets(printed):
    books, _ = printed
    assert len(books["summary"]) <= SUMMARY_PAGES
    assert len(books["blank"]) <= AGENCY_PAGES
    assert len(books["feedback"]) <= AGENCY_PAGES
    for name, book in books.items():
        for page in book:
            assert page.outside() == [], (name, page.number)


def test_summary_sheets_repeat_their_titles_on_every_page(printed):
    books, store = printed
    sheets = _sheets(books["summary"])
    texts = summary_texts()
    for key in ("agencies", "completeness", "warnings", "provenance", "chart_data"):
        name = texts["sheets"][key]
        assert name in sheets, f"{name}: no page says its name in the header"
        for page in sheets[name]:
            assert "单位代码" in page.text or key == "chart_data", (name, page.number)
    (yoy,) = sheets[texts["sheets"]["year_over_year"]]  # nothing to compare: one page, no empty columns
    # every agency's name printed whole, on one line
    names = {a.name for a in store.roster()}
    completeness = "".join(p.text for p in sheets[texts["sheets"]["completeness"]])
    assert all(name in completeness for name in names)


def test_every_chart_prints_whole_on_one_page(printed):
    books, store = printed
    c = consolidate(store, 2023)
    texts = summary_texts()
    chart_pages = _sheets(books["summary"])[texts["sheets"]["charts"]]
    shown = 0
    for spec in texts["charts"]:
        series = chart_series(spec, c, None, texts["texts"])
        if not series:
            continue
        shown += 1
        categories, _sets = series
        on = pages_with(chart_pages, spec["title"])
        assert len(on) == 1, spec["title"]
        page = next(p for p in chart_pages if p.number == on[0])
        assert all(cat in page.text for cat in categories), spec["title"]
    assert shown == 3


def test_agency_workbook_prints_each_table_with_its_header(printed, layout):
    books, _ = printed
    blank = books["blank"]
    for sheet in layout.sheets:
        if sheet.table is None:
            continue
        on = pages_with(blank, sheet.labels[0].text)  # the table's title
        assert len(on) == 1, sheet.name  # each national table on one page
    narrative = pages_with(blank, layout.texts["narrative"]["hint_header"])
    parts = [p for p in blank if any(part.label in p.text for part in layout.form.narrative)]
    assert {p.number for p in parts} <= set(narrative)  # the header row repeated on every page


def test_issue_list_prints_a_page_per_agency(printed):
    books, _ = printed
    issues = books["issues"]
    for name in ("卫东区商务局", "卫东区住房和城乡建设局"):
        assert pages_with(issues, name)
    by_sheet: dict[str, list] = {}
    for page in issues:
        by_sheet.setdefault(page.lines()[0].text, []).append(page)
    assert set(by_sheet) == {"全部问题", "按单位", "按文件"}
    for name, column in (("全部问题", "说明"), ("按单位", "说明"), ("按文件", "单位代码")):
        assert all(column in page.text for page in by_sheet[name]), name  # column titles on every page


def test_word_body_sets_22_lines_of_28_characters(tmp_path, form):
    """GB/T 9704 measured on paper: a page of body text printed by LibreOffice holds 22 lines of
    28 characters (a paragraph's first line 26, after its two-character indent)."""
    import json

    from conftest import ROOT

    from govxl.reporting.compose import agency_context, write_output

    seed = json.loads((ROOT / "samples" / "seed" / "weidong-finance-2023.json").read_text(encoding="utf-8"))
    values = {k: seed["values"].get(k, seed["default_value"]) for k in form.input_keys}
    narrative = {**seed["narrative"], "overview": "政府信息公开工作年度报告按照国家格式编制。" * 60}
    context = agency_context(form, name=seed["name"], year=seed["year"], values=values, narrative=narrative)
    docx = write_output(context, "docx", "agency", tmp_path / "r.docx")
    (pdf,) = office_pdf([docx], tmp_path / "pdf", tmp_path / "profile")
    page = pages(pdf)[1]  # the second page: body text only
    block_bottom = (37 + 225) / 25.4 * 72
    lines = [line for line in page.lines(min_size=15.5) if line.top <= block_bottom + 2]
    assert len(lines) == 22
    assert {len(line.text) for line in lines} <= {27, 28, 29} and max(len(line.text) for line in lines) == 28
