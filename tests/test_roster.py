"""Reading the roster as a clerk saves it from Excel, and refusing a bad one line by line."""

from __future__ import annotations

import pytest
from conftest import ROOT

from govxl.roster import Agency, RosterError, check_agencies, parse_roster, read_roster

GOOD = "code,name,group,contact\nA01,卫东区财政局,区直部门,张三\nB01,卫东区东安街道办事处,乡镇街道,李四\n"


def _problems(data: bytes) -> list[str]:
    with pytest.raises(RosterError) as e:
        parse_roster(data)
    return e.value.problems


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_every_encoding_chinese_excel_saves_is_read(encoding):
    agencies = parse_roster(GOOD.replace("\n", "\r\n").encode(encoding))
    assert [(a.code, a.name, a.group) for a in agencies] == [
        ("A01", "卫东区财政局", "区直部门"), ("B01", "卫东区东安街道办事处", "乡镇街道")]
    assert agencies[0].extra == (("contact", "张三"),)
    assert agencies[1].line == 3


def test_chinese_headers_tabs_blank_lines_and_optional_group():
    data = "单位代码\t单位名称\t备注\nA01\t卫东区财政局\t\n\t\t\n".encode("gbk")
    (agency,) = parse_roster(data)
    assert (agency.code, agency.name, agency.group, agency.extra) == ("A01", "卫东区财政局", "", (("备注", ""),))


def test_formula_like_names_are_kept_as_text():
    (agency,) = parse_roster('code,name\nX1,"=HYPERLINK(""http://x"",""点我"")"\n'.encode())
    assert agency.name == '=HYPERLINK("http://x","点我")'


def test_duplicate_codes_name_both_lines():
    problems = _problems(b"code,name\nA01,one\nA02,two\na01,three\n")
    assert problems == ["第4行：单位代码“a01”与第2行重复，每个单位的代码必须唯一。"]


def test_duplicate_names_are_refused():
    problems = _problems("code,name\nA01,财政局\nA02,财政局\n".encode())
    assert "第3行" in problems[0] and "与第2行重复" in problems[0]


def test_empty_names_and_codes_are_each_reported():
    problems = _problems("code,name\nA01,\n,财政局\nA03,  \n".encode())
    assert problems == [
        "第2行：单位名称为空（单位代码A01）。",
        "第3行：单位代码为空。",
        "第4行：单位名称为空（单位代码A03）。",
    ]


def test_missing_columns_are_named():
    problems = _problems("编号,单位\n1,财政局\n".encode())
    assert problems == ["名单缺少“code”列（单位代码）。第一行应为列名，例如：code,name,group。"]


def test_undecodable_bytes_name_the_line():
    data = "code,name\nA01,财政局\n".encode() + b"A02,\xff\xfe\xfa\n"
    assert _problems(data) == ["第3行含有无法识别的字符。请在 Excel 中将名单“另存为”“CSV UTF-8（逗号分隔）”后重试。"]


def test_bytes_invalid_in_every_encoding():
    assert "第2行" in _problems(b"code,name\nA01,\xff\xff\n")[0]


def test_empty_file_and_header_only():
    assert "名单文件为空" in _problems(b"")[0]
    assert _problems(b"code,name\n") == ["名单中没有任何单位。"]


def test_control_characters_and_overlong_fields():
    problems = _problems(("code,name\nA01,财政\x07局\nA02," + "局" * 101 + "\n").encode())
    assert "第2行" in problems[0] and "控制字符" in problems[0]
    assert "第3行" in problems[1] and "过长（101字）" in problems[1]


def test_missing_file():
    with pytest.raises(RosterError) as e:
        read_roster("/nonexistent/roster.csv")
    assert "无法读取名单文件" in str(e.value)


def test_sample_district_roster():
    agencies = read_roster(ROOT / "samples" / "roster.csv")
    assert len(agencies) >= 30
    assert {a.group for a in agencies} == {"区直部门", "乡镇街道"}
    assert "卫东区金融工作局" in {a.name for a in agencies}


def test_a_roster_whose_agencies_would_share_a_file_name_is_refused():
    """A/1 and a:1 are different codes, but on Windows both make the file 2025_A_1_财政局_.xlsx: the
    second agency's workbook, feedback and report would overwrite the first's. The roster is
    refused whichever way it arrives (a file for generate or collect --roster, or the workbench)."""
    data = "code,name\nA/1,财政局?\nB,教育局\na:1,财政局*\n".encode()
    with pytest.raises(RosterError) as e:
        parse_roster(data)
    assert e.value.problems == ["第4行与第2行生成的文件名相同（a_1_财政局_.xlsx），请修改其中一个单位的代码。"]
    with pytest.raises(RosterError) as e:
        check_agencies([Agency("A/1", "财政局?"), Agency("B", "教育局"), Agency("a:1", "财政局*")])
    assert len(e.value.problems) == 1 and "第4行与第2行" in e.value.problems[0]
