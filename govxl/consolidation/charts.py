"""The data of the summary charts (``templates/summary.toml``), shared by the summary workbook's
native Excel charts and the district report's SVG charts."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from govxl.form.rules import format_number, instances

_ORDINAL = re.compile(r"^（[一二三四五六七八九十]+）")
_ASIDE = re.compile(r"（[^（）]*）$")


def short_label(label: str) -> str:
    """A row label as prose and charts name it: （二）部分公开（区分处理的，…） -> 部分公开."""
    return _ASIDE.sub("", _ORDINAL.sub("", label))


def outcome_parts(form, values: dict, instance_id: str) -> dict[str, object]:
    """The cells of a rule instance's right-hand side added up per innermost row group: the
    handling outcomes (予以公开, 部分公开, 不予公开 …) of table three."""
    (inst,) = [i for i in instances(form) if i.id == instance_id]
    parts: dict[str, object] = {}
    for op in inst.rhs:
        cell = form.cells[op.key]
        label = cell.row.group[-1] if len(cell.row.group) > 1 else cell.row.label
        parts[label] = parts.get(label, 0) + op.sign * values[op.key]
    return parts


def chart_series(spec: dict, c, previous, texts: dict):
    """(categories, [(series name, values)]) of a chart, or None when it has nothing to show."""
    form = c.form
    year = texts["this_year"].format(year=c.year)
    kind = spec["kind"]
    if kind == "row_by_column":
        table, row = spec["row"].split(".")
        keys = [k for k, cell in form.cells.items() if cell.table == table and cell.row.key == row and not cell.derived]
        return [form.cells[k].column.label for k in keys], [(year, [c.totals[k] for k in keys])]
    if kind == "parts_of":
        parts = outcome_parts(form, c.totals, spec["instance"])
        return [short_label(p) for p in parts], [(year, list(parts.values()))]
    if kind == "top_agencies":
        ranked = sorted(c.contributions, key=lambda x: -c.indicator(spec["indicator"], x.values))
        ranked = [x for x in ranked if c.indicator(spec["indicator"], x.values)][: spec["count"]]
        if not ranked:
            return None
        return ([x.agency.name for x in ranked],
                [(year, [c.indicator(spec["indicator"], x.values) for x in ranked])])
    if kind == "year_over_year":
        if previous is None or not previous.contributions:
            return None
        keys = spec["indicators"]
        last = texts["last_year"].format(year=c.year - 1)
        return ([form.indicator(k).label for k in keys],
                [(last, [previous.indicator(k) for k in keys]), (year, [c.indicator(k) for k in keys])])
    raise ValueError(f"unknown chart kind {kind}")


COLORS = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000")


def svg_bar_chart(title: str, categories: list[str], sets: list[tuple[str, list]]) -> Markup:
    """A horizontal bar chart as inline SVG; every text escaped."""
    bar, gap, label_w, width = 14, 8, 220, 640
    group = bar * len(sets) + gap
    height = 40 + group * len(categories) + 30
    peak = max((float(v) for _, values in sets for v in values), default=0) or 1
    scale = (width - label_w - 60) / peak
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15">{escape(title)}</text>']
    for i, category in enumerate(categories):
        y = 36 + i * group
        name = category if len(category) <= 16 else category[:15] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + bar * len(sets) / 2 + 4}" text-anchor="end" '
                   f'font-size="12">{escape(name)}<title>{escape(category)}</title></text>')
        for j, (_name, values) in enumerate(sets):
            v = values[i]
            w = max(float(v) * scale, 0)
            out.append(f'<rect x="{label_w}" y="{y + j * bar}" width="{w:.1f}" height="{bar - 2}" '
                       f'fill="{COLORS[j % len(COLORS)]}"/>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + j * bar + bar - 4}" font-size="11">'
                       f'{escape(format_number(v))}</text>')
    if len(sets) > 1:
        for j, (name, _values) in enumerate(sets):
            x = label_w + j * 120
            out.append(f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{COLORS[j % len(COLORS)]}"/>')
            out.append(f'<text x="{x + 16}" y="{height - 8}" font-size="12">{escape(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
