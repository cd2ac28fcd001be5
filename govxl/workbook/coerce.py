"""Raw cell values to numbers, by explicit rules.

- a number: accepted (a count must be whole, nothing may be negative or above the type's max);
- a number typed as text, full-width digits, stray spaces or thousands separators included:
  accepted with a warning. Only ASCII and full-width digits make numbers: superscripts (10²),
  circled digits, other scripts' digits are errors, never folded into digits;
- a date, a boolean, other text: an error;
- blank: an error, or 0 with a warning when blanks are to be read as zero;
- a formula typed into the cell (:func:`coerce_formula`): arithmetic of literal numbers (=12+3) is
  computed here, exactly, with a warning; any other formula is an error. The result the file
  cached for a formula is never taken.

万元 amounts become :class:`~decimal.Decimal` from the shortest text that round-trips the stored
binary number, so 35.28 stays 35.28 exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, DecimalException, InvalidOperation, localcontext

from govxl.form.spec import ValueType

_NUMBER_TEXT = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$", re.ASCII)
# Full-width digits and signs, as a Chinese input method types them, and nothing else.
_FULL_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF0C: ",", 0xFF0E: ".", 0xFF0B: "+", 0xFF0D: "-"}
MAX_FORMULA = 200  # characters of arithmetic govxl computes; a longer formula is an error
MAX_DEPTH = 20  # nested parentheses


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
        text = "".join(raw.translate(_FULL_WIDTH).split())
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
    return _checked(number, vt, raw if isinstance(raw, str) else _plain(number), text_problem)


def coerce_formula(formula: str, vt: ValueType) -> Coerced:
    """A formula typed into an input cell (its text, without '='). Arithmetic of literal numbers
    is computed exactly and accepted with a warning; any other formula is an error."""
    shown = "=" + (formula if len(formula) <= 60 else formula[:60] + "…")
    number = evaluate_literal(formula)
    if number is None:
        return Coerced(None, "value.formula", shown)
    return _checked(number, vt, shown, "value.formula_arithmetic")


def _checked(number: Decimal, vt: ValueType, shown: str, text_problem: str | None) -> Coerced:
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


_TOKEN = re.compile(r"\s*(?:([0-9]+(?:\.[0-9]*)?|\.[0-9]+)|([-+*/()]))", re.ASCII)


def evaluate_literal(formula: str) -> Decimal | None:
    """The value of a formula made only of literal numbers, + - * / and parentheses (``12+3``,
    ``(1+2)*3``, ``-5/2``), computed exactly with decimals; None for anything else (a reference,
    a function, a text, a division by zero). A small parser, never ``eval``."""
    text = formula.strip().removeprefix("=")
    if not text or len(text) > MAX_FORMULA:
        return None
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            return None
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    parser = _Arithmetic(tokens)
    try:
        with localcontext() as ctx:
            ctx.prec = 28
            ctx.traps[InvalidOperation] = True
            value = parser.expression(0)
            if parser.pos != len(tokens):
                return None
            return +value
    except (_NotArithmetic, DecimalException):
        return None


class _NotArithmetic(Exception):
    pass


class _Arithmetic:
    """expression := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
    factor := ('+'|'-') factor | number | '(' expression ')'."""

    def __init__(self, tokens: list[str]):
        self.tokens, self.pos = tokens, 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        if self.pos >= len(self.tokens):
            raise _NotArithmetic
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expression(self, depth: int) -> Decimal:
        value = self.term(depth)
        while self._peek() in ("+", "-"):
            if self._take() == "+":
                value += self.term(depth)
            else:
                value -= self.term(depth)
        return value

    def term(self, depth: int) -> Decimal:
        value = self.factor(depth)
        while self._peek() in ("*", "/"):
            if self._take() == "*":
                value *= self.factor(depth)
            else:
                divisor = self.factor(depth)
                if divisor == 0:
                    raise _NotArithmetic
                value /= divisor
        return value

    def factor(self, depth: int) -> Decimal:
        if depth > MAX_DEPTH:
            raise _NotArithmetic
        token = self._take()
        if token == "+":
            return self.factor(depth + 1)
        if token == "-":
            return -self.factor(depth + 1)
        if token == "(":
            value = self.expression(depth + 1)
            if self._take() != ")":
                raise _NotArithmetic
            return value
        if token[0].isdigit() or token[0] == ".":
            return Decimal(token)
        raise _NotArithmetic
