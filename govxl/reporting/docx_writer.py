"""Word output in the layout of GB/T 9704-2012 (党政机关公文格式).

A4; top margin 37 mm, left 28 mm, text block 156 × 225 mm; body 3号 (16 pt) 仿宋_GB2312, title 2号
方正小标宋简体, first-level headings 黑体, second-level 楷体_GB2312; 22 lines of 28 characters;
page numbers as "— 1 —" in 4号 宋体 under the text block; bordered tables whose header rows repeat
on every page and whose rows never split.

The document is built from the blocks of :func:`govxl.reporting.compose.report_blocks`, the same
report context the HTML and Markdown templates render. Fonts are named for East Asian text
(``w:eastAsia``) with a fallback in the font table (``w:altName``: 仿宋_GB2312 → 仿宋 …), never
shipped. The 28 characters a line come from the characters' own spacing (16 pt less 0.4
point each), not from the document grid, which LibreOffice and Word read differently; the grid
is still written for Word's ruler.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from govxl.reporting.grid import COVERED, header_rows, text_width

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Fonts an office computer may lack, and what to use instead (written into the font table).
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
TABLE_SIZE = Pt(10.5)  # 5号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
LINES, CHARS = 22, 28
TITLE_CHARS = 20  # 2号 characters on a line of 156 mm
# 22 lines: the pitch in whole twips, rounded down so that the 22nd line still fits.
LINE_PITCH = Twips(int(TEXT_HEIGHT_MM / 25.4 * 1440 / LINES))
# 28 characters: 16 pt characters closed up by 0.4 pt each (28 × 15.6 pt ≤ 156 mm < 29 × 15.6 pt).
CHAR_SPACING_TWENTIETHS = -8
CELL_MARGIN_TWIPS = 57  # 1 mm: half a 10.5 pt character on both sides together (compose.CELL_PAD)


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


def _char_spacing(style) -> None:
    rpr = style.element.get_or_add_rPr()
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWENTIETHS))
    rpr.append(spacing)


def _style(doc, name: str, east_asian: str, size, *, bold: bool = False, align=None, indent: bool = False):
    style = doc.styles[name]
    set_fonts(style, east_asian)
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32) if indent else Pt(0)
    fmt.widow_control = False  # every line of the grid is used
    if align is not None:
        fmt.alignment = align
    _char_spacing(style)
    ppr = style.element.get_or_add_pPr()
    # 35个单位 as written: no extra space between digits and Chinese; the spacing above makes
    # the 28 characters, not the grid
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN", "w:snapToGrid"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        _insert_ordered(ppr, el)
    return style


# The order of the children of w:pPr in the schema (Word refuses a document that breaks it).
_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]


def _insert_ordered(ppr, el) -> None:
    rank = _PPR_ORDER.index(el.tag.split("}")[1])
    for child in ppr:
        name = child.tag.split("}")[1]
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            child.addprevious(el)
            return
    ppr.append(el)


def _defaults(doc) -> None:
    """Document defaults at the body size, so that a program computing the character grid from
    them finds 3号 too."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))


def _font_table(doc) -> None:
    """Fallbacks for fonts an office computer may not have: ``w:altName`` in the font table."""
    (part,) = [r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")]
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{"roman" if alt != "楷体" else "script"}"/><w:pitch w:val="fixed"/></w:font>'
        for name, alt in FALLBACKS.items())
    xml = part.blob.decode("utf-8")
    part._blob = re.sub(r"</w:fonts>\s*$", entries + "</w:fonts>", xml).encode("utf-8")


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.left_margin = Mm(37), Mm(28)
    section.right_margin = Mm(210 - 28 - TEXT_WIDTH_MM)
    section.bottom_margin = Mm(297 - 37 - TEXT_HEIGHT_MM)
    section.footer_distance = Mm(297 - 37 - TEXT_HEIGHT_MM - 7)
    # The document grid of GB/T 9704: 22 lines of 28 characters.
    char_pitch_pt = TEXT_WIDTH_MM / CHARS / 25.4 * 72
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))
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


def write_docx(blocks, context: dict, path: str | Path) -> None:
    """Write the blocks of a report (title, headings, paragraphs, tables) as a Word document."""
    doc = Document()
    _page(doc)
    _defaults(doc)
    _font_table(doc)
    body = _style(doc, "Normal", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
    _style(doc, "Title", TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, "Heading 1", H1_FONT, BODY_SIZE, indent=True)
    _style(doc, "Heading 2", H2_FONT, BODY_SIZE, indent=True)
    _style(doc, "Heading 3", BODY_FONT, BODY_SIZE, bold=True, indent=True)  # 三级标题: 仿宋 bold
    doc.styles["Title"].paragraph_format.line_spacing = Pt(TITLE_SIZE.pt * 1.5)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].paragraph_format.keep_with_next = True
    _no_title_border(doc.styles["Title"])
    for block in blocks:
        if block.kind == "title":
            title = doc.add_paragraph(style="Title")
            lines = title_lines(block.text, context.get("title_parts") if block is blocks[0] else None)
            for i, line in enumerate(lines):
                run = title.add_run(line)
                if i + 1 < len(lines):
                    run.add_break()
            doc.add_paragraph("", style=body)
        elif block.kind == "h1":
            doc.add_paragraph(block.text, style="Heading 1")
        elif block.kind == "h2":
            doc.add_paragraph(block.text, style="Heading 2")
        elif block.kind == "h3":
            doc.add_paragraph(block.text, style="Heading 3")
        elif block.kind in ("p", "placeholder"):
            doc.add_paragraph(block.text, style=body)
        elif block.kind == "note":
            p = doc.add_paragraph(block.text, style=body)
            p.paragraph_format.first_line_indent = Pt(0)
        elif block.kind == "table":
            _table(doc, context["tables"][block.text], context.get("widths", {}).get(block.text))
    doc.core_properties.title = context.get("title", "")
    doc.core_properties.author = "govxl"
    doc.save(str(path))


def title_lines(text: str, parts: list[str] | None = None) -> list[str]:
    """The lines of a title that is too long for one: broken between its parts (the name; the
    year and the report's name) when each fits on a line, else into lines of equal length — never
    a character or two alone on the last line."""
    if text_width(text) <= TITLE_CHARS:
        return [text]
    if parts and "".join(parts) == text and all(text_width(p) <= TITLE_CHARS for p in parts):
        return list(parts)
    n = -(-len(text) // TITLE_CHARS)
    size = -(-len(text) // n)
    return [text[i:i + size] for i in range(0, len(text), size)]


def _no_title_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _flag(parent, tag: str) -> None:
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    parent.append(el)


def _cell_margins(table) -> None:
    """Narrow left and right cell margins (1 mm): a column of the national tables is a word or a
    number wide, and Word's default margins (1.9 mm) would break 总计 into 总/计."""
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        tbl_pr.append(margins)


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
    _cell_margins(table)
    repeat = header_rows(grid)
    blocks = repeat == 0 and any(c is not None and c is not COVERED and c.kind == "header"
                                 for row in grid[1:] for c in row)
    for r, row in enumerate(grid):
        tr_pr = table.rows[r]._tr.get_or_add_trPr()
        _flag(tr_pr, "w:cantSplit")
        if r < repeat:
            _flag(tr_pr, "w:tblHeader")
        for c, cell in enumerate(row):
            if cell is None or cell is COVERED:
                continue
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            p = target.paragraphs[0]
            fmt = p.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            # a table of blocks (table 二) stays on one page; others keep their header with a row
            fmt.keep_with_next = blocks or r < max(repeat, 1)
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(cell.text)
            set_fonts(run, TABLE_FONT)
            run.font.size = TABLE_SIZE
            run.font.bold = cell.kind == "header"
            spacing = OxmlElement("w:spacing")  # the body's closing-up is not for tables
            spacing.set(qn("w:val"), "0")
            run._r.get_or_add_rPr().append(spacing)
    doc.add_paragraph("")
