"""Findings: what is wrong (or worth a look) in a received file, cell by cell, in plain Chinese.

Codes are stable identifiers for programs and for filtering; messages are for people. The
messages of rule findings come from the form spec; the others from :mod:`govxl.messages`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str
    sheet: str | None = None
    cell: str | None = None  # A1 address
    row: str | None = None  # row label
    column: str | None = None  # column label
    value: Any = None  # what the file holds
    expected: Any = None  # what it should hold
    key: str | None = None  # cell key (t3.new.natural) or narrative part

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("value", "expected"):
            v = d[k]
            if isinstance(v, Decimal):
                d[k] = format(v, "f")
            elif v is not None and not isinstance(v, (int, float, str, bool)):
                d[k] = str(v)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})


def status_of(findings: list[Finding]) -> str:
    if any(f.severity == ERROR for f in findings):
        return "rejected"
    if findings:
        return "accepted_with_warnings"
    return "accepted"


STATUS_LABELS = {
    "accepted": "通过",
    "accepted_with_warnings": "通过（有警告）",
    "rejected": "未通过",
    "duplicate": "重复文件",
    "not_received": "未报送",
}
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}
