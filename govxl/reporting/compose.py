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
from govxl.reporting.grid import COVERED, GridCell, table_grid, table_widths
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
    out = [f'<table class="{escape(css_class)}">']
    if widths:
        out.append("<colgroup>" + "".join(f'<col style="width:{w * 100:.1f}%">' for w in widths) + "</colgroup>")
    for row in grid:
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
            out.append(f'<{tag} class="{c.kind}"{attrs}>{escape(c.text)}</{tag}>')
        out.append("</tr>")
    out.append("</table>")
    return Markup("".join(out))


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
    return {
        "title": f"{clean(name)}{year}年{form.name}",
        "agency": clean(name),
        "year": year,
        "sections": report_sections(form, narrative),
        "tables": {t.key: table_grid(layout, t.key, full) for t in form.tables},
        "widths": {t.key: table_widths(layout, t.key) for t in form.tables},
        "form": form,
    }


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


def district_context(consolidation, previous, status, *, name: str) -> dict:
    """What the district templates draft section 一 from, and the tables and appendix."""
    from govxl.consolidation.charts import chart_series, outcome_parts, svg_bar_chart
    from govxl.consolidation.merge import summary_texts
    from govxl.findings import STATUS_LABELS

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
    report = texts["report"]
    by_code = {x.agency.code: x for x in c.contributions}
    titles = [*report["appendix_columns"], *(form.indicator(k).label for k in report["appendix_indicators"])]
    rows = [[GridCell(title, kind="header") for title in titles]]
    for a in status.agencies:
        contribution = by_code.get(a.code)
        figures = [format_number(c.indicator(k, contribution.values)) if contribution else ""
                   for k in report["appendix_indicators"]]
        rows.append([GridCell(clean(a.name)), GridCell(clean(a.group)), GridCell(STATUS_LABELS[a.status]),
                     *(GridCell(f, kind="number") for f in figures)])
    appendix_widths = [0.26, 0.1, 0.14] + [0.5 / len(report["appendix_indicators"])] * len(report["appendix_indicators"])
    charts = []
    for spec in texts["charts"]:
        series = chart_series(spec, c, previous if has_previous else None, texts["texts"])
        if series:
            charts.append(svg_bar_chart(spec["title"], *series))
    o = status.overall
    return {
        "title": f"{clean(name)}{c.year}年{form.name}",
        "name": clean(name),
        "year": c.year,
        "previous_year": c.year - 1,
        "has_previous": has_previous,
        "sections": report_sections(form, {}),
        "tables": {**{t.key: table_grid(layout, t.key, c.totals) for t in form.tables}, "appendix": rows},
        "widths": {**{t.key: table_widths(layout, t.key) for t in form.tables}, "appendix": appendix_widths},
        "cells": c.totals,
        "indicators": indicators,
        "applicants": applicants,
        "outcomes": [{"label": k, "value": v} for k, v in outcomes.items()],
        "agencies": len(c.contributions),
        "roster_total": o.total,
        "reported": o.reported,
        "rate": f"{o.rate:.0%}",
        "missing": [clean(a.name) for a in c.missing],
        "rejected": [clean(a.name) for a in c.rejected],
        "appendix_title": report["appendix_title"],
        "annexes": [{"title": report["appendix_title"],
                     "note": report["completeness"].format(total=o.total, reported=o.reported, rate=f"{o.rate:.0%}"),
                     "table": "appendix"}],
        "completeness": report["completeness"].format(total=o.total, reported=o.reported, rate=f"{o.rate:.0%}"),
        "charts": charts,
        "form": form,
    }


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
    render a template (Word): title, h1, h2, p, placeholder (text in 【】 for the office to
    write), note (unindented), table (``text`` names the table in ``context["tables"]``)."""

    kind: str
    text: str = ""


def report_blocks(kind: str, context: dict) -> list[Block]:
    """The report of ``kind`` as blocks, from the same context and the same drafted wording
    (``_district.j2``) as the HTML and Markdown templates."""
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
    for annex in context.get("annexes", ()):
        out.append(Block("h1", annex["title"]))
        if annex.get("note"):
            out.append(Block("p", annex["note"]))
        if annex.get("table"):
            out.append(Block("table", annex["table"]))
    return out


def write_output(context: dict, fmt: str, kind: str, path: Path) -> Path:
    """Render a report of ``kind`` (agency | district) in ``fmt`` and write it atomically."""
    from govxl.atomic import atomic_path

    with atomic_path(path) as tmp:
        if fmt == "docx":
            from govxl.reporting.docx_writer import write_docx

            write_docx(report_blocks(kind, context), context, tmp)
        else:
            tmp.write_text(render(kind, fmt, context), encoding="utf-8")
    return path

