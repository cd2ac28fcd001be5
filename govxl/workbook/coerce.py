"""Raw cell values to numbers, by explicit rules.

- a number: accepted (a count must be whole, nothing may be negative or above the type's max);
- a number typed as text, full-width digits, stray spaces or thousands separators included:
  accepted with a warning;
- a date, a boolean, other text: an error;
- blank: an error, or 0 with a warning when blanks are to be read as zero.

万元 amounts become :class:`~decimal.Decimal` from the shortest text that round-trips the stored
binary number, so 35.28 stays 35.28 exactly.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from govxl.form.spec import ValueType

_NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


@dataclass(frozen=True)
class Coerced:
    value: int | Decimal | None  # None when unusable
    problem: str | None = None  # a finding code: value.blank, value.text_number, ...
    shown: str = ""  # the raw value as text, for messages
    # Extra details for the message (number read from text, limits).
    detail: dict | None = None


def coerce(raw, vt: ValueType, blank_as_zero: bool = False) -> Coerced:
    if raw is None or raw == "":
        return Coerced(0, "value.blank_as_zero") if blank_as_zero else Coerced(None, "value.blank")
    if isinstance(raw, bool):
        return Coerced(None, "value.not_number", "是" if raw else "否")
    if isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return Coerced(None, "value.date", str(raw))
    text_problem = None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
        if not _NUMBER_TEXT.match(text):
            return Coerced(None, "value.not_number", raw)
        number = Decimal(text.replace(",", ""))
        text_problem = "value.text_number"
    elif isinstance(raw, (int, float)):
        if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
            return Coerced(None, "value.not_number", str(raw))
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        return Coerced(None, "value.not_number", str(raw))
    shown = raw if isinstance(raw, str) else _plain(number)
    if number < 0:
        return Coerced(None, "value.negative", shown)
    if number > vt.max:
        return Coerced(None, "value.too_large", shown, {"max": vt.max})
    if vt.kind == "integer":
        if number != number.to_integral_value():
            return Coerced(None, "value.not_integer", shown)
        value: int | Decimal = int(number)
    else:
        value = Decimal(int(number)) if number == number.to_integral_value() else number
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > vt.decimals:
            return Coerced(value, "value.too_many_decimals", shown, {"decimals": vt.decimals})
    if text_problem:
        return Coerced(value, text_problem, shown, {"number": _plain(value)})
    return Coerced(value)


def _plain(number: Decimal | int) -> str:
    if isinstance(number, int):
        return str(number)
    try:
        text = format(number.normalize(), "f")
    except InvalidOperation:  # pragma: no cover - NaN is refused earlier
        return str(number)
    return text
