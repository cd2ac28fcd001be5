"""One report, from file to result: decode the format into the document model, find the sections,
read each table in the edition that fits it best, the narrative, the identity, then the rules."""

from __future__ import annotations

import re
from pathlib import Path

from govxl.findings import Finding
from govxl.form import narrative_checks
from govxl.form import rules as rule_engine
from govxl.form.spec import load_form
from govxl.importer import identity, narrative, sections, stream as streams, tables
from govxl.importer.document import Document, Notice, Paragraph
from govxl.importer.limits import MAX_FILE_BYTES, MAX_TEXT_CHARS, InputTooLarge
from govxl.importer.result import EDITIONS, ImportResult, Unread

# A line that no report would hold: long, and mostly neither Chinese nor ordinary punctuation.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PROSE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef0-9]")


FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "html": "网页", "markdown": "Markdown 文本", "text": "文本"}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF") or suffix == ".pdf":
        return "pdf"
    if suffix == ".docx" or head.startswith(b"PK"):
        return "docx"
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    return "text"


def read_document(data: bytes, fmt: str) -> Document:
    """The document model of a file's content in a given format."""
    from govxl.importer import text as text_reader

    if fmt == "pdf":
        from govxl.importer import pdf

        return pdf.read_pdf(data)
    if fmt == "docx":
        from govxl.importer import word

        return word.read_docx(data)
    decoded = text_reader.decode(data)
    cut = 0
    if len(decoded) > MAX_TEXT_CHARS:  # bounded before any line is split or any tag parsed
        cut, decoded = len(decoded), decoded[:MAX_TEXT_CHARS]
    doc = _parse_text(decoded, fmt)
    if cut:
        doc.notices.append(Notice("text_cut", {"size": cut}))
    return doc


def _parse_text(decoded: str, fmt: str) -> Document:
    from govxl.importer import text as text_reader

    if fmt == "html" or (fmt == "text" and re.search(r"<(html|table|body|p|div)\b", decoded[:5000], re.I)):
        from govxl.importer import html

        return html.read_html(decoded)
    return text_reader.read_text(decoded, markdown=fmt == "markdown")


def import_file(path: str | Path, **options) -> ImportResult:
    """Read one report file (text, Markdown, HTML, Word or PDF). Raises OSError when the file
    cannot be read; a file too large or not in the format it claims gives a result with a finding."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        result = ImportResult(str(path))
        result.findings.append(Finding.of("import.too_large", size=_size(size), limit=_size(MAX_FILE_BYTES)))
        return result
    data = path.read_bytes()
    return import_bytes(data, source=str(path), fmt=detect_format(path, data[:8]), **options)


def import_bytes(data: bytes, *, source: str = "", fmt: str = "text", **options) -> ImportResult:
    try:
        doc = read_document(data, fmt)
    except InputTooLarge as e:
        result = ImportResult(source, format=fmt)
        result.findings.append(Finding.of("import.too_large", size=_size(e.size), limit=_size(e.limit)))
        return result
    except Exception as e:  # a damaged Word or PDF file, a spreadsheet given by mistake: this file only
        if isinstance(e, (MemoryError, KeyboardInterrupt)):
            raise
        result = ImportResult(source, format=fmt)
        result.findings.append(Finding.of("import.bad_file", kind=FORMAT_NAMES.get(fmt, fmt)))
        return result
    return import_document(doc, source=source, fmt=fmt, **options)


def import_text(text: str, *, source: str = "", markdown: bool = False, **options) -> ImportResult:
    """Read the text of a published report."""
    from govxl.importer import text as text_reader

    return import_document(text_reader.read_text(text, markdown=markdown), source=source,
                           fmt="markdown" if markdown else "text", **options)


def _bound(doc: Document, findings: list[Finding]) -> Document:
    """At most MAX_TEXT_CHARS of paragraph text: the rest is left out with a finding."""
    total = 0
    for n, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            total += len(block.text) + 1
        else:
            total += sum(len(c.text) + 1 for c in block.cells)
        if total > MAX_TEXT_CHARS:
            whole = total + sum(len(b.text) if isinstance(b, Paragraph) else sum(len(c.text) for c in b.cells)
                                for b in doc.blocks[n + 1:])
            findings.append(Finding.of("import.text_cut", size=whole, limit=MAX_TEXT_CHARS))
            doc.blocks = doc.blocks[:n]
            break
    return doc


def _block_text(block) -> str:
    return block.text if isinstance(block, Paragraph) else "\t".join(c.text for c in block.cells)


def _is_junk(line: str) -> bool:
    """A line no report would hold: long and mostly neither Chinese nor digits, or without a
    single Chinese character."""
    line = line.strip()
    if len(line) >= 40 and len(_PROSE.findall(line)) < 0.3 * len(line):
        return True
    return len(line) >= 6 and not _CJK.search(line)


def _cut_after_report(doc: Document, form) -> int:
    """Blocks after the last section's heading that cannot be part of the report — beyond the
    bound of a narrative part, or from the first line that is not prose — left out before any
    work is spent on them; the characters left out."""
    from govxl.importer import similarity
    from govxl.importer.normalise import matching

    last = form.sections[-1]
    marker = re.compile(rf"(?<![一二三四五六七八九十]){re.escape(last.number)}\s*[、.．,，]")
    title = similarity.key_of(last.title)
    heading = None
    for n, block in enumerate(doc.blocks):
        if not isinstance(block, Paragraph):
            continue
        text = matching(block.text)
        for m in marker.finditer(text):
            if similarity.first(title, similarity.key_of(text[m.end():m.end() + len(last.title) + 20])):
                heading = n
        if len(block.text) > MAX_TEXT_CHARS // 4:
            break
    if heading is None:
        return 0
    kept = 0
    for n in range(heading + 1, len(doc.blocks)):
        text = _block_text(doc.blocks[n])
        kept += len(text)
        if kept > narrative.MAX_PART_CHARS or any(_is_junk(line) for line in text.split("\n")):
            left = sum(len(_block_text(b).strip()) for b in doc.blocks[n:])
            doc.blocks = doc.blocks[:n]
            return left
    return 0


def _report_end(text: str, start: int, end: int) -> int:
    """Where the report's last section ends: before the first long line that is not prose."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        if _is_junk(text[pos:stop]):
            return pos
        pos = stop + 1
    return end


def import_document(doc: Document, *, source: str = "", fmt: str = "text", agency: str | None = None,
                    year: int | None = None, roster: dict | None = None) -> ImportResult:
    result = ImportResult(source, format=fmt)
    for notice in doc.notices:
        if notice.code == "scanned_pdf":
            result.findings.append(Finding.of("import.scanned_pdf"))
            return result
        if notice.code == "text_cut":
            result.findings.append(Finding.of("import.text_cut", size=notice.detail["size"], limit=MAX_TEXT_CHARS))
    doc = _bound(doc, result.findings)
    base = load_form(EDITIONS["2021"])
    left_out = _cut_after_report(doc, base)
    stream = streams.build(doc)
    found = sections.find_sections(stream, base)

    # Identity: from the title before the first section, a subtitle, the period sentence.
    head_end = found[0].start if found else min(len(stream.text), 2000)
    head_lines = stream.text[:head_end].split("\n")[:12]
    who = identity.identify(doc.title_hint, head_lines, stream.text)
    _identify(result, who, agency, year, roster or {})

    # The report ends where its last section's prose ends.
    if found and found[-1].section.narrative:
        last = found[-1]
        end = _report_end(stream.text, last.body, last.end)
        if end < last.end:
            left_out += len(stream.text[end:last.end].strip())
            found[-1] = sections.SectionSpot(last.section, last.start, last.body, end)
    if left_out:
        result.findings.append(Finding.of("import.trailing_text", n=left_out))

    reading = narrative.read_narrative(stream.text, stream.flat, base, found)
    result.narrative = reading.parts
    labels = {p.key: p.label for p in base.narrative}
    for key, n in reading.cut.items():
        result.findings.append(Finding.of("import.part_too_long", part=labels[key], size=n + narrative.MAX_PART_CHARS,
                                          limit=narrative.MAX_PART_CHARS, key=key))

    spots = {s.section.table: s for s in found if s.section.table}
    for table in base.tables:
        spot = spots.get(table.key)
        if spot is None:
            result.findings.append(Finding.of("import.table_missing", table=table.heading))
            result.unread.append(Unread(table.key, None, None, "table_not_found"))
            result.forms[table.key] = EDITIONS["2021"]
            continue
        best = _read_best(stream, table.key, spot.body, spot.end)
        result.forms[table.key] = _form_name(best.form)
        result.values.update(best.values)
        result.unread.extend(best.unread)
        result.findings.extend(best.findings)
    result.edition = "2019" if result.forms.get("t2") == EDITIONS["2019"] else "2021"
    if len(result.unread) == len(base.tables) and all(u.reason == "table_not_found" for u in result.unread):
        result.findings = [Finding.of("import.not_a_report")]
        return result
    _check_rules(result)
    _check_narrative(result)
    return result


def _check_narrative(result: ImportResult) -> None:
    """What the text says against the tables, stale years and empty parts, as for a workbook
    (:func:`govxl.form.narrative_checks.check_published`); what needs last year is checked when
    the report is stored (:func:`govxl.importer.save.store_import`)."""
    if result.year is not None:
        result.findings += narrative_checks.check_published(
            result.forms, year=result.year, values=result.values, narrative=result.narrative,
            agency_name=result.agency_name or result.agency)


def _form_name(form) -> str:
    for name in EDITIONS.values():
        if load_form(name) is form:
            return name
    raise KeyError(form.id)


COVERAGE_MARGIN = 0.15


def _read_best(stream, table_key: str, lo: int, hi: int) -> tables.TableReading:
    """The table read in each edition that defines it differently. The edition whose labels
    (block headings, columns, rows) the section holds clearly more of wins; among editions
    that fit about as well, the best reading (most cells read, then most rows found, then closest
    labels); the current edition on a tie."""
    readings = []
    seen = []
    for name in EDITIONS.values():
        form = load_form(name)
        table = form.table(table_key)
        shape = [(r.key, r.label, tuple(c.key for c in table.block_of(r.key).columns)) for r in table.rows]
        if shape in seen:
            continue
        seen.append(shape)
        readings.append(tables.read_table(stream, form, table, lo, hi))
    top = max(r.coverage for r in readings)
    fitting = [r for r in readings if r.coverage >= top - COVERAGE_MARGIN]
    return max(fitting, key=lambda r: r.score)  # max keeps the first (2021) among equals


def _identify(result: ImportResult, who: identity.Identity, agency: str | None, year: int | None,
              roster: dict) -> None:
    result.agency_name = who.name
    if who.name:
        result.sources["agency_name"] = who.name_source
    if year:
        result.year, result.sources["year"] = year, "option"
    elif who.year:
        result.year, result.sources["year"] = who.year, who.year_source
    if result.year is None:
        result.findings.append(Finding.of("import.no_year"))
    if agency:
        result.agency, result.sources["agency"] = agency, "option"
        if agency in roster:
            result.agency_name = roster[agency].name
    elif who.name:
        matches = [a for a in roster.values() if re.sub(r"\s", "", a.name) == who.name]
        result.agency = matches[0].code if len(matches) == 1 else who.name
        result.sources["agency"] = "roster" if len(matches) == 1 else who.name_source
        if len(matches) == 1:
            result.agency_name = matches[0].name
    else:
        result.findings.append(Finding.of("import.no_agency"))


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
