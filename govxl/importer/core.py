"""``govxl import``: read a published annual report (text, HTML, Word) into the same data.

Published reports come in many shapes: tab- or |-separated rows, one cell per line, PDF text with
labels wrapped across lines, page numbers between lines and CJK compatibility characters, web
pages whose cells were run together without separators. The reader works from the form spec:
it finds each section heading and each row label in order (tolerating whitespace, punctuation
and bracket variants, numbering glued to numbers, and a misprinted label), takes the numbers that
follow a label, and — where cells were run together — splits them only when the table's own
arithmetic leaves exactly one way. Whatever cannot be read with confidence is listed in
``unread``, never guessed. The layout is detected table by table (2019 or 2021 edition).
"""

from __future__ import annotations

import html.parser
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from govxl.findings import Finding
from govxl.form import rules as rule_engine
from govxl.form.spec import Form, Table, load_form

EDITIONS = {"2021": "annual-2021", "2019": "annual-2019"}
CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_TOKEN = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?|[/—–－]+|-(?!\d)")
_PAGE_NUMBER = re.compile(r"^[ \t]*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?)[ \t]*$",
                          re.M)
_ARCHIVE_HEADER = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|来源|索引号)\s*[:：].*$|^=+\s*正文\s*=+$", re.M)
_TITLE = re.compile(r"(?P<name>[^\s#《》]{2,40}?)(?P<year>(?:19|20)\d{2})\s*年度?\s*政府信息公开工作\s*年度\s*报告")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
MAX_SPLIT_DIGITS = 40


@dataclass
class ImportResult:
    source: str
    agency: str | None = None  # agency code when known, else the name in the title
    agency_name: str | None = None
    year: int | None = None
    edition: str = "2021"
    forms: dict[str, str] = field(default_factory=dict)  # table key -> form name it was read with
    values: dict[str, object] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unread: list[dict] = field(default_factory=list)  # {table, row, column, reason: a code}
    _pending: list = field(default_factory=list, repr=False)  # rows split more than one way

    def as_dict(self) -> dict:
        out = {"agency": self.agency, "agency_name": self.agency_name, "year": self.year,
               "edition": self.edition, "source": self.source}
        for table_key, form_name in self.forms.items():
            table = load_form(form_name).table(table_key)
            out[table_key] = {
                r.key: {c.key: _json(self.values.get(f"{table_key}.{r.key}.{c.key}"))
                        for c in table.block_of(r.key).columns}
                for r in table.rows
            }
        out["narrative"] = self.narrative
        out["findings"] = [f.as_dict() for f in self.findings]
        out["unread"] = self.unread
        return out


def _json(value):
    return format(value, "f") if isinstance(value, Decimal) else value


# --- reading the file ----------------------------------------------------------------------------


def read_text(path: str | Path) -> tuple[str, bool]:
    """The text of a report file and whether it is Markdown (backslash escapes to undo)."""
    path = Path(path)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".docx" or data.startswith(b"PK"):
        return docx_text(path), False
    text = _decode(data)
    if suffix in (".html", ".htm") or re.search(r"<(html|table|body|p|div)\b", text[:5000], re.I):
        return html_text(text), False
    return text, suffix == ".md"


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


class _HTMLText(html.parser.HTMLParser):
    """Visible text of a page: block elements on their own lines, table cells separated by tabs
    (a cell spanning several columns is followed by empty cells), scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "table",
              "title", "header", "footer", "figcaption"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg", "head"):
            self.skip += 1
        elif tag in ("td", "th"):
            self.out.append("\t")
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_text(page: str) -> str:
    parser = _HTMLText()
    parser.feed(page)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.out).split("\n")]
    return "\n".join(line for line in lines if line.strip())


def docx_text(path: Path) -> str:
    """Paragraphs and tables of a Word file in document order; a merged cell once per row."""
    import docx

    document = docx.Document(str(path))
    lines = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text.replace("\n", " "))
                lines.append("\t" + "\t".join(cells))
    return "\n".join(lines)


# --- normalising the text --------------------------------------------------------------------------


def _char_nfkc(text: str) -> str:
    """Compatibility characters (⼀ ⾏ ⼈ …, full-width digits and brackets) mapped one to one, so
    positions in the result are positions in the original."""
    out = []
    for ch in text.translate(RADICALS):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


# Simplified-form radicals (CJK Radicals Supplement) that PDF extraction emits for whole characters;
# Unicode gives them no compatibility mapping.
RADICALS = str.maketrans("⻔⻓⻅⻚⻢⻋⻛⻜⻝⻰⻉⻘⻄⻈⻆⻩⻬⻮⻥⻦⻓", "门长见页马车风飞食龙贝青西讠角黄齐齿鱼鸟长")


def _radicals_only(text: str) -> str:
    """The text as people read it: only the CJK compatibility characters are replaced."""
    out = []
    for ch in text.translate(RADICALS):
        code = ord(ch)
        if 0x2E80 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
            n = unicodedata.normalize("NFKC", ch)
            out.append(n if len(n) == 1 else ch)
        else:
            out.append(ch)
    return "".join(out)


def _flex(label: str) -> str:
    """A regular expression matching ``label`` with any whitespace or punctuation between its
    characters (and none of its own punctuation required)."""
    chars = [re.escape(c) for c in _char_nfkc(label) if c.isalnum()]
    return r"[^\w]*".join(chars)


def _core(label: str) -> tuple[str, str | None]:
    """A row label without its numbering; the arabic number when it has one (1.属于国家秘密)."""
    m = _NUMBERING.match(label)
    if not m:
        return label, None
    number = m.group(0)[:-1] if m.group(0)[0].isdigit() else None
    return label[m.end():], number


# --- the report ----------------------------------------------------------------------------------


def import_text(text: str, *, source: str = "", agency: str | None = None, year: int | None = None,
                markdown: bool = False, roster: dict | None = None) -> ImportResult:
    """Read the text of a published report."""
    result = ImportResult(source)
    text = _PAGE_NUMBER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    title_text = _title_line(text)
    text = _ARCHIVE_HEADER.sub("", text)
    text = _markdown_tables(text)
    if markdown:
        text = re.sub(r"\\([\\`*_\[\]<>|&~#+\-=.!()])", r"\1", text)
    readable = _radicals_only(text)
    flat = _char_nfkc(text)
    _identify(result, title_text, agency, year, roster or {})
    base = load_form(EDITIONS["2021"])
    sections = _sections(flat, base)
    _narrative(result, readable, flat, base, sections)
    for table in base.tables:
        start, end = sections.get(table.key, (None, None))
        if start is None:
            result.findings.append(Finding.of("import.table_missing", table=table.heading))
            result.unread.append({"table": table.key, "row": None, "column": None, "reason": "table_not_found"})
            result.forms[table.key] = EDITIONS["2021"]
            continue
        region = flat[start:end]
        form_name = _detect_edition(table.key, region)
        result.forms[table.key] = form_name
        _read_table(result, load_form(form_name).table(table.key), region, load_form(form_name))
        _settle(result)
    result.edition = "2019" if result.forms.get("t2") == EDITIONS["2019"] else "2021"
    if all(u["reason"] == "table_not_found" for u in result.unread) and len(result.unread) == len(base.tables):
        result.findings = [Finding.of("import.not_a_report")]
        return result
    _check_rules(result)
    return result


_MD_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_MD_RULE = re.compile(r"^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$")


def _markdown_tables(text: str) -> str:
    """Markdown table rows as tab-separated lines (as a web page copied as text gives them)."""
    lines = []
    for line in text.split("\n"):
        if _MD_RULE.match(line):
            continue
        m = _MD_ROW.match(line)
        if m:
            cells = re.split(r"(?<!\\)\|", m.group(1))
            line = "\t" + "\t".join(c.strip() for c in cells)
        lines.append(line)
    return "\n".join(lines)


def _title_line(text: str) -> str:
    m = re.search(r"^标题\s*[:：]\s*(.+)$", text, re.M)
    if m:
        return m.group(1)
    head = "".join(line.strip().lstrip("#").strip() for line in text.strip().splitlines()[:6])
    return head


def _identify(result: ImportResult, title: str, agency: str | None, year: int | None, roster: dict) -> None:
    m = _TITLE.search(_char_nfkc(_radicals_only(title)).replace(" ", ""))
    name = m.group("name") if m else None
    if name:
        name = re.sub(r"^(关于)", "", name)
    result.agency_name = name
    result.year = year or (int(m.group("year")) if m else None)
    if result.year is None:
        result.findings.append(Finding.of("import.no_year"))
    if agency:
        result.agency = agency
        if agency in roster:
            result.agency_name = roster[agency].name
    elif name:
        matches = [a for a in roster.values() if re.sub(r"\s", "", a.name) == name]
        result.agency = matches[0].code if len(matches) == 1 else name
        if len(matches) == 1:
            result.agency_name = matches[0].name
    else:
        result.findings.append(Finding.of("import.no_agency"))


def _sections(flat: str, form: Form) -> dict:
    """Positions of each table's region and each narrative section: key -> (start, end)."""
    found = []
    cursor = 0
    for section in form.sections:
        lead = re.escape(section.number) + r"\s*[、.．,]\s*"
        m = re.compile(lead + r"[^\n\d]{0,15}?" + _flex(section.title)).search(flat, cursor)
        if m is None:  # a misprinted heading (行政法复议): its first words
            m = re.compile(lead + _flex(section.title[:6])).search(flat, cursor)
        if m:
            found.append((section, m.start(), m.end()))
            cursor = m.end()
    out = {}
    for i, (section, _start, end) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else len(flat)
        out[section.table or section.number] = (end, stop)
    return out


def _detect_edition(table_key: str, region: str) -> str:
    edition = load_form(EDITIONS["2019"])
    base = load_form(EDITIONS["2021"])
    if table_key == "t2":
        # Labels only the 2019 table has (not contained in any label of the 2021 one).
        def labels(table):
            return [*(b.heading for b in table.blocks), *(c.label for c in table.columns),
                    *(r.label for r in table.rows)]

        current = labels(base.table("t2"))
        markers = [m for m in labels(edition.table("t2")) if not any(re.search(_flex(m), c) for c in current)]
        if any(re.search(_flex(m), region) for m in markers):
            return EDITIONS["2019"]
    if table_key == "t3":
        # （六）其他处理 as a single row: numbers follow the heading at once.
        (other,) = [r for r in edition.table("t3").rows if r.key not in {x.key for x in base.table("t3").rows}]
        core, _ = _core(other.label)
        m = re.search(_flex(core), region)
        if m:
            after = region[m.end():m.end() + _first_cjk(region[m.end():])]
            after = re.sub(r"\d+\s*[.、．]\s*$", "", after)  # the numbering of a row below it
            if _TOKEN.search(after):
                return EDITIONS["2019"]
    return EDITIONS["2021"]


# --- tables --------------------------------------------------------------------------------------


def _find_label(region: str, row, cursor: int):
    """(start, end) of a row label in ``region`` at or after ``cursor``, its numbering included."""
    for label in (row.label, *row.aliases):
        core, number = _core(label)
        if number:  # "3.其他" with its number first: the bare word may stand in a group heading
            m = re.compile(r"(?<!\d)" + re.escape(number) + r"\s*[.、．]\s*" + _flex(core)).search(
                region, cursor, len(region))
            if m:
                return m.start(), m.end()
        m = re.compile(_flex(core)).search(region, cursor, len(region))
        if m:
            return _with_number(region, m.start(), number, cursor), m.end()
    # A misprinted label: its first characters, then the rest of the word.
    core, number = _core(row.label)
    head = [c for c in core if c.isalnum()][:4]
    if len(head) == 4:
        m = re.compile(r"[^\w]*".join(map(re.escape, head)) + f"[{CJK}]*").search(region, cursor, len(region))
        if m:
            return _with_number(region, m.start(), number, cursor), m.end()
    return None


def _with_number(region: str, start: int, number: str | None, cursor: int) -> int:
    if number is None:
        return start
    m = re.search(re.escape(number) + r"\s*[.、．,]?\s*$", region[cursor:start])
    return cursor + m.start() if m else start


def _read_table(result: ImportResult, table: Table, region: str, form: Form) -> None:
    if table.layout == "strip":
        values_text = region[_last_cjk(region) + 1:]
        keys = [f"{table.key}.{r.key}.{c.key}" for r in table.rows for c in table.block_of(r.key).columns]
        _take(result, table, form, None, keys, values_text)
        return
    rows = table.rows
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for i, row in enumerate(rows):
        spot = _find_label(region, row, cursor)
        # A label found beyond the next row's (distinctive) label is a stray match: trust the order.
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if spot and nxt and len(_core(nxt.label)[0]) >= 4:
            after = _find_label(region, nxt, cursor)
            if after and after[0] < spot[0]:
                spot = None
        spans.append(spot)
        if spot:
            cursor = spot[1]
    for i, row in enumerate(rows):
        keys = [f"{table.key}.{row.key}.{c.key}" for c in table.block_of(row.key).columns]
        if spans[i] is None:
            result.findings.append(Finding.of("import.row_missing", table=table.heading, row=row.full_label))
            result.unread.append({"table": table.key, "row": row.key, "column": None, "reason": "row_not_found"})
            for key in keys:
                result.values[key] = None
            continue
        following = [s for s in spans[i + 1:] if s is not None]
        stop = following[0][0] if following else len(region)
        segment = region[spans[i][1]:stop]
        _take(result, table, form, row, keys, segment[: _first_cjk(segment)])


def _first_cjk(text: str) -> int:
    m = _CJK_CHAR.search(text)
    return m.start() if m else len(text)


def _last_cjk(text: str) -> int:
    last = -1
    for m in _CJK_CHAR.finditer(text):
        last = m.start()
    return last


def _take(result: ImportResult, table: Table, form: Form, row, keys: list[str], text: str) -> None:
    """Read the cells ``keys`` from the text that follows their label."""
    where = row.full_label if row else table.heading
    cells = _cells(text)
    if cells is not None and len(cells) > len(keys) and "|" not in text:
        cells = None  # more numbers than cells: not this row's numbers alone
    if cells is not None and len(cells) < len(keys) and "|" not in text and "\t" not in text:
        splits = _splits(cells, keys, form)
        if len(splits) > 1:  # settled later by the table's other rows, if they leave one way
            result._pending.append((table, form, row, keys, splits))
            return
        if not splits:
            _unread(result, table, row, keys, "cells_missing", where)
            return
        cells = splits[0]
    if cells is None or len(cells) != len(keys):
        _unread(result, table, row, keys, "cells_missing" if cells is not None else "unreadable", where)
        return
    for key, cell in zip(keys, cells):
        value = _value(cell, form.cells[key])
        result.values[key] = value
        if value is None:
            column = form.cells[key].column
            result.unread.append({"table": table.key, "row": key.split(".")[1], "column": column.key,
                                  "reason": "blank_cell" if cell == "" else "not_a_number"})
            result.findings.append(Finding.of("import.blank_cell" if cell == "" else "import.not_a_number",
                                              table=table.heading, row=where, column=column.label,
                                              value=cell or None, key=key))


def _unread(result, table, row, keys, reason, where) -> None:
    for key in keys:
        result.values[key] = None
    result.unread.append({"table": table.key, "row": row.key if row else None, "column": None, "reason": reason})
    result.findings.append(Finding.of(f"import.{reason}", table=table.heading, row=where))


def _cells(text: str) -> list[str] | None:
    """The cells in the text after a label: split at | (keeping empty cells), else at tabs, else
    at whitespace. None when something other than numbers is there."""
    text = re.sub(r"[#*>]", "", text)  # Markdown marks of the next heading
    text = text.strip(" \n\t)）]】”’\"'」(（[【“‘「、.．:：,，")  # the label's closing bracket, the next's opening
    if "|" in text:
        pieces = [p.strip() for p in text.split("|")]
        if pieces and pieces[0] == "":
            pieces = pieces[1:]
        if pieces and pieces[-1] == "":
            pieces = pieces[:-1]
    elif "\t" in text:
        pieces = [p.strip() for p in text.split("\t") if p.strip()]
    else:
        pieces = _TOKEN.findall(text)
        if any(ch.isalnum() for ch in _TOKEN.sub("", text)):
            return None
    return [p.replace(",", "") for p in pieces]


def _value(cell: str, spec_cell):
    if cell == "":
        return None
    if re.fullmatch(r"[/—–－-]+", cell):
        return 0
    text = re.sub(r"(万元|元)$", "", cell)
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    number = Decimal(text)
    if number < spec_cell.type.min or number > spec_cell.type.max:
        return None
    if spec_cell.type.kind == "integer":
        return int(number) if number == number.to_integral_value() else None
    return number


MAX_SPLITS = 50
MAX_SPLIT_STEPS = 200_000


def _splits(cells: list[str], keys: list[str], form: Form) -> list[list[str]]:
    """Cells run together ("801000081"): the ways to split the digits into ``len(keys)`` numbers
    that keep the arithmetic of these cells (a row's total). More than ``MAX_SPLITS``: too many to
    settle, reported as one more than that."""
    if any(not re.fullmatch(r"\d+", c) and not re.fullmatch(r"[/—–－-]+", c) for c in cells):
        return []
    constraints = [i for i in rule_engine.instances(form)
                   if not i.cross_year and set(i.cells) <= set(keys)]
    if not constraints:
        # Nothing checks a split: only digits that are each a cell ("000" for three cells) are
        # certain; text with spaces between some numbers has blank cells, not glued ones.
        if len(cells) == 1 and len(cells[0]) == len(keys):
            return [list(cells[0])]
        return [[]] * (MAX_SPLITS + 1) if len(cells) == 1 else []
    if sum(len(c) for c in cells) > MAX_SPLIT_DIGITS:
        return [[]] * (MAX_SPLITS + 1)
    index = {k: n for n, k in enumerate(keys)}
    solutions: list[list[str]] = []
    steps = [0]

    def holds(parts: list[str]) -> bool:
        numbers = [int(p) if p.isdigit() else 0 for p in parts]
        return all(sum(o.sign * numbers[index[o.key]] for o in c.lhs) == sum(o.sign * numbers[index[o.key]] for o in c.rhs)
                   for c in constraints)

    def walk(token_index: int, parts: list[str]) -> None:
        steps[0] += 1
        if len(solutions) > MAX_SPLITS or steps[0] > MAX_SPLIT_STEPS:
            return
        if token_index == len(cells):
            if len(parts) == len(keys) and holds(parts):
                solutions.append(parts)
            return
        token = cells[token_index]
        left = len(keys) - len(parts) - (len(cells) - token_index - 1)
        if not token.isdigit():
            walk(token_index + 1, parts + [token])
            return
        least = left if token_index == len(cells) - 1 else 1  # the last token takes all that is left
        for pieces in _compositions(token, least, max(1, left)):
            if steps[0] > MAX_SPLIT_STEPS or len(solutions) > MAX_SPLITS:
                return
            walk(token_index + 1, parts + pieces)

    walk(0, [])
    if steps[0] > MAX_SPLIT_STEPS:  # too many ways to try: not settled, so not read
        return [[]] * (MAX_SPLITS + 1)
    return solutions


def _settle(result: ImportResult) -> None:
    """Rows whose run-together cells split more than one way: the one combination of splits that
    keeps every rule of the table (column totals, 勾稽关系), if there is exactly one."""
    import itertools

    pending, result._pending = result._pending, []
    by_table: dict[str, list] = {}
    for item in pending:
        by_table.setdefault(item[0].key, []).append(item)
    for items in by_table.values():
        table, form = items[0][0], items[0][1]
        options = [item[4] if len(item[4]) <= MAX_SPLITS else [] for item in items]
        keys = [k for item in items for k in item[3]]
        instances = [i for i in rule_engine.instances(form)
                     if i.rule.table == table.key and not i.cross_year and set(i.cells) & set(keys)]
        fits = []
        total = 1
        for o in options:
            total *= max(len(o), 1)
        if all(options) and total <= 200_000:
            for combination in itertools.product(*options):
                values = dict(result.values)
                for item, cells in zip(items, combination):
                    for key, cell in zip(item[3], cells):
                        values[key] = _value(cell, form.cells[key])
                if all(all(values.get(k) is not None for k in i.cells) and
                       sum(o.sign * values[o.key] for o in i.lhs) == sum(o.sign * values[o.key] for o in i.rhs)
                       for i in instances):
                    fits.append(combination)
                    if len(fits) > 1:
                        break
        for n, item in enumerate(items):
            _, _, row, row_keys, _ = item
            if len(fits) == 1:
                for key, cell in zip(row_keys, fits[0][n]):
                    result.values[key] = _value(cell, form.cells[key])
            else:
                _unread(result, table, row, row_keys, "cells_run_together", row.full_label if row else table.heading)


def _compositions(digits: str, least: int, most: int):
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
        for rest in _compositions(digits[i:], max(least - 1, 1), most - 1):
            yield [head, *rest]


# --- narrative -----------------------------------------------------------------------------------


def _narrative(result: ImportResult, readable: str, flat: str, form: Form, sections: dict) -> None:
    parts = {p.key: p for p in form.narrative}
    for section in form.sections:
        if not section.narrative or section.number not in sections:
            continue
        start, end = sections[section.number]
        headed = [(k, parts[k]) for k in section.narrative if parts[k].heading]
        spots = []
        cursor = start
        for key, part in headed:
            core, _ = _core(part.heading)
            number = _NUMBERING.match(part.heading)
            prefix = _flex(number.group(0)) + r"[^\w]*" if number else ""
            m = re.compile(prefix + _flex(core) + r"(?:方面)?[:：]?").search(flat, cursor, end)
            if m is None and prefix:  # a reworded heading: （四）信息公开平台建设方面
                m = re.compile(prefix + r"[^\n\d]{0,8}?" + _flex(core[-4:]) + r"(?:方面)?[:：]?").search(flat, cursor, end)
            if m:
                begin = m.start()
                while begin > cursor and flat[begin - 1] in "(（[【":
                    begin -= 1
                spots.append((key, begin, m.end()))
                cursor = m.end()
        unheaded = [k for k in section.narrative if not parts[k].heading]
        first = spots[0][1] if spots else end
        if unheaded:
            texts = _paragraphs(readable[start:first])
            if section.number == "五" and len(unheaded) == 2:
                result.narrative.update(_split_problems(texts, unheaded))
            else:
                result.narrative[unheaded[0]] = "\n".join(texts)
        for i, (key, _s, e) in enumerate(spots):
            stop = spots[i + 1][1] if i + 1 < len(spots) else end
            result.narrative[key] = "\n".join(_paragraphs(readable[e:stop]))


def _split_problems(paragraphs: list[str], keys: list[str]) -> dict:
    """Section 五 into this year's problems and the improvements, at the paragraph that starts
    talking about improvements, when there is one."""
    for i, p in enumerate(paragraphs):
        if i and (re.match(r"^(对|针对)[^。]*(改进|整改)", p) or re.match(r"^(改进情况|整改情况|下一步)", p)):
            return {keys[0]: "\n".join(paragraphs[:i]), keys[1]: "\n".join(paragraphs[i:])}
    return {keys[0]: "\n".join(paragraphs), keys[1]: ""}


_SENTENCE_END = "。！？；：”」）)!?;:"


def _paragraphs(text: str) -> list[str]:
    """Lines joined back into paragraphs: a line that does not end a sentence was wrapped."""
    out: list[str] = []
    joining = False
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if not line or re.fullmatch(r"[|\s]+", line):
            joining = False
            continue
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = not line.endswith(tuple(_SENTENCE_END))
    return out


# --- rules ---------------------------------------------------------------------------------------


def _check_rules(result: ImportResult) -> None:
    """The same rules as for a workbook, on the numbers as published (totals checked, not
    recomputed); a rule that reads an unread cell is not judged."""
    for table_key, form_name in result.forms.items():
        form = load_form(form_name)
        stated = {k: v for k, v in result.values.items() if k in form.cells}
        for res in rule_engine.check_stated(form, stated):
            inst = res.instance
            if inst.rule.table != table_key or res.ok or inst.cross_year:
                continue
            if any(result.values.get(k) is None for k in inst.cells):
                continue
            result.findings.append(Finding.of(f"rule.{inst.rule.id}", severity=inst.rule.severity,
                                              message=res.message(), value=res.lhs, expected=res.rhs,
                                              key=inst.lhs[0].key))


def import_file(path: str | Path, **options) -> ImportResult:
    text, markdown = read_text(path)
    return import_text(text, source=str(path), markdown=markdown, **options)


def store_import(store, result: ImportResult, data: bytes, filename: str) -> bool:
    """Keep the report file and its data as that agency's year (source: import), so that next
    year's carry-over check can use it. A published report is stored even when it does not
    balance; its findings go with it. Returns False when it was already stored or its agency is
    not in the roster."""
    import hashlib

    from govxl.store import new_run_id

    roster = {a.code for a in store.roster()}
    if result.agency not in roster or result.year is None or \
            any(f.code == "import.not_a_report" for f in result.findings):
        return False
    keys = {k for name in result.forms.values() for k in load_form(name).cells}
    submission = dict(
        agency=result.agency, year=result.year, source="import",
        status="accepted_with_warnings" if result.findings else "accepted",
        values={k: v for k, v in result.values.items() if k in keys}, narrative=result.narrative,
        findings=result.findings, form_id=load_form(result.forms.get("t2", EDITIONS["2021"])).id,
        form_version=result.edition, agency_name=result.agency_name,
        info={"edition": result.edition, "forms": result.forms, "unread": result.unread},
    )
    return store.record_file(sha256=hashlib.sha256(data).hexdigest(), content=data, original_name=Path(filename).name,
                             source_path=str(filename), run_id=new_run_id(), status=submission["status"],
                             agency=result.agency, year=result.year, findings=result.findings,
                             submission=submission)
