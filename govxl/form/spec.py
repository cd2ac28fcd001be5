"""The form spec: the national format as data, loaded from ``templates/forms/*.toml``.

Every stage works from the typed objects built here. Loading validates the file, so a broken
spec fails at once with a message that names the offending entry instead of producing a
workbook with a hole in it.

Cell keys are strings ``"<table>.<row>.<column>"`` such as ``"t3.new.natural"``.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from govxl.errors import SpecError
from govxl.form import expr
from govxl.form import rules as rule_engine
from govxl.form.check_spec import Checks, Explanation, build_checks, build_explanations
from govxl.resources import templates_dir

DEFAULT_FORM = "annual-2021"
LAYOUTS = ("blocks", "grid", "strip")
SEVERITIES = ("error", "warning")




@dataclass(frozen=True)
class ValueType:
    key: str
    kind: str  # "integer" | "decimal"
    unit: str
    min: int
    max: int
    decimals: int
    number_format: str
    prompt_title: str
    prompt: str
    error_title: str
    error: str


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: tuple[str, ...] = ()
    type: str | None = None
    # How prose states a value of this column: ``{row}`` the row's label, ``{value}`` the figure
    # with its unit (制发{row}{value} -> 制发规章3件). Empty: the row and column labels are used.
    prose: str = ""


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    group: tuple[str, ...] = ()
    type: str | None = None
    aliases: tuple[str, ...] = ()  # other names published reports use (for import)

    @property
    def full_label(self) -> str:
        """The label with its innermost group, as a clerk would name the row."""
        return "·".join((*self.group[-1:], self.label))


@dataclass(frozen=True)
class Block:
    heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Cell:
    key: str
    table: str
    row: Row
    column: Column
    type: ValueType
    derived: bool


@dataclass(frozen=True)
class Table:
    key: str
    number: str
    title: str
    sheet: str
    layout: str
    corner: str
    column_header: str
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for b in self.blocks for r in b.rows)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Distinct columns in order of first appearance."""
        seen: dict[str, Column] = {}
        for b in self.blocks:
            for c in b.columns:
                seen.setdefault(c.key, c)
        return tuple(seen.values())

    def block_of(self, row_key: str) -> Block:
        for b in self.blocks:
            if any(r.key == row_key for r in b.rows):
                return b
        raise KeyError(row_key)


@dataclass(frozen=True)
class Rule:
    id: str
    table: str
    over: str  # "rows" | "columns"
    expr: str
    severity: str
    title: str
    lhs_text: str
    rhs_text: str
    message: str
    derive: bool = False
    only: tuple[str, ...] = ()

    @property
    def cross_year(self) -> bool:
        return expr.uses_previous_year(self.expr)


@dataclass(frozen=True)
class NarrativePart:
    key: str
    label: str
    heading: str
    max_length: int
    hint: str


@dataclass(frozen=True)
class Indicator:
    """A named figure of the report: the sum of ``cells``."""

    key: str
    label: str
    unit: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    table: str | None
    narrative: tuple[str, ...]

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: loaded once, cached
class Form:
    id: str
    template_id: str
    edition: str
    version: str
    name: str
    basis: str
    types: dict[str, ValueType]
    sections: tuple[Section, ...]
    narrative: tuple[NarrativePart, ...]
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    cells: dict[str, Cell] = field(repr=False)
    indicators: tuple[Indicator, ...] = ()
    checks: Checks = field(default_factory=Checks)  # narrative, stale text, year over year
    explanations: tuple[Explanation, ...] = ()  # 情况说明 topics

    def explanation_for(self, code: str) -> Explanation | None:
        """The 情况说明 topic that explains findings of ``code``, if any."""
        return next((e for e in self.explanations if code in e.codes), None)

    def indicator(self, key: str) -> Indicator:
        for i in self.indicators:
            if i.key == key:
                return i
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    @functools.cached_property
    def input_keys(self) -> list[str]:
        return [k for k, c in self.cells.items() if not c.derived]

    @functools.cached_property
    def derived_keys(self) -> list[str]:
        return [k for k, c in self.cells.items() if c.derived]


def load_form(name_or_path: str | Path = DEFAULT_FORM) -> Form:
    """Load and validate a form spec by name (``annual-2021``) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = templates_dir() / "forms" / f"{name_or_path}.toml"
    return _load(str(path.resolve()))


@cache
def _load(path: str) -> Form:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise SpecError(f"form spec not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: {e}") from None
    try:
        base = data.get("form", {}).get("extends")
        if base:
            data = _extend(_raw(str(templates_dir() / "forms" / f"{base}.toml")), data)
        return _build(data)
    except SpecError as e:
        raise SpecError(f"{path}: {e}") from None


def _raw(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (FileNotFoundError, tomllib.TOMLDecodeError) as e:
        raise SpecError(f"{path}: {e}") from None


def _extend(base: dict, data: dict) -> dict:
    """A form written as changes to another (an older edition): tables replaced by key or taken
    ``from`` the base with rows replaced; rules dropped or overridden; the rest inherited."""
    import copy

    merged = copy.deepcopy(base)
    merged["form"] = data["form"]
    merged["types"] = {**base.get("types", {}), **data.get("types", {})}
    for key in ("sections", "narrative", "indicators"):
        if key in data:
            merged[key] = data[key]
    if "checks" in data:  # added to the base's: words and patterns appended, settings replaced
        merged["checks"] = _merge(merged.get("checks", {}), data["checks"])
    tables = {t["key"]: t for t in merged.get("tables", [])}
    for t in data.get("tables", []):
        if "from" in t:
            table = copy.deepcopy(tables[t["from"]])
            for change in t.get("replace_rows", []):
                for block in table["blocks"]:
                    keys = [r["key"] for r in block["rows"]]
                    if change["rows"][0] in keys:
                        i = keys.index(change["rows"][0])
                        block["rows"][i:i + len(change["rows"])] = change["with"]
            table.update({k: v for k, v in t.items() if k not in ("from", "replace_rows")})
            tables[t["key"]] = table
        else:
            tables[t["key"]] = t
    merged["tables"] = list(tables.values())
    dropped = set(data.get("form", {}).get("drop_rules", []))
    rules = {r["id"]: r for r in merged.get("rules", []) if r["id"] not in dropped}
    rules.update({r["id"]: r for r in data.get("rules", [])})
    merged["rules"] = list(rules.values())
    merged["indicators"] = [i for i in merged.get("indicators", [])
                            if all(c.split(".")[0] in tables and _has_cell(tables, c) for c in i["cells"])]
    return merged


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        else:
            out[key] = value
    return out


def _has_cell(tables: dict, key: str) -> bool:
    table, row, col = key.split(".")
    return any(r["key"] == row and any(c["key"] == col for c in b["columns"])
               for b in tables[table]["blocks"] for r in b["rows"])


def _req(d: dict, key: str, where: str, typ: type = str):
    if key not in d:
        raise SpecError(f"{where}: missing '{key}'")
    value = d[key]
    if not isinstance(value, typ):
        raise SpecError(f"{where}: '{key}' must be {typ.__name__}")
    return value


def _unique(keys: list[str], where: str) -> None:
    seen = set()
    for k in keys:
        if k in seen:
            raise SpecError(f"{where}: duplicate key '{k}'")
        seen.add(k)


def _build(data: dict) -> Form:
    meta = _req(data, "form", "file", dict)
    types = {k: _value_type(k, v) for k, v in _req(data, "types", "file", dict).items()}
    narrative = tuple(
        NarrativePart(
            key=_req(n, "key", "narrative"),
            label=_req(n, "label", "narrative"),
            heading=n.get("heading", ""),
            max_length=_req(n, "max_length", "narrative", int),
            hint=n.get("hint", ""),
        )
        for n in data.get("narrative", [])
    )
    _unique([n.key for n in narrative], "narrative")

    sections_raw = _req(data, "sections", "file", list)
    table_sections = {s["table"]: s for s in sections_raw if "table" in s}
    tables = tuple(_table(t, table_sections, types) for t in _req(data, "tables", "file", list))
    _unique([t.key for t in tables], "tables")
    _unique([t.sheet for t in tables], "table sheets")

    sections = tuple(
        Section(
            number=_req(s, "number", "section"),
            title=_req(s, "title", "section"),
            table=s.get("table"),
            narrative=tuple(s.get("narrative", [])),
        )
        for s in sections_raw
    )
    narrative_keys = {n.key for n in narrative}
    for s in sections:
        if s.table and s.table not in {t.key for t in tables}:
            raise SpecError(f"section {s.number}: unknown table '{s.table}'")
        for k in s.narrative:
            if k not in narrative_keys:
                raise SpecError(f"section {s.number}: unknown narrative part '{k}'")

    rules = tuple(_rule(r) for r in data.get("rules", []))
    _unique([r.id for r in rules], "rules")

    cells: dict[str, Cell] = {}
    for t in tables:
        default = types[_table_type(t, data)]
        for b in t.blocks:
            for r in b.rows:
                for c in b.columns:
                    key = f"{t.key}.{r.key}.{c.key}"
                    vt = types[c.type or r.type] if (c.type or r.type) else default
                    cells[key] = Cell(key, t.key, r, c, vt, derived=False)

    indicators = tuple(
        Indicator(_req(i, "key", "indicator"), _req(i, "label", "indicator"), i.get("unit", ""),
                  tuple(_req(i, "cells", "indicator", list)))
        for i in data.get("indicators", [])
    )
    _unique([i.key for i in indicators], "indicators")
    for ind in indicators:
        unknown = [c for c in ind.cells if c not in cells]
        if unknown:
            raise SpecError(f"indicator {ind.key}: unknown cells {unknown}")

    checks = build_checks(data.get("checks", {}), {t.key: t for t in tables}, cells,
                          {i.key for i in indicators}, narrative_keys, strict=not meta.get("extends"))
    explanations = build_explanations(data.get("explanations", []), {r.id for r in rules},
                                      strict=not meta.get("extends"))

    form = Form(
        id=_req(meta, "id", "form"),
        template_id=_req(meta, "template_id", "form"),
        edition=str(_req(meta, "edition", "form")),
        version=str(_req(meta, "version", "form")),
        name=_req(meta, "name", "form"),
        basis=meta.get("basis", ""),
        types=types,
        sections=sections,
        narrative=narrative,
        tables=tables,
        rules=rules,
        cells=cells,
        indicators=indicators,
        checks=checks,
        explanations=explanations,
    )
    # Imported late: the rule engine needs the Form type defined above.

    derived = rule_engine.validate_rules(form)  # raises SpecError on unknown names and cycles
    for key in derived:
        c = cells[key]
        cells[key] = Cell(c.key, c.table, c.row, c.column, c.type, derived=True)
    return form


def _table_type(t: Table, data: dict) -> str:
    for raw in data["tables"]:
        if raw["key"] == t.key:
            return raw.get("type", "count")
    raise AssertionError


def _value_type(key: str, d: dict) -> ValueType:
    where = f"types.{key}"
    kind = _req(d, "kind", where)
    if kind not in ("integer", "decimal"):
        raise SpecError(f"{where}: kind must be 'integer' or 'decimal'")
    return ValueType(
        key=key,
        kind=kind,
        unit=_req(d, "unit", where),
        min=_req(d, "min", where, int),
        max=_req(d, "max", where, int),
        decimals=d.get("decimals", 0),
        number_format=_req(d, "number_format", where),
        prompt_title=_req(d, "prompt_title", where),
        prompt=_req(d, "prompt", where),
        error_title=_req(d, "error_title", where),
        error=_req(d, "error", where),
    )


def _table(t: dict, table_sections: dict, types: dict) -> Table:
    key = _req(t, "key", "table")
    where = f"table {key}"
    layout = _req(t, "layout", where)
    if layout not in LAYOUTS:
        raise SpecError(f"{where}: layout must be one of {LAYOUTS}")
    if key not in table_sections:
        raise SpecError(f"{where}: no section shows this table")
    default_type = t.get("type", "count")
    if default_type not in types:
        raise SpecError(f"{where}: unknown type '{default_type}'")
    blocks = []
    for i, b in enumerate(_req(t, "blocks", where, list)):
        bw = f"{where} block {i + 1}"
        cols = tuple(
            Column(_req(c, "key", bw), _req(c, "label", bw), tuple(c.get("group", ())), c.get("type"),
                   c.get("prose", ""))
            for c in _req(b, "columns", bw, list)
        )
        rows = tuple(
            Row(_req(r, "key", bw), _req(r, "label", bw), tuple(r.get("group", ())), r.get("type"),
                tuple(r.get("aliases", ())))
            for r in _req(b, "rows", bw, list)
        )
        if not cols or not rows:
            raise SpecError(f"{bw}: needs rows and columns")
        _unique([c.key for c in cols], f"{bw} columns")
        for item in cols + rows:
            if item.type and item.type not in types:
                raise SpecError(f"{bw}: unknown type '{item.type}'")
        blocks.append(Block(b.get("heading", ""), cols, rows))
    if layout != "blocks" and len(blocks) != 1:
        raise SpecError(f"{where}: layout '{layout}' takes exactly one block")
    table = Table(
        key=key,
        number=table_sections[key]["number"],
        title=table_sections[key]["title"],
        sheet=_req(t, "sheet", where),
        layout=layout,
        corner=t.get("corner", ""),
        column_header=t.get("column_header", ""),
        blocks=tuple(blocks),
    )
    _unique([r.key for r in table.rows], f"{where} rows")
    if len(table.sheet) > 31 or any(ch in table.sheet for ch in "[]:*?/\\"):
        raise SpecError(f"{where}: sheet name '{table.sheet}' is not valid in Excel")
    return table


def _rule(r: dict) -> Rule:
    rid = _req(r, "id", "rule")
    where = f"rule {rid}"
    over = _req(r, "over", where)
    if over not in ("rows", "columns"):
        raise SpecError(f"{where}: 'over' must be 'rows' or 'columns'")
    severity = _req(r, "severity", where)
    if severity not in SEVERITIES:
        raise SpecError(f"{where}: severity must be 'error' or 'warning'")
    rule = Rule(
        id=rid,
        table=_req(r, "table", where),
        over=over,
        expr=_req(r, "expr", where),
        severity=severity,
        title=_req(r, "title", where),
        lhs_text=_req(r, "lhs_text", where),
        rhs_text=_req(r, "rhs_text", where),
        message=_req(r, "message", where),
        derive=bool(r.get("derive", False)),
        only=tuple(r.get("only", ())),
    )
    try:
        rule.message.format(where="", lhs=0, rhs=0, diff=0)
    except (KeyError, IndexError, ValueError) as e:
        raise SpecError(f"{where}: bad placeholder in message: {e}") from None
    return rule
