"""``govxl status``: how complete the collection is, agency by agency and per group.

As a reporting-rate report does it: every agency of the roster is not received, rejected, or
accepted (with or without warnings); an agency counts as reported when it has an accepted version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govxl import messages as msg
from govxl.findings import STATUS_LABELS
from govxl.store import Store, decode_findings

REPORTED = ("accepted", "accepted_with_warnings")


@dataclass
class AgencyStatus:
    code: str
    name: str
    group: str
    status: str  # not_received | rejected | accepted | accepted_with_warnings (of the latest version)
    version: int | None = None  # latest version
    received_at: str | None = None
    accepted_version: int | None = None  # the version in use (store's one rule), used downstream
    accepted_reason: str | None = None  # why that version: pinned | newest | newest_accepted | imported
    warnings: int = 0  # warnings of the latest version
    unexplained: int = 0  # of which the agency has not explained in its 情况说明

    @property
    def explained(self) -> int:
        return self.warnings - self.unexplained

    @property
    def reported(self) -> bool:
        return self.accepted_version is not None

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "group": self.group, "status": self.status,
                "status_label": STATUS_LABELS[self.status], "version": self.version,
                "received_at": self.received_at, "accepted_version": self.accepted_version,
                "accepted_reason": self.accepted_reason,
                "accepted_reason_label": msg.VERSION_REASONS.get(self.accepted_reason or "", ""),
                "warnings": self.warnings, "unexplained": self.unexplained}


@dataclass
class GroupCount:
    group: str
    total: int = 0
    counts: dict = field(default_factory=lambda: {k: 0 for k in ("not_received", "rejected", *REPORTED)})
    reported: int = 0

    @property
    def rate(self) -> float:
        return self.reported / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {"group": self.group, "total": self.total, "reported": self.reported,
                "rate": round(self.rate, 4), **self.counts}


@dataclass
class StatusReport:
    year: int
    agencies: list[AgencyStatus]
    groups: list[GroupCount]
    overall: GroupCount

    def as_dict(self) -> dict:
        return {"year": self.year, "overall": self.overall.as_dict(),
                "groups": [g.as_dict() for g in self.groups],
                "agencies": [a.as_dict() for a in self.agencies]}


def refused_files(store: Store, year: int, with_values: set[str] | None = None) -> dict[str, dict]:
    """Agency code -> the latest file it sent for ``year`` that was refused before any value was read
    (last year's form, a damaged or outdated file of an identified agency): ``received_at``, ``file``.
    ``with_values``: the sha256 of the year's submissions, when the caller has them."""
    if with_values is None:
        with_values = {s.sha256 for s in store.submissions(year, lean=True) if s.sha256}
    out: dict[str, dict] = {}
    for r in store.receipts():
        if r["status"] != "rejected" or not r["agency"] or r["sha256"] in with_values:
            continue
        if r["year"] != year and not any(
                f.code == "identity.wrong_year" and f.expected == year for f in decode_findings(r["findings"])):
            continue
        out[r["agency"]] = {"received_at": r["received_at"], "file": r["original_name"]}
    return out


def completeness(store: Store, year: int) -> StatusReport:
    """The status of every agency of the roster for ``year``: the one status that collect, status,
    merge, the summary workbook, the export and the reports show. A file refused before its values
    could be read still makes its agency 未通过, never 未报送."""
    # One lean reading of the year's versions: which version is which and its findings, never the
    # values (a province's year holds tens of thousands of versions).
    versions = store.submissions(year, lean=True)
    # the newest version, whatever its status, and the version in use: by the store's one rule
    latest = {s.agency: s for s in versions if s.newest and s.source in ("workbook", "import")}
    accepted = {s.agency: s for s in versions if s.in_use}
    refused = refused_files(store, year, {s.sha256 for s in versions if s.sha256})
    agencies = []
    for a in store.roster():
        s = latest.get(a.code)
        status = AgencyStatus(a.code, a.name, a.group or "", s.status if s else "not_received")
        if s:
            status.version, status.received_at = s.version, s.received_at
            status.warnings = sum(f.severity == "warning" for f in s.findings)
            status.unexplained = sum(f.severity == "warning" and not f.explained for f in s.findings)
        r = refused.get(a.code)
        if r and (s is None or r["received_at"] > (s.received_at or "")):
            status.status, status.version, status.received_at = "rejected", None, r["received_at"]
        if a.code in accepted:
            status.accepted_version = accepted[a.code].version
            status.accepted_reason = accepted[a.code].reason
        agencies.append(status)
    groups: dict[str, GroupCount] = {}
    overall = GroupCount("合计")
    for a in agencies:
        for g in (groups.setdefault(a.group, GroupCount(a.group)), overall):
            g.total += 1
            g.counts[a.status] += 1
            g.reported += a.reported
    return StatusReport(year, agencies, list(groups.values()), overall)


@dataclass
class VersionInfo:
    """One version an agency sent for a year (a workbook, or a published report imported)."""

    version: int
    status: str
    source: str
    received_at: str
    original_name: str | None
    file_time: str | None
    sha256: str | None
    findings: list
    in_use: bool = False

    def as_dict(self) -> dict:
        return {"version": self.version, "status": self.status, "status_label": STATUS_LABELS[self.status],
                "source": self.source, "received_at": self.received_at, "file": self.original_name,
                "file_time": self.file_time, "sha256": self.sha256, "in_use": self.in_use,
                "errors": sum(f.severity == "error" for f in self.findings),
                "warnings": sum(f.severity == "warning" for f in self.findings),
                "findings": [f.as_dict() for f in self.findings]}


@dataclass
class AgencyHistory:
    """An agency's status for a year and every version it sent, newest first."""

    year: int
    agency: object  # govxl.roster.Agency
    status: AgencyStatus
    versions: list[VersionInfo]

    @property
    def latest(self) -> VersionInfo | None:
        return self.versions[0] if self.versions else None

    def as_dict(self) -> dict:
        return {"year": self.year, "agency": self.agency.as_dict(), "status": self.status.as_dict(),
                "versions": [v.as_dict() for v in self.versions]}


def agency_history(store: Store, year: int, code: str) -> AgencyHistory | None:
    """The status and versions of one agency of the roster (None if it is not on the roster)."""
    report = completeness(store, year)
    status = next((a for a in report.agencies if a.code == code), None)
    agency = next((a for a in store.roster() if a.code == code), None)
    if status is None or agency is None:
        return None
    versions = [VersionInfo(s.version, s.status, s.source, s.received_at, s.original_name, s.file_time, s.sha256,
                            s.findings, in_use=s.version == status.accepted_version)
                for s in store.submissions(year, code) if s.source in ("workbook", "import")]
    return AgencyHistory(year, agency, status, versions[::-1])


REMINDER_COLUMNS = ("单位代码", "单位名称", "单位类别", "状态", "联系人", "联系电话", "最近收到")


@dataclass
class Reminders:
    """The 催报清单: the agencies not yet reported (nothing received, or rejected), with contacts."""

    year: int
    rows: list[tuple]  # (AgencyStatus, Agency)

    def as_dict(self) -> dict:
        return {"year": self.year, "agencies": [s.as_dict() | {"contact": a.contact, "phone": a.phone}
                                                for s, a in self.rows]}

    def csv(self) -> bytes:
        from govxl.tabular import csv_bytes

        return csv_bytes(REMINDER_COLUMNS, ([s.code, s.name, s.group, STATUS_LABELS[s.status], a.contact, a.phone,
                                             (s.received_at or "")[:16].replace("T", " ")] for s, a in self.rows))


def reminders(store: Store, year: int, report: StatusReport | None = None) -> Reminders:
    """The agencies of ``report`` (the year's :func:`completeness`, computed now when None) not yet
    reported."""
    roster = {a.code: a for a in store.roster()}
    report = report if report is not None else completeness(store, year)
    return Reminders(year, [(s, roster[s.code]) for s in report.agencies if not s.reported and s.code in roster])
