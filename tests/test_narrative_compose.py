"""compose checks its own district draft against the district's tables before writing it, and
says so when the two disagree (an office may edit the wording templates)."""

from __future__ import annotations

import random
import shutil

import pytest
from collect_helpers import AGENCIES, balanced_values, store_with_roster

from govxl import api
from govxl.consolidation.merge import consolidate, previous_year
from govxl.collection.status import completeness
from govxl.reporting import compose
from govxl.reporting.reports import district_report
from govxl.resources import templates_dir

YEAR = 2023


@pytest.fixture
def store(tmp_path, form):
    store = store_with_roster(tmp_path / "govxl.db")
    for i, agency in enumerate(AGENCIES):
        store.add_submission(agency=agency.code, year=YEAR, source="workbook", status="accepted",
                             values=balanced_values(form, random.Random(i), scale=30), narrative={}, findings=[])
    yield store
    store.close()


def test_the_draft_agrees_with_the_tables_and_every_figure_is_checked(store, tmp_path):
    found = []
    path = district_report(store, YEAR, "md", tmp_path / "区.md", name="卫东区人民政府", findings=found)
    assert path.exists() and found == []
    current = consolidate(store, YEAR)
    context = compose.district_context(current, previous_year(store, current), completeness(store, YEAR),
                                       name="卫东区人民政府")
    parts = compose.drafted_parts(context)
    assert "全区共新收政府信息公开申请" in parts["on_request"] and "统计期限" in parts["overview"]
    # The same draft against tables ten times as large: each figure it quotes is compared.
    tenfold = {k: v * 10 for k, v in current.totals.items()}
    mismatches = compose.check_draft(context, tenfold)
    quoted = {f.key for f in mismatches}
    assert quoted == {"active", "on_request"} and len(mismatches) >= 20


def test_a_draft_that_disagrees_is_written_and_reported(store, tmp_path, monkeypatch):
    wording = tmp_path / "templates"
    shutil.copytree(templates_dir(), wording)
    prose = wording / "reports" / "_district.j2"
    text = prose.read_text(encoding="utf-8")
    assert "全区共新收政府信息公开申请{{ a.applications.value | number }}件" in text
    prose.write_text(text.replace("全区共新收政府信息公开申请{{ a.applications.value | number }}件",
                                  "全区共新收政府信息公开申请{{ a.handled.value | number }}件"), encoding="utf-8")
    monkeypatch.setattr(compose, "templates_dir", lambda: wording)
    compose.environment.cache_clear()
    try:
        result = api.compose(store, YEAR, tmp_path / "区.md", format="md", district=True, name="卫东区人民政府")
    finally:
        compose.environment.cache_clear()
    assert result.paths[0].exists()
    totals = consolidate(store, YEAR).totals
    (f,) = result.findings
    assert (f.code, f.key) == ("narrative.figure_mismatch", "on_request")
    assert (f.value, f.expected) == (str(totals["t3.handled_total.total"]), str(totals["t3.new.total"]))
    assert result.as_dict()["findings"][0]["code"] == "narrative.figure_mismatch"

    from typer.testing import CliRunner

    from govxl.cli import app

    compose.environment.cache_clear()
    try:
        shown = CliRunner().invoke(app, ["compose", "--year", str(YEAR), "--district", "--name", "卫东区人民政府",
                                         "--format", "md", "--out", str(tmp_path / "区2.md"),
                                         "--db", str(store.path)])
    finally:
        compose.environment.cache_clear()
    assert shown.exit_code == 0, shown.output
    assert "与汇总表不一致" in shown.output and f.expected in shown.output
