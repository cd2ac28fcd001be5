"""The command line: Chinese help and messages, exit codes, nothing written on a bad roster."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT


def govxl(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "govxl", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_help_is_in_chinese():
    result = govxl("--help")
    assert result.returncode == 0
    assert "政府信息公开" in result.stdout and "选项" in result.stdout and "显示此帮助并退出" in result.stdout
    gen = govxl("generate", "--help")
    assert "示例：govxl generate --year 2025 --roster" in gen.stdout
    assert "报送截止日期" in gen.stdout


def test_generate_sample_district(tmp_path):
    result = govxl("generate", "--year", "2023", "--roster", str(ROOT / "samples" / "roster.csv"),
                   "--out", str(tmp_path / "wb"), "--deadline", "2024-01-15", "--password", "s3cret")
    assert result.returncode == 0, result.stderr
    assert "已生成35个填报表" in result.stdout
    assert (tmp_path / "wb" / "2023_WD025_卫东区金融工作局.xlsx").exists()


def test_blank_template(tmp_path):
    result = govxl("generate", "--year", "2024", "--blank", "--out", str(tmp_path))
    assert result.returncode == 0
    assert (tmp_path / "2024_空白模板.xlsx").exists()


def test_bad_roster_writes_nothing_and_lists_every_problem(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("code,name\nA01,财政局\nA01,教育局\nA03,\n", encoding="gbk")
    result = govxl("generate", "--year", "2023", "--roster", str(roster), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "单位名单有2处问题，未生成任何文件" in result.stderr
    assert "第3行：单位代码“A01”与第2行重复" in result.stderr
    assert "第4行：单位名称为空" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["--year", "23", "--blank"], "年度“23”不正确"),
    (["--year", "2023", "--blank", "--deadline", "15/01/2024"], "截止日期“15/01/2024”不正确"),
    (["--year", "2023"], "请用 --roster 指定单位名单"),
    (["--year", "2023", "--blank", "--roster", "x.csv"], "只能选择其一"),
])
def test_usage_errors_exit_2_with_a_chinese_message(tmp_path, args, message):
    result = govxl("generate", "--out", str(tmp_path / "o"), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_roster_file(tmp_path):
    result = govxl("generate", "--year", "2023", "--roster", str(tmp_path / "none.csv"), "--out", str(tmp_path))
    assert result.returncode == 1
    assert "无法读取名单文件" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["generate", "--out", "x"], "缺少必填的 --year"),
    (["generate", "--year", "abc", "--out", "x"], "--year 的值不正确"),
    (["collect"], "缺少必填的 文件或文件夹"),
    (["nosuch"], "没有“nosuch”这个命令"),
    (["generate", "--bogus"], "没有 --bogus 这个选项"),
])
def test_usage_errors_of_the_command_line_itself_are_in_chinese(args, message):
    result = govxl(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "Missing" not in result.stderr and "Invalid" not in result.stderr


COMMANDS = ("generate", "collect", "status", "merge", "export", "compose", "import", "demo")
SCAFFOLDING = ("Usage", "OPTIONS", "ARGS", "COMMAND", "<int>", "<str>", "<path>", "<bool>", "default:", "[default",
               "Show this", "…")


def narrow(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "govxl", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_screens_have_no_english_scaffolding_at_80_columns(command):
    """Every help screen, 80 columns wide: no Usage, [OPTIONS], <int>, <path>, [default: …], no
    text cut with …, no line wider than the console."""
    from rich.cells import cell_len

    result = narrow(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "用法：govxl" in text and "选项" in text
    for word in SCAFFOLDING:
        assert word not in text, (command, word)
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    # Chinese typesetting: no line of a text begins with closing punctuation (it hangs at the end
    # of the line before), and no space stands between a number and its measure word
    starts = [line for line in text.splitlines() if re.match(r"^[│\s]*[。，、；：？！）》」』”]", line)]
    assert starts == [], (command, starts)
    assert not re.search(r"\d [个件份处项家名条次年月日字行列页版]", text), command


def test_status_at_80_columns_shows_every_name_whole(tmp_path):
    """govxl status in an 80-column console: a long name wraps inside its column, never cut;
    each agency's code and name can be read back from its lines."""
    from collect_helpers import store_with_roster
    from rich.cells import cell_len

    long_names = [("L01", "卫东区人力资源和社会保障局", "区直部门"),
                  ("L02", "卫东区住房和城乡建设局东城片区管理办公室", "区直部门"),
                  ("L03", "东风街道办事处", "乡镇街道")]
    roster = tmp_path / "r.csv"
    roster.write_text("code,name,group\n" + "".join(f"{c},{n},{g}\n" for c, n, g in long_names), encoding="utf-8")
    store_with_roster(tmp_path / "govxl.db").close()
    assert govxl("generate", "--year", "2023", "--roster", str(roster), "--out", str(tmp_path / "wb"),
                 "--db", str(tmp_path / "govxl.db")).returncode == 0
    result = narrow("status", "--year", "2023", "--db", str(tmp_path / "govxl.db"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    for code, name, _group in long_names:
        (start,) = [i for i, line in enumerate(lines) if line.split()[:1] == [code]]
        pieces = [lines[start].split()[1]]
        for line in lines[start + 1:]:
            indent = len(line) - len(line.lstrip())
            if not line.startswith(" ") or not line.strip() or indent > 12:  # the next row, table or title
                break
            pieces.append(line.split()[0])
        assert "".join(pieces) == name, (code, pieces)
