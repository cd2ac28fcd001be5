"""The document as one stream in reading order, for finding headings, labels and numbers.

Every block becomes lines of ``text`` (a grid row: its cells joined by tabs) and every cell
becomes *atoms*: runs of label text, numbers (``0``, ``1,234``, ``35.2800``, ``7730.28万元``),
zero marks (``/``, ``—``) and empty cells. Numbers that touch each other without a separator
("801000081") stay one atom: only the table's arithmetic can tell where one cell ends.

The *key* is what labels are matched against: the letters and digits of the label text, with
one ``\\x00`` standing for each number or empty cell, so that no label is found across numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from govxl.importer.document import Document, Grid, Paragraph
from govxl.importer.normalise import matching, readable

TEXT, VALUE, BLANK = "text", "value", "blank"
BARRIER = "\x00"

_TOKEN = re.compile(
    r"(?P<num>-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?:万元|元)?"
    r"|-?[0-9]+(?:\.[0-9]+)?(?:万元|元)?)"
    r"|(?P<zero>(?<!\S)[/—–－\-]+(?!\S))"
)
_NUMBERING_AFTER = re.compile(r"\s*[.、．](?![0-9])")


@dataclass
class Atom:
    kind: str  # TEXT | VALUE | BLANK
    text: str  # as matched (compatibility characters folded)
    start: int  # offsets in Stream.text
    end: int
    row: int  # atoms of one table row (or one paragraph) share it
    cell: int
    own_cell: bool = False  # a number alone in a cell of its own
    padded: bool = False  # from a grid whose empty cells may be padding
    numbering: bool = False  # a number followed by "." or "、": its end may be a row's numbering
    own_text_cell: bool = False  # text alone in a cell of a grid
    in_grid: bool = False
    row_bound: bool = False  # from a grid with real rows: a row's cells are the cells of its row


@dataclass
class Stream:
    text: str  # readable text
    flat: str  # the same, compatibility characters folded (same length)
    atoms: list[Atom]
    key: str = ""
    key_atom: list[int] = field(default_factory=list)  # key index -> atom index
    key_pos: list[int] = field(default_factory=list)  # key index -> offset in text
    atom_key: list[int] = field(default_factory=list)  # atom index -> first key index at or after it

    def key_index_at(self, offset: int) -> int:
        """The first key index at or after a text offset."""
        return bisect_right(self.key_pos, offset - 1)

    def atom_at(self, offset: int) -> int:
        """The first atom starting at or after a text offset."""
        lo, hi = 0, len(self.atoms)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.atoms[mid].start < offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _cell_atoms(text: str, flat: str, offset: int, row: int, cell: int, in_grid: bool, padded: bool,
                out: list[Atom], row_bound: bool = False) -> None:
    if not flat.strip():
        if in_grid:
            out.append(Atom(BLANK, "", offset, offset, row, cell, own_cell=True, padded=padded, in_grid=True,
                            row_bound=row_bound))
        return
    first = len(out)
    pos = 0
    for m in _TOKEN.finditer(flat):
        if m.start() > pos:
            out.append(Atom(TEXT, flat[pos:m.start()], offset + pos, offset + m.start(), row, cell))
        numbering = bool(m.group("num")) and bool(_NUMBERING_AFTER.match(flat, m.end()))
        out.append(Atom(VALUE, m.group(0), offset + m.start(), offset + m.end(), row, cell,
                        padded=padded, numbering=numbering))
        pos = m.end()
    if pos < len(flat):
        out.append(Atom(TEXT, flat[pos:], offset + pos, offset + len(flat), row, cell))
    mine = out[first:]
    for a in mine:
        a.in_grid = in_grid
        a.row_bound = row_bound
    values = [a for a in mine if a.kind == VALUE]
    if in_grid and len(values) == 1 and all(a.kind == VALUE or not any(c.isalnum() for c in a.text) for a in mine):
        values[0].own_cell = True
    if in_grid and len(mine) == 1 and mine[0].kind == TEXT:
        mine[0].own_text_cell = True


def build(doc: Document) -> Stream:
    """The stream of a document."""
    parts: list[str] = []
    atoms: list[Atom] = []
    length = 0
    row = cell = 0

    def emit(text: str, in_grid: bool, padded: bool, row_bound: bool = False) -> None:
        nonlocal length, cell
        text = readable(text.replace("\t", " ").replace("\n", " ") if in_grid else text)
        _cell_atoms(text, matching(text), length, row, cell, in_grid, padded, atoms, row_bound)
        parts.append(text)
        length += len(text)
        cell += 1

    def sep(s: str) -> None:
        nonlocal length
        parts.append(s)
        length += len(s)

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            emit(block.text, False, False)
            sep("\n")
            row += 1
        elif isinstance(block, Grid):
            for cells in block.rows():
                for i, c in enumerate(cells):
                    if i:
                        sep("\t")
                    emit(c.text, True, block.padded, not block.flow)
                sep("\n")
                row += 1
    text = "".join(parts)
    stream = Stream(text, matching(text), atoms)
    key: list[str] = []
    for i, a in enumerate(atoms):
        stream.atom_key.append(len(key))
        if a.kind == TEXT:
            for j, ch in enumerate(a.text):
                if ch.isalnum():
                    key.append(ch)
                    stream.key_atom.append(i)
                    stream.key_pos.append(a.start + j)
        else:
            key.append(BARRIER)
            stream.key_atom.append(i)
            stream.key_pos.append(a.start)
    stream.key = "".join(key)
    return stream
