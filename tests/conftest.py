from __future__ import annotations

import sys
from pathlib import Path

import pytest

from govxl.form.layout import layout_form
from govxl.form.spec import load_form

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def form():
    return load_form()


@pytest.fixture(scope="session")
def layout(form):
    return layout_form(form)
