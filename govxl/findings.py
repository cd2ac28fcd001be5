"""Findings: what is wrong (or worth a look) in a received file or report, cell by cell, in plain
Chinese.

Every kind of finding is registered once, in ``templates/findings.toml``: its stable code, its
severity, its Chinese message and a line on how to fix it. A finding is made with
:meth:`Finding.of`, which takes the severity and the message from the registry, so no message is
ever made up where a problem is found. Rule findings (``rule.<id>``) take their message and
severity from the form spec. ``python -m govxl.findings`` prints the registry as Markdown
(``docs/findings.md``).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from functools import cache
from typing import Any

from govxl.errors import GovxlError
from govxl.resources import templates_dir

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

STATUS_LABELS = {
    "accepted": "通过",
    "accepted_with_warnings": "通过（有警告）",
    "rejected": "未通过",
    "duplicate": "重复文件",
    "superseded": "未采用",
    "skipped": "已跳过",
    "not_received": "未报送",
}
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}
EXPLAINED_LABEL = "已说明"  # a warning the agency has explained in its 情况说明 (still listed)


class UnknownFinding(GovxlError, KeyError):
    """A finding code that is not in the registry: a bug in govxl, never the user's fault."""


@dataclass(frozen=True)
class Kind:
    """One registered kind of finding."""

    code: str  # "file.corrupt"; "rule.*" stands for every rule of the form spec
    severity: str
    message: str  # a format string
    fix: str


@cache
def registry() -> dict[str, Kind]:
    """Every registered kind, by code, in the order of the registry file."""
    with open(templates_dir() / "findings.toml", "rb") as f:
        data = tomllib.load(f)
    kinds = {}
    for code, entry in data.items():
        if entry.get("severity") not in SEVERITIES:
            raise GovxlError(f"findings.toml: {code} 的 severity 应为 error 或 warning")
        kinds[code] = Kind(code, entry["severity"], entry["message"], entry["fix"])
    return kinds


def kind(code: str) -> Kind:
    """The registered kind of a code; ``rule.<id>`` is the kind ``rule.*``."""
    kinds = registry()
    if code in kinds:
        return kinds[code]
    family = code.split(".", 1)[0] + ".*"
    if family in kinds:
        return kinds[family]
    raise UnknownFinding(code)


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
    explanation: str | None = None  # the agency's 情况说明 of this warning, when it gave one

    @classmethod
    def of(cls, code: str, /, *, severity: str | None = None, message: str | None = None,
           sheet: str | None = None, cell: str | None = None, row: str | None = None,
           column: str | None = None, value: Any = None, expected: Any = None, key: str | None = None,
           **params: Any) -> Finding:
        """A finding of a registered kind. The message is the registry's template filled with the
        location fields given (``{sheet}``, ``{value}`` …) and the other keyword ``params``;
        ``severity`` and ``message`` are given only for kinds whose registry entry delegates them
        (``rule.*``: the form spec's rules)."""
        k = kind(code)
        if (k.code != code) != (message is not None):
            raise UnknownFinding(code)
        if message is None:
            where = dict(sheet=sheet, cell=cell, row=row, column=column, value=value, expected=expected, key=key)
            message = k.message.format(**{n: v for n, v in where.items() if v is not None}, **params)
        text = message
        return cls(code, severity or k.severity, text, sheet, cell, row, column, value, expected, key)

    @property
    def fix(self) -> str:
        """How to fix it, from the registry ('' for a code that is no longer registered)."""
        try:
            return kind(self.code).fix
        except UnknownFinding:
            return ""

    @property
    def text(self) -> str:
        """What a person reads: the message, then how to fix it."""
        return f"{self.message}{self.fix}" if self.fix else self.message

    @property
    def explained(self) -> bool:
        """A warning the agency has explained (shown as 已说明, never hidden)."""
        return self.severity == WARNING and bool(self.explanation)

    @property
    def severity_label(self) -> str:
        """错误, 警告, or 警告（已说明）."""
        label = SEVERITY_LABELS.get(self.severity, self.severity)
        return f"{label}（{EXPLAINED_LABEL}）" if self.explained else label

    def as_dict(self) -> dict:
        d = asdict(self)
        d["explained"] = self.explained
        for k in ("value", "expected"):
            v = d[k]
            if isinstance(v, Decimal):
                d[k] = format(v, "f")
            elif v is not None and not isinstance(v, (int, float, str, bool)):
                d[k] = str(v)
        d["fix"] = self.fix
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(**{f.name: d.get(f.name) for f in fields(cls)})


def status_of(findings: list[Finding]) -> str:
    if any(f.severity == ERROR for f in findings):
        return "rejected"
    if findings:
        return "accepted_with_warnings"
    return "accepted"


def registry_markdown() -> str:
    """The registry as the developer document docs/findings.md."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `templates/findings.toml` by `python -m govxl.findings > docs/findings.md`;",
        "a test keeps this file equal to the registry. Codes are stable: programs may filter on",
        "them. Severity `error` means the file or report is not accepted; `warning` means it is",
        "accepted with something worth a look. `rule.*` stands for every rule of the form spec",
        "(`rule.<rule id>`), whose messages and severities are in `templates/forms/`.",
        "",
    ]
    families: dict[str, list[Kind]] = {}
    for k in registry().values():
        families.setdefault(k.code.split(".", 1)[0], []).append(k)
    for family, kinds in families.items():
        lines += [f"## {family}", "", "| code | severity | message | how to fix |", "| --- | --- | --- | --- |"]
        for k in kinds:
            cells = [f"`{k.code}`", k.severity, k.message, k.fix]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(registry_markdown(), end="")
