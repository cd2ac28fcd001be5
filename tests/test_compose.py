"""compose: the golden report, all three formats for an agency and the district, hostile text.

Differences allowed against the published seed report (it was copied from a web page):
- heading marks and levels (the seed mixes ##, ### and ####); a heading's trailing colon (the seed
  writes （一）主动公开：);
- whitespace anywhere (the seed writes "卫东区金融工作局 2023 年…" and "1. 属于国家秘密");
- half- or full-width punctuation (NFKC: the seed writes (一) where the format writes （一）);
- table punctuation: tab-separated lines in the seed, Markdown pipe tables here; a merged label is
  printed once, on the first row it spans, as the seed does;
- the table header rows (the seed prints 总计 beside 申请人情况, the format document under it).
Everything else must be equal: the sections in order, every narrative paragraph, every table row
with its label and numbers.
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
import zipfile
from decimal import Decimal

import docx
import pytest
import table_grids
from conftest import ROOT, SHARED
from docx.shared import Length

from govxl.collection.status import completeness
from govxl.consolidation.merge import consolidate
from govxl.reporting.compose import agency_context, md_escape, render, write_output
from govxl.reporting.reports import agency_report, all_agency_reports, district_report

SEED_REPORT = SHARED / "domain" / "seed-report-weidong-finance-2023.txt"
SEED_DATA = ROOT / "samples" / "seed" / "weidong-finance-2023.json"
HOSTILE = ["<script>alert('x')</script>", "A & B <b>粗</b>", "=cmd|' /C calc'!A0", "# 不是标题", "| 不是表格 |",
           "控制字符\x07\x1b结束", "长" * 30000]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def structure(text: str) -> dict:
    """Headings, paragraphs and tables of a report in text form (see module doc). A table is its
    header labels (the cells of rows without numbers: block headings, header rows, notes, as a
    sorted list, since the seed lays out some header rows differently) and its rows of numbers,
    each as (its label cells in order, its numbers in order)."""
    out = {"headings": [], "paragraphs": [], "tables": []}
    table = None
    for line in text.splitlines():
        if not line.strip() or re.fullmatch(r"\|( --- \|)+", line.strip()):
            continue
        if "\t" in line or line.startswith("|"):
            if table is None:
                table = {"headers": [], "rows": []}
                out["tables"].append(table)
            cells = [_normal(_unescape(c)) for c in re.split(r"\t|(?<!\\)\|", line)]
            cells = [c for c in cells if c]
            numbers = tuple(c for c in cells if re.fullmatch(r"\d+(\.\d+)?", c))
            labels = tuple(c for c in cells if c not in numbers)
            if numbers:
                table["rows"].append((labels, numbers))
            else:
                table["headers"].extend(labels)
            continue
        table = None
        if line.startswith("#"):
            out["headings"].append(_normal(_unescape(line.lstrip("#"))).rstrip(":"))
        else:
            out["paragraphs"].append(_normal(_unescape(line)))
    for table in out["tables"]:
        table["headers"].sort()
    return out


def seed_context(form, narrative=None):
    seed = json.loads(SEED_DATA.read_text(encoding="utf-8"))
    values = {k: seed["values"].get(k, seed["default_value"]) for k in form.input_keys}
    return agency_context(form, name=seed["name"], year=seed["year"], values=values,
                          narrative=narrative or seed["narrative"])


def test_golden_the_seed_report_is_reproduced(form):
    mine = structure(render("agency", "md", seed_context(form)))
    seed = structure(SEED_REPORT.read_text(encoding="utf-8"))
    assert mine["headings"] == seed["headings"]
    assert mine["paragraphs"] == seed["paragraphs"]
    assert [len(t["rows"]) for t in mine["tables"]] == [6, 25, 1]  # t2 rows, t3 rows, the t4 strip
    assert mine["tables"] == seed["tables"]


def test_golden_comparison_notices_a_difference(form):
    seed = json.loads(SEED_DATA.read_text(encoding="utf-8"))
    narrative = {**seed["narrative"], "platform": seed["narrative"]["platform"] + "多一句。"}
    mine = structure(render("agency", "md", seed_context(form, narrative)))
    assert mine["paragraphs"] != structure(SEED_REPORT.read_text(encoding="utf-8"))["paragraphs"]


def test_the_sample_submission_of_the_seed_agency_composes_to_the_seed(collected):
    store, tmp = collected
    path = agency_report(store, 2023, "WD025", "md", tmp / "wd025.md")
    seed = structure(SEED_REPORT.read_text(encoding="utf-8"))
    assert structure(path.read_text(encoding="utf-8")) == seed


def test_agency_reports_in_every_format(collected):
    store, tmp = collected
    paths = all_agency_reports(store, 2023, "html", tmp / "all")
    assert len(paths) == len(store.latest(2023)) == 29
    html = (tmp / "all" / "2023_WD025_卫东区金融工作局.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert re.sub(r"<[^>]+>", "", h1) == "卫东区金融工作局2023年政府信息公开工作年度报告"
    assert 'rowspan="22"' in html and "（七）总计" in html and "<style>" in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no external assets
    document = docx.Document(agency_report(store, 2023, "WD025", "docx", tmp / "wd025.docx"))
    texts = [p.text for p in document.paragraphs]
    assert texts[0].replace("\n", "") == "卫东区金融工作局2023年政府信息公开工作年度报告"  # on two lines
    assert "一、总体情况" in texts and "（五）监督保障" in texts
    assert len(document.tables) == 3
    assert document.tables[1].cell(3, 0).text == "一、本年新收政府信息公开申请数量"


def test_district_report_drafts_section_one_from_the_data(collected):
    store, tmp = collected
    path = district_report(store, 2023, "md", tmp / "district.md", name="卫东区人民政府")
    text = path.read_text(encoding="utf-8")
    c = consolidate(store, 2023)
    status = completeness(store, 2023)
    assert text.startswith("# 卫东区人民政府2023年政府信息公开工作年度报告")
    assert f"全区应报送年度报告的单位{status.overall.total}个，已报送并通过审核{status.overall.reported}个" in text
    assert f"全区共新收政府信息公开申请{c.totals['t3.new.total']}件" in text
    assert f"结转下年度继续办理{c.totals['t3.carry_next.total']}件" in text
    rows = {labels[-1]: numbers for table in structure(text)["tables"] for labels, numbers in table["rows"] if labels}
    assert rows["一、本年新收政府信息公开申请数量"][-1] == str(c.totals["t3.new.total"])
    sections = [h for h in structure(text)["headings"]]
    assert sections[1:7] == ["一、总体情况", "(一)主动公开", "(二)依申请公开", "(三)政府信息管理",
                             "(四)政府信息公开平台建设", "(五)监督保障"]


def test_district_report_with_last_year_states_the_change(collected, form, tmp_path):
    import random

    from collect_helpers import balanced_values

    from govxl.store import Store, new_run_id

    shared, _ = collected
    shared.db.execute("PRAGMA wal_checkpoint(FULL)")
    copy = tmp_path / "govxl.db"
    copy.write_bytes(shared.path.read_bytes())
    store, tmp = Store(copy), tmp_path

    rng = random.Random(3)
    before = 0
    for contribution in consolidate(store, 2023).contributions:
        last = balanced_values(form, rng)
        before += sum(last[k] for k in form.input_keys if k.startswith("t3.new."))
        store.add_submission(agency=contribution.agency.code, year=2022, source="import", status="accepted",
                             values=last, narrative={}, findings=[], run_id=new_run_id())
    text = district_report(store, 2023, "md", tmp / "d2.md", name="卫东区人民政府").read_text(encoding="utf-8")
    now = consolidate(store, 2023).totals["t3.new.total"]
    word = "增加" if now > before else "减少"
    assert f"全区共新收政府信息公开申请{now}件，比上年{word}{abs(now - before)}件" in text


def test_district_report_does_not_compare_with_a_thin_last_year(collected, form, tmp_path):
    import random

    from collect_helpers import balanced_values

    from govxl.store import Store, new_run_id

    shared, _ = collected
    shared.db.execute("PRAGMA wal_checkpoint(FULL)")
    copy = tmp_path / "govxl.db"
    copy.write_bytes(shared.path.read_bytes())
    store = Store(copy)
    store.add_submission(agency="WD001", year=2022, source="import", status="accepted",
                         values=balanced_values(form, random.Random(3)), narrative={}, findings=[], run_id=new_run_id())
    text = district_report(store, 2023, "md", tmp_path / "d3.md", name="卫东区人民政府").read_text(encoding="utf-8")
    assert "比上年" not in text


def test_district_html_and_word(collected):
    store, tmp = collected
    html = district_report(store, 2023, "html", tmp / "d.html", name="卫东区人民政府").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "办理结果" in html  # no year-over-year chart without last year
    assert 'class="placeholder"' in html
    document = docx.Document(district_report(store, 2023, "docx", tmp / "d.docx", name="卫东区人民政府"))
    assert len(document.tables) == 3  # the three national tables; the annexes are documents of their own
    assert document.paragraphs[0].text == "卫东区人民政府\n2023年政府信息公开工作年度报告"


def test_word_layout_follows_gb_t_9704(tmp_path, form):
    path = write_output(seed_context(form), "docx", "agency", tmp_path / "r.docx")
    document = docx.Document(path)
    section = document.sections[0]
    mm = lambda length: round(Length(length).mm)  # noqa: E731
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225

    def east_asian(style):
        return style.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    normal = document.styles["Normal"]
    assert east_asian(normal) == "仿宋_GB2312" and normal.font.size.pt == 16
    assert east_asian(document.styles["Title"]) == "方正小标宋简体" and document.styles["Title"].font.size.pt == 22
    assert east_asian(document.styles["Heading 1"]) == "黑体"
    assert east_asian(document.styles["Heading 2"]) == "楷体_GB2312"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    grid = re.search(r'<w:docGrid [^>]*/>', xml).group(0)
    assert 'w:type="linesAndChars"' in grid and 'w:linePitch="579"' in grid
    fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode()
    for name, fallback in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "宋体")):
        assert f'<w:font w:name="{name}"><w:altName w:val="{fallback}"/>' in fonts
    assert "<w:tblHeader" in xml and "<w:cantSplit" in xml
    footer = zipfile.ZipFile(path).read("word/footer1.xml").decode()
    assert "PAGE" in footer and "—" in footer
    assert document.tables[0].style.name == "Table Grid"
    assert [p.style.name for p in document.paragraphs[:3]] == ["Title", "Normal", "Heading 1"]


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_hostile_narrative_comes_out_as_text(tmp_path, form, fmt):
    seed = json.loads(SEED_DATA.read_text(encoding="utf-8"))
    narrative = {**seed["narrative"], "overview": "\n".join(HOSTILE)}
    path = write_output(seed_context(form, narrative), fmt, "agency", tmp_path / f"r.{fmt}")
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(path).paragraphs)
        for line in HOSTILE:
            assert line.replace("\x07", "").replace("\x1b", "") in text
        return
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert "长" * 30000 in text
    assert "\x07" not in text and "\x1b" not in text
    if fmt == "md":
        assert "\\<script\\>" in text and "\\# 不是标题" in text and "\\| 不是表格 \\|" in text
        assert structure(text)["headings"][:2] == ["卫东区金融工作局2023年政府信息公开工作年度报告", "一、总体情况"]
    else:
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text and "A &amp; B" in text


def test_markdown_escaping_round_trips():
    for text in ("1. 不是列表", "a*b*c_d", "<tag>", "x & y", "# 标题"):
        assert re.sub(r"\\(.)", r"\1", md_escape(text)) == text


@pytest.mark.real_program
def test_html_renders_in_headless_chromium(collected, tmp_path):
    store, tmp = collected
    html = district_report(store, 2023, "html", tmp_path / "d.html", name="卫东区人民政府")
    agency = agency_report(store, 2023, "WD025", "html", tmp_path / "a.html")
    for page in (html, agency):
        pdf = tmp_path / (page.stem + ".pdf")
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'chromium'}", f"--print-to-pdf={pdf}",
                        "--no-pdf-header-footer", page.as_uri()], check=True, capture_output=True, timeout=120)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        flat = _normal(text)
        assert "政府信息公开工作年度报告" in flat
        assert "三、收到和处理政府信息公开申请情况" in flat and "复议后起诉" in flat
        size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert ("595.2" in size and "841.9" in size) or "A4" in size  # printed on A4
    assert "全区共新收政府信息公开申请" in _normal(subprocess.run(
        ["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True).stdout)


def distinct_values(form) -> dict:
    """Every input cell a different number, all below 2000, so that no total (a sum of at least
    two inputs) can be mistaken for an input."""
    values = {}
    for i, key in enumerate(form.input_keys):
        values[key] = 1000 + 7 * i if form.cells[key].type.kind == "integer" else Decimal(f"{1000 + 7 * i}.25")
    return values


def read_tables(path, fmt):
    if fmt == "md":
        return table_grids.markdown_tables(path.read_text(encoding="utf-8"))
    if fmt == "html":
        return table_grids.html_tables(path.read_text(encoding="utf-8"))
    return table_grids.docx_tables(path)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_every_number_sits_under_its_labels(tmp_path, form, fmt):
    """Each input of the spec, given a number of its own, is printed in the row of its row label
    (and group) and under its column header (and group), as the spec names them."""
    values = distinct_values(form)
    seed = json.loads(SEED_DATA.read_text(encoding="utf-8"))
    context = agency_context(form, name=seed["name"], year=seed["year"], values=values, narrative=seed["narrative"])
    tables = read_tables(write_output(context, fmt, "agency", tmp_path / f"r.{fmt}"), fmt)
    assert len(tables) == len(form.tables)
    expanded = fmt != "md"  # Markdown prints a merged label once; HTML and Word merge cells
    for table, grid in zip(form.tables, tables, strict=True):
        where = table_grids.places(grid)
        for key, cell in form.cells.items():
            if not key.startswith(table.key + ".") or key not in values:
                continue
            found = where.get(table_grids.norm(rule_number(values[key])), [])
            assert len(found) == 1, (fmt, key, found)
            place = found[0]
            column = [table_grids.norm(x) for x in (*cell.column.group, cell.column.label)]
            row = [table_grids.norm(x) for x in (*cell.row.group, cell.row.label)]
            assert place.column_path[-1] == column[-1], (fmt, key, place)
            if expanded:
                assert place.column_path[-len(column):] == column, (fmt, key, place)
            if place.row_path:  # a table with row labels (t2, t3)
                assert place.row_path[-min(2, len(row)):] == row[-2:], (fmt, key, place)
            elif expanded:  # t4: one row of numbers, its blocks are column groups
                assert place.column_path[-len(row) - 1:-1] == row, (fmt, key, place)


def rule_number(value) -> str:
    from govxl.form.rules import format_number

    return format_number(value)


def _visible(path) -> str:
    """The text a reader sees in a composed file (md, html or docx)."""
    if path.suffix == ".docx":
        document = docx.Document(path)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = re.sub(r"<style>.*?</style>|<[^>]+>", "", text, flags=re.S)
        import html as html_module

        text = html_module.unescape(text)
    return text


@pytest.fixture(scope="module")
def district_files(collected, tmp_path_factory):
    """The district report in every format, with both annexes, through the public API."""
    import govxl

    store, _ = collected
    out = tmp_path_factory.mktemp("district_files")
    files = {}
    for fmt in ("md", "html", "docx"):
        result = govxl.compose(store, 2023, out / f"全区.{fmt}", format=fmt, district=True, name="卫东区人民政府",
                               annexes=("texts", "status"))
        files[fmt] = result.paths
    return files


def test_the_public_district_report_names_no_agency_with_its_status(collected, district_files, tmp_path):
    """Who has not reported, who failed and who passed with warnings is internal: it is in the
    annex 各单位报送情况, never in the report for publication."""
    import govxl
    from govxl.findings import STATUS_LABELS

    store, _ = collected
    status = completeness(store, 2023)
    internal = [a for a in status.agencies if a.status != "accepted"]
    assert {a.status for a in internal} >= {"not_received", "rejected", "accepted_with_warnings"}
    for fmt, (report, texts, annex) in district_files.items():
        public = _visible(report)
        assert "卫东区人民政府2023年" in _normal(public)
        for a in internal:  # (an agency with warnings may be in the chart of the most applications)
            assert a.status == "accepted_with_warnings" or a.name not in public, (fmt, a.name)
        for label in ("未报送", "尚未报送", STATUS_LABELS["rejected"], STATUS_LABELS["accepted_with_warnings"]):
            assert label not in public, (fmt, label)
        inside = _visible(annex)
        for a in internal:
            assert a.name in inside and STATUS_LABELS[a.status] in inside, (fmt, a.name)
    # by default: the report and the texts annex, no status annex
    default = govxl.compose(store, 2023, tmp_path / "d.md", format="md", district=True, name="卫东区人民政府")
    assert [p.name for p in default.paths] == ["d.md", "d_各单位文字材料汇编.md"]
    only = govxl.compose(store, 2023, tmp_path / "e.md", format="md", district=True, name="卫东区人民政府", annexes=())
    assert [p.name for p in only.paths] == ["e.md"]
    with pytest.raises(govxl.InvalidArgument):
        govxl.compose(store, 2023, tmp_path / "f.md", format="md", district=True, annexes=("status", "x"))


def test_the_texts_annex_gathers_every_agencys_text_part_by_part(collected, district_files, form):
    """各单位文字材料汇编: under each part of the report (from the form spec), every agency's own
    paragraphs of that part, in roster order; the draft's placeholders point to it."""
    store, _ = collected
    c = consolidate(store, 2023)
    latest = store.latest(2023)
    included = [a for a in completeness(store, 2023).agencies if a.code in {x.agency.code for x in c.contributions}]
    for fmt, (report, texts, _annex) in district_files.items():
        text = _normal(_visible(texts))
        headings = [p.heading or p.label for p in form.narrative]
        at = [text.index(_normal(h)) for h in headings]
        assert at == sorted(at), fmt  # the parts in the order of the report
        for i, part in enumerate(form.narrative):
            section = text[at[i]:at[i + 1] if i + 1 < len(at) else len(text)]
            place = -1
            for a in included:
                own = latest[a.code].narrative.get(part.key, "")
                if not own.strip():
                    continue
                where = section.find(_normal(a.name) + _normal(own.splitlines()[0]), place + 1)
                assert where > place, (fmt, part.key, a.name)
                place = where
        drafted = _visible(report)
        placeholders = [line for line in drafted.splitlines() if line.strip().startswith("【")]
        assert placeholders and all("文字材料汇编" in line for line in placeholders), fmt


def test_the_active_paragraph_states_every_row_of_table_two(collected, district_files, form):
    """（一）主动公开 of the draft names every row of table 二 (规章 too) with each of its figures."""
    from govxl.form.rules import format_number

    store, _ = collected
    totals = consolidate(store, 2023).totals
    text = _visible(district_files["md"][0])
    active = next(line for line in text.splitlines() if line.startswith("全区各单位本年"))
    table = form.table("t2")
    assert len(table.rows) >= 6
    for row in table.rows:
        assert row.label in active, row.label
        for column in table.block_of(row.key).columns:
            value = format_number(totals[f"t2.{row.key}.{column.key}"])
            start = active.index(row.label) if column.prose.startswith("{row}") or "{row}" in column.prose else 0
            assert value in active[max(start - 6, 0):], (row.key, column.key)
    figures = re.findall(r"\d+(?:\.\d+)?(?=件|万元)", active)
    assert len(figures) == sum(len(table.block_of(r.key).columns) for r in table.rows)


MEASURE_WORDS = "个件份处项家名条次年月日字行列页万元"


def test_no_space_between_a_number_and_its_measure_word(collected, district_files):
    """Official documents write 35个单位, never 35 个单位: every composed output is scanned."""
    store, tmp = collected
    files = [p for paths in district_files.values() for p in paths]
    for fmt in ("md", "html", "docx"):  # an agency whose own text is written so too
        files.append(agency_report(store, 2023, "WD001", fmt, tmp / f"spacing.{fmt}"))
    # what agencies wrote is theirs (卫东区金融工作局 writes "2023 年"): the annex quotes it as is
    theirs = {_normal(p) for s in store.latest(2023).values() for text in s.narrative.values()
              for p in text.splitlines()}
    spaced = re.compile(rf"\d[ \t\u00a0\u3000]+[{MEASURE_WORDS}]")
    for path in files:
        lines = [line for line in _visible(path).splitlines() if _normal(line) not in theirs]
        found = spaced.findall("\n".join(lines))
        assert not found, (path.name, found[:5])


def test_message_catalogues_write_numbers_without_a_space():
    """The texts a clerk reads (program messages, findings, workbook and summary texts) put no
    space between a number's placeholder and its measure word, nor after 第."""
    import govxl.messages as messages

    texts = [v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str)]
    for name in ("findings.toml", "workbook.toml", "summary.toml"):
        texts += re.findall(r'"([^"\n]*)"', (ROOT / "templates" / name).read_text(encoding="utf-8"))
    bad = [t for t in texts if re.search(rf"\}}[ \u3000]+[{MEASURE_WORDS}]|第[ \u3000]+\{{", t)]
    assert not bad, bad[:5]


def test_workbench_pages_and_code_write_numbers_without_a_space():
    """The workbench's pages and script, and texts made in code: no space between a number (an expression, or a
    number joined in the script) and its measure word, nor after 第."""
    pages = (sorted((ROOT / "templates" / "web").glob("*.html")) + [ROOT / "govxl" / "web" / "static" / "app.js"]
             + sorted((ROOT / "govxl").rglob("*.py")))  # texts made in code (job titles, file names)
    bad = []
    for path in pages:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(rf"\}}\}}?[ \u3000]+([{MEASURE_WORDS}版]|\{{\{{[^}}]*unit)|第[ \u3000]+\{{|\"[ \u3000]+[{MEASURE_WORDS}]",
                         line):
                bad.append((path.name, line.strip()))
    assert not bad, bad[:5]
