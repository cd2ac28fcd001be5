"""A workbook's identity: which template, form, year and agency it belongs to.

The generator writes it three times — a very hidden sheet, custom document properties and a
defined name — so that a returned file is identified from its contents, never from its name.
It also carries the fingerprint of the layout's labels, so the reader can tell whether a sheet's
layout was altered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from govxl.form.layout import WorkbookLayout
from govxl.form.spec import Form
from govxl.roster import Agency
from govxl.version import __version__

DEFINED_NAME = "govxl_identity"
PROPERTY_PREFIX = "govxl."
FINGERPRINT_PREFIX = "fingerprint:"
# govxl's own outputs, recognised when collect meets them again (custom document properties).
KIND_PROPERTY = "kind"  # govxl.kind = issue_list: 问题清单.xlsx
ISSUE_LIST_KIND = "issue_list"
FEEDBACK_OF_PROPERTY = "feedback_of"  # govxl.feedback_of = sha256 of the file a 退回修改表 answers


@dataclass(frozen=True)
class Identity:
    template_id: str
    form_id: str
    form_version: str
    year: int
    agency_code: str  # empty in the blank template
    agency_name: str
    agency_group: str
    fingerprint: str
    sheet_fingerprints: dict[str, str] = field(default_factory=dict)
    generator: str = f"govxl {__version__}"
    generated_at: str = ""
    roster_extra: tuple[tuple[str, str], ...] = ()
    consolidates: int = 0  # a summary workbook: how many agencies it adds up
    extra_sheets: tuple[str, ...] = ()  # sheets beyond the form's (a summary's detail sheets)

    @classmethod
    def for_workbook(cls, form: Form, layout: WorkbookLayout, year: int, agency: Agency | None,
                     consolidates: int = 0, extra_sheets: tuple[str, ...] = ()) -> Identity:
        return cls(
            template_id=form.template_id,
            form_id=form.id,
            form_version=form.version,
            year=year,
            agency_code=agency.code if agency else "",
            agency_name=agency.name if agency else "",
            agency_group=agency.group if agency else "",
            fingerprint=layout.workbook_fingerprint,
            sheet_fingerprints=dict(layout.fingerprints),
            generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            roster_extra=agency.extra if agency else (),
            consolidates=consolidates,
            extra_sheets=extra_sheets,
        )

    def as_rows(self) -> list[tuple[str, str]]:
        """Key/value rows of the hidden metadata sheet."""
        rows = [
            ("template_id", self.template_id),
            ("form_id", self.form_id),
            ("form_version", self.form_version),
            ("year", str(self.year)),
            ("agency_code", self.agency_code),
            ("agency_name", self.agency_name),
            ("agency_group", self.agency_group),
            ("fingerprint", self.fingerprint),
            ("generator", self.generator),
            ("generated_at", self.generated_at),
            ("consolidates", str(self.consolidates)),
            ("extra_sheets", "|".join(self.extra_sheets)),
        ]
        rows += [(FINGERPRINT_PREFIX + name, fp) for name, fp in self.sheet_fingerprints.items()]
        rows += [("roster:" + k, v) for k, v in self.roster_extra]
        return rows

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str]]) -> Identity:
        """Rebuild an identity from the metadata sheet's rows. Raises KeyError/ValueError when a
        required key is missing or malformed."""
        d = dict(rows)
        year = int(d["year"])
        if not 1900 <= year <= 2200:
            raise ValueError(f"year {year}")
        return cls(
            template_id=d["template_id"],
            form_id=d["form_id"],
            form_version=d["form_version"],
            year=year,
            agency_code=d.get("agency_code", ""),
            agency_name=d.get("agency_name", ""),
            agency_group=d.get("agency_group", ""),
            fingerprint=d["fingerprint"],
            sheet_fingerprints={k.removeprefix(FINGERPRINT_PREFIX): v for k, v in rows
                                if k.startswith(FINGERPRINT_PREFIX)},
            generator=d.get("generator", ""),
            generated_at=d.get("generated_at", ""),
            roster_extra=tuple((k.removeprefix("roster:"), v) for k, v in rows if k.startswith("roster:")),
            consolidates=int(d.get("consolidates") or 0),
            extra_sheets=tuple(n for n in (d.get("extra_sheets") or "").split("|") if n),
        )

    def as_properties(self) -> dict[str, str]:
        """Custom document properties (File › Properties › Custom in Excel)."""
        return {PROPERTY_PREFIX + k: v for k, v in self.as_rows()[:8]}

    def defined_name_value(self) -> str:
        return "|".join((self.template_id, self.form_id, self.form_version, str(self.year), self.agency_code))
