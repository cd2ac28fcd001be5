"""Who published the report and for which year, and where each was found.

The title is ``<机关名称><年份>年(度)政府信息公开工作年度报告`` in most reports, but also
``<年份>年度<机关名称>…``, the name on one line and the year on the next, the year in Chinese
numerals (二〇二三年), or no year at all with the year in a subtitle (（2023年度）) or only in the
statistics period sentence (…自2023年1月1日起至2023年12月31日止). Each source is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govxl.importer.normalise import matching

_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
           "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
YEAR = r"(?:(?:19|20)\d{2}|[二][〇○零Ｏ O][一二三四五六七八九〇○零Ｏ O]{2})"
REPORT = r"政府信息公开(?:工作)?(?:年度)?(?:工作)?报告"
_NAME = r"[^\s#《》“”\"'：:，,。]{2,40}?"
_TITLE_FORMS = [
    re.compile(rf"(?P<name>{_NAME})(?:关于)?(?P<year>{YEAR})年度?(?:的)?{REPORT}"),
    re.compile(rf"(?P<year>{YEAR})年度?(?P<name>{_NAME})(?:关于)?{REPORT}"),
    re.compile(rf"(?P<name>{_NAME})(?:关于)?{REPORT}"),
]
_SUBTITLE_YEAR = re.compile(rf"[（(](?P<year>{YEAR})年度?[）)]")
_PERIOD = re.compile(rf"(?:统计期限|统计时限|统计时间|统计周期|统计区间)[^。]{{0,12}}?自?(?P<year>{YEAR})年\s*1月\s*1日"
                     rf"(?:起)?\s*(?:至|到|—|-|－)\s*(?:(?P<year2>{YEAR})年\s*)?12月\s*31日")
MIN_YEAR, MAX_YEAR = 1990, 2100


def year_number(text: str) -> int | None:
    text = text.replace(" ", "")
    digits = "".join(_DIGITS.get(c, c) for c in text)
    if not digits.isdigit():
        return None
    year = int(digits)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


@dataclass
class Identity:
    name: str | None = None
    name_source: str | None = None
    year: int | None = None
    year_source: str | None = None


def _clean_name(name: str) -> str:
    name = re.sub(r"^(关于|印发)", "", name)
    return re.sub(r"(关于|的)$", "", name)


def _compact(text: str) -> str:
    return re.sub(r"[\s#*]+", "", matching(text))


def identify(title_hint: str | None, head_lines: list[str], text: str) -> Identity:
    """Agency name and year from the title (the container's title first, then the first lines,
    joined so that a title broken over two lines is whole), a subtitle, or the period sentence."""
    found = Identity()
    candidates = []
    if title_hint:
        candidates.append(("archive_title", _compact(title_hint)))
    lines = [_compact(line) for line in head_lines if line.strip()][:8]
    for n in range(len(lines)):
        candidates.append(("title", "".join(lines[n:n + 3])))
    for source, line in candidates:
        for form in _TITLE_FORMS:
            m = form.search(line)
            if not m:
                continue
            if found.name is None:
                name = _clean_name(m.group("name"))
                if len(name) >= 2:
                    found.name, found.name_source = name, source
            if found.year is None and "year" in form.groupindex and m.group("year"):
                year = year_number(m.group("year"))
                if year:
                    found.year, found.year_source = year, source
            break
        if found.name and found.year:
            return found
    if found.year is None:
        for line in lines:
            m = _SUBTITLE_YEAR.search(line)
            if m and year_number(m.group("year")):
                found.year, found.year_source = year_number(m.group("year")), "subtitle"
                break
    if found.year is None:
        m = _PERIOD.search(_compact(text[:20000]))
        if m:
            year = year_number(m.group("year"))
            if year and (m.group("year2") is None or year_number(m.group("year2")) == year):
                found.year, found.year_source = year, "period"
    return found
