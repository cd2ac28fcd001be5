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
