"""govxl remembers XlsxWriter's formula preparation by overriding an internal method
(``Worksheet._prepare_formula``; see govxl/workbook/generate.py). These tests fail loudly when an
XlsxWriter release changes what that override relies on: the method's name and signature, its
results, or XlsxWriter calling it for every formula it writes."""

from __future__ import annotations

import inspect
import re
import zipfile

import pytest
import xlsxwriter.worksheet
from xlsxwriter.worksheet import Worksheet

from govxl.demo import balanced_values
from govxl.roster import Agency
from govxl.workbook import generate
from govxl.workbook.generate import WorkbookRequest, write_workbook

PROBES = [
    "=SUM(A1:A3)", "SUM(A1:A3)", "{=SUM(A1:A3*B1:B3)}", '=IF(A1=B1,"通过","不平衡："&TEXT(A1-B1,"0"))',
    "=FILTER(A1:A3,B1:B3)", "=XLOOKUP(A1,B1:B3,C1:C3)", "=SORT(A1:A3)", "=STDEV.S(A1:A3)", "=CONCAT(A1,B1)",
    "=_xlfn.STDEV.S(A1:A3)", "=IFS(A1>1,1,TRUE,0)", "=LET(x,1,x+1)",
]


def test_the_internal_method_is_still_there_with_the_same_signature():
    method = getattr(Worksheet, "_prepare_formula", None)
    assert method is not None, "XlsxWriter no longer has Worksheet._prepare_formula: review govxl's formula cache"
    assert list(inspect.signature(method).parameters) == ["self", "formula", "expand_future_functions"]
    assert generate.FORMULA_CACHE, "govxl's formula cache is switched off for this XlsxWriter"


@pytest.mark.parametrize("future", [False, True])
def test_cached_preparation_gives_what_xlsxwriter_gives(form, layout, tmp_path, future):
    formulas = set(PROBES)
    path = write_workbook(WorkbookRequest(tmp_path / "w.xlsx", 2025, Agency("A01", "财政局")))
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        formulas |= {c.value for row in ws.iter_rows() for c in row if c.data_type == "f"}
        formulas |= {"=" + f for cf in ws.conditional_formatting for r in cf.rules for f in (r.formula or [])}
    assert len(formulas) > 50
    stock = Worksheet()
    stock.use_future_functions = future
    cached = generate._Worksheet()
    cached.use_future_functions = future
    for formula in sorted(formulas):
        for expand in (False, True):
            assert cached._prepare_formula(formula, expand) == stock._prepare_formula(formula, expand), formula


def test_a_workbook_is_the_same_with_and_without_the_cache(form, tmp_path, monkeypatch):
    import random

    request = dict(year=2025, agency=Agency("A01", "财政局", "区直部门"), values=balanced_values(form, random.Random(2)))
    with_cache = write_workbook(WorkbookRequest(tmp_path / "cached.xlsx", **request))
    monkeypatch.setattr(generate, "_Worksheet", xlsxwriter.worksheet.Worksheet)
    stock = write_workbook(WorkbookRequest(tmp_path / "stock.xlsx", **request))
    a, b = zipfile.ZipFile(with_cache), zipfile.ZipFile(stock)
    assert a.namelist() == b.namelist()
    for name in a.namelist():  # the same bytes, but for the time of writing
        assert untimed(a.read(name)) == untimed(b.read(name)), name


def untimed(xml: bytes) -> bytes:
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?", b"TIME", xml)


def test_xlsxwriter_still_prepares_every_formula_through_it(tmp_path):
    generate._prepared.cache_clear()
    write_workbook(WorkbookRequest(tmp_path / "a.xlsx", 2025, Agency("A01", "财政局")))
    first = generate._prepared.cache_info()
    write_workbook(WorkbookRequest(tmp_path / "b.xlsx", 2025, Agency("A02", "教育局")))
    second = generate._prepared.cache_info()
    assert first.misses > 50, "XlsxWriter no longer calls _prepare_formula: govxl's formula cache does nothing"
    assert second.misses == first.misses and second.hits - first.hits == first.misses + first.hits
