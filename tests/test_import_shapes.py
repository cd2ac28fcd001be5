"""import: shapes of published reports built by the test from the spec and random numbers — Markdown
tables whose merged cells are repeated in every position, ``|`` rows without a header line, cells
separated by full-width bars, a 2019-edition table two inside a later report, a 2019 report whose
title has no year, the usual forms of titles and years — and batches of files in folders."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from collect_helpers import balanced_values
from test_import import random_report

from govxl.form import rules
from govxl.form.spec import load_form
from govxl.importer import import_paths, import_text
from govxl.reporting.compose import agency_context, render, write_output

NAME = "卫东区测试局"


def _md(form, values, narrative, year=2024, name=NAME):
    return render("agency", "md", agency_context(form, name=name, year=year, values=values, narrative=narrative))


def _rows(md: str):
    """Markdown table rows as lists of cells (None for other lines)."""
    for line in md.splitlines():
        if re.fullmatch(r"\|( --- \|)+", line):
            yield line, "rule"
        elif line.startswith("|"):
            yield line, [c.strip() for c in line.strip()[1:-1].split("|")]
        else:
            yield line, None


def _check(form, result, values):
    for key, value in rules.complete(form, values).items():
        read = result.values.get(key)
        assert read is not None and Decimal(str(read)) == Decimal(str(value)), (key, read, value)


def repeated_merged_cells(md: str) -> str:
    """A converter's Markdown: a merged cell's text in every position it covers — rightwards over
    its columns and downwards over its rows (the group labels of table three)."""
    out, above = [], None
    for line, cells in _rows(md):
        if cells is None or cells == "rule":
            out.append(line)
            above = None if cells is None else above
            continue
        filled = list(cells)
        for i, c in enumerate(filled):
            if c == "" and i and filled[i - 1] != "":
                filled[i] = filled[i - 1]  # a column span repeats the cell to its left
        for i, c in enumerate(cells):
            if c == "" and i == 0 and above and above[0]:
                filled[0] = above[0]  # a row span repeats the cell above
        above = filled
        out.append("| " + " | ".join(filled) + " |")
    return "\n".join(out)


def bars_without_header(md: str, bar: str = " | ") -> str:
    """Rows of cells separated by ``bar``, no outer bars and no Markdown header line."""
    out = []
    for line, cells in _rows(md):
        if cells == "rule":
            continue
        out.append(line if cells is None else bar.join(cells))
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(3))
def test_markdown_with_repeated_merged_cells(form, seed):
    values, narrative = random_report(form, 200 + seed)
    text = repeated_merged_cells(_md(form, values, narrative))
    assert "| 三、本年度办理结果 | （七）总计 | （七）总计 |" in text  # the shape it claims to be
    result = import_text(text, markdown=True)
    assert result.unread == [] and result.findings == [], (result.unread, result.findings)
    _check(form, result, values)
    assert result.narrative == narrative


@pytest.mark.parametrize("bar", [" | ", "｜", " ｜ "])
def test_rows_of_bars_without_a_header_line(form, bar):
    values, narrative = random_report(form, 300 + len(bar))
    text = bars_without_header(_md(form, values, narrative), bar)
    assert "| --- |" not in text and not any(line.startswith("|") for line in text.splitlines())
    result = import_text(text)
    assert result.unread == [] and result.findings == [], (result.unread, result.findings)
    _check(form, result, values)


def _values_2019(rng):
    old = load_form("annual-2019")
    values = balanced_values(old, rng, scale=300)
    values.pop("t2.fees.amount", None)
    values["t2.licensing.change"] = -rng.randint(1, 50)
    values["t2.procurement.amount"] = Decimal(rng.randint(0, 10**9)) / 100
    return old, values


@pytest.mark.parametrize("seed", range(2))
def test_a_2019_edition_table_two_inside_a_later_report(form, seed):
    rng = random.Random(seed)
    old, old_values = _values_2019(rng)
    values, narrative = random_report(form, 400 + seed)
    new_md = _md(form, values, narrative)
    old_md = _md(old, old_values, {}, year=2019)
    t2_old = old_md[old_md.index("## 二、"):old_md.index("## 三、")]
    text = new_md[:new_md.index("## 二、")] + t2_old + new_md[new_md.index("## 三、"):]
    result = import_text(text)
    assert result.forms == {"t2": "annual-2019", "t3": "annual-2021", "t4": "annual-2021"}
    assert result.edition == "2019" and result.year == 2024
    assert result.unread == [] and result.findings == [], (result.unread, result.findings)
    for key in (k for k in old.cells if k.startswith("t2.")):
        assert Decimal(str(result.values[key])) == Decimal(str(old_values.get(key, 0))), key
    for key, value in rules.complete(form, values).items():
        if not key.startswith("t2."):
            assert result.values[key] == value, key


@pytest.mark.parametrize("where", ["period", "subtitle"])
def test_a_2019_report_whose_title_has_no_year(where):
    old, values = _values_2019(random.Random(9))
    narrative = {"overview": "本单位认真贯彻落实条例，全年工作有序推进。"}
    md = _md(old, values, narrative, year=2019)
    md = md.replace(f"{NAME}2019年政府信息公开工作年度报告", f"{NAME}政府信息公开工作年度报告", 1)
    if where == "period":
        md = md.replace("本单位认真贯彻", "本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。本单位认真贯彻", 1)
    else:
        md = md.replace("\n\n## 一、", "\n\n（2019年度）\n\n## 一、", 1)
    assert "2019" not in md.splitlines()[0]
    result = import_text(md, markdown=True)
    assert (result.agency, result.year, result.edition) == (NAME, 2019, "2019")
    assert result.sources["year"] == where
    assert result.unread == [], result.unread
    assert [f.row for f in result.findings] == ["五、存在的主要问题及改进情况", "六、其他需要报告的事项"]  # left empty
    for key in old.cells:
        assert Decimal(str(result.values[key])) == Decimal(str(rules.complete(old, values)[key])), key


@pytest.mark.parametrize("title, year", [
    (f"{NAME}2023年度政府信息公开工作年度报告", 2023),
    (f"{NAME}二〇二三年政府信息公开工作年度报告", 2023),
    (f"2023年度{NAME}政府信息公开工作年度报告", 2023),
    (f"{NAME}\n2023 年政府信息公开工作年度报告", 2023),
    (f"{NAME}关于2023年政府信息公开工作年度报告", 2023),
])
def test_titles_in_their_usual_forms(form, title, year):
    values, narrative = random_report(form, 5)
    md = _md(form, values, narrative, year=year)
    md = md.replace(f"# {NAME}{year}年政府信息公开工作年度报告", title, 1)
    result = import_text(md, markdown=True)
    assert (result.agency_name, result.year) == (NAME, year)
    assert result.sources["year"] == "title"


def test_a_batch_of_folders_lists_every_file(form, tmp_path):
    rng = random.Random(3)
    expected = {}
    for n, fmt in enumerate(("md", "html", "docx", "md")):
        values, narrative = random_report(form, 500 + n)
        year = 2020 + n
        context = agency_context(form, name=f"卫东区测试{n}局", year=year, values=values, narrative=narrative)
        folder = tmp_path / "报告" / ("子" * (n % 2)) / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        write_output(context, fmt, "agency", folder / f"r{n}.{fmt}")
        expected[f"r{n}.{fmt}"] = year
    (tmp_path / "报告" / "说明.txt").write_text("这不是报告。", encoding="utf-8")
    (tmp_path / "报告" / "图.png").write_bytes(bytes(rng.randrange(256) for _ in range(64)))  # not a report type
    batch = import_paths([tmp_path / "报告"])
    names = {os.path.basename(f.path): f for f in batch.files}
    assert set(names) == set(expected) | {"说明.txt"}
    for name, year in expected.items():
        assert names[name].result.year == year and names[name].ok
        assert names[name].result.unread == []
    assert not names["说明.txt"].ok and batch.failed
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "govxl", "import", str(tmp_path / "报告"), "--json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 1  # one file is not a report
    data = json.loads(run.stdout)
    assert sorted(os.path.basename(f["source"]) for f in data["files"]) == sorted(names)
    shown = subprocess.run([sys.executable, "-m", "govxl", "import", str(tmp_path / "报告")],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert "导入结果" in shown.stdout and "共5个文件" in shown.stdout
    assert all(name in shown.stdout for name in names)
