"""The checks an evaluator makes of a report, beyond the arithmetic of its tables.

- **Figures**: a figure the narrative quotes (受理政府信息公开申请 3119 件, 行政复议 351 件，其中
  结果维持 72 件, 现行有效行政规范性文件 393 件) against its cell; a text saying nothing happened
  (全年未收到…申请) against cells that are not zero.
- **Stale text**: a year named as the report's own that is another year; a part (nearly) the
  same as the agency's part last year; parts empty or holding a token (无, 略).
- **Year over year**: a headline figure more than five times, or less than a fifth of, last
  year's.

Everything a check looks for is declared in the form spec's ``[checks]`` section
(:mod:`govxl.form.check_spec`): the words that tie a figure to its cells, the words that make a
figure not comparable, the patterns and thresholds. The checks are made to stay silent when in
doubt: a false alarm on a correct report costs more than a figure left unchecked.

How a figure is tied to its cells. A sentence is read in its normal form
(:func:`govxl.form.numerals.normalise`). Its *terms* are found (longest word first); a *topic*
term (申请, 行政复议, 规范性文件 …) names the table the sentence speaks of, and the other terms
(收到, 办结, 自然人, 结果维持, 现行有效 …) name rows and columns of it. Each figure (a number
and a unit) takes the table of the last topic named before it, and the rows and columns named
since the previous figure — or right after it (1件结转下年度) — or, naming only a column, the rows
of the figure before it (收到申请81件，涉及自然人80件). A figure compares equal when it equals
any of the alternatives its terms allow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from govxl.findings import Finding
from govxl.form import numerals
from govxl.form.check_spec import Alternatives, Term
from govxl.form.rules import format_number, known_values

if TYPE_CHECKING:
    from govxl.form.spec import Form

AGENCY = "agency"  # a report of one agency: its tables are its own
AREA = "area"  # a government's report for the whole area (全区): its tables add up the area

_SENTENCE_END = "。！？!?"
_CLAUSE_END = "；;"  # between two figures: the rows and columns named before count no more
_CHINESE_NUMERAL = "零〇○一二两三四五六七八九十百千万亿"
_PAST_YEAR = re.compile(r"(\d{4})年")
_HEADING_LINE = 25  # a line shorter than this that does not end a sentence is a heading


def level_of(form: Form, agency_name: str | None) -> str:
    """AREA for a report whose agency is a government (…人民政府, …管委会), else AGENCY."""
    name = (agency_name or "").strip()
    ends = form.checks.figures.area_agencies
    return AREA if name and ends and name.endswith(tuple(ends)) else AGENCY


def check_report(form: Form, *, year: int, values: dict, narrative: dict, level: str = AGENCY,
                 previous: dict | None = None, previous_narrative: dict | None = None,
                 blank_sections: bool = True) -> list[Finding]:
    """Every check of a report: its figures and claims against its tables, stale years, text
    copied from last year, empty and token parts, year-over-year jumps.

    ``values``: the cells (inputs, or as a published report states them; None for unknown);
    ``previous``/``previous_narrative``: the same agency's last year, when known; ``level``: whose
    figures the tables hold (:data:`AGENCY` or :data:`AREA`); ``blank_sections``: report sections
    whose parts are all empty (a workbook's examination reports each blank part itself)."""
    full = known_values(form, values)
    findings = check_figures(form, year, full, narrative, level)
    findings += check_stale_years(form, year, narrative)
    findings += check_short(form, narrative, blank_sections)
    return findings + check_last_year(form, values, narrative, previous, previous_narrative)


def check_last_year(form: Form, values: dict, narrative: dict, previous: dict | None,
                    previous_narrative: dict | None, *, rules: bool = False) -> list[Finding]:
    """What needs last year: parts copied from it, headline figures jumping from it and, with
    ``rules``, the form's rules across years (上年结转, 现行有效 following from last year's) — a
    workbook's examination evaluates those with the other rules."""
    findings = check_copied(form, narrative, previous_narrative) if previous_narrative else []
    if previous:
        full, before = known_values(form, values), known_values(form, previous)
        findings += check_year_over_year(form, full, before)
        if rules:
            findings += check_cross_year_rules(form, values, before)
    return findings


def check_cross_year_rules(form: Form, values: dict, previous: dict) -> list[Finding]:
    """The rules of the form that compare with last year, on values as stated (a published
    report's totals are checked as printed); a rule reading an unknown cell is not judged."""
    from govxl.form import rules as rule_engine

    findings = []
    for res in rule_engine.check_stated(form, values, previous):
        inst = res.instance
        if not inst.cross_year or res.ok or any(values.get(k) is None for k in inst.cells):
            continue
        findings.append(Finding.of(f"rule.{inst.rule.id}", severity=inst.rule.severity, message=res.message(),
                                   value=res.lhs, expected=res.rhs, key=inst.lhs[0].key))
    return findings


def check_published(form_names: dict[str, str], *, year: int, values: dict, narrative: dict,
                    agency_name: str | None, previous: dict | None = None,
                    previous_narrative: dict | None = None) -> list[Finding]:
    """The checks of an imported published report, whose tables may each be of another edition
    (``form_names``: table key -> form name): its narrative against its tables, stale text and
    empty parts; with last year (from the store), also copied parts, jumps and the rules across
    years."""
    from govxl.form.spec import load_form

    form = load_form(form_names.get("t2") or form_names.get("t3") or "annual-2021")
    stated = {k: v for k, v in values.items() if k in form.cells}
    findings = check_report(form, year=year, values=stated, narrative=narrative, level=level_of(form, agency_name))
    if previous or previous_narrative:
        findings += check_published_last_year(form_names, values=values, narrative=narrative, previous=previous,
                                              previous_narrative=previous_narrative)
    return findings


def check_published_last_year(form_names: dict[str, str], *, values: dict, narrative: dict,
                              previous: dict | None, previous_narrative: dict | None) -> list[Finding]:
    """What of :func:`check_published` needs last year (the agency's stored report or workbook of
    the year before): parts copied from it, jumps, the rules across years."""
    from govxl.form.spec import load_form

    form = load_form(form_names.get("t2") or form_names.get("t3") or "annual-2021")
    stated = {k: v for k, v in values.items() if k in form.cells}
    previous = {k: v for k, v in (previous or {}).items() if k in form.cells}
    return check_last_year(form, stated, narrative, previous or None, previous_narrative, rules=True)


# --- reading the text ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    original: str  # as written (lines joined)
    text: str  # normal form
    index: tuple[int, ...]  # position in ``text`` -> position in ``original``

    def snippet(self, start: int | None = None, end: int | None = None, width: int = 90) -> str:
        """The sentence as written, shortened around ``text[start:end]`` when long."""
        shown = " ".join(self.original.split())
        if len(shown) <= width or start is None:
            return shown if len(shown) <= width else shown[: width - 1] + "…"
        original = self.original
        a = self.index[start] if start < len(self.index) else len(original)
        b = self.index[end - 1] + 1 if end else a
        lo = max(0, a - (width * 2) // 3)
        hi = min(len(original), max(b, lo + width))
        piece = " ".join(original[lo:hi].split())
        return ("…" if lo else "") + piece + ("…" if hi < len(original) else "")


@lru_cache(maxsize=64)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a part. Lines broken inside a sentence (PDF text) are joined; a line that
    ends a sentence, ends with a colon or is short (a heading) ends one."""
    out = []
    for chunk in _chunks(text or ""):
        for piece in re.split(f"(?<=[{_SENTENCE_END}])", chunk):
            if piece.strip():
                norm, index = numerals.normalise_map(piece)
                out.append(Sentence(piece, norm, tuple(index)))
    return tuple(out)


def _chunks(text: str) -> list[str]:
    chunks, current, last = [], "", ""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        if current and (last[-1] in _SENTENCE_END + "：:" or len(last) < _HEADING_LINE):
            chunks.append(current)
            current = ""
        current += line
        last = line
    return [*chunks, current] if current else chunks


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PZS"


# --- the compiled vocabulary of a form -------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    term: Term | None  # None: a neutral word


@dataclass(frozen=True)
class _Figure:
    start: int
    end: int
    value: Decimal
    amount: bool  # in 万元 (else a count)
    estimate: bool
    written: str


@dataclass(frozen=True)
class _Vocabulary:
    terms: re.Pattern
    by_word: dict
    figure: re.Pattern
    amount_units: dict
    bare_words: frozenset = frozenset()
    bare_after: tuple[str, ...] = ()


@cache
def _vocabulary(form: Form) -> _Vocabulary:
    fig = form.checks.figures
    by_word: dict[str, Term | None] = {w: None for w in fig.neutral}
    for term in fig.terms:
        for w in term.words:
            by_word[w] = term
    words = sorted(by_word, key=len, reverse=True)
    terms = re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!x)x")
    units = sorted([*fig.amount_units, *fig.count_units], key=len, reverse=True)
    estimate = "|".join(map(re.escape, fig.estimate_after))
    figure = re.compile(
        rf"(?:(?<![\d.])(?<!\d,)(?<!第)(?P<a>\d+(?:,\d{{3}})*(?:\.\d+)?(?:万|亿)?)"
        rf"|(?<![{_CHINESE_NUMERAL}第])(?P<c>[{_CHINESE_NUMERAL}]+))"
        rf"(?P<est>{estimate})?(?P<unit>{'|'.join(map(re.escape, units))})" if units else r"(?!x)x")
    return _Vocabulary(terms, by_word, figure, dict(fig.amount_units), frozenset(fig.bare_words), fig.bare_after)


def _hits(s: str, vocab: _Vocabulary) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in vocab.terms.finditer(s):
        if m.group() in vocab.bare_words and not _stands_alone(s, m.start(), hits, vocab):
            continue  # 低保申请, 网上申请: other applications, or only some of them
        hits.append(_Hit(m.start(), m.end(), vocab.by_word[m.group()]))
    return hits


def _stands_alone(s: str, i: int, hits: list[_Hit], vocab: _Vocabulary) -> bool:
    """Whether a bare word at ``i`` is not qualified by the word before it: it follows the start,
    punctuation, a term, a figure (123件申请) or one of the words that do not qualify it (的申请)."""
    if i == 0 or not s[i - 1].isalpha():
        return True
    if hits and hits[-1].end == i:
        return True
    if s[:i].endswith(vocab.bare_after):
        return True
    return any(m.end() == i for m in vocab.figure.finditer(s, max(0, i - 40), i))


def _figures(s: str, vocab: _Vocabulary, hits: list[_Hit]) -> list[_Figure]:
    out = []
    for m in vocab.figure.finditer(s):
        if any(h.start <= m.start() < h.end for h in hits):
            continue
        written = m.group("a") or m.group("c")
        value = numerals.parse_number(written)
        if value is None:
            continue
        unit = m.group("unit")
        amount = unit in vocab.amount_units
        if amount:
            value *= vocab.amount_units[unit]
        out.append(_Figure(m.start(), m.end(), value, amount, bool(m.group("est")), m.group()))
    return out


def _free(s: str, hits: list[_Hit], start: int, end: int) -> str:
    """``s[start:end]`` with the words of terms blanked out."""
    chars = list(s[start:end])
    for h in hits:
        for i in range(max(h.start, start), min(h.end, end)):
            chars[i - start] = "□"
    return "".join(chars)


# --- figures against the tables --------------------------------------------------------------------


def check_figures(form: Form, year: int, full: dict, narrative: dict, level: str = AGENCY) -> list[Finding]:
    """The figures each narrative part quotes, and what it says did not happen, against the
    cells (``full``: every known cell, derived ones included)."""
    findings = []
    for part in form.narrative:
        seen = set()
        for sentence in sentences(narrative.get(part.key) or ""):
            for f in _sentence_findings(form, year, full, sentence, level, part):
                if (f.code, f.message) not in seen:
                    seen.add((f.code, f.message))
                    findings.append(f)
    return findings


def _sentence_findings(form: Form, year: int, full: dict, sentence: Sentence, level: str, part
                       ) -> list[Finding]:
    fig = form.checks.figures
    vocab = _vocabulary(form)
    s = sentence.text
    hits = _hits(s, vocab)
    terms = [h for h in hits if h.term is not None]
    opening = form.checks.stale.opening
    m = opening.match(s) if opening else None
    if m and int(m.group("year")) < year:
        return []  # a sentence about another year (reported as stale text, if it is one)
    findings = _zero_claims(form, year, full, sentence, hits, level, part)
    figures = _figures(s, vocab, hits)
    state: dict[str, tuple] = {}  # table -> (rows, columns) of the figure before
    named: dict[str, set] = {}  # table -> the row alternatives named so far
    parted: dict[str, tuple] = {}  # table -> (rows, columns) of a figure a 其中… has begun to break down
    previous_end = 0
    for f in figures:
        lead_start, previous_end = previous_end, f.end
        if any(ch in _CLAUSE_END for ch in s[lead_start:f.start]):
            state, named, parted = {}, {}, {}
        free = _free(s, hits, lead_start, f.start)
        if _skipped(form, year, s, free, f, hits, level):
            continue
        table = _table_of(terms, f, s, fig)
        if table is None:
            continue
        lead = [h for h in terms if lead_start <= h.start and h.end <= f.start and h.term.table == table]
        tail = _tail_term(s, terms, f, table, fig) if not lead else None
        words = lead or ([tail] if tail else [])
        if not words:
            continue  # nothing ties this figure to the table
        rows = _combine([h for h in words if h.term.rows], s, fig, "rows")
        columns = _combine([h for h in words if h.term.columns], s, fig, "columns")
        if rows == "ambiguous" or columns == "ambiguous":
            continue
        settings = fig.tables.get(table)
        default_column = ((settings.default_column,),) if settings and settings.default_column else None
        before_rows, before_columns = state.get(table, (None, None))
        is_part = any(w in free for w in fig.part_words)
        if rows is not None:
            named.setdefault(table, set()).add(rows)
            columns = columns or default_column
        else:
            if len(named.get(table, ())) > 1:
                continue  # which of the rows named before? say nothing
            rows = before_rows or (settings.rows_for_columns if settings and columns else None) or None
            columns = columns or before_columns or default_column
        if not rows or not columns:
            continue
        state[table] = (rows, columns)
        if is_part and (rows, columns) == (before_rows, before_columns):
            parted[table] = (rows, columns)
            continue  # 其中… of the same figure: a part of it
        if parted.get(table) == (rows, columns):
            continue  # the next part of the same breakdown (其中当面10件、网络113件)
        finding = _compare(form, full, table, rows, columns, f, sentence, part)
        if finding is not None:
            findings.append(finding)
    return findings


def _skipped(form: Form, year: int, s: str, free: str, f: _Figure, hits: list[_Hit], level: str) -> bool:
    """A figure that is not the year's figure of the subject the tables count."""
    fig = form.checks.figures
    if f.estimate or free.endswith(fig.estimate_before):
        return True
    stripped = free
    for w in fig.level_words:
        if stripped.endswith(w):
            break
    else:
        if stripped.endswith(fig.change_words):
            return True  # 比上年增加3件: a change
    if any(w in free for w in (*fig.skip_words, *fig.other_objects)):
        return True
    if any(int(y) < year for y in _PAST_YEAR.findall(free)):
        return True
    if level == AGENCY and any(w in _free(s, hits, 0, f.start) for w in fig.area_words):
        return True  # the area's figure, quoted in an agency's report
    rest = s[f.end:]
    if rest and not _is_punctuation(rest[0]) and not rest.startswith(tuple(fig.after_unit)) \
            and not any(h.start == f.end and h.term is not None for h in hits):
        return True  # 20个工作日内, 5个部门: the unit counts something else
    return False


def _table_of(terms: list[_Hit], f: _Figure, s: str, fig) -> str | None:
    """The table of the last topic named before the figure, or of one named right after it."""
    before = [h for h in terms if h.end <= f.start and h.term.topic]
    if before:
        return before[-1].term.table
    tail = _tail_term(s, terms, f, None, fig, topic=True)
    return tail.term.table if tail else None


def _tail_term(s: str, terms: list[_Hit], f: _Figure, table: str | None, fig, topic: bool = False) -> _Hit | None:
    """The term right after the figure's unit (1件结转下年度, 70件申请), if any."""
    for h in terms:
        if h.start < f.end:
            continue
        gap = s[f.end:h.start]
        for w in sorted(fig.after_unit, key=len, reverse=True):
            gap = gap.replace(w, "")
        if gap:
            return None
        if (table is None or h.term.table == table) and (h.term.topic or not topic):
            return h
        if not topic:
            return None
    return None


def _combine(hits: list[_Hit], s: str, fig, dimension: str):
    """The alternatives named by the terms of one dimension before a figure: one term's; several
    joined by 及/和/、 added up; otherwise the nearest one's, or "ambiguous" (受理并办结)."""
    if not hits:
        return None
    if len(hits) == 1:
        return getattr(hits[0].term, dimension)
    joined = all(s[a.end:b.start] in fig.conjunctions for a, b in zip(hits, hits[1:]))
    if joined:
        keys: list[str] = []
        for h in hits:
            keys += [k for k in getattr(h.term, dimension)[0] if k not in keys]
        return (tuple(keys),)
    if any(s[a.end:b.start] in fig.ambiguous_joins for a, b in zip(hits, hits[1:])):
        return "ambiguous"
    return getattr(hits[-1].term, dimension)


def _cells(form: Form, table: str, rows: Alternatives, columns: Alternatives) -> list[tuple[str, ...]]:
    out = []
    for r in rows:
        for c in columns:
            keys = tuple(f"{table}.{row}.{col}" for row in r for col in c)
            if keys and all(k in form.cells for k in keys):
                out.append(keys)
    return out


def _compare(form: Form, full: dict, table: str, rows: Alternatives, columns: Alternatives, f: _Figure,
             sentence: Sentence, part) -> Finding | None:
    alternatives = [keys for keys in _cells(form, table, rows, columns)
                    if all((form.cells[k].type.kind == "decimal") == f.amount for k in keys)]
    if not alternatives or any(k not in full for keys in alternatives for k in keys):
        return None  # not cells of this form, or not known: nothing to compare
    sums = [sum((Decimal(full[k]) for k in keys), Decimal(0)) for keys in alternatives]
    if any(_agrees(f.value, total, f) for total in sums):
        return None
    keys = alternatives[0]
    return Finding.of(
        "narrative.figure_mismatch", severity=form.checks.figures.severity, part=part.label, row=part.label,
        key=part.key,
        sentence=sentence.snippet(f.start, f.end), text=_as_read(f), target=describe(form, keys),
        value=format_number(f.value.normalize() if f.amount else int(f.value)),
        expected=format_number(sums[0] if f.amount else int(sums[0])))


def _as_read(f: _Figure) -> str:
    """The figure as written, and as read when it is not written in Arabic digits (一百二十三件（123）)."""
    if f.written[:1].isdigit():
        return f.written
    return f"{f.written}（{format_number(f.value.normalize())}）"


def _agrees(value: Decimal, total: Decimal, f: _Figure) -> bool:
    if not f.amount:
        return value == total
    exponent = value.normalize().as_tuple().exponent
    quantum = Decimal(1).scaleb(min(0, exponent))
    return total.quantize(quantum, rounding=ROUND_HALF_UP) == value


def describe(form: Form, keys: tuple[str, ...]) -> str:
    """Cells as a clerk names them: 表三“一、本年新收政府信息公开申请数量”“总计”; a group of rows
    or columns added up by the group's name (“（三）不予公开”, “行政诉讼”)."""
    table = form.table(keys[0].split(".")[0])
    cells = [form.cells[k] for k in keys]
    rows = list(dict.fromkeys(c.row.key for c in cells))
    columns = list(dict.fromkeys(c.column.key for c in cells))
    row_text = _names([r for r in table.rows if r.key in rows], table.rows, lambda r: r.label)
    column_text = _names([c for c in table.columns if c.key in columns], table.columns, lambda c: c.label)
    text = f"表{table.number}“{row_text}”“{column_text}”"
    return text + ("之和" if len(keys) > 1 and "”与“" in text else "")


def _names(items: list, every: tuple, label) -> str:
    if len(items) == 1:
        item = items[0]
        return "·".join((*item.group[-1:], label(item)))
    groups = {item.group[-1] if item.group else None for item in items}
    if len(groups) == 1 and None not in groups:
        (group,) = groups
        if [i for i in every if i.group and i.group[-1] == group] == items:
            return group
    return "”与“".join(label(i) for i in items)


# --- what did not happen ---------------------------------------------------------------------------


def _zero_claims(form: Form, year: int, full: dict, sentence: Sentence, hits: list[_Hit], level: str, part
                 ) -> list[Finding]:
    fig = form.checks.figures
    out = []
    s = sentence.text
    for claim in form.checks.zero_claims:
        for pattern in claim.patterns:
            m = pattern.search(s)
            if m is None:
                continue
            before = _free(s, hits, 0, m.start())
            if any(w in before for w in fig.skip_words) or any(int(y) < year for y in _PAST_YEAR.findall(before)):
                break
            if level == AGENCY and any(w in before for w in fig.area_words):
                break
            if any(k not in full for k in claim.cells):
                break
            total = sum((Decimal(full[k]) for k in claim.cells), Decimal(0))
            if total != 0:
                out.append(Finding.of(
                    "narrative.zero_claim", severity=claim.severity, part=part.label, row=part.label, key=part.key,
                    sentence=sentence.snippet(m.start(), m.end()), target=describe(form, claim.cells),
                    value=0, expected=format_number(total)))
            break
    return out


# --- stale text ------------------------------------------------------------------------------------


def check_stale_years(form: Form, year: int, narrative: dict) -> list[Finding]:
    """A year named as the report's own — the reporting period, a sentence opening with a year
    before it — that is not the report's year."""
    stale = form.checks.stale
    findings = []
    for part in form.narrative:
        seen = set()
        for sentence in sentences(narrative.get(part.key) or ""):
            found = []
            for pattern in stale.period:
                found += [(int(m.group("year")), m) for m in pattern.finditer(sentence.text)
                          if int(m.group("year")) != year]
            if stale.opening and part.key not in stale.opening_skip_parts:
                m = stale.opening.match(sentence.text)
                if m and int(m.group("year")) < year and f"{year}年" not in sentence.text[m.end():]:
                    found.append((int(m.group("year")), m))  # (naming this year too, it compares the two)
            for other, m in found:
                if other in seen:
                    continue
                seen.add(other)
                findings.append(Finding.of(
                    "narrative.stale_year", severity=stale.severity, part=part.label,
                    sentence=sentence.snippet(m.start(), m.end()), found=other, year=year, row=part.label,
                    key=part.key, value=other, expected=year))
    return findings


_NOT_TEXT = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def similarity(a: str, b: str) -> Decimal:
    """How much of two texts is the same: the Dice coefficient of their character three-grams,
    punctuation and white space left out and every number counted as the same number."""
    grams_a, grams_b = _grams(a), _grams(b)
    if not grams_a or not grams_b:
        return Decimal(0)
    common = sum(min(n, grams_b.get(g, 0)) for g, n in grams_a.items())
    total = sum(grams_a.values()) + sum(grams_b.values())
    return (Decimal(2 * common) / Decimal(total)).quantize(Decimal("0.01"))


def _plain(text: str) -> str:
    return _DIGITS.sub("0", _NOT_TEXT.sub("", numerals.normalise(text or "")))


def _grams(text: str) -> dict[str, int]:
    plain = _plain(text)
    grams: dict[str, int] = {}
    for i in range(len(plain) - 2):
        g = plain[i:i + 3]
        grams[g] = grams.get(g, 0) + 1
    return grams


def check_copied(form: Form, narrative: dict, previous_narrative: dict) -> list[Finding]:
    """Parts (nearly) the same as the same agency's parts last year."""
    copied = form.checks.copied
    findings = []
    for part in form.narrative:
        now, before = narrative.get(part.key) or "", previous_narrative.get(part.key) or ""
        if min(len(_plain(now)), len(_plain(before))) < copied.min_length:
            continue
        ratio = similarity(now, before)
        if ratio >= copied.similarity:
            findings.append(Finding.of(
                "narrative.copied", severity=copied.severity, part=part.label, similarity=f"{ratio:.0%}",
                row=part.label, key=part.key, value=f"{ratio:.0%}"))
    return findings


def check_short(form: Form, narrative: dict, blank_sections: bool = True) -> list[Finding]:
    """Parts holding only a token (无, 略, 同上) or less than a sentence; with ``blank_sections``,
    sections whose every part is empty."""
    short = form.checks.short
    findings = []
    for part in form.narrative:
        text = (narrative.get(part.key) or "").strip()
        if not text:
            continue
        letters = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text))
        minimum = short.part_min_length.get(part.key, short.min_length)
        if letters in short.tokens or len(letters) < minimum:
            findings.append(Finding.of("narrative.token", severity=short.severity, part=part.label,
                                       text=" ".join(text.split())[:40], row=part.label, key=part.key,
                                       value=text[:40]))
    if blank_sections:
        for section in form.sections:
            if section.narrative and not any((narrative.get(k) or "").strip() for k in section.narrative):
                findings.append(Finding.of("narrative.section_blank", severity=short.severity,
                                           section=section.heading, row=section.heading,
                                           key=section.narrative[0]))
    return findings


# --- year over year --------------------------------------------------------------------------------


def check_year_over_year(form: Form, full: dict, previous: dict) -> list[Finding]:
    """Headline figures more than ``above`` times, or less than ``below`` times, last year's,
    from a base of at least ``min_base``."""
    yoy = form.checks.year_over_year
    findings = []
    for key in yoy.indicators:
        indicator = form.indicator(key)
        if any(c not in full or c not in previous for c in indicator.cells):
            continue
        now = sum((Decimal(full[c]) for c in indicator.cells), Decimal(0))
        before = sum((Decimal(previous[c]) for c in indicator.cells), Decimal(0))
        if before < yoy.min_base:
            continue
        ratio = now / before
        code = "yoy.rise" if ratio > yoy.above else "yoy.fall" if ratio < yoy.below else None
        if code is None:
            continue
        cell = form.cells[indicator.cells[0]]
        findings.append(Finding.of(
            code, severity=yoy.severity, label=indicator.label, unit=indicator.unit,
            now=format_number(now.normalize()), before=format_number(before.normalize()),
            times=format_number(ratio.quantize(Decimal("0.1"))), percent=f"{ratio:.0%}",
            row=cell.row.full_label, column=cell.column.label, key=indicator.cells[0],
            value=format_number(now.normalize()), expected=format_number(before.normalize())))
    return findings


# --- explanations ------------------------------------------------------------------------------------


def explain(form: Form, findings: list[Finding], explanations: dict[str, str]) -> list[Finding]:
    """The findings with each warning that a filled 情况说明 topic covers carrying its text
    (shown as 已说明; still listed). ``explanations``: topic key -> the agency's text. Errors are
    never explained away."""
    from dataclasses import replace

    out = []
    for f in findings:
        topic = form.explanation_for(f.code) if f.severity == "warning" else None
        text = (explanations.get(topic.key) or "").strip() if topic else ""
        out.append(replace(f, explanation=text) if text else f)
    return out
