"""What an import gives: values, narrative, findings and what could not be read, with sources."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from govxl.findings import Finding
from govxl.form.spec import load_form

EDITIONS = {"2021": "annual-2021", "2019": "annual-2019"}


@dataclass(frozen=True)
class Unread:
    """A cell, row or table that could not be read exactly, and why (a stable reason code)."""

    table: str
    row: str | None
    column: str | None
    reason: str  # table_not_found | row_not_found | cells_missing | unreadable | cells_run_together
    #              | blank_cell | not_a_number

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ImportResult:
    source: str
    agency: str | None = None  # agency code when known, else the name in the title
    agency_name: str | None = None
    year: int | None = None
    edition: str = "2021"
    forms: dict[str, str] = field(default_factory=dict)  # table key -> form name it was read with
    values: dict[str, object] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # agency / year -> where it was found
    format: str = "text"  # text | markdown | html | docx | pdf

    @property
    def numbers_read(self) -> int:
        keys = {k for name in self.forms.values() for k in load_form(name).cells}
        return sum(1 for k, v in self.values.items() if k in keys and v is not None)

    def as_dict(self) -> dict:
        out = {"agency": self.agency, "agency_name": self.agency_name, "year": self.year,
               "edition": self.edition, "source": self.source, "format": self.format,
               "sources": dict(self.sources)}
        for table_key, form_name in self.forms.items():
            table = load_form(form_name).table(table_key)
            out[table_key] = {
                r.key: {c.key: _json(self.values.get(f"{table_key}.{r.key}.{c.key}"))
                        for c in table.block_of(r.key).columns}
                for r in table.rows
            }
        out["narrative"] = dict(self.narrative)
        out["findings"] = [f.as_dict() for f in self.findings]
        out["unread"] = [u.as_dict() for u in self.unread]
        return out


def _json(value):
    return format(value, "f") if isinstance(value, Decimal) else value
