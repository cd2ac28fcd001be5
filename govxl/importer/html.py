"""A saved web page into the document model: block elements as paragraphs, tables as grids with
their ``rowspan`` and ``colspan``; scripts, styles and drawings left out."""

from __future__ import annotations

import html.parser
import re

from govxl.importer.document import Cell, Document, Grid, Paragraph

_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title",
           "header", "footer", "figcaption", "caption", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "hr"}
_SKIP = {"script", "style", "svg", "head", "noscript", "template"}


def _span(attrs: dict, name: str) -> int:
    try:
        return max(1, min(int(re.sub(r"\D", "", attrs.get(name) or "1") or 1), 1000))
    except ValueError:
        return 1


class _Table:
    def __init__(self):
        self.cells: list[Cell] = []
        self.row = -1
        self.taken: set[tuple[int, int]] = set()
        self.col = 0
        self.cell: Cell | None = None
        self.parts: list[str] = []

    def new_row(self) -> None:
        self.end_cell()
        self.row += 1
        self.col = 0

    def new_cell(self, attrs: dict) -> None:
        self.end_cell()
        if self.row < 0:
            self.new_row()
        while (self.row, self.col) in self.taken:
            self.col += 1
        rowspan, colspan = _span(attrs, "rowspan"), _span(attrs, "colspan")
        self.cell = Cell("", self.row, self.col, rowspan, colspan)
        for r in range(self.row, self.row + rowspan):
            for c in range(self.col, self.col + colspan):
                self.taken.add((r, c))
        self.col += colspan
        self.parts = []

    def end_cell(self) -> None:
        if self.cell is not None:
            self.cell.text = re.sub(r"\s+", " ", "".join(self.parts)).strip()
            self.cells.append(self.cell)
            self.cell = None


class _Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doc = Document()
        self.skip = 0
        self.tables: list[_Table] = []
        self.line: list[str] = []
        self.title: list[str] = []
        self.in_title = False

    def flush(self) -> None:
        text = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(self.line)).strip()
        if text:
            self.doc.blocks.append(Paragraph(text))
        self.line = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "table":
            if self.tables:  # a table inside a cell: its text belongs to that cell
                self.tables.append(None)
                return
            self.flush()
            self.tables.append(_Table())
            return
        table = self.tables[-1] if self.tables else None
        if table is not None and len(self.tables) == 1:
            if tag == "tr":
                table.new_row()
            elif tag in ("td", "th"):
                table.new_cell(attrs)
            elif tag in ("br", "p", "div") and table.cell is not None:
                table.parts.append("\n")
        elif tag in _BLOCKS and not self.tables:
            self.flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            if table is not None and not self.tables:
                table.end_cell()
                if table.cells:
                    self.doc.blocks.append(Grid(table.cells))
            return
        table = self.tables[0] if self.tables else None
        if table is not None and len(self.tables) == 1 and tag in ("td", "th"):
            table.end_cell()
        elif tag in _BLOCKS and not self.tables:
            self.flush()

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if self.skip:
            return
        if self.tables:
            table = self.tables[0]
            if table.cell is not None:
                table.parts.append(data)
            return
        self.line.append(data)


def read_html(page: str) -> Document:
    parser = _Parser()
    parser.feed(page)
    parser.close()
    parser.flush()
    title = re.sub(r"\s+", " ", "".join(parser.title)).strip()
    if title:
        parser.doc.title_hint = title
    return parser.doc
