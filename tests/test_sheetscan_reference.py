"""The stream scan of worksheet parts (govxl/workbook/sheetscan.py) is driven by expat's callbacks
for speed (issue 11). It must find exactly what the scan it replaced found — positions, sizes,
formulas, refusals and parse errors — so the first version, built on ElementTree's pull parser, is
kept here as the reference, and both read the same parts: every sheet of real workbooks and
thousands of random documents made of the elements and attributes the scan looks at."""

from __future__ import annotations

import io
import random
import re
import zipfile
from xml.etree import ElementTree

import pytest

from govxl.workbook import sheetscan
from govxl.workbook.sheetscan import MAX_FORMULA, OutOfArea, SheetScan, _local, _position, _row_number


def reference_scan(archive, part, name, max_rows, max_cols) -> SheetScan:
    """The scan as first written (ElementTree's XMLPullParser)."""
    scan = SheetScan(name)
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    stack: list = []
    row = col = -1
    cell = None
    holds = False
    formula = None
    masters: dict = {}
    shared: dict = {}
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(sheetscan.CHUNK)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for event, elem in parser.read_events():
                tag = _local(elem.tag)
                if event == "start":
                    if tag == "row":
                        row, col = _row_number(elem.get("r"), row), -1
                    elif tag == "c":
                        pos = _position(elem.get("r"))
                        cell = pos if pos is not None else (max(row, 0), col + 1)
                        col = cell[1]
                        holds, formula = False, None
                    stack.append(elem)
                    continue
                stack.pop()
                if tag in ("v", "is") and cell is not None:
                    holds = holds or tag == "is" or bool((elem.text or "").strip())
                elif tag == "f" and cell is not None:
                    text = (elem.text or "")[:MAX_FORMULA]
                    if elem.get("t") == "shared" and elem.get("si") is not None:
                        if text:
                            masters[elem.get("si")] = text
                        else:
                            shared[cell] = elem.get("si")
                    formula = text
                elif tag == "c" and cell is not None:
                    r, c = cell
                    if holds or formula is not None:
                        if r >= max_rows or c >= max_cols:
                            if holds:
                                raise OutOfArea(name, max(r + 1, scan.rows), max(c + 1, scan.cols))
                        else:
                            if holds:
                                scan.rows, scan.cols = max(scan.rows, r + 1), max(scan.cols, c + 1)
                            if formula is not None:
                                scan.formulas[cell] = formula
                    cell = None
                if stack and len(stack[-1]) and stack[-1][-1] is elem:
                    del stack[-1][-1]
            if not chunk:
                break
    for pos, si in shared.items():
        scan.formulas[pos] = masters.get(si, "")
    return scan


def outcome(scan_function, xml: bytes, max_rows: int = 40, max_cols: int = 12):
    """What a scan says of one part: its findings, or which way it failed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(buffer) as z:
        try:
            s = scan_function(z, "xl/worksheets/sheet1.xml", "表", max_rows, max_cols)
        except OutOfArea as e:
            return ("out of area", e.sheet, e.rows, e.cols)
        except Exception:  # a parse error: the file is corrupt, whatever the parser calls it
            return ("not well-formed",)
    return ("scanned", s.rows, s.cols, dict(sorted(s.formulas.items())))


def same(xml: bytes, **limits) -> None:
    assert outcome(sheetscan.scan_sheet, xml, **limits) == outcome(reference_scan, xml, **limits), xml[:3000]


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def random_document(rng: random.Random) -> bytes:
    refs = ["A1", "B2", "L40", "M1", "A41", "XFD1048576", "AA3", "C", "1", "", " B3 ", "ZZZZ1", "A1234567890",
            "b5", "K12"]
    texts = ["", " ", "\n\t", "1", " 2 ", "x", "&amp;", "&lt;3", "<![CDATA[ ]]>", "<![CDATA[7]]>",
             "<!-- c -->", "<!-- c -->4", "SUM(A1:A2)", "ＭＩＮ（１）", "a" * (MAX_FORMULA + 5), "<?pi x?>5"]

    def attrs(names) -> str:
        out = []
        for n in names:
            if rng.random() < 0.6:
                value = rng.choice(refs) if n == "r" else rng.choice(["shared", "normal", "0", "1", ""])
                out.append(f'{n}="{value}"')
        return (" " + " ".join(out)) if out else ""

    def element(depth: int) -> str:
        tag = rng.choice(["c", "c", "v", "v", "f", "is", "t", "x:c", "row", "y"])
        names = {"c": ["r", "s", "t"], "row": ["r"], "f": ["t", "si", "ref"], "x:c": ["r"]}.get(tag, ["r"])
        if tag == "row" and rng.random() < 0.5:
            names = ["r"]
        inner = []
        for _ in range(rng.randint(0, 3 if depth < 4 else 0)):
            inner.append(rng.choice(texts) if rng.random() < 0.4 else element(depth + 1))
        if not inner and rng.random() < 0.3:
            return f"<{tag}{attrs(names)}/>"
        return f"<{tag}{attrs(names)}>{''.join(inner)}</{tag}>"

    rows = []
    for _ in range(rng.randint(0, 6)):
        rows.append(f"<row{attrs(['r'])}>{''.join(element(1) for _ in range(rng.randint(0, 5)))}</row>")
    body = "".join(rows)
    if rng.random() < 0.05:  # damaged: cut short, or a stray closing tag
        body = body[: rng.randint(0, len(body))] if rng.random() < 0.5 else body + "</c>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS} xmlns:x="urn:x">'
            f"<sheetData>{body}</sheetData></worksheet>").encode()


def test_random_documents_are_read_alike():
    rng = random.Random(11)
    seen = set()
    for _ in range(3000):
        xml = random_document(rng)
        same(xml)
        seen.add(outcome(reference_scan, xml)[0])
    assert seen == {"scanned", "out of area", "not well-formed"}  # the documents reach every outcome


@pytest.mark.parametrize("xml", [
    b"",
    b"<worksheet>",
    b'<worksheet><sheetData><row><c><v>1</v></c><c r="B1"><f t="shared" si="0">A1*2</f></c>'
    b'<c r="B2"><f t="shared" si="0"/><v>3</v></c><c r="B3"><f t="shared" si="9"/></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row r="2000"><c r="A2000"><v>1</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row r="39"><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c><v>1</v></c>'
    b"</row></sheetData></worksheet>",
    b'<worksheet><sheetData><row><c r="Z99"><f>far formula</f></c><c r="A1"><is><t/></is></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><c r="A1"><v>1<v>2</v> 3</v></c><c r="B1"><v> <x/>4</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><c r="A1"><f>SUM(<x/>A1)</f></c><c r="C1"><f>a<!--x-->b&amp;c</f></c></row></sheetData></worksheet>',
    b'<!DOCTYPE x [<!ENTITY e "1">]><worksheet><sheetData><row><c r="A1"><v>&e;</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><c r="A1"><v>&undefined;</v></c></row></sheetData></worksheet>',
    b'<worksheet xmlns:p="urn:p"><sheetData><row><p:c r="A1" p:r="K99"><v>1</v></p:c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><q:c r="A1"><v>1</v></q:c></row></sheetData></worksheet>',
    '<?xml version="1.0" encoding="UTF-16"?><worksheet><sheetData><row><c r="A1"><v>1</v></c></row></sheetData></worksheet>'.encode("utf-16"),
])
def test_edge_cases_are_read_alike(xml):
    same(xml)


def test_every_sheet_of_real_workbooks_is_read_alike(tmp_path, form):
    from govxl.demo import balanced_values, narrative_for
    from govxl.roster import Agency
    from govxl.workbook.generate import WorkbookRequest, write_workbook

    agency = Agency("A01", "财政局", "区直部门")
    values = balanced_values(form, random.Random(4))
    paths = [write_workbook(WorkbookRequest(tmp_path / "blank.xlsx", 2025, None)),
             write_workbook(WorkbookRequest(tmp_path / "filled.xlsx", 2025, agency, values=values,
                                            narrative=narrative_for(agency, 2025, values, form)))]
    for path in paths:
        with zipfile.ZipFile(path) as z:
            for name, part in sheetscan.sheet_parts(z):
                xml = z.read(part)
                for limits in ({"max_rows": 2000, "max_cols": 200}, {"max_rows": 9, "max_cols": 3}):
                    same(xml, **limits)
                far = re.sub(rb"</sheetData>", b'<row r="5000"><c r="A5000"><v>1</v></c></row></sheetData>', xml)
                same(far, max_rows=2000, max_cols=200)
