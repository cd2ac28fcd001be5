"""The extra sheets of the district summary workbook: per-agency detail, year over year,
completeness, accepted warnings and missing agencies, provenance, and native Excel charts.
Texts and chart definitions come from ``templates/summary.toml``; labels from the form spec."""

from __future__ import annotations

from decimal import Decimal

from xlsxwriter.utility import xl_rowcol_to_cell

from govxl.consolidation.charts import chart_series
from govxl.findings import STATUS_LABELS


def _number(ws, row, col, value, fmt) -> None:
    ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt)


class SummarySheets:
    def __init__(self, consolidation, previous, store, texts: dict):
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

    def _columns(self):
        form = self.c.form
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
        for group, members in groups.items():
            for m in members:
                self._agency_row(ws, row, (m.agency.code, m.agency.name, group), m.values, columns, "")
                row += 1
            subtotal = {k: sum((m.values[k] for m in members), 0) for k, *_ in columns}
            self._agency_row(ws, row, ("", t["subtotal"].format(group=group), group), subtotal, columns, "subtotal_")
            row += 1
        self._agency_row(ws, row, ("", t["total"], ""), c.totals, columns, "subtotal_")
        ws.set_row(2, 48)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 28)
        ws.set_column(2, 2, 10)
        ws.set_column(3, 2 + len(columns), 11)
        ws.freeze_panes(3, 3)
        ws.autofilter(2, 0, max(row, 3), 2 + len(columns))
        ws.set_landscape()
        ws.set_paper(9)
        ws.repeat_rows(1, 2)
        ws.repeat_columns(0, 2)

    def _agency_row(self, ws, row, ids, values, columns, style) -> None:
        f = self.f
        for col, text in enumerate(ids):
            ws.write_string(row, col, text, f[f"{style}text"] if style else f["text"])
        for i, (key, _group, _label, amount) in enumerate(columns):
            _number(ws, row, 3 + i, values[key], f[f"{style}{'amount' if amount else 'count'}"])

    # --- year over year ----------------------------------------------------------------------

    def _year_over_year(self, ws) -> None:
        t, f, c = self.t, self.f, self.c
        previous_year = c.year - 1
        ws.merge_range(0, 0, 0, 6, t["yoy_title"].format(year=c.year, previous=previous_year), f["title"])
        heads = (t["table"], t["row"], t["column"], t["this_year"].format(year=c.year),
                 t["last_year"].format(year=previous_year), t["change"], t["change_rate"])
        for col, title in enumerate(heads):
            ws.write_string(1, col, title, f["header"])
        if self.previous is None or not self.previous.contributions:
            ws.merge_range(2, 0, 2, 6, t["yoy_no_previous"].format(previous=previous_year), f["note"])
        rows = [(t["indicators"], ind.label, ind.unit, c.indicator(ind.key),
                 self.previous.indicator(ind.key) if self.previous else None, ind.cells)
                for ind in c.form.indicators]
        form = c.form
        for key, cell in form.cells.items():
            table = form.table(cell.table)
            rows.append((f"表{table.number}", cell.row.full_label, "·".join((*cell.column.group, cell.column.label)),
                         c.totals[key], self.previous.totals[key] if self.previous else None, (key,)))
        r = 3 if self.previous is None or not self.previous.contributions else 2
        for group, label, column, now, before, _cells in rows:
            ws.write_string(r, 0, group, f["text"])
            ws.write_string(r, 1, label, f["text"])
            ws.write_string(r, 2, column, f["text"])
            amount = isinstance(now, Decimal)
            _number(ws, r, 3, now, f["amount" if amount else "count"])
            if before is not None and self.previous.contributions:
                _number(ws, r, 4, before, f["amount" if amount else "count"])
                _number(ws, r, 5, now - before, f["amount" if amount else "count"])
                if before:
                    _number(ws, r, 6, (now - before) / before, f["percent"])
            r += 1
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 48)
        ws.set_column(2, 2, 22)
        ws.set_column(3, 6, 12)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, r - 1, 6)

    # --- completeness, warnings, provenance ----------------------------------------------------

    def _text_table(self, ws, title: str, heads: tuple, rows: list, widths: tuple) -> None:
        """A titled table of text: frozen header, autofilter."""
        f = self.f
        ws.merge_range(0, 0, 0, len(heads) - 1, title, f["title"])
        for col, head in enumerate(heads):
            ws.write_string(1, col, head, f["header"])
        for r, values in enumerate(rows, start=2):
            for col, value in enumerate(values):
                ws.write_string(r, col, value, f["text"])
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(2, len(rows) + 1), len(heads) - 1)

    def _completeness(self, ws) -> None:
        from govxl.collection.status import completeness

        t = self.t
        if self.store is None:
            return
        report = completeness(self.store, self.c.year)
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
                rows.append((t["kind_warning"], contribution.agency.code, contribution.agency.name, where, w.text))
        self._text_table(ws, t["warnings_title"], (t["warning_kind"], t["code"], t["name"], t["cell"], t["message"]),
                         rows, (16, 10, 28, 18, 90))

    def _provenance(self, ws) -> None:
        t = self.t
        rows = [(x.agency.code, x.agency.name, str(x.version), STATUS_LABELS.get(x.status, x.status),
                 x.original_name or x.source, x.sha256 or "", (x.received_at or "")[:19].replace("T", " "))
                for x in self.c.contributions]
        self._text_table(ws, t["provenance_title"], (t["code"], t["name"], t["version"], t["status"], t["file"],
                                                     t["sha256"], t["received"]), rows, (10, 28, 12, 12, 36, 66, 20))

    # --- charts --------------------------------------------------------------------------------

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
                data.write_string(i, col, name, self.f["text"])
            for j, (label, values) in enumerate(sets, start=1):
                data.write_string(0, col + j, label, self.f["header"])
                for i, value in enumerate(values, start=1):
                    _number(data, i, col + j, value, self.f["count"])
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
            chart.set_size({"width": 640, "height": 360})
            sheet.insert_chart(xl_rowcol_to_cell(1 + (placed // 2) * 20, (placed % 2) * 11), chart)
            placed += 1
            col += len(sets) + 2
        data.set_column(0, col, 16)
