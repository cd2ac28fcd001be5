"""The one table model every input format is read into: a document of paragraphs and grids.

A :class:`Grid` is a table as its source shows it: cells at (row, column) with row and column
spans. HTML, Word and PDF readers build grids from their tables; the text reader builds them from
lines (cells separated by tabs, bars or full-width bars, or one cell per line between ``|`` lines).
A grid says whether an empty cell can be the padding of a merged cell (``padded``: text tables,
where a merged cell leaves empty positions) or is always a cell of its own (HTML, Word, PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    cells: list[Cell]  # each cell once, at its top-left position
    padded: bool = False  # empty cells may only pad a merged cell (text tables)
    flow: bool = False  # cells one after another with no rows (a page copied one cell per line)

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, in column order."""
        out: dict[int, list[Cell]] = {}
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out.setdefault(c.row, []).append(c)
        return [out[r] for r in sorted(out)]


@dataclass
class Paragraph:
    text: str


Block = Paragraph | Grid


@dataclass
class Notice:
    """Something a reader found about the file itself (a scanned PDF, text cut off)."""

    code: str
    detail: dict = field(default_factory=dict)


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    markdown: bool = False  # backslash escapes to undo
    notices: list[Notice] = field(default_factory=list)
    title_hint: str | None = None  # a title the container names (an archive header, HTML <title>)

    def add_text(self, text: str) -> None:
        for line in text.split("\n"):
            self.blocks.append(Paragraph(line))
