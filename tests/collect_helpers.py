"""Shared set-up for the collect tests: a small district, its workbooks, filled as clerks would."""

from __future__ import annotations

import random
from pathlib import Path


from govxl.demo import balanced_values, fill, narrative_for  # noqa: F401 (used by the collect tests)
from govxl.roster import Agency
from govxl.store import Store
from govxl.workbook.generate import WorkbookRequest, write_workbook

YEAR = 2023
AGENCIES = [
    Agency("A01", "卫东区财政局", "区直部门"),
    Agency("A02", "卫东区教育局", "区直部门"),
    Agency("B01", "卫东区东安街道办事处", "乡镇街道"),
]


def template(tmp: Path, agency: Agency | None = AGENCIES[0], year: int = YEAR) -> Path:
    path = tmp / "templates" / f"{year}_{agency.code if agency else 'blank'}.xlsx"
    if not path.exists():
        write_workbook(WorkbookRequest(path, year, agency))
    return path


def filled(tmp: Path, name: str, form, *, agency: Agency | None = AGENCIES[0], year: int = YEAR,
           changes: dict | None = None, seed: int = 1, narrative: dict | None = None) -> tuple[Path, dict]:
    """A workbook of ``agency`` filled with balanced values, then ``changes`` typed over them."""
    import datetime as dt

    values = balanced_values(form, random.Random(seed))
    values.update(changes or {})
    text = narrative if narrative is not None else narrative_for(agency or AGENCIES[0], year, values, form)
    out = tmp / "in" / name
    fill(template(tmp, agency, year), out, values, text, dt.datetime(2024, 1, 10, 9, seed % 60))
    return out, values


def store_with_roster(path: Path) -> Store:
    store = Store(path)
    store.set_roster(AGENCIES)
    return store
