"""import of PDF: the three real published PDFs, govxl's own reports printed to PDF by LibreOffice
(Word) and Chromium (HTML, at two page widths), and a scanned PDF (no text layer)."""

from __future__ import annotations

import json
import random
import subprocess
from decimal import Decimal

import pytest
from collect_helpers import balanced_values
from conftest import SHARED
from libreoffice import soffice
from test_import import NARRATIVE, random_report

from govxl.form import rules
from govxl.importer import import_file
from govxl.reporting.compose import agency_context, write_output

REAL = SHARED / "domain" / "real-reports"
PDFS = sorted((REAL / "pdf").glob("*.pdf"))


def _expected_cells(expected: dict):
    for table in ("t2", "t3", "t4"):
        for row, cols in expected[table].items():
            for col, value in cols.items():
                yield table, row, col, value


def _words(text: str) -> str:
    return "".join(text.split())


def test_the_three_real_pdfs_are_there():
    assert [p.stem for p in PDFS] == ["001_huaian-city-2024", "002_hongze-district-2023", "003_hongze-district-2024"]


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_a_real_pdf_is_read_exactly(path):
    expected = json.loads((REAL / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
    result = import_file(path)
    data = result.as_dict()
    assert result.format == "pdf"
    assert (result.year, result.edition) == (expected["year"], expected["edition"])
    assert result.agency_name and result.agency_name in expected["agency"]
    assert result.unread == []
    for table, row, col, value in _expected_cells(expected):
        assert data[table][row][col] is not None, (table, row, col)
        assert Decimal(str(data[table][row][col])) == Decimal(str(value)), (table, row, col)
    breaks = {f.key for f in result.findings if f.code.startswith("rule.")}
    assert breaks == {f"t4.{x['group']}.total" for x in expected["published_inconsistencies"]}
    # and 003's 区政府办代表区政府受理…17 件 beside the district's 95 (tests/test_narrative_checks.py)
    assert {f.code for f in result.findings} <= {"rule.t4.block_total", "narrative.figure_mismatch"}
    improvements, platform = NARRATIVE[path.stem]
    assert _words(result.narrative["improvements"]).startswith(_words(improvements))
    assert _words(result.narrative["platform"]).startswith(_words(platform))
    assert "- 3 -" not in "".join(result.narrative.values())  # page numbers are not text of the report


def _values_back(form, result, values):
    full = rules.complete(form, values)
    for key, value in full.items():
        read = result.values.get(key)
        assert read is not None and Decimal(str(read)) == Decimal(str(value)), (key, read, value)


def _read_back_exactly(form, pdf, values, narrative):
    """govxl's own report of 卫东区测试局 for 2024, printed to ``pdf``, imported: every number and
    every narrative part exactly, nothing unread, no finding."""
    result = import_file(pdf)
    assert (result.agency, result.year) == ("卫东区测试局", 2024)
    assert result.unread == [] and result.findings == [], (result.unread, result.findings)
    _values_back(form, result, values)
    assert result.narrative == narrative


def _chromium_pdf(html, pdf, profile, *, header_footer: bool = False):
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    f"--print-to-pdf={pdf}", *([] if header_footer else ["--no-pdf-header-footer"]), html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert pdf.exists()


@pytest.mark.real_program
@pytest.mark.parametrize("size", ["A4", "A5"])
def test_a_composed_html_report_printed_by_chromium_is_read_back(form, tmp_path, size):
    values, narrative = random_report(form, 40 if size == "A4" else 41)
    context = agency_context(form, name="卫东区测试局", year=2024, values=values, narrative=narrative)
    html = write_output(context, "html", "agency", tmp_path / "r.html")
    page = html.read_text(encoding="utf-8")
    html.write_text(page.replace("</head>", f"<style>@page {{ size: {size}; }}</style></head>", 1), encoding="utf-8")
    pdf = tmp_path / "r.pdf"
    _chromium_pdf(html, pdf, tmp_path / "chromium")
    _read_back_exactly(form, pdf, values, narrative)


@pytest.mark.real_program
def test_a_report_printed_from_the_browser_with_its_running_header_and_footer_is_read_back(form, tmp_path):
    """A report printed from a web page as browsers do by default: every page carries the date and
    the page's title at its top and the address and the page number (N/M) at its bottom (running heads that
    cross tables split over pages). None of it is part of the report."""
    values, narrative = random_report(form, 43)
    context = agency_context(form, name="卫东区测试局", year=2024, values=values, narrative=narrative)
    html = write_output(context, "html", "agency", tmp_path / "卫东区测试局2024年报告.html")
    pdf = tmp_path / "r.pdf"
    _chromium_pdf(html, pdf, tmp_path / "chromium", header_footer=True)
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:  # the running heads are there, on every page
        assert len(doc.pages) >= 3
        assert all("file://" in (p.extract_text() or "") for p in doc.pages)
    _read_back_exactly(form, pdf, values, narrative)


@pytest.mark.real_program
def test_a_composed_word_report_converted_by_libreoffice_is_read_back(form, tmp_path):
    values, narrative = random_report(form, 42)
    context = agency_context(form, name="卫东区测试局", year=2024, values=values, narrative=narrative)
    docx = write_output(context, "docx", "agency", tmp_path / "r.docx")
    subprocess.run([soffice(), f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(docx)],
                   check=True, capture_output=True, timeout=300, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    _read_back_exactly(form, tmp_path / "out" / "r.pdf", values, narrative)


def _scanned(source, target):
    """A PDF whose pages are pictures of another PDF's pages (no text layer), as a scanner makes."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(source)
    out = pdfium.PdfDocument.new()
    for i in range(len(src)):
        page = src[i]
        width, height = page.get_size()
        bitmap = page.render(scale=1)
        new = out.new_page(width, height)
        image = pdfium.PdfImage.new(out)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(width, height))
        new.insert_obj(image)
        new.gen_content()
    out.save(target)


def test_a_scanned_pdf_is_reported_not_read(tmp_path):
    scan = tmp_path / "扫描件.pdf"
    _scanned(PDFS[1], scan)
    result = import_file(scan)
    assert [f.code for f in result.findings] == ["import.scanned_pdf"]
    assert "扫描件，无法读取文字" in result.findings[0].message
    assert result.values == {} and result.year is None


def test_a_damaged_pdf_is_a_finding_not_a_crash(tmp_path):
    bad = tmp_path / "坏.pdf"
    bad.write_bytes(PDFS[0].read_bytes()[:5000])
    result = import_file(bad)
    assert [f.code for f in result.findings] == ["import.bad_file"]


def test_random_values_survive_every_number_shape(form, tmp_path):
    """Large numbers and amounts with four decimals, printed and read back through Chromium are
    covered above; here the same values through the text reader to pin the PDF test's data."""
    values = balanced_values(form, random.Random(7), scale=3000)
    assert max(values.values()) > 100
