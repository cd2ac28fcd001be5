"""merge and export: exact totals that keep every rule, the summary workbook, roll-up, analysts' data."""

from __future__ import annotations

import csv
import re
import io
import json
import random
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, balanced_values, filled, store_with_roster

from govxl.collection.collect import collect
from govxl.consolidation.export import export, neutralise
from govxl.consolidation.merge import add_up, consolidate, write_summary
from govxl.form import rules
from govxl.roster import Agency
from govxl.store import Store


def test_totals_satisfy_every_rule_whenever_the_inputs_do(form):
    rng = random.Random(7)
    for _ in range(30):
        inputs = [balanced_values(form, rng, scale=rng.choice([3, 50, 5000])) for _ in range(rng.randint(1, 12))]
        for values in inputs:
            values["t2.fees.amount"] = Decimal(rng.randint(0, 10**6)) / 10**4
            assert all(r.ok for r in rules.evaluate(form, values))
        totals = add_up(form, inputs)
        assert all(r.ok for r in rules.check_stated(form, totals)), "stated totals keep the rules"
        for key in form.input_keys:
            assert totals[key] == sum(v[key] for v in inputs)
        assert isinstance(totals["t2.fees.amount"], Decimal)


def test_amounts_add_up_exactly(form):
    totals = add_up(form, [{"t2.fees.amount": Decimal("0.1")}, {"t2.fees.amount": Decimal("0.2")},
                           {"t2.fees.amount": Decimal("35.2800")}])
    assert totals["t2.fees.amount"] == Decimal("35.58")


def test_merge_with_no_submissions_still_works_and_says_who_is_missing(tmp_path):
    store = store_with_roster(tmp_path / "govxl.db")
    result = consolidate(store, YEAR)
    assert result.contributions == [] and [a.code for a in result.missing] == ["A01", "A02", "B01"]
    assert result.as_dict()["agencies"] == 0 and result.as_dict()["t3"]["new"]["total"] == 0
    path = write_summary(result, tmp_path / "empty.xlsx", store=store)
    wb = openpyxl.load_workbook(path)
    warnings = [r for r in wb["警告与缺报"].iter_rows(min_row=3, values_only=True)]
    assert [(w[0], w[1]) for w in warnings] == [("未报送", "A01"), ("未报送", "A02"), ("未报送", "B01")]


@pytest.fixture
def district(tmp_path, form):
    store = store_with_roster(tmp_path / "govxl.db")
    a01, v1 = filled(tmp_path, "a01.xlsx", form, seed=11, changes={"t2.fees.amount": 35.28})
    a02, v2 = filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=12, changes={"t2.penalty.decisions": "８"})
    b01, _ = filled(tmp_path, "b01.xlsx", form, agency=AGENCIES[2], seed=13, changes={"t3.new.natural": 10**6})
    collect([a01, a02, b01], YEAR, store, workers=1)
    v2["t2.penalty.decisions"] = 8
    return store, v1, v2


def test_merge_adds_up_the_latest_accepted_versions(district, form):
    store, v1, v2 = district
    result = consolidate(store, YEAR)
    assert [c.agency.code for c in result.contributions] == ["A01", "A02"]
    assert [a.code for a in result.rejected] == ["B01"] and result.missing == []
    for key in form.input_keys:
        expected = Decimal(str(v1[key])) + Decimal(str(v2[key])) if key == "t2.fees.amount" else v1[key] + v2[key]
        assert result.totals[key] == expected, key
    data = result.as_dict()
    assert data["agencies"] == 2
    assert data["t2"]["fees"]["amount"] == format(Decimal("35.28") + Decimal(str(v2["t2.fees.amount"])), "f")
    assert data["t3"]["new"]["total"] == result.totals["t3.new.total"] and isinstance(data["t3"]["new"]["total"], int)
    assert set(data["t4"]) == {"review", "suit_direct", "suit_after_review"}
    assert data["rejected"] == ["B01"]
    (a02,) = [c for c in result.contributions if c.agency.code == "A02"]
    assert [w.code for w in a02.warnings] == ["value.text_number"]


def test_summary_workbook(district, form, layout, tmp_path):
    store, *_ = district
    result = consolidate(store, YEAR)
    path = write_summary(result, tmp_path / "summary.xlsx", store=store, code="WD", name="卫东区人民政府")
    wb = openpyxl.load_workbook(path, data_only=True)
    meta = dict((r[0].value, r[1].value) for r in wb["govxl"].iter_rows())
    assert meta["consolidates"] == "2" and meta["agency_code"] == "WD"
    for key in form.input_keys:
        sheet, span = layout.locate(key)
        assert wb[sheet][span.a1].value == pytest.approx(float(result.totals[key])), key
    assert wb["填报说明"]["B12"].value == "全部校验通过"
    detail = list(wb["各单位明细"].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in detail] == ["卫东区财政局", "卫东区教育局", "小计（区直部门）", "合计"]
    column = 3 + len(form.indicators) + list(form.cells).index("t3.new.total")
    assert detail[-1][column] == result.totals["t3.new.total"]
    assert wb["各单位明细"].freeze_panes == "D4" and wb["各单位明细"].auto_filter.ref
    provenance = list(wb["数据来源"].iter_rows(min_row=3, values_only=True))
    assert [r[4] for r in provenance] == ["a01.xlsx", "a02.xlsx"] and len(provenance[0][5]) == 64
    kinds = [r[0] for r in wb["警告与缺报"].iter_rows(min_row=3, values_only=True)]
    assert kinds == ["未通过（未汇总）", "警告"]
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # no year-over-year chart without last year


def test_year_over_year_when_last_year_is_known(district, form, tmp_path):
    store, *_ = district
    last, values = filled(tmp_path, "a01-last.xlsx", form, year=YEAR - 1, seed=21)
    collect([last], YEAR - 1, store, workers=1)
    previous = consolidate(store, YEAR - 1)
    result = consolidate(store, YEAR)
    path = write_summary(result, tmp_path / "s.xlsx", store=store, previous=previous)
    ws = openpyxl.load_workbook(path)["同比"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == "主要指标"}
    applications = rows["本年新收政府信息公开申请"]
    assert applications[3] == result.totals["t3.new.total"]
    assert applications[4] == sum(v for k, v in values.items() if k.startswith("t3.new."))
    assert applications[5] == applications[3] - applications[4]
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 4


def test_a_city_collects_district_summaries_and_merges_them_again(district, tmp_path):
    store, *_ = district
    district_total = consolidate(store, YEAR)
    summary = write_summary(district_total, tmp_path / "wd.xlsx", store=store, code="WD", name="卫东区人民政府")
    city = Store(tmp_path / "city.db")
    city.set_roster([Agency("WD", "卫东区人民政府", "区县"), Agency("XD", "西城区人民政府", "区县")])
    report = collect([summary], YEAR, city, workers=1)
    (f,) = report.files
    assert f.agency == "WD" and f.status == "accepted_with_warnings"
    assert {x.code for x in f.findings} == {"narrative.blank"}  # its detail sheets are declared, not extra
    roll_up = consolidate(city, YEAR)
    assert roll_up.totals == district_total.totals
    assert [a.code for a in roll_up.missing] == ["XD"]


def test_export_long_table_in_three_formats(district, form, tmp_path):
    store, *_ = district
    store.set_roster([Agency("A01", "=HYPERLINK(\"http://x\")", "区直部门"), *AGENCIES[1:]])
    result = consolidate(store, YEAR)
    path = export(result, "csv", tmp_path / "d.csv", keys=True)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(table) == 2 * len(form.cells)
    assert table[0]["agency_name"] == "'=HYPERLINK(\"http://x\")"
    fees = [r for r in table if r["agency"] == "A01" and r["table"] == "t2" and r["row"] == "fees"]
    assert fees[0]["value"] == "35.28" and fees[0]["row_label"] == "行政事业性收费"
    records = json.loads(export(result, "json", tmp_path / "d.json").read_text(encoding="utf-8"))
    assert records[0]["agency"] == "A01" and len(records) == len(table)
    ws = openpyxl.load_workbook(export(result, "xlsx", tmp_path / "d.xlsx")).active
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"
    assert neutralise("+1") == "'+1" and neutralise("卫东区") == "卫东区"


def test_export_for_excel_speaks_chinese(district, form, tmp_path):
    """What a clerk opens in Excel: Chinese column titles, 表二 and 规章 rather than t2 and rules,
    the status as govxl status names it; no machine key anywhere."""
    from govxl.findings import STATUS_LABELS

    store, *_ = district
    result = consolidate(store, YEAR)
    raw = export(result, "csv", tmp_path / "d.csv").read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(raw)))
    titles, body = table[0], table[1:]
    assert len(body) == len(result.contributions) * len(form.cells)
    keys = {k for key in form.cells for k in key.split(".")} | {"data"} | set(STATUS_LABELS)
    for row in [titles, *body]:
        assert not keys & set(row), set(row) & keys
        assert all(not re.fullmatch(r"[a-z_]+", text) for text in row), row
    assert all(re.search(r"[\u4e00-\u9fff]", title) for title in titles)
    column = {title: i for i, title in enumerate(titles)}
    rules = [r for r in body if r[column["项目"]] == form.table("t2").rows[0].label]
    assert rules and {r[column["表"]] for r in rules} == {"表二"}
    assert {r[column["报送状态"]] for r in body} <= set(STATUS_LABELS.values())
    ws = openpyxl.load_workbook(export(result, "xlsx", tmp_path / "d.xlsx")).active
    assert [c.value for c in ws[1]] == titles and ws.title == "各单位数据"
