"""``govxl merge``: consolidate the latest accepted submission of every agency.

The consolidation adds up the input cells exactly (Decimal for 万元) and recomputes every derived
cell, so the totals satisfy every rule whenever the agencies' figures do. The summary workbook is
itself a govxl workbook of the same form, whose identity says how many agencies it adds up, so a
city office can collect district summaries and merge them again; it carries the per-agency
detail, year over year, completeness, accepted warnings, provenance and charts besides.
"""

from __future__ import annotations

import gc
import json
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from govxl.collection.status import StatusReport, completeness
from govxl.findings import WARNING, Finding
from govxl.form import rules as rule_engine
from govxl.form.layout import workbook_texts
from govxl.form.spec import Form, load_form
from govxl.resources import templates_dir
from govxl.roster import Agency
from govxl.store import Store, decode_findings, decode_values
from govxl.workbook.generate import DEFAULT_PASSWORD, WorkbookRequest, write_workbook

Number = int | Decimal


@dataclass
class Contribution:
    """One agency's part of the consolidation."""

    agency: Agency
    version: int
    status: str
    source: str
    sha256: str | None
    original_name: str | None
    received_at: str
    values: dict[str, Number]  # every cell, derived ones recomputed
    warnings: list[Finding] = field(default_factory=list)


@dataclass
class Consolidation:
    form: Form
    year: int
    contributions: list[Contribution]
    totals: dict[str, Number]
    missing: list[Agency]  # not received (status 未报送)
    rejected: list[Agency]  # received, but nothing usable (status 未通过, or an import with unread cells)
    summary_path: Path | None = None  # the summary workbook, once written
    status: StatusReport | None = None  # the status of every agency, as govxl status shows it

    def indicator(self, key: str, values: dict | None = None) -> Number:
        values = self.totals if values is None else values
        return sum((values[c] for c in self.form.indicator(key).cells), 0)

    def as_dict(self) -> dict:
        """Consolidated tables by the keys of the format document; 万元 as exact decimal strings."""
        out: dict = {"year": self.year, "agencies": len(self.contributions)}
        for key, value in self.totals.items():
            table, row, col = key.split(".")
            out.setdefault(table, {}).setdefault(row, {})[col] = _json_number(value)
        out["missing"] = [a.code for a in self.missing]
        out["rejected"] = [a.code for a in self.rejected]
        return out


def _json_number(value: Number):
    return format(value, "f") if isinstance(value, Decimal) else value


def add_up(form: Form, inputs: list[dict]) -> dict[str, Number]:
    """The sum of several agencies' input values, every derived cell recomputed."""
    sums: dict[str, Number] = {}
    for key in form.input_keys:
        total: Number = 0
        for values in inputs:
            v = values.get(key)
            if v is not None:
                total += v
        sums[key] = total
    return rule_engine.complete(form, sums)


def consolidate(store: Store, year: int, form_name: str = "annual-2021") -> Consolidation:
    """The latest accepted version of every agency of the roster for ``year``, added up."""
    form = load_form(form_name)
    roster = store.roster()
    rows = {r["agency"]: r for r in store.latest_accepted_rows(year)}
    contributions = []
    for agency in roster:
        row = rows.get(agency.code)
        if row is None:
            continue
        stated = decode_values(row["values"])
        if None in map(stated.get, form.input_keys):
            continue  # an imported report with unread cells (or another edition): no basis for sums
        values = rule_engine.complete(form, stated)
        warnings = [f for f in decode_findings(row["findings"]) if f.severity == WARNING] \
            if row["status"] != "accepted" else []
        contributions.append(Contribution(agency, row["version"], row["status"], row["source"], row["sha256"],
                                          row["original_name"], row["received_at"], values, warnings))
    received = {c.agency.code for c in contributions}
    status = completeness(store, year)
    not_received = {a.code for a in status.agencies if a.status == "not_received"}
    missing = [a for a in roster if a.code in not_received]
    rejected = [a for a in roster if a.code not in received and a.code not in not_received]
    totals = add_up(form, [c.values for c in contributions])
    return Consolidation(form, year, contributions, totals, missing, rejected, status=status)


COMPARABLE_SHARE = 0.8


def previous_year(store: Store, current: Consolidation, form_name: str = "annual-2021") -> Consolidation | None:
    """Last year's consolidation, when it is comparable with this year's: it covers at least 80% as
    many agencies (a year with one imported report is no basis for a district's change)."""
    previous = consolidate(store, current.year - 1, form_name)
    if previous.contributions and len(previous.contributions) >= COMPARABLE_SHARE * len(current.contributions):
        return previous
    return None


@cache
def summary_texts() -> dict:
    with open(templates_dir() / "summary.toml", "rb") as f:
        return tomllib.load(f)


def write_summary(consolidation: Consolidation, path: str | Path, *, store: Store | None = None,
                  previous: Consolidation | None = None, code: str = "district", name: str = "全区汇总",
                  password: str = DEFAULT_PASSWORD) -> Path:
    """Write the district summary workbook (atomically)."""
    from govxl.consolidation.summary_sheets import SummarySheets

    c = consolidation
    texts = summary_texts()
    t = texts["texts"]
    names = "、".join(x.agency.name for x in c.contributions[:5]) + ("等" if len(c.contributions) > 5 else "")
    notes = [t["cover_note"].format(count=len(c.contributions), names=names or "无")]
    left_out = c.missing + c.rejected
    if left_out:
        notes.append(t["cover_missing"].format(missing="、".join(a.name for a in left_out)))
    sheets = SummarySheets(c, previous, store, texts, workbook_texts()["print"]["footer"])
    request = WorkbookRequest(
        Path(path), c.year, Agency(code, name, t["total"]), password=password,
        values={k: c.totals[k] for k in c.form.input_keys}, cover_notes=tuple(notes),
        consolidates=len(c.contributions), extra_sheets=sheets.names, extend=sheets.write,
        form_name=_form_name(c.form),
    )
    with _no_cycle_collection():
        return write_workbook(request)


@contextmanager
def _no_cycle_collection():
    """The summary of a province holds millions of cells, each a small object: Python's cycle
    collector would walk them all again and again while they are made (some 15% of the time), and
    they hold no cycles. Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _form_name(form: Form) -> str:
    for path in (templates_dir() / "forms").glob("*.toml"):
        if load_form(path.stem) is form:
            return path.stem
    raise ValueError(form.id)


def to_json(consolidation: Consolidation) -> str:
    return json.dumps(consolidation.as_dict(), ensure_ascii=False, indent=1)
