"""Cells whose digits were run together ("801000081"): split only when the rules leave one way.

A row's digit runs are cut into as many numbers as the row has cells, keeping the rules that read
only that row's cells (a row total). A row that still splits several ways is settled, if at all,
together with the table's other such rows by every rule of the table (column totals, 勾稽关系):
the one combination that keeps them all is taken; none or several, and the row stays unread.
The rule arithmetic is the form's own (:func:`govxl.form.rules.holds`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from govxl.form import rules as rule_engine
from govxl.form.spec import Form, Row

MAX_SPLIT_DIGITS = 40
MAX_SPLITS = 50
MAX_SPLIT_STEPS = 200_000
MAX_COMBINATIONS = 200_000
_ZERO = re.compile(r"[/—–－\-]+")


@dataclass
class Ambiguous:
    """A row whose cells were run together, with the splits its own rules allow."""

    row: Row | None
    keys: list[str]
    splits: list[list[str]]
    too_many: bool = False


def _is_digits(cell: str) -> bool:
    return cell.isascii() and cell.isdigit()


def splits(cells: list[str], keys: list[str], form: Form, parse) -> tuple[list[list[str]], bool]:
    """The ways to cut the digit runs ``cells`` into ``len(keys)`` numbers that keep the rules
    reading only these cells; (splits, too_many)."""
    if any(not _is_digits(c) and not _ZERO.fullmatch(c) for c in cells):
        return [], False
    constraints = [i for i in rule_engine.instances(form) if not i.cross_year and set(i.cells) <= set(keys)]
    if not constraints:
        # Nothing checks a split: only digits that are each a cell ("000" for three cells) are certain.
        if len(cells) == 1 and len(cells[0]) == len(keys):
            return [list(cells[0])], False
        return [], len(cells) == 1
    if sum(len(c) for c in cells) > MAX_SPLIT_DIGITS:
        return [], True
    solutions: list[list[str]] = []
    steps = 0

    def holds(parts: list[str]) -> bool:
        values = {k: parse(p, k) for k, p in zip(keys, parts)}
        return all(rule_engine.holds(c, values) for c in constraints)

    def walk(index: int, parts: list[str]) -> None:
        nonlocal steps
        steps += 1
        if len(solutions) > MAX_SPLITS or steps > MAX_SPLIT_STEPS:
            return
        if index == len(cells):
            if len(parts) == len(keys) and holds(parts):
                solutions.append(parts)
            return
        token = cells[index]
        left = len(keys) - len(parts) - (len(cells) - index - 1)
        if not _is_digits(token):
            walk(index + 1, parts + [token])
            return
        least = left if index == len(cells) - 1 else 1  # the last run takes all that is left
        for pieces in compositions(token, least, max(1, left)):
            if steps > MAX_SPLIT_STEPS or len(solutions) > MAX_SPLITS:
                return
            walk(index + 1, parts + pieces)

    walk(0, [])
    if steps > MAX_SPLIT_STEPS or len(solutions) > MAX_SPLITS:
        return [], True
    return solutions, False


def compositions(digits: str, least: int, most: int):
    """Every way to cut ``digits`` into ``least``..``most`` numbers without leading zeros."""
    if most <= 0 or len(digits) < least:
        return
    if least <= 1 and (digits == "0" or digits[0] != "0"):
        yield [digits]
    if most == 1:
        return
    for i in range(1, len(digits) - max(least - 1, 1) + 1):
        head = digits[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in compositions(digits[i:], max(least - 1, 1), most - 1):
            yield [head, *rest]


def settle(form: Form, table_key: str, values: dict, rows: list[Ambiguous], parse) -> dict[int, list[str]]:
    """The one combination of splits of ``rows`` that keeps every rule of the table, given the
    values already read: row index -> its cells. Empty when there is none or more than one."""
    if not rows or any(r.too_many or not r.splits for r in rows):
        return {}
    total = 1
    for r in rows:
        total *= len(r.splits)
    if total > MAX_COMBINATIONS:
        return {}
    keys = {k for r in rows for k in r.keys}
    instances = [i for i in rule_engine.instances(form)
                 if i.rule.table == table_key and not i.cross_year and set(i.cells) & keys]
    fits = []
    for combination in itertools.product(*(r.splits for r in rows)):
        trial = dict(values)
        for r, cells in zip(rows, combination):
            for key, cell in zip(r.keys, cells):
                trial[key] = parse(cell, key)
        if all(rule_engine.holds(i, trial) for i in instances):
            fits.append(combination)
            if len(fits) > 1:
                return {}
    return dict(enumerate(fits[0])) if fits else {}
