"""The form spec: it loads, it says exactly what the national format document says, and a broken
spec is refused with a message that names the problem."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SHARED

from govxl.form import rules
from govxl.form.spec import SpecError, load_form
from govxl.resources import templates_dir

FORMAT_DOC = SHARED / "domain" / "annual-report-format.md"


def _doc_tables() -> dict[str, list[list[str]]]:
    """The markdown tables of the format document, per '## ' section heading, as cell lists."""
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for line in FORMAT_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:]
        elif line.startswith("|") and not line.startswith("|---"):
            sections.setdefault(current, []).append([c.strip() for c in line.strip("|").split("|")])
    return sections


def _official(label: str) -> str:
    """The document writes the curly quotes of the official text as straight ones."""
    return re.sub(r'"([^"]*)"', r"“\1”", label)


def _keys(cell: str) -> list[str]:
    return re.findall(r"`([a-z_0-9]+)`", cell)


def test_t3_rows_and_columns_match_the_format_document(form):
    tables = _doc_tables()["Table t3 — 收到和处理政府信息公开申请情况"]
    t3 = form.table("t3")
    expected_columns = {}
    expected_rows = {}
    groups = []
    for cells in tables:
        keys, label = _keys(cells[0]), cells[1]
        if cells[0] in ("key",):
            continue
        if not keys:
            groups.append(label.split(" (")[0])
        elif len(keys) == 1 and keys[0] in {c.key for c in t3.columns}:
            expected_columns[keys[0]] = label.split(" · ")[-1]
        else:
            labels = label.split(" · ")
            first, last = keys[0], keys[-1]
            if len(keys) == 2 and first != last:  # `withheld_1` … `withheld_8`
                stem = first.rsplit("_", 1)[0]
                keys = [f"{stem}_{i + 1}" for i in range(len(labels))]
            for key, text in zip(keys, labels):
                expected_rows[key] = _official(text)
    assert {c.key: c.label for c in t3.columns} == expected_columns
    assert {r.key: r.label for r in t3.rows} == expected_rows
    assert list(expected_rows) == [r.key for r in t3.rows], "rows in the national order"
    spec_groups = list(dict.fromkeys(g for r in t3.rows for g in r.group))
    assert spec_groups == groups
    organisations = [c for c in t3.columns if c.group == ("法人或其他组织",)]
    assert len(organisations) == 5
    assert t3.column_header == "申请人情况"
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    assert t3.corner in doc


def test_t2_blocks_match_the_format_document(form):
    rows = _doc_tables()["Table t2 — 主动公开政府信息情况"]
    t2 = form.table("t2")
    heading = None
    expected = []
    for cells in rows[1:]:
        heading = cells[0] or heading
        (row_key,) = _keys(cells[1])
        if cells[3] == "same three":
            columns = expected[-1][3]
        else:
            columns = [(k, v.strip()) for k, v in re.findall(r"`([a-z_]+)`: ([^,]+)", cells[3])]
        expected.append((heading, row_key, cells[2], columns))
    actual = [
        (b.heading, r.key, r.label, [(c.key, c.label) for c in b.columns])
        for b in t2.blocks for r in b.rows
    ]
    assert actual == expected
    assert form.cells["t2.fees.amount"].type.kind == "decimal"
    assert form.cells["t2.rules.made"].type.kind == "integer"


def test_t4_blocks_match_the_format_document(form):
    rows = _doc_tables()["Table t4 — 政府信息公开行政复议、行政诉讼情况"]
    t4 = form.table("t4")
    expected = {_keys(c[0])[0]: c[1] for c in rows[1:]}
    assert {r.key: " · ".join((*r.group, r.label)) for r in t4.rows} == expected
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    columns = re.findall(r"`(upheld|corrected|other|pending|total)` (\S+?)[,.]", doc)
    assert [(c.key, c.label) for c in t4.columns] == columns


def test_sections_follow_the_national_order(form):
    rows = _doc_tables()["Sections"]
    assert [(s.number, s.title) for s in form.sections] == [(r[0], r[1]) for r in rows[1:]]


def test_relations_one_to_four_are_errors_and_expand_over_every_row_and_column(form):
    by_rule: dict[str, list] = {}
    for inst in rules.instances(form):
        by_rule.setdefault(inst.rule.id, []).append(inst)
    assert len(by_rule["t3.row_total"]) == 25
    assert len(by_rule["t3.handled_total"]) == 7
    assert len(by_rule["t3.balance"]) == 7
    assert len(by_rule["t4.block_total"]) == 3
    for rid in ("t3.row_total", "t3.handled_total", "t3.balance", "t4.block_total"):
        assert by_rule[rid][0].rule.severity == "error"
    handled = by_rule["t3.handled_total"][0]
    assert len(handled.rhs) == 21  # 予以公开, 部分公开, 8 + 3 + 5 + 3
    assert by_rule["t2.in_force_trend"][0].rule.severity == "warning"
    assert {i.anchor for i in by_rule["t2.in_force_trend"]} == {"rules", "normative_docs"}
    assert all(i.cross_year for i in by_rule["t3.carry_over"])


def test_derived_cells_are_the_totals(form):
    derived = set(form.derived_keys)
    assert {f"t3.{r.key}.total" for r in form.table("t3").rows} <= derived
    assert {f"t3.handled_total.{c.key}" for c in form.table("t3").columns} <= derived
    assert {f"t4.{b}.total" for b in ("review", "suit_direct", "suit_after_review")} <= derived
    assert len(derived) == 25 + 6 + 3
    assert len(form.input_keys) == 10 + 24 * 6 + 12  # t2, t3, t4 inputs


def test_python_rules_recompute_totals_and_find_imbalances(form):
    values = {k: 0 for k in form.input_keys}
    values["t3.new.natural"] = 3
    values["t3.granted.natural"] = 2
    values["t3.carry_next.natural"] = 1
    values["t3.new.commercial"] = 1
    values["t3.total.ignored"] = 99
    full = rules.complete(form, values)
    assert full["t3.handled_total.natural"] == 2
    assert full["t3.new.total"] == 4
    failing = [r for r in rules.evaluate(form, values) if not r.ok]
    assert [r.instance.id for r in failing] == ["t3.balance[commercial]", "t3.balance[total]"]
    assert failing[0].check_text() == "第一项加第二项为1，第三项加第四项为0"
    assert "相差 1" in failing[0].message() and "商业企业" in failing[0].message()


def test_stated_totals_are_checked_not_recomputed(form):
    stated = {k: 0 for k in form.cells}
    stated["t4.review.upheld"] = 2  # a published report printing a total of 0 under results
    failing = [r for r in rules.check_stated(form, stated) if not r.ok]
    assert [r.instance.id for r in failing] == ["t4.block_total[review]"]
    assert failing[0].lhs == 0 and failing[0].rhs == 2


def test_cross_year_rules_need_last_year(form):
    values = {k: 0 for k in form.input_keys}
    values["t3.carried_over.natural"] = 2
    values["t3.new.natural"] = 0
    values["t3.granted.natural"] = 2
    ids = {r.instance.rule.id for r in rules.evaluate(form, values)}
    assert "t3.carry_over" not in ids
    previous = {k: 0 for k in form.cells}
    previous["t3.carry_next.natural"] = 1
    previous["t2.normative_docs.in_force"] = 10
    values["t2.normative_docs.made"] = 2
    values["t2.normative_docs.in_force"] = 12
    results = {r.instance.id: r for r in rules.evaluate(form, values, previous)}
    assert not results["t3.carry_over[natural]"].ok
    assert results["t2.in_force_trend[normative_docs]"].ok


def test_amounts_stay_exact(form):
    values = {"t2.fees.amount": Decimal("35.2800")}
    assert rules.complete(form, values)["t2.fees.amount"] == Decimal("35.28")
    assert rules.format_number(Decimal("35.2800")) == "35.28"
    assert rules.format_number(Decimal("1E+2")) == "100"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = (templates_dir() / "forms" / "annual-2021.toml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "broken.toml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, complaint", [
    ('key = "t2"', 'key = "t9"', "no section shows this table"),
    ('{ key = "repealed"', '{ key = "made"', "duplicate key 'made'"),
    ('expr = "new + carried_over == handled_total + carry_next"',
     'expr = "new + carried_ovr == handled_total + carry_next"', "matches nothing"),
    ('expr = "new + carried_over == handled_total + carry_next"', 'expr = "new + == carry_next"',
     "misplaced"),
    ('expr = "new + carried_over == handled_total + carry_next"', 'expr = "new + - carried_over == carry_next"',
     "two operators"),
    ('severity = "warning"', 'severity = "info"', "severity"),
    ('layout = "strip"', 'layout = "diagonal"', "layout must be one of"),
    ('message = "{where}：第一项', 'message = "{wher}：第一项', "placeholder"),
    ('expr = "total == upheld + corrected + other + pending"', 'expr = "total == upheld + corrected + other + pending + total"',
     "cycle"),
])
def test_a_broken_spec_is_refused_with_a_reason(tmp_path, old, new, complaint):
    with pytest.raises(SpecError, match=re.escape(complaint) if "'" in complaint else complaint):
        load_form(_broken(tmp_path, old, new))
