"""Numbers as a report's prose writes them: Arabic, full-width and Chinese numerals.

``一百二十三`` is 123, ``两千零五`` 2005, ``十二`` 12, ``1.2万`` 12000, ``３１１９`` 3119; a year may be
written digit by digit (``二〇二三``). Text is read in a normal form (NFKC: full-width digits and
CJK compatibility characters become the ordinary ones) with the white space a PDF extraction puts
between characters removed, so that ``3119 件`` and ``3119件`` read alike.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL = "[零〇○一二两三四五六七八九十百千万亿]+"
_YEAR_DIGITS = re.compile("[零〇○一二三四五六七八九]{4}(?=年)")
_SPACE = re.compile(r"\s+")


def chinese_to_int(text: str) -> int | None:
    """The value of a Chinese numeral (``一百二十三`` -> 123), or None if it is not one.

    Two digits side by side (``三五``, an estimate; ``二〇二三``, a year) are not a number."""
    if not text or any(ch not in DIGITS and ch not in SMALL_UNITS and ch not in BIG_UNITS for ch in text):
        return None
    if len(text) == 1 and text in DIGITS:
        return DIGITS[text]
    total, section, digit = 0, 0, None  # digit: the pending digit, None when there is none
    for ch in text:
        if ch in DIGITS:
            if digit:  # a non-zero digit already pending
                return None
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            if digit is None and ch == "十" and not section and not total:
                digit = 1  # 十二 = 12
            if not digit:  # 百 or 一百十 alone, 零十: not how a number is written
                return None
            section += digit * SMALL_UNITS[ch]
            digit = None
        else:
            section += digit or 0
            if ch == "亿":
                if not (total or section):
                    return None
                total = (total + section) * BIG_UNITS[ch]
            else:
                if not section:
                    return None
                total += section * BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def normalise(text: str) -> str:
    """Text as the checks read it: NFKC, white space between characters removed (kept, as one
    space, only between two ASCII letters or digits), Chinese years as digits (二〇二三年 -> 2023年)."""
    text = _SPACE.sub(lambda m: " " if _ascii_alnum(m.string, m.start() - 1) and _ascii_alnum(m.string, m.end())
                      else "", unicodedata.normalize("NFKC", text))
    return _YEAR_DIGITS.sub(lambda m: "".join(str(DIGITS[ch]) for ch in m.group()), text)


def _ascii_alnum(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()


def parse_number(text: str) -> Decimal | None:
    """An Arabic (``3,119`` ``96171.6`` ``1.2万``) or Chinese (``一百二十三``) number, or None."""
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    multiplier = 1
    if text and text[-1] in BIG_UNITS and text[:-1] and text[-2].isdigit():
        multiplier = BIG_UNITS[text[-1]]
        text = text[:-1]
    try:
        return Decimal(text) * multiplier
    except InvalidOperation:
        value = chinese_to_int(text)
        return None if value is None else Decimal(value)


def normalise_map(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` and, for each character of the result, the position in ``text`` it comes
    from (so that a place found in the normal form can be shown as written)."""
    whole = unicodedata.normalize("NFKC", text)
    if len(whole) == len(text):  # the usual case: character for character
        keep = [i for i, ch in enumerate(whole) if not ch.isspace()
                or (_ascii_alnum(whole, i - 1) and _ascii_alnum(whole, _next_visible(whole, i)))]
        out = "".join(whole[i] if not whole[i].isspace() else " " for i in keep)  # one space kept per run
        return _YEAR_DIGITS.sub(lambda m: "".join(str(DIGITS[ch]) for ch in m.group()), out), keep
    chars: list[str] = []
    index: list[int] = []
    pending_space = None
    for i, ch in enumerate(text):
        if ch.isspace():
            if pending_space is None:
                pending_space = i
            continue
        norm = unicodedata.normalize("NFKC", ch)
        if pending_space is not None:
            if chars and chars[-1].isascii() and chars[-1].isalnum() and norm[:1].isascii() and norm[:1].isalnum():
                chars.append(" ")
                index.append(pending_space)
            pending_space = None
        for c in norm:
            chars.append(c)
            index.append(i)
    out = "".join(chars)
    out = _YEAR_DIGITS.sub(lambda m: "".join(str(DIGITS[ch]) for ch in m.group()), out)
    return out, index


def _next_visible(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i
