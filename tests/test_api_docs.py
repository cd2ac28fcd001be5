"""docs/api.md is a tour of the API whose examples run: every ```python block of the page is
executed, in order, in one namespace, in an empty folder."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_examples_of_docs_api_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVXL_DB", raising=False)
    code = blocks()
    assert len(code) >= 8
    namespace: dict = {}
    for i, block in enumerate(code):
        exec(compile(block, f"docs/api.md block {i + 1}", "exec"), namespace)  # noqa: S102
    assert (tmp_path / "govxl.db").exists()
