"""The small expression language of rules: ``a + b_* - prev.c == d``.

A name is a row or column key of the rule's table; ``name_*`` stands for every key with that
prefix, in table order; ``prev.name`` is last year's value. Only ``+``, ``-`` and one ``==``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govxl.errors import GovxlError

_TOKEN = re.compile(r"\s*(?:(==)|([+-])|((?:prev\.)?[a-z][a-z0-9_]*\*?))")


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    name: str  # key, or prefix when wildcard
    wildcard: bool
    previous: bool


@dataclass(frozen=True)
class Equation:
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]


class ExprError(GovxlError, ValueError):
    pass


def parse(text: str) -> Equation:
    sides: list[list[Term]] = [[]]
    sign = 1
    expect_term = True
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError(f"cannot read '{text[pos:]}' in '{text}'")
        pos = m.end()
        eq, op, name = m.groups()
        if eq:
            if expect_term or len(sides) == 2:
                raise ExprError(f"misplaced '==' in '{text}'")
            sides.append([])
            sign, expect_term = 1, True
        elif op:
            if expect_term and sides[-1]:
                raise ExprError(f"two operators in a row in '{text}'")
            sign = 1 if op == "+" else -1
            expect_term = True
        else:
            if not expect_term:
                raise ExprError(f"missing operator before '{name}' in '{text}'")
            previous = name.startswith("prev.")
            bare = name.removeprefix("prev.")
            wildcard = bare.endswith("*")
            sides[-1].append(Term(sign, bare.rstrip("*"), wildcard, previous))
            sign, expect_term = 1, False
    if len(sides) != 2 or expect_term or not sides[0]:
        raise ExprError(f"a rule must read 'left == right': '{text}'")
    return Equation(tuple(sides[0]), tuple(sides[1]))


def uses_previous_year(text: str) -> bool:
    eq = parse(text)
    return any(t.previous for t in eq.lhs + eq.rhs)
