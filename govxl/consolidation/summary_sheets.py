"""The extra sheets of the district summary workbook: per-agency detail, year over year,
completeness, accepted warnings and missing agencies, provenance, and native Excel charts.
Texts and chart definitions come from ``templates/summary.toml``; labels from the form spec."""

from __future__ import annotations

from decimal import Decimal


from govxl.consolidation.charts import chart_series
from govxl.findings import EXPLAINED_LABEL, STATUS_LABELS


def _number(ws, row, col, value, fmt) -> None:
    ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt)


def text_width(texts, least: float = 8, most: float = 60) -> float:
    """A column width (Excel character units) that shows the longest of ``texts`` on one line; a
    CJK character takes two units."""
    units = 0
    for t in set(map(str, texts)):  # a province's roster: tens of thousands of names, many alike
        if 2 * len(t) > units:  # else it cannot be wider than the widest so far
            units = max(units, sum(2 if ord(ch) > 0x2E7F else 1 for ch in t))
            if units + 2 >= most:
                break
    return max(least, min(most, units + 2))


def print_setup(ws, footer: str, title_rows: tuple[int, int] | None = None, landscape: bool = True) -> None:
    """A4, fit to one page wide, title rows repeated, the sheet's name above and 第 N 页 below."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if title_rows:
        ws.repeat_rows(*title_rows)
    ws.set_header('&L&"宋体"&A')
    ws.set_footer("&C" + footer)


class SummarySheets:
    def __init__(self, consolidation, previous, store, texts: dict, footer: str = ""):
        self.footer = footer
        self.c = consolidation
        self.previous = previous
        self.store = store
        self.texts = texts
        self.t = texts["texts"]
        s = texts["sheets"]
        self.names = (s["agencies"], s["year_over_year"], s["completeness"], s["warnings"], s["provenance"],
                      s["charts"], s["chart_data"])

    def write(self, wb, formats: dict) -> None:
        self.wb = wb
        font = {"font_name": "宋体", "font_size": 10}
        self.f = {
            "title": formats["title"],
            "header": formats["header"],
            "wrap": wb.add_format({**font, "border": 1, "valign": "vcenter", "text_wrap": True}),
            "text": wb.add_format({**font, "border": 1, "valign": "vcenter"}),
            "count": wb.add_format({**font, "border": 1, "num_format": "0"}),
            "amount": wb.add_format({**font, "border": 1, "num_format": "0.0000"}),
            "subtotal_text": wb.add_format({**font, "border": 1, "bold": True, "bg_color": "#E7E6E6"}),
            "subtotal_count": wb.add_format({**font, "border": 1, "bold": True, "bg_color": "#E7E6E6",
                                             "num_format": "0"}),
            "subtotal_amount": wb.add_format({**font, "border": 1, "bold": True, "bg_color": "#E7E6E6",
                                              "num_format": "0.0000"}),
            "percent": wb.add_format({**font, "border": 1, "num_format": "0.0%"}),
            "note": formats["note"],
        }
        sheets = self.texts["sheets"]
        self._agencies(wb.add_worksheet(sheets["agencies"]))
        self._year_over_year(wb.add_worksheet(sheets["year_over_year"]))
        self._completeness(wb.add_worksheet(sheets["completeness"]))
        self._warnings(wb.add_worksheet(sheets["warnings"]))
        self._provenance(wb.add_worksheet(sheets["provenance"]))
        charts = wb.add_worksheet(sheets["charts"])
        data = wb.add_worksheet(sheets["chart_data"])
        self._charts(charts, data)

    # --- per-agency detail -------------------------------------------------------------------

    INDICATOR = "@"  # prefix of the key of an indicator column

    def _columns(self):
        """The main indicators first (what the sheet prints), then every cell of the form."""
        form = self.c.form
        for ind in form.indicators:
            amount = form.cells[ind.cells[0]].type.kind == "decimal"
            yield self.INDICATOR + ind.key, self.t["indicators"], ind.label, amount
        for key, cell in form.cells.items():
            table = form.table(cell.table)
            group = f"表{table.number} {'·'.join((*cell.row.group[-1:], cell.row.label))}"
            yield key, group, "·".join((*cell.column.group, cell.column.label)), cell.type.kind == "decimal"

    def _agencies(self, ws) -> None:
        t, f, c = self.t, self.f, self.c
        columns = list(self._columns())
        ws.merge_range(0, 0, 0, 8, t["agencies_title"].format(year=c.year), f["title"])
        for col, title in enumerate((t["code"], t["name"], t["group"])):
            ws.merge_range(1, col, 2, col, title, f["header"])
        start = 0
        for i, (_key, group, label, _amount) in enumerate(columns):
            ws.write_string(2, 3 + i, label, f["header"])
            if i + 1 == len(columns) or columns[i + 1][1] != group:
                if start == i:
                    ws.write_string(1, 3 + i, group, f["header"])
                else:
                    ws.merge_range(1, 3 + start, 1, 3 + i, group, f["header"])
                start = i + 1
        row = 3
        groups: dict[str, list] = {}
        for contribution in c.contributions:
            groups.setdefault(contribution.agency.group or t["ungrouped"], []).append(contribution)
        plan = self._row_plan(columns)
        for group, members in groups.items():
            for m in members:
                self._agency_row(ws, row, (m.agency.code, m.agency.name, group), m.values, plan, "")
                row += 1
            subtotal = {k: sum((m.values[k] for m in members), 0) for k in c.form.cells}
            self._agency_row(ws, row, ("", t["subtotal"].format(group=group), group), subtotal, plan, "subtotal_")
            row += 1
        self._agency_row(ws, row, ("", t["total"], ""), c.totals, plan, "subtotal_")
        ws.set_row(1, 48)
        ws.set_row(2, 60)
        names = [m.agency.name for m in c.contributions] + [t["subtotal"].format(group=g) for g in groups]
        ws.set_column(0, 0, text_width([m.agency.code for m in c.contributions] + [t["code"]]))
        ws.set_column(1, 1, text_width(names))
        ws.set_column(2, 2, text_width(list(groups) + [t["group"]]))
        ws.set_column(3, 2 + len(columns), 11)
        ws.freeze_panes(3, 3)
        ws.autofilter(2, 0, max(row, 3), 2 + len(columns))
        # On paper: the agencies with their main indicators; every cell stays on the screen.
        printed = 3 + sum(key.startswith(self.INDICATOR) for key, *_ in columns)
        ws.print_area(0, 0, row, printed - 1)
        print_setup(ws, self.footer, (1, 2))
        ws.set_header('&L&"宋体"&A&R&"宋体"' + t["agencies_printed"])

    def _row_plan(self, columns) -> list[tuple[tuple[str, ...], bool]]:
        """Per column of numbers, the cells it adds up (one, or an indicator's) and whether it is an
        amount: worked out once, not for each of thousands of rows."""
        form = self.c.form
        return [(tuple(form.indicator(key[len(self.INDICATOR):]).cells) if key.startswith(self.INDICATOR)
                 else (key,), amount) for key, _group, _label, amount in columns]

    def _agency_row(self, ws, row, ids, values, plan, style) -> None:
        f = self.f
        text, count, amount = f[f"{style}text"], f[f"{style}count"], f[f"{style}amount"]
        write_string, write_number = ws.write_string, ws.write_number
        for col, value in enumerate(ids):
            write_string(row, col, value, text)
        for col, (cells, is_amount) in enumerate(plan, start=3):
            value = values[cells[0]] if len(cells) == 1 else sum((values[k] for k in cells), 0)
            write_number(row, col, float(value) if isinstance(value, Decimal) else value,
                         amount if is_amount else count)

    # --- year over year ----------------------------------------------------------------------

    def _year_over_year(self, ws) -> None:
        t, f, c = self.t, self.f, self.c
        previous_year = c.year - 1
        ws.merge_range(0, 0, 0, 6, t["yoy_title"].format(year=c.year, previous=previous_year), f["title"])
        ws.set_row(0, 30)
        print_setup(ws, self.footer, (1, 1))
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 48)
        ws.set_column(2, 2, 22)
        ws.set_column(3, 6, 12)
        if self.previous is None or not self.previous.contributions:
            # Nothing to compare: one line that says so, no empty columns to print.
            ws.merge_range(1, 0, 1, 6, t["yoy_no_previous"].format(previous=previous_year), f["note"])
            ws.print_area(0, 0, 1, 6)
            return
        heads = (t["table"], t["row"], t["column"], t["this_year"].format(year=c.year),
                 t["last_year"].format(year=previous_year), t["change"], t["change_rate"])
        for col, title in enumerate(heads):
            ws.write_string(1, col, title, f["header"])
        rows = [(t["indicators"], ind.label, ind.unit, c.indicator(ind.key), self.previous.indicator(ind.key))
                for ind in c.form.indicators]
        form = c.form
        for key, cell in form.cells.items():
            table = form.table(cell.table)
            rows.append((f"表{table.number}", cell.row.full_label, "·".join((*cell.column.group, cell.column.label)),
                         c.totals[key], self.previous.totals[key]))
        r = 2
        for group, label, column, now, before in rows:
            ws.write_string(r, 0, group, f["text"])
            ws.write_string(r, 1, label, f["wrap"])
            ws.write_string(r, 2, column, f["wrap"])
            amount = isinstance(now, Decimal)
            _number(ws, r, 3, now, f["amount" if amount else "count"])
            _number(ws, r, 4, before, f["amount" if amount else "count"])
            _number(ws, r, 5, now - before, f["amount" if amount else "count"])
            if before:
                _number(ws, r, 6, (now - before) / before, f["percent"])
            else:
                ws.write_blank(r, 6, None, f["text"])
            r += 1
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, r - 1, 6)

    # --- completeness, warnings, provenance ----------------------------------------------------

    def _text_table(self, ws, title: str, heads: tuple, rows: list, widths: tuple) -> None:
        """A titled table of text: frozen header, autofilter; each column as wide as its longest
        text up to ``widths`` (longer texts wrap)."""
        f = self.f
        ws.merge_range(0, 0, 0, len(heads) - 1, title, f["title"])
        ws.set_row(0, 30)
        for col, head in enumerate(heads):
            ws.write_string(1, col, head, f["header"])
        for r, values in enumerate(rows, start=2):
            for col, value in enumerate(values):
                ws.write_string(r, col, value, f["wrap"])
        for col, most in enumerate(widths):
            ws.set_column(col, col, text_width([heads[col], *(row[col] for row in rows)], most=most))
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(2, len(rows) + 1), len(heads) - 1)
        print_setup(ws, self.footer, (1, 1))

    def _completeness(self, ws) -> None:
        t = self.t
        report = self.c.status
        if report is None:
            return
        o = report.overall
        title = t["completeness_title"].format(year=self.c.year, total=o.total, reported=o.reported,
                                               rate=f"{o.rate:.0%}")
        rows = [(a.code, a.name, a.group, STATUS_LABELS[a.status], str(a.accepted_version or ""),
                 (a.received_at or "")[:19].replace("T", " ")) for a in report.agencies]
        self._text_table(ws, title, (t["code"], t["name"], t["group"], t["status"], t["version"], t["received"]),
                         rows, (10, 28, 14, 14, 14, 20))

    def _warnings(self, ws) -> None:
        t, c = self.t, self.c
        rows = [(t["kind_missing"], a.code, a.name, "", "") for a in c.missing]
        rows += [(t["kind_rejected"], a.code, a.name, "", "") for a in c.rejected]
        for contribution in c.contributions:
            for w in contribution.warnings:
                where = f"{w.sheet}!{w.cell}" if w.sheet and w.cell else (w.sheet or "")
                kind = f"{t['kind_warning']}（{EXPLAINED_LABEL}）" if w.explained else t["kind_warning"]
                text = f"{w.text}\n{EXPLAINED_LABEL}：{w.explanation}" if w.explained else w.text
                rows.append((kind, contribution.agency.code, contribution.agency.name, where, text))
        self._text_table(ws, t["warnings_title"], (t["warning_kind"], t["code"], t["name"], t["cell"], t["message"]),
                         rows, (16, 10, 40, 24, 60))

    def _provenance(self, ws) -> None:
        t = self.t
        rows = [(x.agency.code, x.agency.name, str(x.version), STATUS_LABELS.get(x.status, x.status),
                 x.original_name or x.source, x.sha256 or "", (x.received_at or "")[:19].replace("T", " "))
                for x in self.c.contributions]
        self._text_table(ws, t["provenance_title"], (t["code"], t["name"], t["version"], t["status"], t["file"],
                                                     t["sha256"], t["received"]), rows, (10, 28, 12, 12, 36, 66, 20))

    # --- charts --------------------------------------------------------------------------------

    CHART_SIZE = (500, 380)  # pixels: two charts side by side fill a landscape A4 page
    CHART_ROWS = 22  # rows of 20 px a page of charts takes: a row of space, the charts, two rows below
    CHART_COLUMN = 8  # the second chart of a page starts in column I (8 default columns of 64 px)

    def _charts(self, sheet, data) -> None:
        placed = 0
        col = 0
        for spec in self.texts["charts"]:
            series = chart_series(spec, self.c, self.previous, self.t)
            if not series:
                continue
            categories, sets = series
            data.write_string(0, col, spec["title"], self.f["header"])
            for i, name in enumerate(categories, start=1):
                data.write_string(i, col, name, self.f["wrap"])
            for j, (label, values) in enumerate(sets, start=1):
                data.write_string(0, col + j, label, self.f["header"])
                for i, value in enumerate(values, start=1):
                    _number(data, i, col + j, value, self.f["count"])
            data.set_column(col, col, text_width([spec["title"], *categories], most=30))
            data.set_column(col + 1, col + len(sets), 12)
            chart = self.wb.add_chart({"type": spec["type"]})
            for j in range(1, len(sets) + 1):
                chart.add_series({
                    "name": [data.name, 0, col + j],
                    "categories": [data.name, 1, col, len(categories), col],
                    "values": [data.name, 1, col + j, len(categories), col + j],
                    "data_labels": {"value": True},
                })
            chart.set_title({"name": spec["title"], "name_font": {"name": "宋体", "size": 12}})
            chart.set_legend({"position": "bottom" if len(sets) > 1 or spec["type"] == "pie" else "none",
                              "font": {"name": "宋体"}})
            chart.set_size({"width": self.CHART_SIZE[0], "height": self.CHART_SIZE[1]})
            chart.set_x_axis({"num_font": {"name": "宋体", "size": 9}})
            # a row of space above each pair, so that no chart touches another page's rows
            sheet.insert_chart((placed // 2) * self.CHART_ROWS + 1, (placed % 2) * self.CHART_COLUMN, chart,
                               {"object_position": 3})
            placed += 1
            col += len(sets) + 2
        data.set_row(0, 36)
        print_setup(data, self.footer, (0, 0))
        sheet.set_default_row(15)  # the 20 px rows the chart positions are counted in, in every program
        pages = (placed + 1) // 2
        sheet.set_h_pagebreaks([p * self.CHART_ROWS for p in range(1, pages)])
        sheet.print_area(0, 0, max(pages * self.CHART_ROWS - 1, 0), 2 * self.CHART_COLUMN - 1)
        print_setup(sheet, self.footer)
