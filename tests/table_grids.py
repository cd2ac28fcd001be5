"""The tables of a composed report, read back as grids from each output format, and where each
number sits in them: its row labels to the left and its column headers above.

Merged cells: HTML rowspan/colspan and Word merges are expanded (the text repeated over the cells
it covers); Markdown cannot merge, so a merged label appears once, in its first cell. Everything
here reads only the output; the expectation (which labels a cell of the spec has) comes from the
form spec, so a test built on it cannot restate what the renderer computed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_number(text: str) -> bool:
    return bool(NUMBER.match(norm(text)))


# --- reading ---------------------------------------------------------------------------------------


def markdown_tables(text: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            if re.fullmatch(r"\|( --- \|)+", line.strip()):
                continue
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            current.append([re.sub(r"\\(.)", r"\1", c).strip() for c in cells])
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


class _HTMLTables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.span = (1, 1)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append([])
        elif self.depth == 1 and tag == "tr":
            self.tables[-1].append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = []
            self.span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(("".join(self.cell).strip(), *self.span))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_tables(page: str) -> list[list[list[str]]]:
    parser = _HTMLTables()
    parser.feed(page)
    return [_expand(rows) for rows in parser.tables if rows]


def _expand(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def docx_tables(path) -> list[list[list[str]]]:
    import docx

    return [[[cell.text for cell in row.cells] for row in table.rows] for table in docx.Document(path).tables]


# --- where a number sits -----------------------------------------------------------------------------


@dataclass
class Place:
    row_path: list[str]  # the row labels to the left, outermost first (merged repeats removed)
    column_path: list[str]  # the header cells above, outermost first


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and (not out or out[-1] != item):
            out.append(item)
    return out


def places(grid: list[list[str]]) -> dict[str, list[Place]]:
    """Every number of a table grid (normalised text) -> where it sits. A number's header rows are
    the rows without numbers directly above the run of number rows it belongs to; its row labels
    are the label cells left of it in its row and, for cells left blank, the labels of the rows
    above in the same run (a Markdown table leaves a merged label's other rows blank)."""
    out: dict[str, list[Place]] = {}
    numeric = [any(is_number(c) for c in row) for row in grid]
    path: dict[int, str] = {}
    for r, row in enumerate(grid):
        if not numeric[r]:
            path = {}
            continue
        first_number = next(c for c, text in enumerate(row) if is_number(text))
        for c in range(first_number):
            text = norm(row[c])
            if text:
                path = {j: t for j, t in path.items() if j < c}
                path[c] = text
        headers = []
        top = r
        while top > 0 and numeric[top - 1]:
            top -= 1
        while top > 0 and not numeric[top - 1]:
            top -= 1
            headers.insert(0, grid[top])
        row_path = _dedupe([path[j] for j in sorted(path)])
        previous = None
        for c, text in enumerate(row):
            if is_number(text):
                place = Place(row_path, _dedupe([norm(h[c]) for h in headers if c < len(h)]))
                if (text, place) != previous:  # not the same merged cell again
                    out.setdefault(norm(text), []).append(place)
                previous = (text, place)
            else:
                previous = None
    return out
