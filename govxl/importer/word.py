"""A Word file (.docx) into the document model: paragraphs and tables in document order, a merged
cell (``gridSpan``, ``vMerge``) once with its spans. The zip directory is checked before anything
is inflated, so a small file that expands to a huge document is refused at once."""

from __future__ import annotations

import io
import zipfile

from govxl.importer.document import Cell, Document, Grid, Paragraph
from govxl.importer.limits import MAX_DOCX_INFLATED, InputTooLarge

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(data: bytes) -> None:
    """Refuse a .docx whose parts would inflate beyond the bound (read from the zip directory)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        total = sum(i.file_size for i in z.infolist())
        if total > MAX_DOCX_INFLATED:
            raise InputTooLarge("docx", total, MAX_DOCX_INFLATED)


def _text(element) -> str:
    out = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{W}t":
            out.append(node.text or "")
        elif tag in (f"{W}tab",):
            out.append(" ")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif tag == f"{W}p" and out:
            out.append("\n")
    return "".join(out).strip()


def _grid(tbl) -> Grid:
    cells: list[Cell] = []
    open_cells: dict[int, Cell] = {}  # column -> the cell a vMerge continues
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
        col = 0
        for tc in tr.iterchildren(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span, merge = 1, None
            if props is not None:
                gs = props.find(f"{W}gridSpan")
                if gs is not None:
                    try:
                        span = max(1, int(gs.get(f"{W}val", "1")))
                    except ValueError:
                        span = 1
                vm = props.find(f"{W}vMerge")
                if vm is not None:
                    merge = vm.get(f"{W}val", "continue")
            if merge == "continue" and col in open_cells:
                open_cells[col].rowspan += 1
            else:
                cell = Cell(_text(tc), r, col, 1, span)
                cells.append(cell)
                if merge == "restart":
                    open_cells[col] = cell
                else:
                    open_cells.pop(col, None)
            col += span
    return Grid(cells)


def read_docx(data: bytes) -> Document:
    check_zip(data)
    import docx

    document = docx.Document(io.BytesIO(data))
    doc = Document()
    for child in document.element.body.iterchildren():
        if child.tag == f"{W}p":
            doc.blocks.append(Paragraph(_text(child)))
        elif child.tag == f"{W}tbl":
            doc.blocks.append(_grid(child))
    return doc
