"""The worksheets of a received file read as a stream, before any reader builds a grid.

python-calamine turns a sheet into a dense grid from A1 to its farthest cell: one cell at
XFD1048576 asks for 512 GiB and aborts the process, one at XFD2000 costs a gigabyte. So each
worksheet part is first parsed incrementally (expat, constant memory: every element is dropped
once seen) and the file is refused as soon as a cell that holds something lies beyond the area a
form can use. Positions follow the rules the readers follow: a cell's ``r`` attribute, or the
column after the previous cell of its row; a row's ``r``, or the row after the previous one.
A cell holds something when it has a value (``<v>`` with text) or an inline string (``<is>``),
as calamine counts it; a cell with only a style is nothing.

The same pass records every formula (``<f>``) within the area, as its text: calamine gives only
the cached results, and a number govxl takes must be what the cell holds.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.parsers import expat

CHUNK = 256 * 1024
MAX_FORMULA = 8192  # characters of a formula kept (a longer one is kept cut, and never evaluated)
_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
_FAR = 10**9


@dataclass
class SheetScan:
    """What the stream scan found in one worksheet part."""

    name: str
    rows: int = 0  # 1 + the last row (0-based) of a cell that holds something
    cols: int = 0
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 0-based -> text


class OutOfArea(Exception):
    """A cell beyond the allowed area: ``rows`` x ``cols`` is the size the sheet would have."""

    def __init__(self, sheet: str, rows: int, cols: int):
        super().__init__(sheet)
        self.sheet, self.rows, self.cols = sheet, rows, cols


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) of every sheet the workbook lists, in its order, as the readers
    resolve them through ``xl/_rels/workbook.xml.rels``."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return []
    targets = {}
    for rel in rels:
        target = rel.get("Target") or ""
        targets[rel.get("Id")] = _part_name(target)
    out = []
    for sheet in book.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        part = targets.get(rid)
        if part:
            out.append((sheet.get("name") or "", part))
    return out


def _part_name(target: str) -> str:
    """A relationship target of xl/workbook.xml as a part name of the zip ('/xl/a' or 'a' -> 'xl/a')."""
    parts: list[str] = [] if target.startswith("/") else ["xl"]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@functools.lru_cache(maxsize=1 << 15)  # the same few thousand references in every file of a form
def _position(ref: str | None) -> tuple[int, int] | None:
    """(row, col) 0-based of an A1 reference, far away for an absurd one; None without one."""
    if not ref:
        return None
    m = _REF.fullmatch(ref.strip())
    if not m:
        return None
    letters, digits = m.groups()
    if len(letters) > 3 or len(digits) > 9:
        return _FAR, _FAR
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _row_number(text: str | None, previous: int) -> int:
    if text is None:
        return previous + 1
    text = text.strip()
    if not text.isdigit():
        return previous + 1
    return int(text) - 1 if len(text) <= 9 else _FAR


def scan_sheet(archive: zipfile.ZipFile, part: str, name: str, max_rows: int, max_cols: int) -> SheetScan:
    """Scan one worksheet part. Raises :class:`OutOfArea` at the first cell holding something
    beyond ``max_rows`` x ``max_cols``; KeyError, zipfile or parse errors for a damaged part.

    expat calls back at every start and end of an element and for its text; no element object is
    built, so memory stays constant whatever the part holds, and the pass costs a fraction of
    building and dropping elements (issue 11). An element's text is, as ElementTree has it, its
    character data before its first child element."""
    scan = SheetScan(name)
    formulas = scan.formulas
    row = col = -1
    cell: tuple[int, int] | None = None
    holds = False
    formula: str | None = None
    masters: dict[str, str] = {}
    shared: dict[tuple[int, int], str] = {}
    depth = 0
    # Open v and f elements, innermost last: [depth, attributes, text parts, size, any non-space,
    # ended by a child]
    texts: list[list] = []
    locals_: dict[str, str] = {}  # expat's name ("namespace}local" or "local") -> local name

    def start(tag: str, attrs: dict) -> None:
        nonlocal depth, row, col, cell, holds, formula
        depth += 1
        if texts and texts[-1][0] == depth - 1:
            texts[-1][5] = True  # its first child: the parent's text is over
        local = locals_.get(tag) or locals_.setdefault(tag, tag.rsplit("}", 1)[-1])
        if local == "c":
            pos = _position(attrs.get("r"))
            cell = pos if pos is not None else (max(row, 0), col + 1)
            col = cell[1]
            holds, formula = False, None
        elif local == "v" or local == "f":
            texts.append([depth, attrs, [], 0, False, False])
        elif local == "row":
            row, col = _row_number(attrs.get("r"), row), -1

    def text(data: str) -> None:
        if texts:
            t = texts[-1]
            if t[0] == depth and not t[5]:  # else another element's text, or a child's tail
                if not t[4] and data.strip():
                    t[4] = True
                if t[3] < MAX_FORMULA:
                    t[2].append(data)
                    t[3] += len(data)

    def end(tag: str) -> None:
        nonlocal depth, cell, holds, formula
        t = texts.pop() if texts and texts[-1][0] == depth else None
        depth -= 1
        if cell is None:
            return
        local = locals_[tag]
        if local == "v" or local == "is":
            holds = holds or local == "is" or t[4]
        elif local == "f":
            value = "".join(t[2])[:MAX_FORMULA]
            attrs = t[1]
            if attrs.get("t") == "shared" and attrs.get("si") is not None:
                if value:
                    masters[attrs.get("si")] = value
                else:
                    shared[cell] = attrs.get("si")
            formula = value
        elif local == "c":
            r, c = cell
            if holds or formula is not None:
                if r >= max_rows or c >= max_cols:
                    if holds:
                        raise OutOfArea(name, max(r + 1, scan.rows), max(c + 1, scan.cols))
                else:
                    if holds:
                        scan.rows, scan.cols = max(scan.rows, r + 1), max(scan.cols, c + 1)
                    if formula is not None:
                        formulas[cell] = formula
            cell = None

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    for pos, si in shared.items():  # a shared formula's followers: the master's text when known
        formulas[pos] = masters.get(si, "")
    return scan
