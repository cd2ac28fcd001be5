"""Rules compiled into Excel formulas through the layout.

The derived cells, the check cells and the cover's summary of a workbook are all built here from
the same rule instances that ``govxl.form.rules`` evaluates in Python; ``check_formula`` shows the
same text as ``RuleResult.check_text``. Tests recalculate the formulas in LibreOffice and compare.
"""

from __future__ import annotations

from collections.abc import Iterable

from govxl.form.layout import COVER, Span, WorkbookLayout, a1, explanation_key
from govxl.form.rules import PASS_TEXT, Operand, RuleInstance, RuleResult, derivations, instances


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


def input_cells(form, inst: RuleInstance) -> tuple[str, ...]:
    """The input cells a rule instance depends on, derived cells expanded into what they add up."""
    derived = derivations(form)
    out: dict[str, None] = {}
    stack = list(reversed(inst.cells))
    while stack:
        key = stack.pop()
        if key in derived:
            stack += [o.key for o in reversed(derived[key].rhs)]
        else:
            out[key] = None
    return tuple(out)


def check_formula(layout: WorkbookLayout, inst: RuleInstance) -> str:
    """A check cell: 待填写 while any cell it depends on is blank, 含非数字内容 when one holds text,
    else 通过 or the two sides of the rule (``workbook_check_text`` is the same in Python)."""
    lhs, rhs = _side(layout, inst.lhs), _side(layout, inst.rhs)
    rule = inst.rule
    texts = layout.texts["checks"]
    fail = f'{string_literal(rule.lhs_text + "为")}&({lhs})&{string_literal("，" + rule.rhs_text + "为")}&({rhs})'
    not_numeric = string_literal(texts["not_numeric"])
    cells = input_cells(layout.form, inst)
    spans = [layout.locate(k)[1] for k in cells]
    refs = ",".join(_ranges((s.row, s.col) for s in spans))
    n = len(cells)
    return (f'=IF(COUNTA({refs})<{n},{string_literal(texts["pending"])},IF(COUNT({refs})<{n},{not_numeric},'
            f'IFERROR(IF(ROUND(({lhs})-({rhs}),6)=0,{string_literal(PASS_TEXT)},{fail}),{not_numeric})))')


def workbook_check_text(layout: WorkbookLayout, result: RuleResult, values: dict) -> str:
    """What a check cell shows over ``values`` (input key -> number, text typed where a number
    belongs, or None for blank), as :func:`check_formula` computes it."""
    texts = layout.texts["checks"]
    cells = [values.get(k) for k in input_cells(layout.form, result.instance)]
    if any(v is None or v == "" for v in cells):
        return texts["pending"]
    if any(isinstance(v, (str, bool)) for v in cells):
        return texts["not_numeric"]
    return result.check_text()


def is_failing(layout: WorkbookLayout, text: str) -> bool:
    """A check cell's text that counts as an imbalance (neither passed nor waiting for input)."""
    return text not in (PASS_TEXT, layout.texts["checks"]["pending"])


def fail_count_formula(layout: WorkbookLayout, spans: Iterable[Span]) -> str:
    """How many check cells neither pass nor wait for input."""
    spans = list(spans)
    ok = string_literal("<>" + PASS_TEXT)
    pending = string_literal("<>" + layout.texts["checks"]["pending"])
    plain = [(s.row, s.col) for s in spans if not s.merged]
    terms = [f"COUNTIFS({ref},{ok},{ref},{pending})" for ref in _ranges(plain)] if plain else []
    terms += [f"({s.a1}<>{string_literal(PASS_TEXT)})*({s.a1}<>{string_literal(layout.texts['checks']['pending'])})"
              for s in spans if s.merged]
    return "=" + ("+".join(terms) or "0")


def cover_fail_count_formula(layout: WorkbookLayout) -> str:
    refs = [f"{quote_sheet(s.name)}!{s.fail_count.a1}" for s in layout.sheets if s.fail_count]
    return "=" + ("+".join(refs) or "0")


def _table_blanks(layout: WorkbookLayout) -> str:
    """How many input cells of the tables are blank (the narrative sheet left out)."""
    return "+".join(_blank_terms(layout, [s for s in layout.sheets if s.table is not None])) or "0"


def cover_summary_formula(layout: WorkbookLayout, pass_text: str | None = None) -> str:
    """The cover's verdict: 尚未填写（N 处未填） while table cells are blank, else the imbalances,
    else 全部校验通过 (or ``pass_text``: a feedback workbook whose file had other problems)."""
    n = COVER.fail_count.a1
    texts = layout.texts["checks"]
    blanks = f"({_table_blanks(layout)})"
    before, _, after = texts["some_fail"].partition("{n}")
    pending_before, _, pending_after = texts["pending_summary"].partition("{n}")
    return (f"=IF({blanks}>0,{string_literal(pending_before)}&{blanks}&{string_literal(pending_after)},"
            f"IF({n}=0,{string_literal(pass_text or texts['all_pass'])},"
            f"{string_literal(before)}&{n}&{string_literal(after)}))")


def summary_text(layout: WorkbookLayout, failing: int, table_blanks: int = 0, pass_text: str | None = None) -> str:
    texts = layout.texts["checks"]
    if table_blanks:
        return texts["pending_summary"].format(n=table_blanks)
    return (pass_text or texts["all_pass"]) if failing == 0 else texts["some_fail"].format(n=failing)


def _blank_terms(layout: WorkbookLayout, sheets) -> list[str]:
    terms = []
    for sheet in sheets:
        prefix = quote_sheet(sheet.name) + "!"
        spans = [s for k, s in sheet.inputs.items() if explanation_key(k) is None]  # 情况说明 is optional
        plain = [(s.row, s.col) for s in spans if not s.merged]
        terms += [f"COUNTBLANK({prefix}{ref})" for ref in _ranges(plain)]
        terms += [f"ISBLANK({prefix}{s.a1})*1" for s in spans if s.merged]
    return terms


def blanks_formula(layout: WorkbookLayout) -> str:
    return "=" + "+".join(_blank_terms(layout, layout.sheets))


def workbook_instances(layout: WorkbookLayout) -> list[RuleInstance]:
    """The rule instances that have a check cell in the workbook (every one not across years)."""
    return [i for i in instances(layout.form) if not i.cross_year]
