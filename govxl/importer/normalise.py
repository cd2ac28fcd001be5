"""Normalising text: CJK compatibility characters, full-width forms, page numbers, archive headers.

Both normal forms map one character to one character, so a position in one is the same position
in the other and in the original: the table reader works on :func:`matching` text (full-width
digits and brackets folded) while narrative is kept as people read it (:func:`readable`).
"""

from __future__ import annotations

import re
import unicodedata

# Simplified-form radicals (CJK Radicals Supplement) that PDF extraction emits for whole characters;
# Unicode gives them no compatibility mapping.
RADICALS = str.maketrans("⻔⻓⻅⻚⻢⻋⻛⻜⻝⻰⻉⻘⻄⻈⻆⻩⻬⻮⻥⻦", "门长见页马车风飞食龙贝青西讠角黄齐齿鱼鸟")

PAGE_NUMBER = re.compile(
    r"^[ \t]*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})[ \t]*$")
ARCHIVE_FIELD = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|来源|索引号)\s*[:：](.*)$")
ARCHIVE_MARK = re.compile(r"^=+\s*正文\s*=+$")


def matching(text: str) -> str:
    """Compatibility characters (⼀ ⾏ ⼈ …, full-width digits and brackets) mapped one to one."""
    out = []
    for ch in text.translate(RADICALS):
        if ch.isascii():
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def readable(text: str) -> str:
    """The text as people read it: only the CJK compatibility characters are replaced."""
    out = []
    for ch in text.translate(RADICALS):
        code = ord(ch)
        if 0x2E80 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
            n = unicodedata.normalize("NFKC", ch)
            out.append(n if len(n) == 1 else ch)
        else:
            out.append(ch)
    return "".join(out)


def is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.match(line))


def split_lines(text: str) -> list[str]:
    """Lines of a text, whatever its line ends (Unicode line and paragraph separators included)."""
    return re.split(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]", text)
