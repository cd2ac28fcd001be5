"""The public API: the command line is a thin layer over it (its --json output is the API's
result), errors are Chinese GovxlErrors with the right exit code, and the logic that used to live
in the command line (carry-over pre-fill, import loop) is the API's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled

import govxl


def cli(*args, cwd=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "govxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def without_run(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "run_id"}


@pytest.fixture
def returns(tmp_path, form):
    """Three returned workbooks: two valid, one with an imbalance."""
    filled(tmp_path, "a01.xlsx", form, agency=AGENCIES[0], seed=1)
    filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    filled(tmp_path, "b01.xlsx", form, agency=AGENCIES[2], seed=3, changes={"t3.new.natural": 10**6})
    return tmp_path / "in"


def test_the_command_line_prints_what_the_api_returns(tmp_path, returns):
    with govxl.open_store(tmp_path / "api.db") as store:
        govxl.set_roster(store, AGENCIES)
        collected = govxl.collect(store, YEAR, [returns])
        status = govxl.status(store, YEAR).as_dict()
        merged = govxl.merge(store, YEAR).as_dict()
    db = tmp_path / "cli.db"
    with govxl.open_store(db) as store:
        govxl.set_roster(store, AGENCIES)
    run = cli("collect", returns, "--year", YEAR, "--db", db, "--json")
    assert run.returncode == 1  # one file was rejected
    assert without_run(json.loads(run.stdout)) == without_run(collected.as_dict())
    assert [f.status for f in collected.files] == ["accepted", "accepted", "rejected"]
    run = cli("status", "--year", YEAR, "--db", db, "--json")
    cli_status = json.loads(run.stdout)
    for a in cli_status["agencies"]:
        a.pop("received_at")
    for a in status["agencies"]:
        a.pop("received_at")
    assert cli_status == status
    run = cli("merge", "--year", YEAR, "--db", db, "--json", "--out", tmp_path / "汇总.xlsx")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == merged
    assert merged["agencies"] == 2 and merged["rejected"] == ["B01"]


def test_govxl_check_prints_what_the_api_checks_and_keeps_nothing(tmp_path, returns):
    db = tmp_path / "cli.db"
    with govxl.open_store(db) as store:
        govxl.set_roster(store, AGENCIES)
        checked = govxl.check(store, YEAR, [returns])
    run = cli("check", returns, "--year", YEAR, "--db", db, "--json")
    assert run.returncode == 1, run.stderr  # one file would be rejected
    assert json.loads(run.stdout) == checked.as_dict()
    assert [f.status for f in checked.files] == ["accepted", "accepted", "rejected"]
    run = cli("check", returns / "b01.xlsx", "--year", YEAR, "--db", db, "--feedback", tmp_path / "反馈")
    assert run.returncode == 1 and "没有保存" in run.stdout and "共校验1个文件" in run.stdout, run.stdout
    assert [p.name for p in (tmp_path / "反馈").iterdir()] == [f"{YEAR}_B01_卫东区东安街道办事处_反馈.xlsx"]
    run = cli("check", returns / "a01.xlsx", "--year", YEAR, "--db", db, "--agency", "b01", "--json")
    assert run.returncode == 1 and json.loads(run.stdout)["files"][0]["findings"][0]["code"] == "identity.other_agency"
    with govxl.open_store(db) as store:
        assert store.receipts() == [] and store.submissions(YEAR) == []


def test_generate_prefills_last_years_carry_over(tmp_path, returns, layout, form):
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        govxl.collect(store, YEAR, [returns])
        last_year = store.latest(YEAR)
        result = govxl.generate(store, YEAR + 1, tmp_path / "next", roster=AGENCIES)
    assert sorted(last_year) == ["A01", "A02"]  # B01 was rejected
    assert result.prefilled == 2
    for path, agency in zip(result.paths, AGENCIES, strict=True):
        book = openpyxl.load_workbook(path)
        keys = [k for k in form.input_keys if k.startswith("t3.carried_over.")]
        assert len(keys) == 6
        for key in keys:
            sheet, span = layout.locate(key)
            cell = book[sheet].cell(span.row + 1, span.col + 1).value
            expected = last_year[agency.code].values[key.replace("carried_over", "carry_next")] \
                if agency.code in last_year else None
            assert cell == expected, (agency.code, key)


@pytest.mark.parametrize("call, text", [
    (lambda s: govxl.status(s, 1999), "1999"),
    (lambda s: govxl.export(s, 2025, "x.txt", format="txt"), "csv、json、xlsx"),
    (lambda s: govxl.compose(s, 2025, "x.md", format="md"), "--district"),
    (lambda s: govxl.generate(s, 2025, "out", roster="r.csv", blank=True), "--blank"),
    (lambda s: govxl.merge(s, 2025, form="no-such-form"), "no-such-form"),
])
def test_a_wrong_call_is_an_invalid_argument_in_chinese(tmp_path, call, text):
    with govxl.open_store(tmp_path / "s.db") as store, pytest.raises(govxl.InvalidArgument) as e:
        call(store)
    assert text in str(e.value) and any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))


def test_a_write_failure_is_an_output_error_and_the_cli_says_it_in_chinese(tmp_path):
    (tmp_path / "occupied").write_text("a file where a folder should be")
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        with pytest.raises(govxl.OutputError) as e:
            govxl.merge(store, YEAR, out=tmp_path / "occupied" / "汇总.xlsx")
    assert "无法写入" in str(e.value) and "Errno" not in str(e.value)
    run = cli("merge", "--year", YEAR, "--db", tmp_path / "s.db", "--out", tmp_path / "occupied" / "汇总.xlsx")
    assert run.returncode == 1 and "无法写入" in run.stderr and "Traceback" not in run.stderr
    assert cli("status", "--year", "1999", "--db", tmp_path / "s.db").returncode == 2


def test_the_package_exports_the_api_lazily():
    code = "import sys, govxl; print('govxl.api' in sys.modules); govxl.collect; print('govxl.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
    assert set(govxl.__all__) <= set(dir(govxl)) and "collect" in govxl.__all__
    with pytest.raises(AttributeError):
        govxl.no_such_thing  # noqa: B018
