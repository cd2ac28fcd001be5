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


@pytest.fixture(autouse=True)
def _store_outside_the_checkout(tmp_path, monkeypatch):
    """A test (or a govxl command it runs) that does not name a store uses one in its own tmp
    folder, never govxl.db in the checkout."""
    monkeypatch.setenv("GOVXL_DB", str(tmp_path / "govxl.db"))


_SKIPPED = {".git", ".venv", ".pytest_cache", ".ruff_cache", "__pycache__", "out", "build", "dist"}


def _checkout_files() -> set[str]:
    found = set()
    for root, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _SKIPPED and not d.endswith(".egg-info")]
        found |= {os.path.relpath(os.path.join(root, f), ROOT) for f in files}
    return found


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controlling process only
        session.config._checkout_before = _checkout_files()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_checkout_before", None)
    if before is not None:
        left = sorted(_checkout_files() - before)
        if left:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            print(f"\nTests left files in the checkout: {left[:10]}", file=sys.stderr)
