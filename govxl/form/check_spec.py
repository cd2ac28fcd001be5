"""The ``[checks]`` section of a form spec, loaded and validated: the words that tie the figures of
a narrative to the cells of the tables, the patterns of stale text, and the thresholds of the
year-over-year check (used by :mod:`govxl.form.narrative_checks`).

A form written as changes to another (``extends``) inherits the section; terms, claims and
indicators that name cells its own tables do not have are left out there, where the base form
must name only cells it has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from govxl.errors import SpecError

SEVERITIES = ("error", "warning")

Alternatives = tuple[tuple[str, ...], ...]  # alternatives, each a tuple of keys added up


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    table: str
    topic: bool
    rows: Alternatives = ()
    columns: Alternatives = ()


@dataclass(frozen=True)
class TableChecks:
    table: str
    default_column: str | None = None
    rows_for_columns: Alternatives = ()


@dataclass(frozen=True)
class ZeroClaim:
    cells: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    severity: str


@dataclass(frozen=True)
class Figures:
    severity: str = "warning"
    count_units: tuple[str, ...] = ()
    amount_units: dict[str, Decimal] = field(default_factory=dict)
    after_unit: tuple[str, ...] = ()
    estimate_before: tuple[str, ...] = ()
    estimate_after: tuple[str, ...] = ()
    change_words: tuple[str, ...] = ()
    level_words: tuple[str, ...] = ()
    part_words: tuple[str, ...] = ()
    skip_words: tuple[str, ...] = ()
    other_objects: tuple[str, ...] = ()
    conjunctions: tuple[str, ...] = ()
    ambiguous_joins: tuple[str, ...] = ()
    bare_words: tuple[str, ...] = ()
    bare_after: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    area_words: tuple[str, ...] = ()
    area_agencies: tuple[str, ...] = ()
    tables: dict[str, TableChecks] = field(default_factory=dict)
    terms: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Stale:
    severity: str = "warning"
    period: tuple[re.Pattern, ...] = ()
    opening: re.Pattern | None = None
    opening_skip_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Copied:
    severity: str = "warning"
    similarity: Decimal = Decimal("0.9")
    min_length: int = 60


@dataclass(frozen=True)
class Short:
    severity: str = "warning"
    min_length: int = 8
    part_min_length: dict[str, int] = field(default_factory=dict)
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class YearOverYear:
    severity: str = "warning"
    indicators: tuple[str, ...] = ()
    above: Decimal = Decimal(5)
    below: Decimal = Decimal("0.2")
    min_base: int = 10


@dataclass(frozen=True)
class Explanation:
    """A topic of the 情况说明: one row of the workbook's text sheet where the agency explains the
    warnings whose codes it names."""

    key: str
    label: str
    hint: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Checks:
    figures: Figures = field(default_factory=Figures)
    zero_claims: tuple[ZeroClaim, ...] = ()
    stale: Stale = field(default_factory=Stale)
    copied: Copied = field(default_factory=Copied)
    short: Short = field(default_factory=Short)
    year_over_year: YearOverYear = field(default_factory=YearOverYear)


def build_checks(data: dict, tables: dict, cells: dict, indicators: set[str], narrative: set[str],
                 strict: bool) -> Checks:
    """The checks of a form from its ``[checks]`` table. ``tables``: table key -> Table;
    ``strict``: every name must exist (a base form); otherwise names of cells the form lacks are
    left out (a form extending another)."""
    if not data:
        return Checks()
    where = "checks"
    fig = data.get("figures", {})
    figures = Figures(
        severity=_severity(fig, "checks.figures"),
        count_units=_words(fig, "count_units"),
        amount_units={unit: _decimal(v, f"checks.figures.amount_units.{unit}")
                      for unit, v in fig.get("amount_units", {}).items()},
        after_unit=_words(fig, "after_unit"),
        estimate_before=_words(fig, "estimate_before"),
        estimate_after=_words(fig, "estimate_after"),
        change_words=_words(fig, "change_words"),
        level_words=_words(fig, "level_words"),
        part_words=_words(fig, "part_words"),
        skip_words=_words(fig, "skip_words"),
        other_objects=_words(fig, "other_objects"),
        conjunctions=_words(fig, "conjunctions"),
        ambiguous_joins=_words(fig, "ambiguous_joins"),
        bare_words=_words(fig, "bare_words"),
        bare_after=_words(fig, "bare_after"),
        neutral=_words(fig, "neutral"),
        area_words=_words(fig, "area_words"),
        area_agencies=_words(fig, "area_agencies"),
        tables=_tables(fig.get("tables", []), tables, strict),
        terms=tuple(t for t in (_term(t, tables, strict) for t in fig.get("terms", [])) if t is not None),
    )
    claims = []
    for i, c in enumerate(data.get("zero_claims", [])):
        w = f"{where}.zero_claims[{i}]"
        keys = tuple(c.get("cells", []))
        unknown = [k for k in keys if k not in cells]
        if unknown:
            if strict:
                raise SpecError(f"{w}: unknown cells {unknown}")
            continue
        claims.append(ZeroClaim(keys, tuple(_pattern(p, w) for p in c.get("patterns", [])), _severity(c, w)))
    st = data.get("stale", {})
    stale = Stale(
        severity=_severity(st, "checks.stale"),
        period=tuple(_pattern(p, "checks.stale.period", "year") for p in st.get("period", [])),
        opening=_pattern(st["opening"], "checks.stale.opening", "year") if "opening" in st else None,
        opening_skip_parts=_parts(st.get("opening_skip_parts", []), narrative, "checks.stale"),
    )
    cp = data.get("copied", {})
    copied = Copied(_severity(cp, "checks.copied"), _decimal(cp.get("similarity", "0.9"), "checks.copied"),
                    int(cp.get("min_length", 60)))
    sh = data.get("short", {})
    part_min = {k: int(v) for k, v in sh.get("part_min_length", {}).items()}
    _parts(list(part_min), narrative, "checks.short")
    short = Short(_severity(sh, "checks.short"), int(sh.get("min_length", 8)), part_min, _words(sh, "tokens"))
    yy = data.get("year_over_year", {})
    chosen = tuple(yy.get("indicators", []))
    unknown = [k for k in chosen if k not in indicators]
    if unknown and strict:
        raise SpecError(f"checks.year_over_year: unknown indicators {unknown}")
    yoy = YearOverYear(_severity(yy, "checks.year_over_year"), tuple(k for k in chosen if k in indicators),
                       _decimal(yy.get("above", "5"), "checks.year_over_year.above"),
                       _decimal(yy.get("below", "0.2"), "checks.year_over_year.below"),
                       int(yy.get("min_base", 10)))
    return Checks(figures, tuple(claims), stale, copied, short, yoy)


def _severity(d: dict, where: str) -> str:
    severity = d.get("severity", "warning")
    if severity not in SEVERITIES:
        raise SpecError(f"{where}: severity must be 'error' or 'warning'")
    return severity


def _words(d: dict, key: str) -> tuple[str, ...]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise SpecError(f"checks: '{key}' must be a list of words")
    return tuple(value)


def _decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SpecError(f"{where}: not a number: {value!r}") from None


def _pattern(text: str, where: str, group: str | None = None) -> re.Pattern:
    try:
        pattern = re.compile(text)
    except re.error as e:
        raise SpecError(f"{where}: bad pattern {text!r}: {e}") from None
    if group and group not in pattern.groupindex:
        raise SpecError(f"{where}: pattern {text!r} needs a group (?P<{group}>…)")
    return pattern


def _parts(keys: list[str], narrative: set[str], where: str) -> tuple[str, ...]:
    unknown = [k for k in keys if k not in narrative]
    if unknown:
        raise SpecError(f"{where}: unknown narrative parts {unknown}")
    return tuple(keys)


def _tables(raw: list, tables: dict, strict: bool) -> dict[str, TableChecks]:
    out = {}
    for t in raw:
        key = t.get("table")
        if key not in tables:
            raise SpecError(f"checks.figures.tables: unknown table '{key}'")
        table = tables[key]
        column = t.get("default_column")
        if column is not None and column not in {c.key for c in table.columns}:
            raise SpecError(f"checks.figures.tables {key}: unknown column '{column}'")
        rows = _resolve(t.get("rows_for_columns", []), [r.key for r in table.rows], f"checks.figures.tables {key}",
                        strict)
        out[key] = TableChecks(key, column, rows)
    return out


def _term(t: dict, tables: dict, strict: bool) -> Term | None:
    key = t.get("table")
    where = f"checks.figures.terms {t.get('words')}"
    if key not in tables:
        raise SpecError(f"{where}: unknown table '{key}'")
    words = tuple(t.get("words", []))
    if not words or not all(isinstance(w, str) and w for w in words):
        raise SpecError(f"{where}: needs words")
    table = tables[key]
    rows = _resolve(t.get("rows", []), [r.key for r in table.rows], where, strict)
    columns = _resolve(t.get("columns", []), [c.key for c in table.columns], where, strict)
    if (t.get("rows") and not rows) or (t.get("columns") and not columns):
        return None  # names only cells this (extending) form does not have
    return Term(words, key, bool(t.get("topic", False)), rows, columns)


def _resolve(alternatives: list, names: list[str], where: str, strict: bool) -> Alternatives:
    out = []
    for alternative in alternatives:
        keys: list[str] = []
        missing = False
        for name in alternative:
            found = [n for n in names if n.startswith(name[:-1])] if name.endswith("*") else \
                [name] if name in names else []
            if not found:
                if strict:
                    raise SpecError(f"{where}: '{name}' matches nothing")
                missing = True
            keys += found
        if not missing:
            out.append(tuple(keys))
    return tuple(out)


def build_explanations(raw: list, rule_ids: set[str], strict: bool) -> tuple[Explanation, ...]:
    """The 情况说明 topics of a form. Codes must be registered findings or rules of the form (an
    extending form leaves out the rules it drops)."""
    from govxl.findings import UnknownFinding, kind

    out = []
    for i, e in enumerate(raw):
        where = f"explanations[{i}]"
        for name in ("key", "label", "hint"):
            if not isinstance(e.get(name), str) or not e[name]:
                raise SpecError(f"{where}: missing '{name}'")
        codes = []
        for code in e.get("codes", []):
            try:
                kind(code)
            except UnknownFinding:
                raise SpecError(f"{where}: unknown finding code '{code}'") from None
            if code.startswith("rule.") and code.removeprefix("rule.") not in rule_ids:
                if strict:
                    raise SpecError(f"{where}: no rule '{code}'")
                continue
            codes.append(code)
        out.append(Explanation(e["key"], e["label"], e["hint"], tuple(codes)))
    keys = [e.key for e in out]
    if len(set(keys)) != len(keys):
        raise SpecError("explanations: duplicate key")
    return tuple(out)
