from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from govxl.form.layout import layout_form
from govxl.form.spec import load_form

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).parent))

# Worker processes start the Windows way (spawn) in every test, in this process and in the govxl
# commands the tests run: whatever a worker needs must be picklable and importable, and the main
# module must not run again in a worker (govxl/parallel.py honours the variable).
os.environ.setdefault("GOVXL_START_METHOD", "spawn")


@pytest.fixture(scope="session")
def form():
    return load_form()


@pytest.fixture(scope="session")
def layout(form):
    return layout_form(form)


@pytest.fixture(scope="session")
def collected(tmp_path_factory, form):
    """The sample district collected into a store, as `make demo` does."""
    from govxl.collection.collect import collect
    from govxl.demo import make_submissions
    from govxl.roster import read_roster
    from govxl.store import Store
    from govxl.workbook.generate import generate_workbooks

    tmp = tmp_path_factory.mktemp("district")
    agencies = read_roster(ROOT / "samples" / "roster.csv")
    generate_workbooks(2023, agencies, tmp / "wb", workers=1)
    make_submissions(tmp / "wb", tmp / "received", 2023)
    store = Store(tmp / "govxl.db")
    store.set_roster(agencies)
    collect([tmp / "received" / "第一批"], 2023, store, workers=1)
    collect([tmp / "received" / "第二批"], 2023, store, workers=1)
    return store, tmp
