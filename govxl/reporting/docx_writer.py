"""Word output in the layout of GB/T 9704-2012 (党政机关公文格式).

A4; top margin 37 mm, left 28 mm, text block 156 × 225 mm; body 3号 (16 pt) 仿宋, title 2号
方正小标宋简体, first-level headings 黑体, second-level 楷体_GB2312; a grid of 22 lines × 28
characters; page numbers as "— 1 —" in 4号 宋体 under the text block; bordered tables. Fonts are
named for East Asian text (``w:eastAsia``), which python-docx's ``font.name`` alone does not do.
Fonts are named, never shipped.

The content comes from a ``*.docx.j2`` template as lines ``KIND|text`` (see there).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from govxl.reporting.grid import COVERED

BODY_FONT = "仿宋"
TITLE_FONT = "方正小标宋简体"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
LINES, CHARS = 22, 28


def set_fonts(target, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name the font of a style or run for Latin and for East Asian text."""
    target.font.name = latin
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _style(doc, name: str, east_asian: str, size, *, bold: bool = False, align=None, indent: bool = False):
    style = doc.styles[name]
    set_fonts(style, east_asian)
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(TEXT_HEIGHT_MM / LINES / 25.4 * 72)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32) if indent else Pt(0)
    if align is not None:
        fmt.alignment = align
    return style


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.left_margin = Mm(37), Mm(28)
    section.right_margin = Mm(210 - 28 - TEXT_WIDTH_MM)
    section.bottom_margin = Mm(297 - 37 - TEXT_HEIGHT_MM)
    section.footer_distance = Mm(297 - 37 - TEXT_HEIGHT_MM - 7)
    # The document grid: 22 lines of 28 characters in the text block.
    line_pitch = round(TEXT_HEIGHT_MM / LINES / 25.4 * 1440)  # twips
    char_pitch_pt = TEXT_WIDTH_MM / CHARS / 25.4 * 72
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(line_pitch))
    grid.set(qn("w:charSpace"), str(round((char_pitch_pt - BODY_SIZE.pt) * 4096)))
    # Page number "— 1 —" centred under the text block.
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("— ", None, " —"):
        run = footer.add_run(text or "")
        set_fonts(run, PAGE_NUMBER_FONT)
        run.font.size = PAGE_NUMBER_SIZE
        if text is None:
            for kind, instr in (("begin", None), (None, " PAGE "), ("end", None)):
                if kind:
                    field = OxmlElement("w:fldChar")
                    field.set(qn("w:fldCharType"), kind)
                else:
                    field = OxmlElement("w:instrText")
                    field.set(qn("xml:space"), "preserve")
                    field.text = instr
                run._r.append(field)


def write_docx(script: str, context: dict, path: str | Path) -> None:
    doc = Document()
    _page(doc)
    body = _style(doc, "Normal", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
    _style(doc, "Title", TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, "Heading 1", H1_FONT, BODY_SIZE, indent=True)
    _style(doc, "Heading 2", H2_FONT, BODY_SIZE, indent=True)
    doc.styles["Title"].paragraph_format.line_spacing = Pt(TITLE_SIZE.pt * 1.5)
    _no_title_border(doc.styles["Title"])
    for line in script.split("\n"):  # not splitlines(): text may hold other line separators
        kind, _, text = line.partition("|")
        if not kind:
            continue
        if kind == "TITLE":
            doc.add_paragraph(text, style="Title")
            doc.add_paragraph("", style=body)
        elif kind == "H1":
            doc.add_paragraph(text, style="Heading 1")
        elif kind == "H2":
            doc.add_paragraph(text, style="Heading 2")
        elif kind == "P":
            doc.add_paragraph(text, style=body)
        elif kind == "NOTE":
            p = doc.add_paragraph(text, style=body)
            p.paragraph_format.first_line_indent = Pt(0)
        elif kind == "TABLE":
            _table(doc, context["tables"][text], context.get("widths", {}).get(text))
        else:
            raise ValueError(f"unknown line kind {kind!r} in the Word template")
    doc.core_properties.title = context.get("title", "")
    doc.core_properties.author = "govxl"
    doc.save(str(path))


def _no_title_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _table(doc, grid, widths: list[float] | None) -> None:
    rows, cols = len(grid), len(grid[0])
    table = doc.add_table(rows=rows, cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = widths or [1 / cols] * cols
    for col, share in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(round(TEXT_WIDTH_MM * share / 25.4 * 1440)))
    for c, share in enumerate(widths):
        for cell in table.columns[c].cells:
            cell.width = Mm(TEXT_WIDTH_MM * share)
    size = Pt(10.5) if cols <= 4 else Pt(9) if cols <= 10 else Pt(7.5)
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None or cell is COVERED:
                continue
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            p = target.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            snap = OxmlElement("w:snapToGrid")  # table text is not held to the body's character grid
            snap.set(qn("w:val"), "0")
            p._p.get_or_add_pPr().append(snap)
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(cell.text)
            set_fonts(run, BODY_FONT)
            run.font.size = size
            run.font.bold = cell.kind == "header"
    doc.add_paragraph("")
