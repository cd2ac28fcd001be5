"""The narrative checks are declared, not coded (issue 15, item 5): a new phrase, a threshold or a
severity is a line of the form spec's [checks], and the checks follow it. Each test loads a copy of
the real spec with one line changed and compares with the spec as shipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_narrative_checks import YEAR, agency_values

from govxl.errors import SpecError
from govxl.form import narrative_checks as nc
from govxl.form.spec import load_form
from govxl.resources import templates_dir

SHIPPED = templates_dir() / "forms" / "annual-2021.toml"


def variant(tmp_path: Path, old: str, new: str):
    """The shipped form spec with the one line ``old`` replaced by ``new``."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / f"variant-{abs(hash((old, new)))}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_form(path)


def figures(form, text, values=None):
    found = nc.check_figures(form, YEAR, nc.known_values(form, values or agency_values(form)), {"on_request": text})
    return [(f.code, f.severity, f.value, f.expected) for f in found]


def test_a_new_phrase_is_a_line_of_data(tmp_path, form):
    text = "全年登记政府信息公开申请132件。"
    assert figures(form, text) == []  # 登记 ties nothing to a cell in the shipped spec
    more = variant(tmp_path, 'words = ["新收", "收到", "受理", "接收", "接到"]',
                   'words = ["新收", "收到", "受理", "接收", "接到", "登记"]')
    assert figures(more, text) == [("narrative.figure_mismatch", "warning", "132", "123")]
    assert figures(more, "全年登记政府信息公开申请123件。") == []


def test_a_new_unit_and_a_new_estimate_word_are_lines_of_data(tmp_path, form):
    assert figures(form, "全年收到政府信息公开申请132宗。") == [("narrative.figure_mismatch", "warning", "132", "123")]
    fewer = variant(tmp_path, 'count_units = ["件", "条", "个", "起", "宗", "项"]', 'count_units = ["件", "条", "个", "起", "项"]')
    assert figures(fewer, "全年收到政府信息公开申请132宗。") == []
    text = "全年收到政府信息公开申请大概132件。"
    assert figures(form, text) == [("narrative.figure_mismatch", "warning", "132", "123")]
    vague = variant(tmp_path, 'estimate_before = ["约", ', 'estimate_before = ["大概", "约", ')
    assert figures(vague, text) == []


def test_severities_are_declared(tmp_path, form):
    text = "全年收到政府信息公开申请132件。"
    strict = variant(tmp_path, '[checks.figures]\nseverity = "warning"', '[checks.figures]\nseverity = "error"')
    assert figures(strict, text) == [("narrative.figure_mismatch", "error", "132", "123")]
    claim = "本年度未收到政府信息公开申请。"
    assert [s for _, s, *_ in figures(form, claim)] == ["error"]
    lenient = variant(tmp_path, '[[checks.zero_claims]]\nseverity = "error"', '[[checks.zero_claims]]\nseverity = "warning"')
    assert [s for _, s, *_ in figures(lenient, claim)] == ["warning"]


@pytest.mark.parametrize("line, new, before, now, fires_shipped, fires_variant", [
    ('above = "5"', 'above = "3"', 10, 40, False, True),
    ('below = "0.2"', 'below = "0.5"', 100, 40, False, True),
    ("min_base = 10", "min_base = 20", 12, 100, True, False),
])
def test_thresholds_are_declared(tmp_path, form, line, new, before, now, fires_shipped, fires_variant):
    changed = variant(tmp_path, line, new)
    for spec, fires in ((form, fires_shipped), (changed, fires_variant)):
        values = {**agency_values(spec), "t2.licensing.decisions": now}
        previous = {**agency_values(spec), "t2.licensing.decisions": before}
        found = nc.check_year_over_year(spec, nc.known_values(spec, values), nc.known_values(spec, previous))
        assert [f.key for f in found] == (["t2.licensing.decisions"] if fires else []), (spec, line)


def test_copied_and_token_thresholds_are_declared(tmp_path, form):
    before = {"active": "本局在门户网站专栏主动公开机构职能、政策文件、财政预决算、行政执法等各类政府信息，并通过政务新媒体同步发布。"
              * 2}
    now = {"active": before["active"].replace("政务新媒体", "微信公众号").replace("行政执法", "重点领域")}
    assert nc.check_copied(form, now, before) == []
    loose = variant(tmp_path, 'similarity = "0.9"', 'similarity = "0.5"')
    assert [f.key for f in nc.check_copied(loose, now, before)] == ["active"]
    assert nc.check_short(form, {"other_matters": "未收费。"}, blank_sections=False) == []
    longer = variant(tmp_path, "part_min_length = { other_matters = 3 }", "part_min_length = { other_matters = 5 }")
    assert [f.code for f in nc.check_short(longer, {"other_matters": "未收费。"}, blank_sections=False)] == [
        "narrative.token"]


def test_a_term_naming_a_cell_the_form_lacks_is_refused(tmp_path):
    with pytest.raises(SpecError):
        variant(tmp_path, 'rows = [["carried_over"]]\nwords = ["上年结转"', 'rows = [["carried_in"]]\nwords = ["上年结转"')
    with pytest.raises(SpecError):
        variant(tmp_path, 'above = "5"', 'above = "five"')


def test_an_ambiguous_join_is_declared(tmp_path, form):
    text = "受理并办结政府信息公开申请100件。"  # which of the two figures is it?
    assert figures(form, text) == []
    plain = variant(tmp_path, 'ambiguous_joins = ["并", "并已", "并且"]', "ambiguous_joins = []")
    assert figures(plain, text) == [("narrative.figure_mismatch", "warning", "100", "117")]  # the nearest: 办结


def test_a_bare_word_and_what_may_stand_before_it_are_declared(tmp_path, form):
    text = "全年受理低保申请300件。"  # 低保申请: applications for welfare, not for information
    assert figures(form, text) == []
    every = variant(tmp_path, 'bare_words = ["申请"]', "bare_words = []")
    assert figures(every, text) == [("narrative.figure_mismatch", "warning", "300", "123")]
    assert figures(form, "全年受理公民的申请132件。") == [("narrative.figure_mismatch", "warning", "132", "123")]
    strict = variant(tmp_path, 'bare_after = ["的", ', 'bare_after = [')
    assert figures(strict, "全年受理公民的申请132件。") == []
