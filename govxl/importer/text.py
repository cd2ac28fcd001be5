"""Plain text (and Markdown) into the document model: every line is a paragraph or a table row.

A line with cells separated by tabs, ``|`` or full-width ``｜`` (a Markdown table with or without
its header line, a web page copied as text, a spreadsheet pasted) is a row of a grid; such grids
are *padded*: an empty position may be the area of a merged cell. A web page copied one cell per
line gives lines between ``|`` lines: each such line is a cell, and an empty line between two
``|`` lines is an empty cell. Page numbers and an archiver's header are taken out.
"""

from __future__ import annotations

import re

from govxl.importer.document import Cell, Document, Grid, Paragraph
from govxl.importer.normalise import ARCHIVE_FIELD, ARCHIVE_MARK, is_page_number, split_lines

BARS = "|｜"
_MD_RULE = re.compile(r"^\s*[|｜]?(\s*:?-{3,}:?\s*[|｜])+\s*(:?-{3,}:?\s*)?$")
_MD_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|&~#+\-=.!()])")


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _is_bar(line: str) -> bool:
    return line.strip() in ("|", "｜")


def _row_cells(line: str) -> list[str] | None:
    """The cells of a table row, or None for a line that is not one."""
    if "\t" in line and line.strip():
        return [c.strip() for c in line.split("\t")]
    stripped = line.strip()
    if not any(b in stripped for b in BARS) or _is_bar(stripped):
        return None
    pieces = re.split(r"(?<!\\)[|｜]", stripped)
    if stripped[0] in BARS:
        pieces = pieces[1:]
    if stripped[-1] in BARS and len(stripped) > 1:
        pieces = pieces[:-1]
    if len(pieces) < 2:
        return None
    return [p.strip() for p in pieces]


def read_text(text: str, *, markdown: bool = False) -> Document:
    """A document from text."""
    doc = Document(markdown=markdown)
    lines = split_lines(text)
    archive = [i for i, line in enumerate(lines[:12]) if ARCHIVE_FIELD.match(line.strip())]
    if len(archive) >= 2:  # an archiver's header: its title is the report's title
        for i in archive:
            m = ARCHIVE_FIELD.match(lines[i].strip())
            if m.group(1) == "标题" and m.group(2).strip():
                doc.title_hint = m.group(2).strip()
        drop = set(archive)
        drop |= {i for i, line in enumerate(lines[:20]) if ARCHIVE_MARK.match(line.strip())}
        lines = [line for i, line in enumerate(lines) if i not in drop]
    lines = [line for line in lines if not is_page_number(line)]
    if markdown:
        lines = [_MD_ESCAPE.sub(r"\1", line) if not _row_cells(line) else line for line in lines]
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    neighbours: dict[int, tuple[int | None, int | None]] = {}
    for n, i in enumerate(nonblank):
        neighbours[i] = (nonblank[n - 1] if n else None, nonblank[n + 1] if n + 1 < len(nonblank) else None)

    grid: Grid | None = None
    bar_grid: Grid | None = None
    for i, line in enumerate(lines):
        if _MD_RULE.match(line) and "-" in line:
            continue
        if _is_bar(line):
            if bar_grid is None:
                bar_grid = Grid([], padded=False, flow=True)
                doc.blocks.append(bar_grid)
            continue
        if not line.strip():
            # An empty line between two bar lines is an empty cell.
            before = i > 0 and _is_bar(lines[i - 1])
            after = i + 1 < len(lines) and _is_bar(lines[i + 1])
            if before and after and bar_grid is not None:
                bar_grid.cells.append(Cell("", 0, len(bar_grid.cells)))
            continue
        prev, nxt = neighbours[i]
        if (prev is not None and _is_bar(lines[prev])) or (nxt is not None and _is_bar(lines[nxt])):
            if bar_grid is None:
                bar_grid = Grid([], padded=False, flow=True)
                doc.blocks.append(bar_grid)
            bar_grid.cells.append(Cell(line.strip(), 0, len(bar_grid.cells)))
            continue
        bar_grid = None
        cells = _row_cells(line)
        if cells is None:
            grid = None
            doc.blocks.append(Paragraph(line))
            continue
        if grid is None:
            grid = Grid([], padded=True)
            doc.blocks.append(grid)
        row = 1 + max((c.row for c in grid.cells), default=-1)
        if markdown:
            cells = [_MD_ESCAPE.sub(r"\1", c) for c in cells]
        grid.cells.extend(Cell(text, row, col) for col, text in enumerate(cells))
    return doc
