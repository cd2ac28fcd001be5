"""Reports from the store: the glue between the store, the consolidation and :mod:`govxl.reporting.compose`."""

from __future__ import annotations

from pathlib import Path

from govxl import messages as msg
from govxl.collection.status import completeness
from govxl.consolidation.merge import consolidate, previous_year
from govxl.errors import GovxlError
from govxl.form.spec import load_form
from govxl.names import agency_filename
from govxl.reporting import ANNEXES, DEFAULT_ANNEXES
from govxl.reporting.compose import (
    FORMATS,
    agency_context,
    check_draft,
    annex_texts,
    district_context,
    point_to_texts_annex,
    status_annex,
    texts_annex,
    write_output,
)
from govxl.store import Store

__all__ = ["ANNEXES", "DEFAULT_ANNEXES", "FORMATS", "ReportError", "agency_report", "all_agency_reports",
           "annex_path", "district_report", "district_reports"]


class ReportError(GovxlError):
    """A report cannot be made (no accepted data). Chinese message."""


def agency_report(store: Store, year: int, code: str, fmt: str, path: str | Path,
                  form_name: str = "annual-2021") -> Path:
    """The report of one agency from its latest accepted submission."""
    latest = store.latest(year)
    if code not in latest:
        raise ReportError(msg.COMPOSE_NO_SUBMISSION.format(code=code, year=year))
    roster = {a.code: a for a in store.roster()}
    return _agency_report(latest[code], roster, year, fmt, Path(path), load_form(form_name))


def all_agency_reports(store: Store, year: int, fmt: str, folder: str | Path,
                       form_name: str = "annual-2021", progress=None) -> list[Path]:
    """The report of every agency with accepted data; ``progress(done, total)`` after each."""
    folder = Path(folder)
    roster = {a.code: a for a in store.roster()}
    form = load_form(form_name)
    paths = []
    latest = store.latest(year)  # read once: a province has tens of thousands
    for code, s in latest.items():
        name = roster[code].name if code in roster else code
        paths.append(_agency_report(s, roster, year, fmt, folder / agency_filename(year, code, name, fmt), form))
        if progress:
            progress(len(paths), len(latest))
    return paths


def _agency_report(s, roster: dict, year: int, fmt: str, path: Path, form) -> Path:
    name = roster[s.agency].name if s.agency in roster else (s.agency_name or s.agency)
    context = agency_context(form, name=name, year=year, values=s.values, narrative=s.narrative)
    return write_output(context, fmt, "agency", path)


def district_report(store: Store, year: int, fmt: str, path: str | Path, *, name: str,
                    form_name: str = "annual-2021", findings: list | None = None) -> Path:
    """The district's consolidated report for publication, section 一 drafted from the data. The
    draft is checked against the district's tables before it is written; what disagrees is added
    to ``findings``."""
    return district_reports(store, year, fmt, path, name=name, form_name=form_name, annexes=(),
                            findings=findings)[0]


def annex_path(path: str | Path, annex: str) -> Path:
    """Where an annex of the district report at ``path`` is written: beside it, named after it."""
    path = Path(path)
    return path.with_name(f"{path.stem}_{annex_texts()[annex]['short']}{path.suffix}")


def district_reports(store: Store, year: int, fmt: str, path: str | Path, *, name: str,
                     form_name: str = "annual-2021", annexes=DEFAULT_ANNEXES,
                     findings: list | None = None) -> list[Path]:
    """The district's report for publication at ``path`` and, beside it, the internal annexes
    asked for (:data:`ANNEXES`): ``texts`` 各单位文字材料汇编 (every agency's text part by part,
    which the draft's placeholders point to), ``status`` 各单位报送情况 (every agency's status).
    Returns the report's path first, then the annexes'. The draft is checked against the
    district's tables first; what disagrees is added to ``findings``."""
    annexes = tuple(dict.fromkeys(annexes))
    unknown = [a for a in annexes if a not in ANNEXES]
    if unknown:
        raise ValueError(f"unknown annex {unknown}")
    form = load_form(form_name)
    current = consolidate(store, year, form_name)
    status = completeness(store, year)
    context = district_context(current, previous_year(store, current, form_name), status, name=name)
    if findings is not None:
        findings += check_draft(context, current.totals)
    documents = []
    if "texts" in annexes:
        point_to_texts_annex(context)
        latest = store.latest(year)
        included = {x.agency.code for x in current.contributions}
        agencies = [(a.name, latest[a.code].narrative) for a in status.agencies
                    if a.code in included and a.code in latest]
        documents.append(("texts", texts_annex(form, name=name, year=year, agencies=agencies)))
    if "status" in annexes:
        documents.append(("status", status_annex(current, status, name=name)))
    paths = [write_output(context, fmt, "district", Path(path))]
    for key, annex in documents:
        paths.append(write_output(annex, fmt, "annex", annex_path(path, key)))
    return paths
