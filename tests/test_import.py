"""import: the ten real reports and the three shapes of ../shared, the seed, random reports in every
shape (tabs, one cell per line, PDF-like wrapping with compatibility characters and page numbers,
cells run together), and round trips through compose."""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal

import pytest
from collect_helpers import balanced_values
from conftest import ROOT, SHARED

from govxl.form import rules
from govxl.importer import Unread, import_file, import_text
from govxl.reporting.compose import agency_context, render, write_output

REAL = SHARED / "domain" / "real-reports"
SHAPES = SHARED / "domain" / "report-shapes"
REPORTS = sorted(p for p in REAL.glob("*.txt"))


def _expected_cells(expected: dict):
    for table in ("t2", "t3", "t4"):
        for row, cols in expected[table].items():
            for col, value in cols.items():
                yield table, row, col, value


def _same(read, value) -> bool:
    if read is None:
        return False
    return Decimal(str(read)) == Decimal(str(value))


# What a person reads in each real report's narrative: how the improvements (改进情况) begin, and
# how the part on platforms (平台建设) begins, or None where the report has no such part (the 2019
# report's section one is 基本情况 / 主要做法, all of it the overview).
NARRATIVE = {
    "001_huaian-city-2024": ("针对存在问题，下一步，我市将着力加强政策解读质效", "进一步优化政务公开专栏设置"),
    "002_hongze-district-2023": ("针对存在问题，下一步，将切实抓好以下工作", "加强对区政府网站、政务新媒体动态全面监管"),
    "003_hongze-district-2024": ("针对存在问题，2025 年我们将切实抓好以下工作", "加强对区政府网站、政务新媒体动态全面监管"),
    "006_pingtan-zone-2023": ("2024年，我区将采取以下措施加以改进", "一是开展门户网站提升服务项目"),
    "007_pingtan-zone-2024": ("2025年，将重点从以下方面做好改进", "发挥门户网站政务公开第一平台作用"),
    "008_pingtan-zone-2025": ("下一步整改措施", "融合AI技术"),
    "009_pingtan-zone-2022": ("2023年，我区将采取以下措施加以改进", "进一步加强政府门户网站和政务新媒体等线上平台建设"),
    "010_pingtan-zone-2021": ("一是丰富政策解读形式", "按照《国务院办公厅秘书局关于印发政府网站与政务新媒体"),
    "011_pingtan-zone-2020": ("一是持续认真贯彻", "一是上线试运行12345平台新系统"),
    "012_pingtan-zone-2019": ("2020年，我们将采取以下措施加以改进", None),
}


def test_the_ten_real_reports_are_all_there():
    assert sorted(p.stem for p in REPORTS) == sorted(NARRATIVE)


@pytest.fixture(scope="module", params=[p.stem for p in REPORTS])
def real(request):
    path = REAL / f"{request.param}.txt"
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    return path, import_file(path), expected


def test_real_report_identity(real):
    path, result, expected = real
    assert (result.year, result.edition) == (expected["year"], expected["edition"]), path.name
    assert result.agency_name, path.name
    assert (result.agency_name in expected["agency"]) or (expected["agency"] in result.agency_name), path.name
    assert result.sources["year"] in ("title", "archive_title"), result.sources


def _not_recoverable(expected) -> set[str]:
    names = {re.match(r"t2(?:_2019)?/(\w+)", n).group(1) for n in expected.get("not_recoverable_from_text", [])}
    return {"other_services" if n == "other_mgmt_services" else n for n in names}


def test_real_report_numbers(real):
    path, result, expected = real
    data = result.as_dict()
    not_recoverable = _not_recoverable(expected)
    for table, row, col, value in _expected_cells(expected):
        read = data[table][row][col]
        if read is None:
            assert table == "t2" and row in not_recoverable, f"{path.name}: {table}.{row}.{col} unread"
        else:
            assert _same(read, value), f"{path.name}: {table}.{row}.{col} = {read}, published {value}"
    for u in result.unread:  # what is unread is what the text cannot settle, and nothing else
        assert u.table == "t2" and u.row in not_recoverable, (path.name, u)


def test_real_report_published_inconsistencies(real):
    path, result, expected = real
    broken = {(f.code, f.key) for f in result.findings if f.code.startswith("rule.")}
    expected_breaks = set()
    for x in expected["published_inconsistencies"]:
        if x["check"] == "t4_total":
            expected_breaks.add(("rule.t4.block_total", f"t4.{x['group']}.total"))
        elif x["check"] == "handled_total":
            expected_breaks.add(("rule.t3.handled_total", f"t3.handled_total.{x['column']}"))
    assert broken == expected_breaks, path.name


def test_real_report_narrative(real):
    path, result, _ = real
    improvements, platform = NARRATIVE[path.stem]
    n = result.narrative
    text = path.read_text(encoding="utf-8")
    assert n["improvements"].startswith(improvements), n["improvements"][:60]
    assert n["problems"] and improvements not in n["problems"]
    # Problems, then improvements, to the end of section five (its subheadings left out).
    five = re.sub(r"\s|- \d+ -", "", text[text.rindex("五、"):text.index("六、其他需要报告的事项")])
    problems, improvements = (re.sub(r"\s", "", n[k]) for k in ("problems", "improvements"))
    assert problems in five and five.endswith(improvements)
    assert five.index(problems) + len(problems) <= five.index(improvements) <= five.index(problems) + len(problems) + 8
    if platform is None:
        assert n["platform"] == "" and "二、主动公开" not in n["overview"]
    else:
        assert n["platform"].startswith(platform), n["platform"][:60]
    for key in ("overview", "problems", "improvements", "other_matters"):
        assert n[key], (path.name, key)
    for key, part in n.items():  # no part starts with the rest of its heading or a stray mark
        assert not re.match(r"^[。：:，、）)]|^(情况|方面)[。：:]", part), (path.name, key, part[:20])


@pytest.mark.parametrize("shape", ["one-cell-per-line.txt", "pdf-extracted.txt", "web-page.html"])
def test_three_shapes_of_one_report(shape):
    expected = json.loads((SHAPES / "expected.json").read_text(encoding="utf-8"))
    result = import_file(SHAPES / shape)
    data = result.as_dict()
    assert (data["agency"], data["year"], data["edition"]) == (expected["agency"], expected["year"], "2021")
    blanks = []
    for table, row, col, value in _expected_cells(expected):
        read = data[table][row][col]
        if read is None:
            blanks.append((table, row, col))
        else:
            assert _same(read, value), (shape, table, row, col, read, value)
    assert sorted((u.table, u.row, u.column) for u in result.unread) == sorted(blanks)
    if shape == "one-cell-per-line.txt":
        # The empty cells of the publication: unread, reported, never taken for 0.
        assert len(blanks) == 7 and all(u.reason == "blank_cell" for u in result.unread)
        assert {f.code for f in result.findings} == {"import.blank_cell"}
    else:
        assert blanks == [] and result.findings == []
    assert data["narrative"]["other_matters"].endswith("未收取信息处理费。")
    assert data["narrative"]["platform"] == "依托区政府门户网站信息公开专栏，及时更新栏目内容。"


def test_the_seed_report_gives_its_numbers_and_words(form):
    seed = json.loads((ROOT / "samples" / "seed" / "weidong-finance-2023.json").read_text(encoding="utf-8"))
    result = import_file(SHARED / "domain" / "seed-report-weidong-finance-2023.txt")
    assert (result.agency, result.year, result.edition) == ("卫东区金融工作局", 2023, "2021")
    assert result.unread == [] and result.findings == []
    assert all(result.values[k] == 0 for k in form.cells)
    assert result.narrative == seed["narrative"]


# --- random reports in every shape -----------------------------------------------------------------


PARAGRAPHS = ["本单位坚持以公开为常态、不公开为例外，全年主动公开信息{n}条。", "依申请公开工作规范有序，答复及时。",
              "严格落实保密审查制度，坚持先审后发。", "依托门户网站专栏集中发布信息，栏目更新及时。",
              "成立工作领导小组，将政务公开纳入绩效考核。", "政策解读形式较为单一，时效性有待提高。",
              "对上年度问题的改进情况：完善了审核流程，加强了业务培训。", "本年度依申请公开政府信息未收取信息处理费。"]


def random_report(form, seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    values = balanced_values(form, rng, scale=rng.choice([3, 30, 3000]))
    values["t2.fees.amount"] = Decimal(rng.randint(0, 10**7)) / 10**4
    keys = [p.key for p in form.narrative]
    narrative = {k: PARAGRAPHS[i % len(PARAGRAPHS)].format(n=rng.randint(1, 999)) for i, k in enumerate(keys)}
    narrative["problems"] = PARAGRAPHS[5]
    narrative["improvements"] = PARAGRAPHS[6]
    narrative["overview"] = f"{2000 + seed % 25}年以来，本单位认真贯彻落实条例。\n全年工作有序推进。"  # since: not stale
    return values, narrative


def _expected_full(form, values):
    return rules.complete(form, values)


def _assert_values(form, result, values, allow_unread=False):
    full = _expected_full(form, values)
    for key, value in full.items():
        read = result.values.get(key)
        if read is None and allow_unread:
            continue
        assert read is not None and Decimal(str(read)) == Decimal(str(value)), (key, read, value)


def _markdown(form, values, narrative, name="卫东区测试局", year=2024):
    return render("agency", "md", agency_context(form, name=name, year=year, values=values, narrative=narrative))


@pytest.mark.parametrize("seed", range(6))
def test_compose_then_import_gives_back_the_data(form, tmp_path, seed):
    values, narrative = random_report(form, seed)
    context = agency_context(form, name="卫东区测试局", year=2024, values=values, narrative=narrative)
    for fmt in ("md", "html", "docx"):
        path = write_output(context, fmt, "agency", tmp_path / f"r.{fmt}")
        result = import_file(path)
        assert (result.agency, result.year) == ("卫东区测试局", 2024), fmt
        assert result.unread == [] and result.findings == [], (fmt, result.unread, result.findings)
        _assert_values(form, result, values)
        assert result.narrative == narrative, fmt


def _tabs(md: str) -> str:
    """The seed's shape: tab-separated cells, no Markdown marks."""
    lines = []
    for line in md.splitlines():
        if re.fullmatch(r"\|( --- \|)+", line):
            continue
        if line.startswith("|"):
            line = "\t".join(c.strip() for c in line.strip("|").split("|"))
        lines.append(line.lstrip("# "))
    return "\n".join(lines)


def _one_cell_per_line(md: str) -> str:
    """A web page copied as text: every cell on its own line, a | line between cells (positions
    covered by a merged cell are not cells of the page)."""
    out = []
    for line in _tabs(md).splitlines():
        if "\t" in line:
            out.append("\n|\n".join(c for c in line.split("\t") if c != ""))
        else:
            out.append(line)
    return "\n".join(out)


COMPAT = str.maketrans({"一": "⼀", "二": "⼆", "行": "⾏", "人": "⼈", "工": "⼯", "门": "⻔", "年": "年"})


def _pdf_like(md: str, rng: random.Random) -> str:
    """Wrapped mid-label at 24 characters, page numbers between lines, compatibility characters,
    cells separated by single spaces."""
    out = []
    for line in _tabs(md).splitlines():
        line = re.sub(r"\t+", " ", line).strip()
        while len(line) > 24 and not re.fullmatch(r"[\d .]+", line[24:]):
            cut = 24
            if line[cut - 1].isdigit() or line[cut].isdigit():
                break
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
        if rng.random() < 0.05:
            out.append(f"- {rng.randint(1, 9)} -")
    return "\n".join(out).translate(COMPAT)


def _run_together(md: str) -> str:
    """A web page archived without separators between cells: every table row's cells glued."""
    lines = []
    for line in _tabs(md).splitlines():
        if "\t" in line:
            line = "".join(line.split("\t"))
        lines.append(line)
    return "".join(lines)


@pytest.mark.parametrize("seed", range(8))
def test_random_reports_in_every_shape(form, seed):
    values, narrative = random_report(form, 100 + seed)
    md = _markdown(form, values, narrative)
    rng = random.Random(seed)
    for shape, text in (("tabs", _tabs(md)), ("one cell per line", _one_cell_per_line(md)),
                        ("pdf", _pdf_like(md, rng))):
        result = import_text(text)
        assert result.year == 2024 and result.agency == "卫东区测试局", shape
        assert result.unread == [], (shape, result.unread)
        _assert_values(form, result, values)
        assert result.narrative["problems"] == narrative["problems"], shape
    glued = import_text(_run_together(md))
    _assert_values(form, glued, values, allow_unread=True)  # never a wrong number
    for u in glued.unread:
        assert u.reason == "cells_run_together"
        assert any(f.code == "import.cells_run_together" for f in glued.findings)


def test_run_together_cells_are_split_only_when_the_sums_leave_one_way(form):
    values = {k: 0 for k in form.input_keys}
    values.update({"t3.new.natural": 80, "t3.new.commercial": 1, "t3.granted.natural": 22,
                   "t3.partly_granted.natural": 19, "t3.partly_granted.commercial": 1, "t3.withheld_4.natural": 39,
                   "t2.normative_docs.made": 77, "t2.normative_docs.repealed": 13, "t2.normative_docs.in_force": 2470})
    glued = import_text(_run_together(_markdown(form, values, {})))
    assert glued.values["t3.new.natural"] == 80 and glued.values["t3.new.total"] == 81
    assert glued.values["t3.granted.natural"] == 22  # 220000022 splits two ways; the column settles it
    assert glued.values["t2.normative_docs.made"] is None  # 77132470: no sum to settle it
    assert Unread("t2", "normative_docs", None, "cells_run_together") in glued.unread


def test_a_published_report_that_does_not_balance_is_still_read(form):
    values, narrative = random_report(form, 7)
    md = _markdown(form, values, narrative)
    total = rules.complete(form, values)["t3.handled_total.natural"]
    broken = md.replace(f"| （七）总计 |  | {total} |", f"| （七）总计 |  | {total + 5} |", 1)
    assert broken != md
    result = import_text(broken)
    assert result.values["t3.handled_total.natural"] == total + 5
    assert {f.code for f in result.findings} >= {"rule.t3.handled_total"}


def test_import_stores_the_year_and_the_next_collect_checks_the_carry_over(form, tmp_path):
    from collect_helpers import AGENCIES, filled, store_with_roster

    from govxl.collection.collect import collect
    from govxl.importer import store_import

    store = store_with_roster(tmp_path / "govxl.db")
    last = balanced_values(form, random.Random(1))
    text = _markdown(form, last, {}, name="卫东区财政局", year=2022)
    path = tmp_path / "财政局2022年报.md"
    path.write_text(text, encoding="utf-8")
    result = import_file(path, roster={a.code: a for a in AGENCIES})
    assert result.agency == "A01"
    assert store_import(store, result, path.read_bytes(), str(path))
    assert not store_import(store, result, path.read_bytes(), str(path))  # the same file again: no change
    (stored,) = store.submissions(2022, "A01")
    assert stored.source == "import" and stored.info["edition"] == "2021"
    this_year, _ = filled(tmp_path, "a01-2023.xlsx", form, seed=5,
                          changes={"t3.carried_over.natural": last["t3.carry_next.natural"] + 3})
    (report,) = collect([this_year], 2023, store, workers=1).files
    carry = [f for f in report.findings if f.code == "rule.t3.carry_over"]
    assert carry and carry[0].column == "自然人"


def test_cli_import_json_and_saving(tmp_path):
    import os
    import subprocess
    import sys

    from collect_helpers import store_with_roster

    store_with_roster(tmp_path / "govxl.db").close()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    report = SHARED / "domain" / "report-shapes" / "web-page.html"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "govxl", "import", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)

    result = run(str(report), "--json")
    assert result.returncode == 0, result.stderr
    (data,) = json.loads(result.stdout)["files"]  # one entry per file read
    assert {"agency", "year", "edition", "t2", "t3", "t4", "narrative", "findings", "unread", "sources"} <= set(data)
    assert data["t2"]["fees"]["amount"] == "35.2800" and data["t3"]["new"]["total"] == 139
    assert data["saved"] is False  # the agency is not in the roster
    saved = run(str(report), "--agency", "B01", "--db", str(tmp_path / "govxl.db"))
    assert saved.returncode == 0 and "已保存" in saved.stdout
    again = run(str(report), "--agency", "B01", "--db", str(tmp_path / "govxl.db"))
    assert "未保存" in again.stdout
    from govxl.store import Store

    (stored,) = Store(tmp_path / "govxl.db").submissions(2024, "B01")
    assert stored.values["t3.new.total"] == 139 and stored.source == "import"
    assert run(str(tmp_path / "missing.txt")).returncode == 1
