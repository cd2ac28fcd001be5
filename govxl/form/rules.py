"""Rules expanded over their tables and evaluated in Python.

A rule of the spec (``new + carried_over == handled_total + carry_next`` over the columns of t3)
expands into one :class:`RuleInstance` per column. The same instances drive the workbook's check
formulas (``govxl.form.formulas``) and the Python check here, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from govxl.errors import SpecError
from govxl.form import expr

if TYPE_CHECKING:
    from govxl.form.spec import Form, Rule, Table

Number = int | Decimal
Values = dict[str, Number | None]

PASS_TEXT = "通过"


@dataclass(frozen=True)
class Operand:
    sign: int
    key: str  # cell key, "t3.new.natural"
    previous: bool  # last year's value of that cell


@dataclass(frozen=True)
class RuleInstance:
    rule: Rule
    anchor: str  # the row key (over rows) or column key (over columns) it applies to
    where: str  # where it applies, in Chinese, for messages
    lhs: tuple[Operand, ...]
    rhs: tuple[Operand, ...]

    @property
    def id(self) -> str:
        return f"{self.rule.id}[{self.anchor}]"

    @property
    def derives(self) -> str | None:
        """The cell this instance computes, for rules marked ``derive``."""
        return self.lhs[0].key if self.rule.derive else None

    @property
    def cross_year(self) -> bool:
        return any(o.previous for o in self.lhs + self.rhs)

    @property
    def cells(self) -> list[str]:
        """This year's cells the instance reads."""
        return [o.key for o in self.lhs + self.rhs if not o.previous]


@dataclass(frozen=True)
class RuleResult:
    instance: RuleInstance
    lhs: Number
    rhs: Number

    @property
    def ok(self) -> bool:
        return self.lhs == self.rhs

    @property
    def diff(self) -> Number:
        return abs(self.lhs - self.rhs)

    def check_text(self) -> str:
        """What the workbook's check cell shows for this result (see ``formulas.check_formula``)."""
        if self.ok:
            return PASS_TEXT
        r = self.instance.rule
        return f"{r.lhs_text}为{format_number(self.lhs)}，{r.rhs_text}为{format_number(self.rhs)}"

    def message(self) -> str:
        return self.instance.rule.message.format(
            where=self.instance.where,
            lhs=format_number(self.lhs),
            rhs=format_number(self.rhs),
            diff=format_number(self.diff),
        )


def format_number(v: Number) -> str:
    """A number as Excel's ``&`` operator turns it into text: no exponent, no trailing zeros."""
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(v)


def _resolve(term: expr.Term, names: list[str]) -> list[str]:
    if term.wildcard:
        return [n for n in names if n.startswith(term.name)]
    return [term.name] if term.name in names else []


def _expand(form: Form, rule: Rule) -> list[RuleInstance]:
    try:
        table = form.table(rule.table)
    except KeyError:
        raise SpecError(f"rule {rule.id}: unknown table '{rule.table}'") from None
    try:
        eq = expr.parse(rule.expr)
    except expr.ExprError as e:
        raise SpecError(f"rule {rule.id}: {e}") from None
    if rule.derive and (len(eq.lhs) != 1 or eq.lhs[0].wildcard or eq.lhs[0].previous or eq.lhs[0].sign < 0):
        raise SpecError(f"rule {rule.id}: a deriving rule needs one plain name on its left")

    instances = []
    for anchor, names, key_of, where in _anchors(table, rule):
        sides = []
        for side in (eq.lhs, eq.rhs):
            ops = []
            for term in side:
                resolved = _resolve(term, names)
                if not resolved:
                    break
                ops += [Operand(term.sign, key_of(n), term.previous) for n in resolved]
            else:
                sides.append(tuple(ops))
                continue
            break
        if len(sides) == 2:
            instances.append(RuleInstance(rule, anchor, where, sides[0], sides[1]))
    if not instances:
        raise SpecError(f"rule {rule.id}: '{rule.expr}' matches nothing in table {table.key}")
    return instances


def _anchors(table: Table, rule: Rule):
    """(anchor key, names available there, name -> cell key, where) for each place the rule applies."""
    only = set(rule.only)
    known = {r.key for r in table.rows} if rule.over == "rows" else {c.key for c in table.columns}
    if only - known:
        raise SpecError(f"rule {rule.id}: 'only' names unknown keys {sorted(only - known)}")
    if rule.over == "rows":
        suffix = "" if table.layout == "strip" else "行"
        for block in table.blocks:
            names = [c.key for c in block.columns]
            for row in block.rows:
                if only and row.key not in only:
                    continue
                yield (row.key, names, lambda n, r=row.key: f"{table.key}.{r}.{n}",
                       f"表{table.number}“{row.full_label}”{suffix}")
    else:
        for col in table.columns:
            if only and col.key not in only:
                continue
            names = [r.key for b in table.blocks if col in b.columns for r in b.rows]
            label = "·".join((*col.group, col.label))
            yield (col.key, names, lambda n, c=col.key: f"{table.key}.{n}.{c}",
                   f"表{table.number}“{label}”列")


@cache
def instances(form: Form) -> tuple[RuleInstance, ...]:
    """Every rule of the form expanded over its table, in spec order."""
    return tuple(i for rule in form.rules for i in _expand(form, rule))


@cache
def derivations(form: Form) -> dict[str, RuleInstance]:
    """Derived cell -> the rule instance that computes it (the first one in spec order)."""
    out: dict[str, RuleInstance] = {}
    for inst in instances(form):
        if inst.derives and inst.derives not in out:
            out[inst.derives] = inst
    return out


def validate_rules(form: Form) -> set[str]:
    """Check every rule against the tables; return the derived cells. Raises SpecError."""
    derived = derivations(form)
    for inst in instances(form):
        for key in inst.cells:
            if key not in form.cells:
                raise SpecError(f"rule {inst.rule.id}: no cell {key}")
    # Derived cells must be computable: no cycles through other derived cells.
    state: dict[str, int] = {}

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2 or key not in derived:
            return
        if state.get(key) == 1:
            raise SpecError(f"derived cells form a cycle: {' -> '.join(path + [key])}")
        state[key] = 1
        for op in derived[key].rhs:
            visit(op.key, path + [key])
        state[key] = 2

    for key in derived:
        visit(key, [])
    return set(derived)


@cache
def _derivation_order(form: Form) -> tuple[tuple[str, tuple[tuple[int, str], ...]], ...]:
    """Derived cells in an order where every cell comes after the derived cells it adds up."""
    derived = derivations(form)
    order: list[str] = []
    done: set[str] = set()

    def visit(key: str) -> None:
        if key in done or key not in derived:
            return
        done.add(key)
        for op in derived[key].rhs:
            visit(op.key)
        order.append(key)

    for key in derived:
        visit(key)
    return tuple((k, tuple((op.sign, op.key) for op in derived[k].rhs)) for k in order)


def complete(form: Form, values: Values) -> dict[str, Number]:
    """All cells of the form: the input values given (blank counts as 0) and every derived cell
    recomputed from them. Derived values in ``values`` are ignored: they are never trusted."""
    out: dict[str, Number] = {}
    for key in form.input_keys:
        v = values.get(key)
        out[key] = 0 if v is None else v
    for key, terms in _derivation_order(form):
        total: Number = 0
        for sign, k in terms:
            total += out[k] if sign > 0 else -out[k]
        out[key] = total
    return {k: out[k] for k in form.cells}


def known_values(form: Form, values: Values) -> dict[str, Number]:
    """What is known of a submission that may have unknown cells (an imported report with unread
    cells): the known inputs, each derived cell recomputed where all it adds up is known, and any
    value stated in ``values`` (a published total) kept as stated. Unknown cells are left out,
    never taken as 0."""
    out: dict[str, Number] = {k: values[k] for k in form.input_keys if values.get(k) is not None}
    for key, terms in _derivation_order(form):
        if all(k in out for _, k in terms):
            out[key] = sum((out[k] if sign > 0 else -out[k] for sign, k in terms), 0)
    out.update({k: v for k, v in values.items() if v is not None and k in form.cells})
    return out


def evaluate(form: Form, values: Values, previous: Values | None = None,
             include_derived: bool = True) -> list[RuleResult]:
    """Evaluate every rule instance over ``values``, derived cells recomputed from the inputs.

    Cross-year instances are evaluated only when ``previous`` holds every value they need.
    With ``include_derived=False`` the instances that define derived cells are left out: once the
    cells are recomputed they hold by construction.
    """
    return _run(form, complete(form, values), previous, include_derived)


def check_stated(form: Form, stated: Values, previous: Values | None = None) -> list[RuleResult]:
    """Evaluate every rule on values as stated, derived cells included: a published report prints
    its totals, which are checked, not recomputed. Blank counts as 0."""
    full = {k: (0 if stated.get(k) is None else stated[k]) for k in form.cells}
    return _run(form, full, previous, include_derived=True)


def _run(form: Form, full: dict[str, Number], previous: Values | None,
         include_derived: bool) -> list[RuleResult]:
    results = []
    for inst in instances(form):
        if inst.rule.derive and not include_derived:
            continue
        if inst.cross_year and (previous is None or any(
            o.previous and previous.get(o.key) is None for o in inst.lhs + inst.rhs
        )):
            continue
        results.append(RuleResult(inst, _side(inst.lhs, full, previous), _side(inst.rhs, full, previous)))
    return results


def _side(ops: tuple[Operand, ...], full: dict[str, Number], previous: Values | None) -> Number:
    total: Number = 0
    for op in ops:
        total += op.sign * (previous[op.key] if op.previous else full[op.key])
    return total


def holds(inst: RuleInstance, values: Values) -> bool | None:
    """Whether one this-year instance holds over ``values`` (numbers as stated, nothing
    recomputed); None when a cell it reads is unknown or it needs last year's values."""
    if inst.cross_year:
        return None
    full = {}
    for key in inst.cells:
        v = values.get(key)
        if v is None:
            return None
        full[key] = v
    return _side(inst.lhs, full, None) == _side(inst.rhs, full, None)
