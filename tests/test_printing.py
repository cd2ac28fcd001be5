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


# --- the reports: HTML through Chromium, Word through LibreOffice ---------------------------------

DISTRICT_PAGES = 8  # the district report without annexes


@pytest.fixture(scope="module")
def printed_reports(collected, tmp_path_factory):
    """The district report (with its two annexes) and the report of 卫东区金融工作局, composed
    through the public API in HTML and Word, printed by Chromium and LibreOffice."""
    import govxl
    from rendering import chromium_pdf

    store, _ = collected
    out = tmp_path_factory.mktemp("reports")
    files = {}
    for fmt in ("html", "docx"):
        district = govxl.compose(store, 2023, out / f"district.{fmt}", format=fmt, district=True,
                                 name="卫东区人民政府", annexes=("texts", "status"))
        files[f"district.{fmt}"], files[f"texts.{fmt}"], files[f"status.{fmt}"] = district.paths
        files[f"agency.{fmt}"] = govxl.compose(store, 2023, out / f"agency.{fmt}", format=fmt, agency="WD025").paths[0]
    pdfs = {}
    for key, path in files.items():
        if path.suffix == ".html":
            pdfs[key] = chromium_pdf(path, out / f"{key}.pdf", out / "chromium")
    words = [k for k, p in files.items() if p.suffix == ".docx"]
    for key, pdf in zip(words, office_pdf([files[k] for k in words], out / "pdf", out / "profile")):
        pdfs[key] = pdf
    return {k: pages(pdf) for k, pdf in pdfs.items()}


def _unbreakable_headers(form, table_key: str) -> set[str]:
    """The header texts of a national table that are one word (总计, 自然人, 申请人情况)."""
    from govxl.reporting.compose import header_words
    from govxl.reporting.grid import table_grid

    grid = table_grid(layout_form(form), table_key, {})
    return {c.text for row in grid for c in row
            if c is not None and c.kind == "header" and c.text and len(header_words(c.text)) == 1}


def layout_form(form):
    from govxl.form.layout import layout_form as lay

    return lay(form)


def _label_columns(page, first_column: str) -> list[str]:
    """The row labels of a table on a page: the text left of its first data column, as runs of
    adjacent characters gathered by the left edge they start at (a label column, its lines in
    order); [] when the page does not show the column's header."""
    import unicodedata

    chars = [{**c, "text": unicodedata.normalize("NFKC", c["text"])} for c in page.chars if c["text"].strip()]
    rows: dict[int, list] = {}
    for c in chars:
        rows.setdefault(round(c["bottom"]), []).append(c)
    start = None
    for bottom in sorted(rows):
        line = sorted(rows[bottom], key=lambda c: c["x0"])
        text = "".join(c["text"] for c in line)
        if first_column in text:
            start = line[text.index(first_column)]
            break
    if start is None:
        return []
    columns: dict[int, str] = {}
    for bottom in sorted(rows):
        if bottom <= start["bottom"]:
            continue
        run: list = []
        for c in sorted(rows[bottom], key=lambda c: c["x0"]) + [None]:
            if c is not None and c["x1"] <= start["x0"] + 0.5 and (not run or c["x0"] - run[-1]["x1"] < 3):
                run.append(c)
                continue
            if run:
                edge = round(run[0]["x0"] / 4)
                columns[edge] = columns.get(edge, "") + "".join(x["text"] for x in run)
            run = [c] if c is not None and c["x1"] <= start["x0"] + 0.5 else []
    return list(columns.values())


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_reports_print_within_budget_with_headers_on_every_page(printed_reports, form, fmt):
    """Printed, the district report keeps its page budget; a table that spans pages shows its
    header on every one; no row is cut at a page's edge; a one-word header (总计) is never
    broken; no page but the last is left more than half empty; the title leaves no character
    alone on its last line."""
    from rendering import contains, flat

    for kind in ("district", "agency"):
        doc = printed_reports[f"{kind}.{fmt}"]
        assert len(doc) <= DISTRICT_PAGES, (kind, len(doc))
        for page in doc:
            assert page.outside() == [], (kind, page.number)
        t3 = form.table("t3")
        spanned = [p for p in doc if any(contains(p.text, r.label) for r in t3.rows[2:])]
        assert len(spanned) >= (2 if kind == "district" else 1)
        for page in spanned:
            for header in (t3.column_header, t3.columns[0].label, t3.columns[-1].label):
                assert contains(page.text, header), (kind, page.number, header)
        columns = [flat(text) for p in spanned for text in _label_columns(p, t3.columns[0].label)]
        for row in t3.rows:  # each row label whole on one page: no row cut at a page's edge
            assert any(contains(text, row.label) for text in columns), (kind, row.label, columns)
        for key in ("t3", "t4"):
            for word in _unbreakable_headers(form, key):
                assert any(contains(line.text, word) for p in doc for line in p.lines()), (kind, key, word)
        content_top, content_bottom = 37 / 25.4 * 72, (297 - 35) / 25.4 * 72
        for page in doc[:-1]:
            bottom = max(c["bottom"] for c in page.chars if c["text"].strip() and c["bottom"] < content_bottom + 5)
            assert bottom > (content_top + content_bottom) / 2, (kind, page.number)
        title = [line for line in doc[0].lines(min_size=20)]
        assert title and len(title[-1].text) >= 3, [line.text for line in title]


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_status_annex_prints_every_name_whole(printed_reports, collected, fmt):
    """The internal annex 各单位报送情况: its columns sized to their content — every agency's name,
    its group and its status on one line (区直部门, never 区直部/门)."""
    from rendering import contains

    from govxl.collection.status import completeness
    from govxl.findings import STATUS_LABELS

    store, _ = collected
    doc = printed_reports[f"status.{fmt}"]
    lines = [line.text for page in doc for line in page.lines()]
    for a in completeness(store, 2023).agencies:
        for text in (a.name, a.group, STATUS_LABELS[a.status]):
            assert any(contains(line, text) for line in lines), (fmt, text)


def _nearly_contains(text: str, words: str, misses: int = 2) -> bool:
    """``words`` in ``text`` but for a few characters: a PDF's font may map an ideograph to a
    variant of it (户 comes back as 戶) that no normalisation undoes."""
    return any(sum(a != b for a, b in zip(text[i:i + len(words)], words)) <= misses
               for i in range(len(text) - len(words) + 1))


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_texts_annex_prints_every_agencys_words_on_the_paper(printed_reports, collected, fmt):
    """The internal annex 各单位文字材料汇编: nothing drawn off the paper, every part's heading and,
    under it, every agency that wrote that part (by name), each text's opening words printed."""
    from rendering import contains, flat

    from govxl.form.spec import load_form

    store, _ = collected
    doc = printed_reports[f"texts.{fmt}"]
    for page in doc:
        assert page.outside() == [], (fmt, page.number)
    text = "".join(p.text for p in doc)
    names = {a.code: a.name for a in store.roster()}
    parts = load_form("annual-2021").narrative
    for submission in store.latest(2023).values():
        for part in parts:
            words = flat(submission.narrative.get(part.key) or "")
            if words:
                assert contains(text, names[submission.agency]), (fmt, submission.agency)
                assert _nearly_contains(flat(text), words[:20]), (fmt, submission.agency, part.key)
    for part in parts:
        assert contains(text, part.heading or part.label), (fmt, part.key)
