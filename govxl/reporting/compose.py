"""``govxl compose``: the narrative annual report of an agency or of the district.

The words are in Jinja2 templates under ``templates/reports/`` (one per kind and format) so that
an office can change wording without touching code; the tables are laid out from the same layout
as the workbook, so they are exactly the national tables. HTML is autoescaped; Markdown escapes
its own syntax; Word text goes through python-docx, which escapes it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from govxl.consolidation.charts import short_label
from govxl.form import narrative_checks
from govxl.form.layout import layout_form
from govxl.form.rules import complete, format_number, known_values
from govxl.form.spec import Form
from govxl.reporting import ANNEXES, DEFAULT_ANNEXES  # noqa: F401  (re-exported)
from govxl.reporting.grid import COVERED, GridCell, table_grid, table_widths, text_width
from govxl.resources import templates_dir

FORMATS = ("md", "html", "docx")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")


def clean(text: str) -> str:
    """Text as it may appear in any output: NFC, every kind of line break as \\n, no control
    characters (Word refuses them)."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text or "")))


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in clean(text).split("\n") if line.strip()]


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def md_escape(text: str) -> str:
    """Text that Markdown shows as itself: its syntax characters are backslash-escaped."""
    text = _MD_SPECIAL.sub(r"\\\1", clean(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_cell(text: str) -> str:
    """Text inside a table cell: inline syntax escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text)).replace("\n", " ")


def md_table(grid) -> str:
    def cell(c):
        return "" if c is None or c is COVERED else md_cell(c.text)

    lines = ["| " + " | ".join(cell(c) for c in row) + " |" for row in grid]
    lines.insert(1, "|" + " --- |" * len(grid[0]))
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------------


def html_table(grid, widths: list[float] | None = None, css_class: str = "national") -> Markup:
    """A table for screen and print: its header rows in ``<thead>`` (repeated on every printed
    page), its body in ``<tbody>`` groups — a table of blocks (table 二, whose blocks each have
    their own header) has a group per block, kept on one page — header texts breakable only
    between words (:func:`header_words`)."""
    from govxl.reporting.grid import header_rows, row_groups

    out = [f'<table class="{escape(css_class)}">']
    if widths:
        out.append("<colgroup>" + "".join(f'<col style="width:{w * 100:.1f}%">' for w in widths) + "</colgroup>")

    def rows(part):
        for row in part:
            out.append("<tr>")
            for c in row:
                if c is COVERED:
                    continue
                if c is None:
                    out.append("<td></td>")
                    continue
                tag = "th" if c.kind == "header" else "td"
                attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                        (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                if c.kind == "header":
                    text = Markup("<wbr>").join(header_words(c.text))
                else:
                    text = escape(c.text)
                out.append(f'<{tag} class="{c.kind}"{attrs}>{text}</{tag}>')
            out.append("</tr>")

    head = header_rows(grid)
    if head:
        out.append("<thead>")
        rows(grid[:head])
        out.append("</thead><tbody>")
        rows(grid[head:])
        out.append("</tbody>")
    else:
        for group in row_groups(grid):
            out.append('<tbody class="block">')
            rows(group)
            out.append("</tbody>")
    out.append("</table>")
    return Markup("".join(out))


def html_title(parts: list[str]) -> Markup:
    """A title that never leaves a character or two alone on a line: its parts (the name, then
    the year and the report's name) each kept on one line when short enough, so that a long title
    breaks between them; text-wrap: balance in the style sheet does the rest where supported."""
    return Markup("<wbr>").join(
        Markup('<span class="nobreak">{}</span>').format(p) if len(p) <= 18 else escape(p) for p in parts)


# --- the environment ---------------------------------------------------------------------------


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "reports")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["md_table"] = md_table
    env.filters["html_table"] = html_table
    env.filters["html_title"] = html_title
    env.filters["paragraphs"] = paragraphs
    env.filters["number"] = lambda v: "" if v is None else format_number(v)
    env.filters["one_line"] = lambda text: clean(text).replace("\n", " ")
    env.filters["outcome"] = short_label
    return env


def render(kind: str, fmt: str, context: dict) -> str:
    """Render ``templates/reports/<kind>.<fmt>.j2``."""
    text = environment().get_template(f"{kind}.{fmt}.j2").render(**context, d=context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# --- the agency report ---------------------------------------------------------------------------


def report_sections(form: Form, narrative: dict) -> list[dict]:
    parts = {p.key: p for p in form.narrative}
    return [
        {"number": s.number, "title": s.title, "heading": s.heading, "table": s.table,
         "parts": [{"key": k, "heading": parts[k].heading, "paragraphs": paragraphs(narrative.get(k, ""))}
                   for k in s.narrative]}
        for s in form.sections
    ]


def agency_context(form: Form, *, name: str, year: int, values: dict, narrative: dict) -> dict:
    layout = layout_form(form)
    full = complete_known(form, values)
    context = {
        "title": f"{clean(name)}{year}年{form.name}",
        "title_parts": [clean(name), f"{year}年{form.name}"],
        "agency": clean(name),
        "year": year,
        "sections": report_sections(form, narrative),
        "tables": {t.key: table_grid(layout, t.key, full) for t in form.tables},
        "form": form,
    }
    context["widths"] = {k: fit_widths(grid, table_widths(layout, k)) for k, grid in context["tables"].items()}
    return context


def complete_known(form: Form, values: dict) -> dict:
    """Every cell, derived ones recomputed — unless an input is unknown (an unread cell of an
    imported report): then what is known, and blanks, never invented numbers."""
    if any(values.get(k) is None for k in form.input_keys):
        return known_values(form, values)
    return complete(form, values)


# --- the district report ---------------------------------------------------------------------


def _change(now, before):
    if before is None:
        return None
    diff = now - before
    return {"previous": before, "diff": diff, "abs": abs(diff),
            "rate": f"{abs(diff) / before:.1%}" if before else None}


def table_statements(form: Form, table_key: str, values: dict) -> list[dict]:
    """Every row of a table as prose states it, from the form spec: for each row its label and
    one figure per column (the column's ``prose``, 制发{row}{value} -> 制发规章3件), with the
    indicator that is exactly that cell (for a year-over-year change), if any."""
    single = {ind.cells[0]: ind.key for ind in form.indicators if len(ind.cells) == 1}
    out = []
    table = form.table(table_key)
    for row in table.rows:
        figures = []
        for column in table.block_of(row.key).columns:
            key = f"{table_key}.{row.key}.{column.key}"
            cell = form.cells[key]
            value = f"{format_number(values[key])}{cell.type.unit}"
            pattern = column.prose or "{row}{column}{value}"
            figures.append({"text": pattern.format(row=row.label, column=column.label, value=value),
                            "indicator": single.get(key)})
        out.append({"label": row.label, "figures": figures})
    return out


def district_context(consolidation, previous, status, *, name: str) -> dict:
    """What the district templates draft section 一 from, and its tables. The public report: no
    agency is named with its status here (that is the internal annex, :func:`status_annex`)."""
    from govxl.consolidation.charts import chart_series, outcome_parts, svg_bar_chart
    from govxl.consolidation.merge import summary_texts

    c, form = consolidation, consolidation.form
    layout = layout_form(form)
    texts = summary_texts()
    has_previous = previous is not None and bool(previous.contributions)
    indicators = {}
    for ind in form.indicators:
        now = c.indicator(ind.key)
        indicators[ind.key] = {"label": ind.label, "unit": ind.unit, "value": now,
                               "change": _change(now, previous.indicator(ind.key)) if has_previous else None}
    new_row = [k for k, cell in form.cells.items() if k.startswith("t3.new.") and not cell.derived]
    applicants = [{"label": "·".join((*form.cells[k].column.group, form.cells[k].column.label)),
                   "group": "".join(form.cells[k].column.group), "value": c.totals[k]} for k in new_row]
    chart_specs = {spec["kind"]: spec for spec in texts["charts"]}
    outcomes = outcome_parts(form, c.totals, chart_specs["parts_of"]["instance"])
    charts = []
    for spec in texts["charts"]:
        series = chart_series(spec, c, previous if has_previous else None, texts["texts"])
        if series:
            charts.append(svg_bar_chart(spec["title"], *series))
    o = status.overall
    context = {
        "title": f"{clean(name)}{c.year}年{form.name}",
        "title_parts": [clean(name), f"{c.year}年{form.name}"],
        "name": clean(name),
        "year": c.year,
        "previous_year": c.year - 1,
        "has_previous": has_previous,
        "sections": report_sections(form, {}),
        "tables": {t.key: table_grid(layout, t.key, c.totals) for t in form.tables},
        "cells": c.totals,
        "statements": {t.key: table_statements(form, t.key, c.totals) for t in form.tables},
        "indicators": indicators,
        "applicants": applicants,
        "outcomes": [{"label": k, "value": v} for k, v in outcomes.items()],
        "agencies": len(c.contributions),
        "roster_total": o.total,
        "reported": o.reported,
        "rate": f"{o.rate:.0%}",
        "parts": {p.key: p for p in form.narrative},
        # per narrative part, where the 各单位文字材料汇编 written beside the report has the
        # agencies' own text of it (set by :func:`point_to_texts_annex`)
        "pointers": {},
        "charts": charts,
        "form": form,
    }
    context["widths"] = {k: fit_widths(grid, table_widths(layout, k)) for k, grid in context["tables"].items()}
    return context


# --- annexes of the district report (internal documents written beside it) ----------------------


def annex_texts() -> dict:
    from govxl.consolidation.merge import summary_texts

    return summary_texts()["annexes"]


def annex_title(key: str) -> str:
    return annex_texts()[key]["title"]


def point_to_texts_annex(context: dict) -> None:
    """Make the district draft's placeholders name the part of 各单位文字材料汇编 to draft from."""
    t = annex_texts()["texts"]
    context["pointers"] = {p.key: t["pointer"].format(title=t["title"], part=p.heading or p.label)
                           for p in context["form"].narrative}


def texts_annex(form: Form, *, name: str, year: int, agencies: list[tuple[str, dict]]) -> dict:
    """各单位文字材料汇编: every agency's narrative, part by part in the order of the report (the
    parts and their headings from the form spec), for the office to draft the district's text
    from. ``agencies``: (name, narrative) in roster order."""
    t = annex_texts()["texts"]
    parts = {p.key: p for p in form.narrative}
    blocks = [Block("title", t["title"]), Block("note", t["note"].format(name=clean(name), year=year,
                                                                         n=len(agencies)))]
    for section in form.sections:
        if not section.narrative:
            continue
        blocks.append(Block("h1", section.heading))
        for key in section.narrative:
            part = parts[key]
            blocks.append(Block("h2", part.heading or part.label))
            empty = []
            for agency, narrative in agencies:
                texts = paragraphs(narrative.get(key, ""))
                if not texts:
                    empty.append(clean(agency))
                    continue
                blocks.append(Block("h3", clean(agency)))
                blocks += [Block("p", text) for text in texts]
            if empty:
                blocks.append(Block("note", t["empty"].format(names="、".join(empty))))
    return {"title": t["title"], "blocks": blocks, "tables": {}, "widths": {}}


def status_annex(consolidation, status, *, name: str) -> dict:
    """各单位报送情况 (internal): every agency of the roster with its status and main figures,
    and the agencies not yet in the consolidation named."""
    from govxl.findings import STATUS_LABELS

    c, form = consolidation, consolidation.form
    t = annex_texts()["status"]
    by_code = {x.agency.code: x for x in c.contributions}
    titles = [*t["columns"], *(form.indicator(k).label for k in t["indicators"])]
    rows = [[GridCell(title, kind="header") for title in titles]]
    for a in status.agencies:
        contribution = by_code.get(a.code)
        figures = [format_number(c.indicator(k, contribution.values)) if contribution else ""
                   for k in t["indicators"]]
        rows.append([GridCell(clean(a.name)), GridCell(clean(a.group)), GridCell(STATUS_LABELS[a.status]),
                     *(GridCell(f, kind="number") for f in figures)])
    o = status.overall
    blocks = [Block("title", t["title"]),
              Block("note", t["note"].format(name=clean(name), year=c.year)),
              Block("p", t["completeness"].format(total=o.total, reported=o.reported, rate=f"{o.rate:.0%}"))]
    if c.missing:
        blocks.append(Block("p", t["missing"].format(names="、".join(clean(a.name) for a in c.missing))))
    if c.rejected:
        blocks.append(Block("p", t["rejected"].format(names="、".join(clean(a.name) for a in c.rejected))))
    blocks.append(Block("table", "status"))
    return {"title": t["title"], "blocks": blocks, "tables": {"status": rows},
            "widths": {"status": content_widths(rows)}}


# A table line: 156 mm of 10.5 pt characters; a cell's padding and border take up to 0.8 of one.
TABLE_LINE, CELL_PAD = 42, 0.8


def _needs(grid, minimum: float, names: bool = True) -> list[float]:
    """Per column, the width (in characters) of its longest unbreakable text: a number, a
    header's longest word (a header never more than about five lines high), and with ``names`` a
    label whole (a name, a status) — else a label may break anywhere."""
    need = [minimum] * len(grid[0])
    for row in grid:
        for i, cell in enumerate(row):
            if cell is None or cell is COVERED or cell.colspan > 1 or not cell.text:
                continue
            text = clean(cell.text)
            if cell.kind == "header":
                size = max(max((text_width(p) for p in header_words(text)), default=0), text_width(text) / 5)
            elif cell.kind == "label" and not names:
                size = 1
            else:
                size = text_width(text)
            need[i] = max(need[i], size + CELL_PAD)
    return need


def content_widths(grid, line: float = TABLE_LINE, minimum: float = 2) -> list[float]:
    """Relative column widths sized to their content (:func:`_needs`), so that no name breaks
    while the page has room (区直部门 never becomes 区直部/门); what is left of a line of ``line``
    characters is shared equally."""
    need = _needs(grid, minimum)
    slack = max(line - sum(need), 0) / len(need)
    total = sum(need) + slack * len(need)
    return [(n + slack) / total for n in need]


def fit_widths(grid, widths: list[float], line: float = TABLE_LINE) -> list[float]:
    """The layout's relative widths, with every column widened to its content where it is too
    narrow (a number, a header's word: 总计 never 总/计), at the expense of the columns that have
    room to spare."""
    need = _needs(grid, 0, names=False)
    base = [w * line for w in widths]
    deficit = sum(max(n - b, 0) for n, b in zip(need, base))
    spare = sum(max(b - n, 0) for n, b in zip(need, base))
    if not deficit or not spare:
        return widths
    take = min(deficit / spare, 1)
    out = [n if n > b else b - (b - n) * take for n, b in zip(need, base)]
    total = sum(out)
    return [w / total for w in out]


_PUNCT = re.compile(r"([（(]+|[）)、，,：:；;。\s]+)")


def header_words(text: str) -> list[str]:
    """A header's text as the pieces a line may break between, so that a narrow column never
    breaks a two-character word (总计, never 总/计): runs between punctuation (an opening bracket
    kept with the run after it, other punctuation with the run before it); a run of four
    characters or more of even length in pairs (结果维持 -> 结果 维持, 社会公益组织 -> 社会 公益 组织); runs
    of up to three characters and of five stay whole (自然人, 复议后起诉); other runs (a sentence)
    may break anywhere."""
    out: list[str] = []
    opening = ""
    for piece in _PUNCT.split(text):
        if not piece:
            continue
        if piece[0] in "（(":
            opening += piece
            continue
        if _PUNCT.fullmatch(piece):
            if out:
                out[-1] += piece
            else:
                out.append(opening + piece)
                opening = ""
            continue
        if len(piece) <= 3 or len(piece) == 5:
            words = [piece]
        elif len(piece) % 2 == 0:
            words = [piece[i:i + 2] for i in range(0, len(piece), 2)]
        else:
            words = list(piece)
        words[0] = opening + words[0]
        opening = ""
        out += words
    if opening:
        out.append(opening)
    return out


def drafted_parts(context: dict) -> dict[str, str]:
    """The text the district report drafts for each narrative part (``_district.j2``), the
    preamble with the overview; what is in 【】 is left for the office and left out here."""
    prose = environment().get_template("_district.j2").module
    parts = {}
    for part in context["form"].narrative:
        texts = paragraphs(getattr(prose, part.key)(context))
        if part.key == context["form"].narrative[0].key:
            texts = paragraphs(prose.preamble(context)) + texts
        parts[part.key] = "\n".join(t for t in texts if not t.startswith("【"))
    return parts


def check_draft(context: dict, totals: dict) -> list:
    """The district draft read as an evaluator reads a report (:mod:`govxl.form.narrative_checks`):
    each figure it quotes against the district's tables, and the years it names. Findings mean
    the wording templates and the data disagree."""
    form = context["form"]
    parts = drafted_parts(context)
    return (narrative_checks.check_figures(form, context["year"], totals, parts, narrative_checks.AREA)
            + narrative_checks.check_stale_years(form, context["year"], parts))


@dataclass(frozen=True)
class Block:
    """One element of a report in reading order, for writers that build a document rather than
    render a template (Word), and the whole of an annex: title, h1, h2, h3 (an agency's name in
    an annex), p, placeholder (text in 【】 for the office to write), note (unindented), table
    (``text`` names the table in ``context["tables"]``)."""

    kind: str
    text: str = ""


def report_blocks(kind: str, context: dict) -> list[Block]:
    """The report of ``kind`` as blocks, from the same context and the same drafted wording
    (``_district.j2``) as the HTML and Markdown templates."""
    if kind == "annex":
        return list(context["blocks"])
    prose = environment().get_template("_district.j2").module if kind == "district" else None
    out = [Block("title", clean(context["title"]).replace("\n", ""))]
    if prose is not None:
        out += [Block("p", t) for t in paragraphs(prose.preamble(context))]
    for section in context["sections"]:
        out.append(Block("h1", section["heading"]))
        for part in section["parts"]:
            if part["heading"]:
                out.append(Block("h2", part["heading"]))
            texts = paragraphs(getattr(prose, part["key"])(context)) if prose is not None else part["paragraphs"]
            out += [Block("placeholder" if t.startswith("【") else "p", t) for t in texts]
        if section["table"]:
            out.append(Block("table", section["table"]))
    return out


def write_output(context: dict, fmt: str, kind: str, path: Path) -> Path:
    """Render a report of ``kind`` (agency | district | annex) in ``fmt`` and write it atomically."""
    from govxl.atomic import atomic_path

    with atomic_path(path) as tmp:
        if fmt == "docx":
            from govxl.reporting.docx_writer import write_docx

            write_docx(report_blocks(kind, context), context, tmp)
        else:
            tmp.write_text(render(kind, fmt, context), encoding="utf-8")
    return path

