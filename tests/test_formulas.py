"""A number is what the cell holds, never a cached formula result; only ASCII and full-width digits
make numbers (issue 9, item 2)."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled
from hostile import rewrite, sheet_part, with_cell_xml
from libreoffice import recalculate

from govxl.collection.examine import Context, examine
from govxl.findings import ERROR, WARNING
from govxl.workbook.coerce import evaluate_literal

ROSTER = {a.code: a for a in AGENCIES}
KEY = "t2.penalty.decisions"  # a count on the sheet 二、主动公开


def run(path):
    return examine(path.read_bytes(), path.name, Context(YEAR, ROSTER))


def findings_at(exam, key):
    return [f for f in exam.findings if f.key == key]


@pytest.mark.parametrize("xml, value, code, severity", [
    ('<c r="{ref}"><f>1+1</f><v>999</v></c>', 2, "value.formula_arithmetic", WARNING),
    ('<c r="{ref}"><f>12+3</f><v>15</v></c>', 15, "value.formula_arithmetic", WARNING),
    ('<c r="{ref}"><f>(1+2)*3 - 4/2</f><v>7</v></c>', 7, "value.formula_arithmetic", WARNING),
    ('<c r="{ref}"><f>1+1</f></c>', 2, "value.formula_arithmetic", WARNING),  # saved without a result
    ('<c r="{ref}"><f>10/4</f><v>2.5</v></c>', None, "value.not_integer", ERROR),
    ('<c r="{ref}"><f>1-5</f><v>-4</v></c>', None, "value.negative", ERROR),
    ('<c r="{ref}"><f>HYPERLINK("http://example.com/",5)</f><v>5</v></c>', None, "value.formula", ERROR),
    ('<c r="{ref}"><f>WEBSERVICE("http://example.com/?q=1")</f><v>7</v></c>', None, "value.formula", ERROR),
    ("<c r=\"{ref}\"><f>cmd|' /C calc'!A0</f><v>3</v></c>", None, "value.formula", ERROR),  # DDE
    ('<c r="{ref}"><f>B5+1</f><v>4</v></c>', None, "value.formula", ERROR),
    ('<c r="{ref}"><f>SUM(B5:B6)</f></c>', None, "value.formula", ERROR),  # no result: still not blank
    ('<c r="{ref}" t="str"><f>"1"&amp;"2"</f><v>12</v></c>', None, "value.formula", ERROR),
])
def test_a_formula_in_an_input_cell_is_never_taken_at_its_cached_value(tmp_path, form, layout, xml, value,
                                                                       code, severity):
    path, _ = filled(tmp_path, "ok.xlsx", form)
    edited = with_cell_xml(path, tmp_path / "f.xlsx", KEY, xml)
    exam = run(edited)
    (finding,) = findings_at(exam, KEY)
    assert (finding.code, finding.severity) == (code, severity)
    assert exam.values[KEY] == value
    assert finding.cell == layout.locate(KEY)[1].a1 and finding.row == "行政处罚"
    assert "value.blank" not in [f.code for f in exam.findings]
    if code.startswith("value.formula"):
        assert str(finding.value).startswith("=") and "公式" in finding.message or "算式" in finding.message


def test_a_shared_formula_is_read_as_its_master(tmp_path, form, layout):
    """Excel writes a formula filled down as a master and followers that only name it."""
    path, _ = filled(tmp_path, "ok.xlsx", form)
    first, second = "t2.penalty.decisions", "t2.enforcement.decisions"
    edited = with_cell_xml(path, tmp_path / "s1.xlsx", first,
                           '<c r="{ref}"><f t="shared" ref="B11:B12" si="0">2+2</f><v>4</v></c>')
    edited = with_cell_xml(edited, tmp_path / "s2.xlsx", second, '<c r="{ref}"><f t="shared" si="0"/><v>99</v></c>')
    exam = run(edited)
    assert exam.values[first] == 4 and exam.values[second] == 4
    assert [f.code for f in findings_at(exam, second)] == ["value.formula_arithmetic"]


@pytest.mark.real_program
def test_libreoffice_computes_what_govxl_computes(tmp_path, form, layout):
    """The same file recalculated by a spreadsheet program shows 2 where the file cached 999."""
    path, _ = filled(tmp_path, "ok.xlsx", form)
    edited = with_cell_xml(path, tmp_path / "calc" / "f.xlsx", KEY, '<c r="{ref}"><f>1+1</f><v>999</v></c>')
    (saved,) = recalculate([edited], tmp_path / "lo", tmp_path / "profile")
    sheet, span = layout.locate(KEY)
    assert openpyxl.load_workbook(saved, data_only=True)[sheet][span.a1].value == 2
    assert run(edited).values[KEY] == run(saved).values[KEY] == 2


def test_a_formula_in_the_narrative_is_an_error(tmp_path, form, layout):
    path, _ = filled(tmp_path, "ok.xlsx", form)
    span = layout.narrative_sheet.inputs["overview"]
    part = sheet_part(layout.narrative_sheet.name)
    import re

    edited = rewrite(path, tmp_path / "n.xlsx", {part: lambda x: re.sub(
        rf'<c r="{span.a1}"[^>]*?(/>|>.*?</c>)',
        f'<c r="{span.a1}" t="str"><f>HYPERLINK("http://example.com/","点此查看")</f><v>点此查看</v></c>',
        x, count=1, flags=re.S)})
    exam = run(edited)
    (finding,) = [f for f in exam.findings if f.code == "narrative.formula"]
    assert finding.severity == ERROR and finding.key == "overview" and "HYPERLINK" in finding.value


@pytest.mark.parametrize("typed", ["10²", "①②", "٣", "Ⅻ", "1⁰", "𝟏𝟐", "¹²"])
def test_only_ascii_and_full_width_digits_make_numbers(tmp_path, form, typed):
    path, _ = filled(tmp_path, "d.xlsx", form, changes={KEY: typed})
    exam = run(path)
    (finding,) = findings_at(exam, KEY)
    assert (finding.code, finding.severity) == ("value.not_number", ERROR)
    assert exam.values[KEY] is None and finding.value == typed


@pytest.mark.parametrize("typed, number", [("１２", 12), ("１，２００", 1200), ("\u300012\u3000", 12), ("＋７", 7)])
def test_full_width_digits_are_numbers_with_a_warning(tmp_path, form, typed, number):
    path, _ = filled(tmp_path, "w.xlsx", form, changes={KEY: typed})
    exam = run(path)
    (finding,) = findings_at(exam, KEY)
    assert (finding.code, exam.values[KEY]) == ("value.text_number", number)


def test_the_evaluator_is_exact_and_refuses_what_it_does_not_know():
    assert evaluate_literal("0.1+0.2") == Decimal("0.3")
    assert evaluate_literal("-(2*3)+10/4") == Decimal("-3.5")
    for text in ("1/0", "2^3", "1e5", "50%", "(1", "1)", "", "=", "__import__('os')", "A1", "1+" * 200 + "1",
                 "(" * 50 + "1" + ")" * 50, "TRUE+1", "１+1"):
        assert evaluate_literal(text) is None, text
