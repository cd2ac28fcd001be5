"""The checks evaluators make: the figures a narrative quotes against the tables, stale text,
empty parts and year-over-year jumps (govxl/form/narrative_checks.py), on made-up narratives in
many phrasings and on real published reports."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import SHARED

from govxl.form import narrative_checks as nc
from govxl.form.numerals import chinese_to_int, normalise, parse_number
from govxl.form.spec import load_form
from govxl.importer import import_file

YEAR = 2023
REAL = SHARED / "domain" / "real-reports"
SEED = SHARED / "domain" / "seed-report-weidong-finance-2023.txt"


# --- numbers as prose writes them ----------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("一百二十三", 123), ("两千零五", 2005), ("十二", 12), ("十", 10), ("二十", 20), ("一百一十", 110),
    ("三万", 30000), ("一万二千", 12000), ("十万", 100000), ("一亿二千万", 120000000), ("零", 0),
    ("一千零一", 1001), ("两百", 200), ("五十六万七千八百九十", 567890),
    ("三五", None), ("百", None), ("一百十", None), ("二〇二三", None), ("x", None), ("", None),
])
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


def test_numbers_and_the_normal_form():
    assert parse_number("3,119") == 3119 and parse_number("1.2万") == 12000
    assert parse_number("９６１７１.６") == Decimal("96171.6") and parse_number("一百二十三") == 123
    assert parse_number("x") is None
    assert normalise("二〇二三年 全年收到 ３１１９ 件，共 12 345 条") == "2023年全年收到3119件,共12 345条"


# --- the narrative against the tables --------------------------------------------------------------

# An agency's tables with a distinct figure in every cell a narrative quotes.
T3 = {  # row: (natural, commercial, research, public_interest, legal_service, other)
    "new": (100, 20, 1, 1, 1, 0),  # 123
    "carried_over": (3, 2, 0, 0, 0, 0),  # 5
    "granted": (40, 10, 0, 0, 0, 0),  # 50
    "partly_granted": (15, 5, 0, 0, 0, 0),  # 20
    "withheld_4": (3, 0, 0, 0, 0, 0),
    "withheld_6": (4, 0, 0, 0, 0, 0),  # 不予公开 7
    "unavailable_1": (28, 2, 0, 0, 0, 0),
    "unavailable_2": (2, 0, 0, 0, 0, 0),  # 无法提供 32
    "not_processed_1": (5, 0, 0, 0, 0, 0),  # 不予处理 5
    "other_1": (2, 0, 0, 0, 0, 0),
    "other_3": (1, 0, 0, 0, 0, 0),  # 其他处理 3; 办结 117
}
COLUMNS = ("natural", "commercial", "research", "public_interest", "legal_service", "other")
T4 = {"review": (4, 2, 1, 1), "suit_direct": (3, 1, 0, 2), "suit_after_review": (2, 0, 1, 0)}  # 8, 6, 3


def agency_values(form) -> dict:
    values = {k: 0 for k in form.input_keys}
    handled = [0] * 6
    for row, figures in T3.items():
        for column, v in zip(COLUMNS, figures):
            values[f"t3.{row}.{column}"] = v
        if row not in ("new", "carried_over"):
            handled = [a + b for a, b in zip(handled, figures)]
    for i, column in enumerate(COLUMNS):  # 11 carried to next year
        values[f"t3.carry_next.{column}"] = T3["new"][i] + T3["carried_over"][i] - handled[i]
    for row, figures in T4.items():
        for column, v in zip(("upheld", "corrected", "other", "pending"), figures):
            values[f"t4.{row}.{column}"] = v
    values.update({"t2.normative_docs.made": 12, "t2.normative_docs.repealed": 3, "t2.normative_docs.in_force": 45,
                   "t2.licensing.decisions": 2400, "t2.penalty.decisions": 310, "t2.enforcement.decisions": 15,
                   "t2.fees.amount": Decimal("35.28")})
    return values


def figures_found(form, text: str, values=None, *, part="on_request", level=nc.AGENCY, year=YEAR):
    values = values or agency_values(form)
    found = nc.check_figures(form, year, nc.known_values(form, values), {part: text}, level)
    return [(f.code, f.value, f.expected) for f in found]


# Each sentence states the figures of the tables above: nothing is found; with every number of
# the tables ten times as large, each of its figures (counted here) is found wrong.
RIGHT = [
    ("2023年，本机关共收到政府信息公开申请123件，上年结转5件。", 2),
    ("全年新收政府信息公开申请１２３件。", 1),  # full-width digits
    ("全年受理政府信息公开申请一百二十三件，办结一百一十七件。", 2),  # Chinese numerals
    ("本年度共收到123件申请，办结117件，11件结转下年度继续办理。", 3),  # figure before the noun, after it
    ("全年收到政府信息公开申请123件，同比增长20%，比上年增加23件。", 1),  # a change is not a level
    ("全年收到政府信息公开申请123件，较上年减少了8件，上年结转申请5件。", 2),
    ("全年收到政府信息公开申请123件，行政复议案件同比增加3件。", 1),
    ("共办结政府信息公开申请117件，其中予以公开50件，部分公开20件，不予公开7件，无法提供32件，不予处理5件，其他处理3件；结转下年度继续办理11件。", 8),
    ("办结申请117件，其中予以公开和部分公开70件，占59.8%。", 2),  # two outcomes added up
    ("收到政府信息公开申请123件，其中自然人100件、法人或其他组织23件（商业企业20件）。", 4),
    ("全年共收到各类申请123件，其中自然人提出的申请100件。", 2),  # a bare 申请 after words that do not qualify it
    ("收到政府信息公开申请128件（含上年结转5件），办结117件。", 3),  # 收到 counting the carried over too
    ("全年因政府信息公开引发行政复议8件，其中结果维持4件、结果纠正2件、其他结果1件、尚未审结1件；行政诉讼9件，其中结果维持5件。", 7),
    ("行政复议八起，行政诉讼九起，其中直接起诉6件，复议后起诉3件。", 4),
    ("本年制发行政规范性文件12件，废止3件，现行有效45件。", 3),
    ("作出行政许可处理决定2,400件，行政处罚决定310件，行政强制处理决定15件。", 3),
    ("收取行政事业性收费35.28万元。", 1),
    ("收取行政事业性收费35.3万元。", 1),  # rounded as written
    ("全年收到涉及政府信息公开的行政复议申请8件。", 1),  # review cases, not applications for information
    ("共收到政府信息公开申请123件，其中当面申请10件、网络申请113件，办结117件。", 2),  # a breakdown, then 办结
    ("全年未收到涉及本单位的信访投诉。", 0),
]


@pytest.mark.parametrize("text, figures", RIGHT)
def test_right_figures_give_nothing_and_each_is_compared(form, text, figures):
    assert figures_found(form, text) == []
    tenfold = {k: v * 10 for k, v in agency_values(form).items()}
    assert [code for code, *_ in figures_found(form, text, tenfold)] == ["narrative.figure_mismatch"] * figures


# Each sentence quotes one wrong figure: (sentence, the figure as read, the table's figure).
WRONG = [
    ("2023年，本机关共收到政府信息公开申请132件，上年结转5件。", "132", "123"),
    ("全年新收政府信息公开申请１３２件。", "132", "123"),
    ("全年受理政府信息公开申请一百三十二件。", "132", "123"),
    ("本年度共收到132件申请。", "132", "123"),
    ("全年收到政府信息公开申请123件，上年结转6件。", "6", "5"),
    ("全年收到政府信息公开申请132件，同比增长20%，比上年增加23件。", "132", "123"),
    ("共办结申请118件，其中予以公开50件。", "118", "117"),
    ("共办结申请117件，其中予以公开51件，部分公开20件。", "51", "50"),
    ("共办结申请117件，其中予以公开50件，部分公开21件。", "21", "20"),
    ("共办结申请117件，其中不予公开8件。", "8", "7"),
    ("共办结申请117件，其中无法提供23件。", "23", "32"),
    ("共办结申请117件，其中不予处理6件。", "6", "5"),
    ("共办结申请117件，其中其他处理4件。", "4", "3"),
    ("办结申请117件，其中予以公开和部分公开71件。", "71", "70"),
    ("本年度共收到123件申请，办结117件，12件结转下年度继续办理。", "12", "11"),
    ("收到政府信息公开申请123件，其中自然人90件。", "90", "100"),
    ("收到政府信息公开申请123件，其中法人或其他组织32件。", "32", "23"),
    ("全年因政府信息公开引发行政复议7件。", "7", "8"),
    ("全年因政府信息公开引发行政复议8件，其中结果纠正3件。", "3", "2"),
    ("全年发生行政诉讼10件。", "10", "9"),
    ("行政诉讼九起，其中直接起诉5件。", "5", "6"),
    ("行政复议八起，行政诉讼十起。", "10", "9"),
    ("本年制发行政规范性文件21件。", "21", "12"),
    ("本年制发行政规范性文件12件，废止3件，现行有效54件。", "54", "45"),
    ("作出行政许可处理决定4200件。", "4200", "2400"),
    ("作出行政处罚决定三百零一件。", "301", "310"),
    ("收取行政事业性收费53.28万元。", "53.28", "35.28"),
    ("全年收到行政复议申请9件。", "9", "8"),
    ("共收到政府信息公开申请123件，其中当面申请10件、网络申请113件，办结118件。", "118", "117"),
]


@pytest.mark.parametrize("text, value, expected", WRONG)
def test_every_wrong_figure_is_found_with_both_numbers(form, text, value, expected):
    found = nc.check_figures(form, YEAR, nc.known_values(form, agency_values(form)), {"on_request": text})
    assert [(f.code, f.value, f.expected) for f in found] == [("narrative.figure_mismatch", value, expected)]
    (f,) = found
    assert f.severity == "warning" and f.key == "on_request" and f.row == "（二）依申请公开"
    assert value in f.message and expected in f.message and "“（二）依申请公开”" in f.message


# Figures that are not the year's figure of the tables' subject: nothing is said, whatever they are.
SILENT = [
    "全年收到政府信息公开申请约300件。",  # an estimate
    "全年收到政府信息公开申请300余件。",
    "共收到申请123件，其中通过网络渠道收到60件。",  # a part of the figure before
    "收到群众诉求348件，现场解决162件。",  # not applications
    "收到政府信息公开申请后，均在20个工作日内答复。",  # a time limit
    "2022年收到政府信息公开申请98件。",  # another year
    "上年收到政府信息公开申请98件。",
    "累计受理政府信息公开申请1000件。",
    "作出行政许可事项120项，公开行政许可类信息69条。",  # not decisions
    "收取行政事业性收费352800元。",  # a unit that is not the table's
    "全市在运维政务新媒体共计95个。",
    "受理并办结政府信息公开申请100件。",  # which of the two?
    "收到政府信息公开申请123件，办结117件，其中自然人60件。",  # of those received or those handled?
    "全区共收到政府信息公开申请500件。",  # the area's figure in an agency's report
    "全年受理行政许可申请2400件，办结2398件。",  # applications for a licence, not for information
    "共收到政府信息公开申请123件，其中当面申请10件、网络申请113件。",  # every part of a breakdown
    "共收到申请123件，已办结117件，正在办理6件。",  # open at some date: not a row of the table
    "全年受理低保申请300件，不动产登记申请5000件。",  # a bare 申请 qualified by another noun: other applications
    "全年受理网上申请80件。",  # or only some of them
]


@pytest.mark.parametrize("text", SILENT)
def test_figures_that_are_not_comparable_give_nothing(form, text):
    assert figures_found(form, text) == []


def test_the_area_level_compares_the_area_figures(form):
    text = "全区共收到政府信息公开申请500件。"
    assert figures_found(form, text, level=nc.AREA) == [("narrative.figure_mismatch", "500", "123")]
    assert nc.level_of(form, "卫东区人民政府") == nc.AREA and nc.level_of(form, "平潭综合实验区管委会") == nc.AREA
    assert nc.level_of(form, "卫东区金融工作局") == nc.AGENCY and nc.level_of(form, None) == nc.AGENCY


def test_a_figure_in_a_sentence_about_last_year_is_left_alone(form):
    assert figures_found(form, "2022年，本机关共收到政府信息公开申请98件。") == []
    assert figures_found(form, "2022年，本机关共收到政府信息公开申请98件。", year=2022) == [
        ("narrative.figure_mismatch", "98", "123")]


def test_a_text_saying_nothing_was_received_is_an_error_when_the_table_has_applications(form):
    values = agency_values(form)
    for text in ("2023年度，全年未收到依申请公开。", "本年度未收到政府信息公开申请。", "全年没有收到任何政府信息公开申请。",
                 "本机关全年无政府信息公开申请。"):
        found = nc.check_figures(form, YEAR, nc.known_values(form, values), {"on_request": text})
        assert [(f.code, f.severity, f.expected) for f in found] == [("narrative.zero_claim", "error", "123")], text
        assert "表三“一、本年新收政府信息公开申请数量”“总计”" in found[0].message
    zero = {**values, **{f"t3.new.{c}": 0 for c in COLUMNS}}
    assert figures_found(form, "2023年度，全年未收到依申请公开。", zero) == []
    # not a claim about applications
    assert figures_found(form, "未收到申请人补正的材料。") == []
    assert figures_found(form, "2022年未收到政府信息公开申请。") == []


def test_a_text_saying_no_review_or_suit_happened(form):
    text = "未发生因政府信息公开工作引发举报、投诉、提起行政复议和行政诉讼等情况。"
    found = figures_found(form, text)
    assert found == [("narrative.zero_claim", 0, "8"), ("narrative.zero_claim", 0, "9")]
    no_cases = {**agency_values(form), **{f"t4.{r}.{c}": 0 for r in T4 for c in ("upheld", "corrected", "other", "pending")}}
    assert figures_found(form, text, no_cases) == []
    assert figures_found(form, "没有被行政复议纠错的案件。") == []  # reviews that were not corrected


def test_the_seed_report_gives_no_finding(form):
    seed = import_file(SEED)
    assert seed.narrative["on_request"].startswith("2023 年度，全年未收到依申请公开")
    assert nc.check_report(form, year=seed.year, values=seed.values, narrative=seed.narrative,
                           level=nc.level_of(form, seed.agency_name)) == []


# --- real published reports ------------------------------------------------------------------------


def real_report(stem: str):
    """A real report: its narrative as the importer reads it, its numbers as a person reads them."""
    expected = json.loads((REAL / f"{stem}.expected.json").read_text(encoding="utf-8"))
    form = load_form("annual-2019" if expected["edition"] == "2019" else "annual-2021")
    values = {f"{t}.{r}.{c}": (Decimal(v) if isinstance(v, str) else v)
              for t in ("t2", "t3", "t4") for r, cols in expected[t].items() for c, v in cols.items()}
    values = {k: v for k, v in values.items() if k in form.cells}
    return form, expected, values, import_file(REAL / f"{stem}.txt").narrative


STEMS = sorted(p.name.removesuffix(".expected.json") for p in REAL.glob("*.expected.json"))

# Every finding of the ten real reports, with why it is right.
REAL_FINDINGS = {
    # 区政府办代表区政府受理政府信息公开申请 17 件: the government office's own figure, while table
    # three of this government's report adds up the whole district (95). A scope difference the
    # text does not state; the warning names both numbers.
    "003_hongze-district-2024": [("narrative.figure_mismatch", "17", "95")],
    # 清理并集中发布现行有效行政规范性文件393件, while table two says 470 are in force.
    "006_pingtan-zone-2023": [("narrative.figure_mismatch", "393", "470")],
}


@pytest.mark.parametrize("stem", STEMS)
def test_real_reports_give_exactly_the_findings_listed(stem):
    form, expected, values, narrative = real_report(stem)
    found = nc.check_report(form, year=expected["year"], values=values, narrative=narrative,
                            level=nc.level_of(form, expected["agency"]))
    assert [(f.code, f.value, f.expected) for f in found] == REAL_FINDINGS.get(stem, [])
    for f in found:  # a scope difference is a fair warning only when it names both numbers and the place
        assert f"{f.value}件" in f.message and f"的 {f.expected} " in f.message and f"“{f.row}”" in f.message


# Year over year between consecutive reports of the same government, with why each is right.
REAL_JUMPS = {
    # 行政许可处理决定 9487 after 550: seventeen times last year's.
    ("002_hongze-district-2023", "003_hongze-district-2024"): [("yoy.rise", "9487", "550")],
    # 2,293 行政许可 decisions after 278 (a 2019-edition report with the same column): 8.2 times.
    ("011_pingtan-zone-2020", "010_pingtan-zone-2021"): [("yoy.rise", "2293", "278")],
    # 行政诉讼 1 after 12 (all twelve 未经复议直接起诉 in 2021): a twelfth of last year's.
    ("010_pingtan-zone-2021", "009_pingtan-zone-2022"): [("yoy.fall", "1", "12")],
}
CONSECUTIVE = [("012_pingtan-zone-2019", "011_pingtan-zone-2020"), ("011_pingtan-zone-2020", "010_pingtan-zone-2021"),
               ("010_pingtan-zone-2021", "009_pingtan-zone-2022"), ("009_pingtan-zone-2022", "006_pingtan-zone-2023"),
               ("006_pingtan-zone-2023", "007_pingtan-zone-2024"), ("007_pingtan-zone-2024", "008_pingtan-zone-2025"),
               ("002_hongze-district-2023", "003_hongze-district-2024")]


@pytest.mark.parametrize("pair", CONSECUTIVE)
def test_real_reports_year_over_year(pair):
    _, _, before, _ = real_report(pair[0])
    form, expected, values, _ = real_report(pair[1])
    found = nc.check_year_over_year(form, nc.known_values(form, values), nc.known_values(form, before))
    assert [(f.code, f.value, f.expected) for f in found] == REAL_JUMPS.get(pair, [])


@pytest.mark.parametrize("pair", CONSECUTIVE)
def test_real_reports_copied_text(pair):
    *_, before = real_report(pair[0])
    form, _, _, narrative = real_report(pair[1])
    found = nc.check_copied(form, narrative, before)
    # Hongze's 2024 （三）政府信息管理 is its 2023 text with 新增…报备 and 报备 added (90% the same).
    copied = {("002_hongze-district-2023", "003_hongze-district-2024"): [("narrative.copied", "management")]}
    assert [(f.code, f.key) for f in found] == copied.get(pair, [])


# --- stale text, built from two years of the same agency --------------------------------------------


def test_last_years_part_in_this_years_report_is_copied_and_stale():
    *_, before = real_report("006_pingtan-zone-2023")
    form, expected, values, narrative = real_report("007_pingtan-zone-2024")
    assert nc.check_stale_years(form, 2024, narrative) == []
    stale = {**narrative, "overview": before["overview"]}  # 2023年，平潭综合实验区坚持…
    found = nc.check_report(form, year=2024, values=values, narrative=stale, previous_narrative=before,
                            level=nc.AREA)
    assert [(f.code, f.key, f.value) for f in found] == [
        ("narrative.stale_year", "overview", 2023), ("narrative.copied", "overview", "100%")]
    assert "2023年" in found[0].message and "2024年度" in found[0].message


def test_a_part_with_only_its_figures_and_year_changed_is_copied():
    *_, before = real_report("006_pingtan-zone-2023")
    form, *_ = real_report("007_pingtan-zone-2024")
    active = before["active"].replace("2023年", "2024年").replace("13561", "10407").replace("393", "440")
    (f,) = nc.check_copied(form, {"active": active}, before)
    assert (f.code, f.key) == ("narrative.copied", "active")
    assert nc.check_stale_years(form, 2024, {"active": active}) == []


@pytest.mark.parametrize("text, stale", [
    ("本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。", 2022),
    ("本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。", None),
    ("2022年，本机关认真贯彻落实《条例》。", 2022),
    ("二〇二二年，本机关认真贯彻落实《条例》。", 2022),
    ("（一）2022年全年主动公开信息100条。", 2022),
    ("2021年以来，本机关持续推进政务公开。", None),  # since 2021: not the current year
    ("公开2023年政府预算、2022年政府决算。", None),
    ("2024年，我局将进一步加强培训。", None),  # plans
    ("2022年，本局被评为政务公开先进单位，2023年继续保持。", None),  # last year beside this one: a comparison
    ("2022年我局共公开信息100条，二〇二三年共公开120条。", None),
    ("2022年，本局共公开信息100条，2022年12月调整了领导小组。", 2022),
])
def test_stale_years(form, text, stale):
    found = nc.check_stale_years(form, YEAR, {"overview": text})
    assert [f.value for f in found] == ([stale] if stale else [])


def test_last_years_problems_may_name_last_year(form):
    assert nc.check_stale_years(form, YEAR, {"improvements": "2022年，本机关针对上年度问题进行了整改。"}) == []


@pytest.mark.parametrize("part, text, token", [
    ("platform", "无", True), ("platform", "略。", True), ("platform", "同上", True), ("platform", "见附件", True),
    ("platform", "依托门户网站专栏公开。", False), ("other_matters", "未收费。", False),
    ("other_matters", "无。", True), ("platform", "", False),
])
def test_token_parts(form, part, text, token):
    found = nc.check_short(form, {part: text}, blank_sections=False)
    assert [f.code for f in found] == (["narrative.token"] if token else [])


def test_sections_left_empty(form):
    full = {p.key: "本年度依托门户网站专栏公开政府信息，及时更新栏目内容。" for p in form.narrative}
    assert nc.check_short(form, full) == []
    found = nc.check_short(form, {**full, "problems": "", "improvements": " "})
    assert [(f.code, f.row) for f in found] == [("narrative.section_blank", "五、存在的主要问题及改进情况")]
    assert nc.check_short(form, {**full, "problems": ""}) == []  # one part of the section is enough


# --- year over year ----------------------------------------------------------------------------------


@pytest.mark.parametrize("before, now, code", [
    (10, 51, "yoy.rise"), (10, 50, None), (100, 19, "yoy.fall"), (100, 20, None), (9, 100, None), (9, 0, None),
    (12, 0, "yoy.fall"),
])
def test_year_over_year_thresholds(form, before, now, code):
    values = {**agency_values(form), "t2.licensing.decisions": now}
    previous = {**agency_values(form), "t2.licensing.decisions": before}
    found = nc.check_year_over_year(form, nc.known_values(form, values), nc.known_values(form, previous))
    assert [(f.code, f.key) for f in found] == ([(code, "t2.licensing.decisions")] if code else [])


def test_the_2019_edition_adds_its_own_words_to_the_checks():
    form = load_form("annual-2019")
    values = {"t2.normative_docs.new_made": 77, "t2.normative_docs.new_published": 70,
              "t2.licensing.decisions": 278}
    text = "本年新制作规范性文件77件，新公开规范性文件70件，作出行政许可处理决定278件。"
    assert figures_found(form, text, values, year=2020) == []
    wrong = "本年新制作规范性文件78件，新公开规范性文件69件，作出行政许可处理决定287件。"
    assert figures_found(form, wrong, values, year=2020) == [
        ("narrative.figure_mismatch", "78", "77"), ("narrative.figure_mismatch", "69", "70"),
        ("narrative.figure_mismatch", "287", "278")]
    # 废止 and 现行有效 are not columns of this edition: not compared
    assert figures_found(form, "已宣布废止规范性文件5件，现行有效规范性文件9件。", values, year=2020) == []


# --- the stock relation 现行有效 = 上年现行有效 + 本年制发 − 本年废止 ------------------------------


@pytest.mark.parametrize("row, label", [("rules", "规章"), ("normative_docs", "行政规范性文件")])
@pytest.mark.parametrize("in_force, fires", [(12, False), (8, True), (13, True)])
def test_the_stock_of_documents_follows_from_last_years(form, row, label, in_force, fires):
    before = {**agency_values(form), f"t2.{row}.in_force": 9}
    now = {**agency_values(form), f"t2.{row}.made": 4, f"t2.{row}.repealed": 1, f"t2.{row}.in_force": in_force}
    other = "normative_docs" if row == "rules" else "rules"  # the other row follows: silent
    before[f"t2.{other}.in_force"] = now[f"t2.{other}.in_force"] - now[f"t2.{other}.made"] + now[f"t2.{other}.repealed"]
    found = nc.check_cross_year_rules(form, now, nc.known_values(form, before))
    found = [f for f in found if f.code == "rule.t2.in_force_trend"]
    if not fires:
        assert found == []
        return
    (f,) = found
    assert (f.severity, f.value, f.expected, f.key) == ("warning", in_force, 12, f"t2.{row}.in_force")
    assert label in f.message and str(in_force) in f.message and "12" in f.message
