"""A born-digital PDF into the document model, from the characters' positions and the ruling lines.

Read with pypdfium2 (PDFium): every character with its box, every path drawn on the page. Thin
paths and the edges of rectangles are the ruling lines; lines that touch form a table, whose
column and row boundaries cut it into base cells, merged wherever no line separates two of them
(a merged cell keeps its spans). Each character goes to the cell its centre falls in, so a label
wrapped inside its cell stays one cell. Text outside tables becomes lines (a line with wide gaps
is a row of cells: tables drawn without lines). Page numbers and the lines repeated at the top or
bottom of every page are left out. A table continued on the next page is a second grid that
follows the first; a header repeated there is text between rows, which the table reader skips.
A PDF without a text layer (a scan) is reported, not read: there is no OCR.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

from govxl.importer.document import Cell, Document, Grid, Notice, Paragraph
from govxl.importer.limits import MAX_PDF_PAGES, MAX_TEXT_CHARS, InputTooLarge
from govxl.importer.normalise import is_page_number

TOL = 2.0  # points: lines this close are one, a line this close to a box edge touches it
THIN = 3.0  # a filled rectangle thinner than this is a line
MIN_LINE = 4.0
MARGIN = 0.08  # share of the page height at the top and bottom where running heads and feet stand


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Segment:
    """A horizontal (``y`` fixed, ``a``..``b`` along x) or vertical (``x`` fixed, along y) line."""

    horizontal: bool
    at: float
    a: float
    b: float


def _chars(page, height: float) -> list[Char]:
    import pypdfium2.raw as raw

    tp = page.get_textpage()
    out = []
    try:
        n = tp.count_chars()
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        loose = raw.FS_RECTF()
        for i in range(n):
            code = raw.FPDFText_GetUnicode(tp.raw, i)
            if code in (0, 0xFFFE, 0xFFFF) or raw.FPDFText_IsGenerated(tp.raw, i) == 1:
                continue
            ch = chr(code)
            if ch in "\r\n" or (ch.isspace() and ch != " "):
                continue
            if not raw.FPDFText_GetCharBox(tp.raw, i, left, right, bottom, top):
                continue
            x0, x1, y0, y1 = left.value, right.value, bottom.value, top.value
            # Across: the character's advance (punctuation such as 、 inks a corner of its box);
            # up and down: its ink, which sits on the line.
            if raw.FPDFText_GetLooseCharBox(tp.raw, i, loose) and loose.right > loose.left:
                x0, x1 = min(x0, loose.left), max(x1, loose.right)
            if ch == " " or x1 - x0 <= 0:
                # a space has no ink: give it the size of its font so it sits on its line
                size = raw.FPDFText_GetFontSize(tp.raw, i) or 1.0
                x1 = x0 + size * 0.3
                y1 = y0 + size * 0.7
            out.append(Char(ch, x0, x1, height - y1, height - y0))
    finally:
        tp.close()
    return out


def _matrix_mul(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _segments(page, height: float, width: float) -> list[Segment]:
    import pypdfium2.raw as raw

    out: list[Segment] = []
    fm = ctypes.c_int()
    stroke = ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    mat = raw.FS_MATRIX()

    def matrix(obj):
        if raw.FPDFPageObj_GetMatrix(obj, mat):
            return (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
        return (1, 0, 0, 1, 0, 0)

    def visit(obj, outer, depth):
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_FORM and depth < 8:
            m = _matrix_mul(matrix(obj), outer)
            for i in range(raw.FPDFFormObj_CountObjects(obj)):
                visit(raw.FPDFFormObj_GetObject(obj, i), m, depth + 1)
            return
        if kind != raw.FPDF_PAGEOBJ_PATH:
            return
        raw.FPDFPath_GetDrawMode(obj, fm, stroke)
        filled, stroked = fm.value != 0, bool(stroke.value)
        if not filled and not stroked:
            return
        if filled and not stroked and raw.FPDFPageObj_GetFillColor(obj, r, g, b, a):
            if (r.value, g.value, b.value) == (255, 255, 255) or a.value == 0:
                return  # white or transparent fill: a background, not a line
        m = _matrix_mul(matrix(obj), outer)
        points: list[list[tuple[float, float]]] = []
        for i in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, i)
            raw.FPDFPathSegment_GetPoint(seg, x, y)
            px, py = x.value * m[0] + y.value * m[2] + m[4], x.value * m[1] + y.value * m[3] + m[5]
            t = raw.FPDFPathSegment_GetType(seg)
            if t == raw.FPDF_SEGMENT_MOVETO or not points:
                points.append([(px, height - py)])
            else:
                points[-1].append((px, height - py))
            if raw.FPDFPathSegment_GetClose(seg) and points[-1]:
                points[-1].append(points[-1][0])
        for sub in points:
            xs, ys = [p[0] for p in sub], [p[1] for p in sub]
            if not xs:
                continue
            w, h = max(xs) - min(xs), max(ys) - min(ys)
            if w > 0.5 * width and h > 0.5 * height:
                continue  # a frame around the page
            if filled and (w < THIN or h < THIN) and max(w, h) >= MIN_LINE:
                if w >= h:
                    out.append(Segment(True, (min(ys) + max(ys)) / 2, min(xs), max(xs)))
                else:
                    out.append(Segment(False, (min(xs) + max(xs)) / 2, min(ys), max(ys)))
                continue
            for (x0, y0), (x1, y1) in zip(sub, sub[1:]):
                if abs(y1 - y0) <= 0.5 and abs(x1 - x0) >= MIN_LINE:
                    out.append(Segment(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
                elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) >= MIN_LINE:
                    out.append(Segment(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))

    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        visit(raw.FPDFPage_GetObject(page.raw, i), (1, 0, 0, 1, 0, 0), 0)
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= TOL:
            continue
        out.append(v)
    return out


class _Table:
    """Ruling lines that touch each other, and the cells they make."""

    def __init__(self, segments: list[Segment]):
        self.h = [s for s in segments if s.horizontal]
        self.v = [s for s in segments if not s.horizontal]
        # Boundaries: the lines across, and the table's outer extent (a table continued from the
        # page before may have no line along its top).
        self.xs = _cluster([s.at for s in self.v] + [min(s.a for s in self.h), max(s.b for s in self.h)])
        self.ys = _cluster([s.at for s in self.h] + [min(s.a for s in self.v), max(s.b for s in self.v)])
        self.x0, self.x1 = min(self.xs), max(self.xs)
        self.y0, self.y1 = min(self.ys), max(self.ys)

    def _ruled(self, lines: list[Segment], at: float, a: float, b: float) -> bool:
        """Whether a line at ``at`` covers the middle of ``a``..``b``."""
        mid = (a + b) / 2
        return any(abs(s.at - at) <= TOL and s.a - TOL <= mid <= s.b + TOL for s in lines)

    def cells(self) -> list[tuple[int, int, int, int]]:
        """(row, col, rowspan, colspan) of every cell, merged where no line divides base cells."""
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        parent = list(range(nr * nc))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for r in range(nr):
            for c in range(nc):
                if c + 1 < nc and not self._ruled(self.v, self.xs[c + 1], self.ys[r], self.ys[r + 1]):
                    parent[find(r * nc + c + 1)] = find(r * nc + c)
                if r + 1 < nr and not self._ruled(self.h, self.ys[r + 1], self.xs[c], self.xs[c + 1]):
                    parent[find((r + 1) * nc + c)] = find(r * nc + c)
        groups: dict[int, list[tuple[int, int]]] = {}
        for r in range(nr):
            for c in range(nc):
                groups.setdefault(find(r * nc + c), []).append((r, c))
        out = []
        for members in groups.values():
            rows = [m[0] for m in members]
            cols = [m[1] for m in members]
            out.append((min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1))
        return sorted(out)

    def locate(self, x: float, y: float) -> tuple[int, int] | None:
        if not (self.x0 - 0.5 <= x <= self.x1 + 0.5 and self.y0 - 0.5 <= y <= self.y1 + 0.5):
            return None
        c = max(0, min(len(self.xs) - 2, sum(1 for v in self.xs if v < x) - 1))
        r = max(0, min(len(self.ys) - 2, sum(1 for v in self.ys if v < y) - 1))
        return r, c


def _joined(segments: list[Segment]) -> list[Segment]:
    """Collinear pieces that touch joined into one line (a border drawn cell by cell)."""
    out: list[Segment] = []
    for horizontal in (True, False):
        pieces = sorted((s for s in segments if s.horizontal == horizontal), key=lambda s: (round(s.at / TOL), s.a))
        for s in pieces:
            last = out[-1] if out else None
            if last is not None and last.horizontal == horizontal and abs(last.at - s.at) <= TOL \
                    and s.a <= last.b + TOL:
                last.b = max(last.b, s.b)
            else:
                out.append(Segment(horizontal, s.at, s.a, s.b))
    return out


def _tables(segments: list[Segment]) -> list[_Table]:
    """Groups of lines that touch, each with at least two lines each way."""
    segments = _joined(segments)
    n = len(segments)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segments) if s.horizontal]
    vs = [i for i, s in enumerate(segments) if not s.horizontal]
    for i in hs:
        h = segments[i]
        for j in vs:
            v = segments[j]
            if h.a - TOL <= v.at <= h.b + TOL and v.a - TOL <= h.at <= v.b + TOL:
                parent[find(i)] = find(j)
    groups: dict[int, list[Segment]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(segments[i])
    out = []
    for group in groups.values():
        if not any(s.horizontal for s in group) or all(s.horizontal for s in group):
            continue
        t = _Table(group)
        if len(t.xs) >= 2 and len(t.ys) >= 2 and len({round(s.at) for s in group if s.horizontal}) >= 2 \
                and len({round(s.at) for s in group if not s.horizontal}) >= 2:
            out.append(t)
    return out


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines by their vertical centre, each line left to right."""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (c.cy, c.x0)):
        if lines:
            last = lines[-1]
            ref = sum(c.cy for c in last) / len(last)
            size = max(max(c.height for c in last), ch.height, 1.0)
            if abs(ch.cy - ref) <= size * 0.45:
                last.append(ch)
                continue
        lines.append([ch])
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def _spaced(ch: str) -> bool:
    """Whether a gap next to this character can be a space: between Latin letters, not around
    Chinese (no spaces between its characters) nor inside a number (digits spaced out by
    justification)."""
    return ch.isascii() and ch.isalpha()


def _line_text(line: list[Char], gap_cells: bool) -> str:
    """A line's text: a space where the gap is a space wide, a tab where it is much wider (a
    column of a table drawn without lines), nothing between touching characters."""
    out = []
    prev = None
    for ch in line:
        if prev is not None:
            size = max(prev.height, ch.height, 1.0)
            gap = ch.x0 - prev.x1
            if gap_cells and gap > size * 2.0:
                out.append("\t")
            elif gap > size * 0.25 and _spaced(prev.text) and _spaced(ch.text):
                out.append(" ")
        if ch.text != " " or (out and out[-1] not in " \t"):
            out.append(ch.text)
        prev = ch
    return "".join(out).strip()


def _cell_text(chars: list[Char]) -> str:
    """A cell's lines joined: no space around Chinese nor inside a number wrapped in a narrow cell."""
    parts: list[str] = []
    for line in _lines(chars):
        text = _line_text(line, False)
        if not text:
            continue
        if parts and _spaced(parts[-1][-1]) and _spaced(text[0]):
            parts.append(" ")
        parts.append(text)
    return "".join(parts).strip()


@dataclass
class _Item:
    top: float
    block: Paragraph | Grid | None
    text: str = ""  # a line's text, to tell running heads and feet
    edge: bool = False  # in the top or bottom margin


def _page_items(page) -> list[_Item]:
    width, height = page.get_size()
    chars = _chars(page, height)
    tables = _tables(_segments(page, height, width))
    inside: list[list[Char]] = [[] for _ in tables]
    free: list[Char] = []
    for ch in chars:
        for n, t in enumerate(tables):
            if t.locate(ch.cx, ch.cy) is not None:
                inside[n].append(ch)
                break
        else:
            free.append(ch)
    items: list[_Item] = []
    for t, tchars in zip(tables, inside):
        cells = t.cells()
        at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for cell in cells:
            r, c, rs, cs = cell
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    at[(rr, cc)] = cell
        texts: dict[tuple[int, int, int, int], list[Char]] = {cell: [] for cell in cells}
        for ch in tchars:
            texts[at[t.locate(ch.cx, ch.cy)]].append(ch)
        grid = Grid([Cell(_cell_text(texts[cell]), *cell) for cell in cells])
        items.append(_Item(t.y0, grid))
    lines = [line for line in _lines(free) if any(c.text != " " for c in line)]
    number = re.compile(r"[-+]?[\d,]+(?:\.\d+)?(?:万元|元)?|[/—–－-]+")
    if lines:
        left = min(line[0].x0 for line in lines)
        right = max(line[-1].x1 for line in lines)
    para: list[str] = []
    para_top = 0.0
    prev = None
    for line in lines:
        text = _line_text(line, True)
        if "\t" in text and not any(number.fullmatch(p.strip()) for p in text.split("\t")[1:]):
            text = _line_text(line, False)  # wide gaps in prose (justified lines), not columns
        top = min(c.top for c in line)
        bottom = max(c.bottom for c in line)
        size = max(c.height for c in line)
        edge = top < height * MARGIN or top > height * (1 - MARGIN)
        if "\t" in text:
            if para:
                items.append(_Item(para_top, Paragraph("".join(para)), "".join(para)))
                para = []
            cells = [c.strip() for c in text.split("\t")]
            items.append(_Item(top, Grid([Cell(c, 0, i) for i, c in enumerate(cells)], padded=True), text, edge))
            prev = None
            continue
        # A line goes on the one before when that one ran to the right margin, this one is not
        # indented, and no more than a line's gap lies between them.
        joins = (prev is not None and para and prev[1] >= right - 2 * size and line[0].x0 <= left + size
                 and top - prev[2] <= 1.5 * size and not edge and not prev[3])
        if joins:
            sep = " " if _spaced(para[-1][-1]) and _spaced(text[0]) else ""
            para.append(sep + text)
        else:
            if para:
                items.append(_Item(para_top, Paragraph("".join(para)), "".join(para), prev[3]))
            para, para_top = [text], top
        prev = (line[0].x0, line[-1].x1, bottom, edge)
    if para:
        items.append(_Item(para_top, Paragraph("".join(para)), "".join(para), prev[3] if prev else False))
    items.sort(key=lambda i: i.top)
    return items


def read_pdf(data: bytes) -> Document:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    doc = Document()
    try:
        pages = len(pdf)
        if pages > MAX_PDF_PAGES:
            raise InputTooLarge("pdf", pages, MAX_PDF_PAGES)
        per_page: list[list[_Item]] = []
        total = 0
        for i in range(pages):
            page = pdf[i]
            try:
                items = _page_items(page)
            finally:
                page.close()
            per_page.append(items)
            total += sum(len(it.text) for it in items)
            if total > MAX_TEXT_CHARS:
                break
    finally:
        pdf.close()
    if not any(per_page):
        doc.notices.append(Notice("scanned_pdf", {"pages": pages}))
        return doc
    # Running heads and feet: a margin line whose text (digits aside) is on more than one page.
    seen: dict[str, int] = {}
    for items in per_page:
        for key in {re.sub(r"\d+", "#", it.text) for it in items if it.edge and it.text}:
            seen[key] = seen.get(key, 0) + 1
    repeated = {k for k, n in seen.items() if n > 1} if len(per_page) > 1 else set()
    for items in per_page:
        for it in items:
            if it.text and (is_page_number(it.text) or (it.edge and re.sub(r"\d+", "#", it.text) in repeated)):
                continue
            doc.blocks.append(it.block)
    return doc
