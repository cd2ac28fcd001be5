"""Rules compiled into Excel formulas through the layout.

The derived cells, the check cells and the cover's summary of a workbook are all built here from
the same rule instances that ``govxl.form.rules`` evaluates in Python; ``check_formula`` shows the
same text as ``RuleResult.check_text``. Tests recalculate the formulas in LibreOffice and compare.
"""

from __future__ import annotations

from collections.abc import Iterable

from govxl.form.layout import COVER, Span, WorkbookLayout, a1
from govxl.form.rules import PASS_TEXT, Operand, RuleInstance, derivations, instances


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def string_literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _ranges(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Cells folded into as few rectangular ranges as easily found: runs down each column,
    then equal runs of neighbouring columns side by side."""
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
    runs: list[tuple[int, int, int, int]] = []  # r0, r1, c0, c1
    for c in sorted(by_col):
        rows = sorted(by_col[c])
        start = prev = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            runs.append((start, prev, c, c))
            if r is not None:
                start = prev = r
    merged: list[tuple[int, int, int, int]] = []
    for run in runs:
        if merged and merged[-1][:2] == run[:2] and merged[-1][3] + 1 == run[2]:
            merged[-1] = (run[0], run[1], merged[-1][2], run[3])
        else:
            merged.append(run)
    return [a1(r0, c0) if (r0, c0) == (r1, c1) else f"{a1(r0, c0)}:{a1(r1, c1)}"
            for r0, r1, c0, c1 in merged]


def _side(layout: WorkbookLayout, ops: tuple[Operand, ...]) -> str:
    """An arithmetic expression of cell references: SUM over the added cells, minus the others."""
    plus = [layout.locate(o.key)[1] for o in ops if o.sign > 0]
    minus = [layout.locate(o.key)[1] for o in ops if o.sign < 0]
    parts = []
    if plus:
        refs = _ranges((s.row, s.col) for s in plus)
        parts.append(refs[0] if len(plus) == 1 else f"SUM({','.join(refs)})")
    parts += [f"-{s.a1}" for s in minus]
    return "".join(parts) or "0"


def derived_formula(layout: WorkbookLayout, key: str) -> str:
    return "=" + _side(layout, derivations(layout.form)[key].rhs)


def check_formula(layout: WorkbookLayout, inst: RuleInstance) -> str:
    lhs, rhs = _side(layout, inst.lhs), _side(layout, inst.rhs)
    rule = inst.rule
    fail = f'{string_literal(rule.lhs_text + "为")}&({lhs})&{string_literal("，" + rule.rhs_text + "为")}&({rhs})'
    not_numeric = string_literal(layout.texts["checks"]["not_numeric"])
    return f'=IFERROR(IF(ROUND(({lhs})-({rhs}),6)=0,{string_literal(PASS_TEXT)},{fail}),{not_numeric})'


def fail_count_formula(spans: Iterable[Span]) -> str:
    spans = list(spans)
    plain = [(s.row, s.col) for s in spans if not s.merged]
    terms = [f"COUNTIF({ref},{string_literal('<>' + PASS_TEXT)})" for ref in _ranges(plain)] if plain else []
    terms += [f"({s.a1}<>{string_literal(PASS_TEXT)})" for s in spans if s.merged]
    return "=" + ("+".join(terms) or "0")


def cover_fail_count_formula(layout: WorkbookLayout) -> str:
    refs = [f"{quote_sheet(s.name)}!{s.fail_count.a1}" for s in layout.sheets if s.fail_count]
    return "=" + ("+".join(refs) or "0")


def cover_summary_formula(layout: WorkbookLayout) -> str:
    n = COVER.fail_count.a1
    texts = layout.texts["checks"]
    before, _, after = texts["some_fail"].partition("{n}")
    return (f"=IF({n}=0,{string_literal(texts['all_pass'])},"
            f"{string_literal(before)}&{n}&{string_literal(after)})")


def summary_text(layout: WorkbookLayout, failing: int) -> str:
    texts = layout.texts["checks"]
    return texts["all_pass"] if failing == 0 else texts["some_fail"].format(n=failing)


def blanks_formula(layout: WorkbookLayout) -> str:
    terms = []
    for sheet in layout.sheets:
        prefix = quote_sheet(sheet.name) + "!"
        spans = list(sheet.inputs.values())
        plain = [(s.row, s.col) for s in spans if not s.merged]
        terms += [f"COUNTBLANK({prefix}{ref})" for ref in _ranges(plain)]
        terms += [f"ISBLANK({prefix}{s.a1})*1" for s in spans if s.merged]
    return "=" + "+".join(terms)


def workbook_instances(layout: WorkbookLayout) -> list[RuleInstance]:
    """The rule instances that have a check cell in the workbook (every one not across years)."""
    return [i for i in instances(layout.form) if not i.cross_year]
