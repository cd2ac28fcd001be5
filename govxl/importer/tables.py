"""Reading one table of the spec from the stream: rows by their labels, cells by their order.

The rows are looked for in the spec's order, each after the one before (a label found beyond the
next row's label is a stray match and dropped). A row's cells are the numbers that follow its
label, up to the next label text; a merged label repeated in the cells after it is skipped. In a
text table (padded) empty positions before and after the numbers are the padding of merged
cells; elsewhere an empty cell is a cell the publication left blank, reported, never taken for 0.
Fewer numbers than cells, all digits, none alone in a cell of its own: digits run together, left
to :mod:`govxl.importer.solver`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from govxl.findings import Finding
from govxl.form.spec import Form, Row, Table
from govxl.importer import labels, solver
from govxl.importer.result import Unread
from govxl.importer.stream import BLANK, TEXT, VALUE, Atom, Stream

_ZERO = re.compile(r"[/—–－\-]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class TableReading:
    form: Form
    table: Table
    values: dict[str, object] = field(default_factory=dict)
    unread: list[Unread] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rows_found: int = 0
    label_distance: float = 0.0
    coverage: float = 0.0  # share of the table's labels (blocks, columns, rows) found in the section

    @property
    def score(self) -> tuple:
        """How well the table was read: cells read less cells not read, then rows found, then how
        close the labels were."""
        read = sum(1 for v in self.values.values() if v is not None)
        return 2 * read - len(self.values), self.rows_found, -self.label_distance


def parse_value(cell: str, form: Form, key: str):
    """A cell's text as the number it states, or None (out of the type's range included)."""
    if cell == "":
        return None
    if _ZERO.fullmatch(cell):
        return 0
    text = re.sub(r"(万元|元)$", "", cell).replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    number = Decimal(text)
    kind = form.cells[key].type
    if number < kind.min or number > kind.max:
        return None
    if kind.kind == "integer":
        return int(number) if number == number.to_integral_value() else None
    return number


class _Reader:
    def __init__(self, stream: Stream, form: Form, table: Table, start: int, end: int):
        self.stream, self.form, self.table = stream, form, table
        # The section's text offsets, as key indices and atoms (the atom holding its start included).
        self.key_lo, self.key_hi = stream.key_index_at(start), stream.key_index_at(end)
        n = len(stream.key)
        self.lo = stream.key_atom[self.key_lo] if self.key_lo < n else len(stream.atoms)
        self.hi = stream.key_atom[self.key_hi] if self.key_hi < n else len(stream.atoms)
        self.reading = TableReading(form, table)
        self.trim: dict[int, int] = {}  # atom index -> trailing digits that are a row's numbering
        self.ambiguous: list[solver.Ambiguous] = []

    def parse(self, cell: str, key: str):
        return parse_value(cell, self.form, key)

    # --- the cells of a row ----------------------------------------------------------------------

    def atom_text(self, i: int) -> str:
        atom = self.stream.atoms[i]
        cut = self.trim.get(i, 0)
        return atom.text[:len(atom.text) - cut] if cut else atom.text

    def cells_after(self, start: int, stop: int, same_row: bool = True) -> list[tuple[int, str]]:
        """(atom index, text) of the cells following a label. In a table with real rows: every
        cell of the label's row after it, a cell holding anything but one number kept whole as
        its text (not a number). Elsewhere: numbers, zero marks and empty cells up to the next
        text with letters in it."""
        atoms = self.stream.atoms
        label = atoms[start - 1] if start > 0 and same_row else None
        if label is not None and label.row_bound:
            return self._row_cells(start, stop, label)
        out: list[tuple[int, str]] = []
        for i in range(start, stop):
            atom: Atom = atoms[i]
            if atom.kind == TEXT:
                if any(c.isalnum() for c in atom.text):
                    break
                continue
            if atom.kind == VALUE and atom.numbering and self._leads_label(i):
                break  # "1." opening a label cell: the next row's numbering, not a cell
            text = self.atom_text(i) if atom.kind == VALUE else ""
            if atom.kind == VALUE and text == "":
                continue  # all of it was the next row's numbering
            out.append((i, text))
        return out

    def _row_cells(self, start: int, stop: int, label: Atom) -> list[tuple[int, str]]:
        atoms = self.stream.atoms
        out: list[tuple[int, str]] = []
        i = start
        while i < stop and atoms[i].row == label.row:
            cell = atoms[i].cell
            j = i
            while j < stop and atoms[j].cell == cell:
                j += 1
            members = range(i, j)
            numbers = [k for k in members if atoms[k].kind == VALUE]
            words = [k for k in members if atoms[k].kind == TEXT and any(c.isalnum() for c in atoms[k].text)]
            if atoms[i].kind == BLANK:
                out.append((i, ""))
            elif len(numbers) == 1 and not words:
                out.append((numbers[0], self.atom_text(numbers[0])))
            elif numbers or words:
                text = self.stream.flat[atoms[i].start:atoms[j - 1].end].strip()
                out.append((i, text))
            i = j
        return out

    def _leads_label(self, i: int) -> bool:
        atoms = self.stream.atoms
        atom = atoms[i]
        if i in self.trim:
            return False
        before = atoms[i - 1] if i > 0 else None
        after = atoms[i + 1] if i + 1 < len(atoms) else None
        starts_cell = before is None or before.cell != atom.cell
        return starts_cell and after is not None and after.cell == atom.cell and after.kind == TEXT

    # --- rows --------------------------------------------------------------------------------------

    def spots(self) -> list[labels.Spot | None]:
        s = self.stream
        key_lo, key_hi = self.key_lo, self.key_hi
        rows = self.table.rows
        found: list[labels.Spot | None] = []
        cursor = key_lo
        for i, row in enumerate(rows):
            names = [row.label, *row.aliases]
            spot = labels.find(s, names, cursor, key_hi)
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            if spot and nxt:
                nk = labels.label_key(nxt.label)
                if len(nk.key) >= 4:
                    after = labels.find(s, [nxt.label, *nxt.aliases], cursor, key_hi)
                    if after and after.key_end <= spot.key_start:
                        spot = None
            if spot:
                spot = labels.absorb_repeats(s, spot, [labels.label_key(n).key for n in names], self.hi)
                cursor = spot.key_end
                if spot.numbering_atom is not None:
                    self.trim[spot.numbering_atom] = spot.numbering_digits
            found.append(spot)
        return found

    def coverage(self) -> float:
        t = self.table
        groups = [[b.heading] for b in t.blocks if b.heading]
        groups += [[c.label] for b in t.blocks for c in b.columns]
        groups += [[r.label, *r.aliases] for r in t.rows]
        found = 0
        for names in groups:
            if any(labels.find(self.stream, [n], self.key_lo, self.key_hi) for n in names):
                found += 1
        return found / len(groups) if groups else 0.0

    def read(self) -> TableReading:
        self.reading.coverage = self.coverage()
        if self.table.layout == "strip":
            self.read_strip()
        else:
            self.read_rows()
        self.settle()
        return self.reading

    def read_strip(self) -> None:
        atoms = self.stream.atoms
        last_text = self.lo - 1
        for i in range(self.lo, self.hi):
            if atoms[i].kind == TEXT and any(c.isalnum() for c in atoms[i].text):
                last_text = i
        keys = [f"{self.table.key}.{r.key}.{c.key}" for r in self.table.rows
                for c in self.table.block_of(r.key).columns]
        self.reading.rows_found = len(self.table.rows) if last_text >= self.lo else 0
        self.take(None, keys, self.cells_after(last_text + 1, self.hi, same_row=False))

    def read_rows(self) -> None:
        spots = self.spots()
        rows = self.table.rows
        for i, row in enumerate(rows):
            keys = [f"{self.table.key}.{row.key}.{c.key}" for c in self.table.block_of(row.key).columns]
            spot = spots[i]
            if spot is None:
                self.missing_row(row, keys)
                continue
            self.reading.rows_found += 1
            self.reading.label_distance += max(spot.distance, 0)
            following = [s for s in spots[i + 1:] if s is not None]
            stop = following[0].first if following else self.hi
            self.take(row, keys, self.cells_after(spot.last + 1, stop))

    # --- cells -------------------------------------------------------------------------------------

    def take(self, row: Row | None, keys: list[str], found: list[tuple[int, str]]) -> None:
        atoms = self.stream.atoms
        padded = bool(found) and all(atoms[i].padded for i, _ in found)
        # Empty cells before the first number and after the last: the padding of merged cells in a
        # text table; in any table, empty cells of the label's area when there are more cells
        # than the row has.
        while found and atoms[found[0][0]].kind == BLANK and (padded or len(found) > len(keys)):
            found = found[1:]
        while found and atoms[found[-1][0]].kind == BLANK and (padded or len(found) > len(keys)):
            found = found[:-1]
        if padded and len(found) > len(keys) and len({t for _, t in found[len(keys) - 1:]}) == 1:
            found = found[:len(keys)]  # the last cell merged over the rest, its text repeated
        if len(found) > len(keys) and row is not None:
            # More numbers than cells: a repeated column of a merged cell is not told apart
            # from a number of the row, so nothing is taken.
            self.unread_row(row, keys, "cells_missing")
            return
        cells = [text for _, text in found]
        if len(cells) < len(keys) and cells and not any(atoms[i].own_cell or atoms[i].kind == BLANK for i, _ in found):
            options, too_many = solver.splits(cells, keys, self.form, self.parse)
            if len(options) == 1:
                cells = options[0]
            elif options or too_many:
                self.ambiguous.append(solver.Ambiguous(row, keys, options, too_many))
                for key in keys:
                    self.reading.values[key] = None
                return
            else:
                self.unread_row(row, keys, "cells_missing")
                return
        if len(cells) != len(keys):
            self.unread_row(row, keys, "cells_missing")
            return
        for key, cell in zip(keys, cells):
            value = self.parse(cell, key)
            self.reading.values[key] = value
            if value is None:
                self.unread_cell(row, key, cell)

    def settle(self) -> None:
        if not self.ambiguous:
            return
        fits = solver.settle(self.form, self.table.key, self.reading.values, self.ambiguous, self.parse)
        for n, amb in enumerate(self.ambiguous):
            if n in fits:
                for key, cell in zip(amb.keys, fits[n]):
                    self.reading.values[key] = self.parse(cell, key)
            else:
                self.unread_row(amb.row, amb.keys, "cells_run_together")

    # --- what could not be read ------------------------------------------------------------------

    def where(self, row: Row | None) -> str:
        return row.full_label if row else self.table.heading

    def missing_row(self, row: Row, keys: list[str]) -> None:
        for key in keys:
            self.reading.values[key] = None
        self.reading.unread.append(Unread(self.table.key, row.key, None, "row_not_found"))
        self.reading.findings.append(Finding.of("import.row_missing", table=self.table.heading, row=row.full_label))

    def unread_row(self, row: Row | None, keys: list[str], reason: str) -> None:
        for key in keys:
            self.reading.values[key] = None
        where = self.where(row)
        self.reading.unread.append(Unread(self.table.key, row.key if row else None, None, reason))
        self.reading.findings.append(Finding.of(f"import.{reason}", table=self.table.heading, row=where))

    def unread_cell(self, row: Row | None, key: str, cell: str) -> None:
        column = self.form.cells[key].column
        blank = cell == ""
        where = self.where(row)
        self.reading.unread.append(Unread(self.table.key, key.split(".")[1], column.key,
                                          "blank_cell" if blank else "not_a_number"))
        self.reading.findings.append(Finding.of(
            "import.blank_cell" if blank else "import.not_a_number", table=self.table.heading, row=where,
            column=column.label, value=cell or None, key=key))


def read_table(stream: Stream, form: Form, table: Table, start: int, end: int) -> TableReading:
    """Read ``table`` of ``form`` from its section, text offsets ``start``..``end`` of the stream."""
    return _Reader(stream, form, table, start, end).read()
