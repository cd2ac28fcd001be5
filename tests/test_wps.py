"""Files as WPS Office saves them: the reader depends on none of the ways they differ from Excel's.

Each fixture is a filled workbook whose XML is rewritten the way WPS (or another spreadsheet
program) writes it: its own number formats, odd or missing sheet dimensions, a core properties
part with other prefixes, time zone and place, custom properties with KSOProductBuildVer, shared
strings with rich-text runs or inline strings. A rewritten file must read exactly like the original:
same identity, values, text, findings and time of saving."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest
from collect_helpers import AGENCIES, YEAR, filled

from govxl.collection.examine import Context, examine

ROSTER = {a.code: a for a in AGENCIES}
SAVED = dt.datetime(2024, 1, 10, 9, 30, 0, tzinfo=dt.timezone.utc)
CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"

Parts = dict[str, bytes]


def parts_of(data: bytes) -> Parts:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def zip_of(parts: Parts) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def edit(parts: Parts, name: str, change: Callable[[str], str]) -> None:
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")


def sheets(parts: Parts) -> list[str]:
    return sorted(n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def drop_part(parts: Parts, name: str) -> None:
    del parts[name]
    edit(parts, "[Content_Types].xml", lambda x: re.sub(rf'<Override PartName="/{re.escape(name)}"[^>]*/>', "", x))
    for rels in [n for n in parts if n.endswith(".rels")]:
        target = name.removeprefix("xl/") if rels.startswith("xl/") else name
        edit(parts, rels, lambda x: re.sub(rf'<Relationship [^>]*Target="/?{re.escape(target)}"[^>]*/>', "", x))


# --- the rewrites ----------------------------------------------------------------------------------

WPS_FORMATS = ["G/通用格式", "0_ ", "0.00_ ", r"#,##0_);[Red]\(#,##0\)", "[DBNum1][$-804]G/通用格式",
               r'_ * #,##0_ ;_ * \-#,##0_ ;_ * "-"_ ;_ @_ ', r"0_);[Red]\(0\)", "@", r'0"件"', "[$-804]General"]


def wps_number_formats(parts: Parts) -> None:
    """Every cell style given one of WPS's own number formats (G/通用格式 and the like)."""
    codes = "".join(f'<numFmt numFmtId="{176 + i}" formatCode="{c.replace(chr(34), "&quot;")}"/>'
                    for i, c in enumerate(WPS_FORMATS))

    def restyle(xml: str) -> str:
        xml = re.sub(r"<numFmts[^>]*/>|<numFmts[^>]*>.*?</numFmts>", "", xml, flags=re.S)
        xml = xml.replace("<fonts", f'<numFmts count="{len(WPS_FORMATS)}">{codes}</numFmts><fonts', 1)
        head, cell_xfs, tail = re.split(r"(<cellXfs.*?</cellXfs>)", xml, flags=re.S)
        counter = iter(range(10**6))
        cell_xfs = re.sub(r'<xf numFmtId="\d+"', lambda m: f'<xf numFmtId="{176 + next(counter) % len(WPS_FORMATS)}" '
                          'applyNumberFormat="1"', cell_xfs)
        return head + cell_xfs + tail

    edit(parts, "xl/styles.xml", restyle)


def dimension(ref: str | None) -> Callable[[Parts], None]:
    """Every sheet's dimension record replaced (None: removed; "-": without its ref)."""
    def rewrite(parts: Parts) -> None:
        for name in sheets(parts):
            new = "" if ref is None else "<dimension/>" if ref == "-" else f'<dimension ref="{ref}"/>'
            edit(parts, name, lambda x: re.sub(r"<dimension[^>]*/>", new, x))
    return rewrite


def wps_core(parts: Parts) -> None:
    """docProps/core.xml as WPS writes it: one declaration of each prefix, its own user name, the
    time of saving with a +08:00 offset (the same instant), extra elements."""
    parts["docProps/core.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>Administrator</dc:creator><cp:lastModifiedBy>WPS_1700000000</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2023-12-20T08:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-10T17:30:00+08:00</dcterms:modified>'
        "</cp:coreProperties>").encode("utf-8")


def core_other_prefixes(parts: Parts) -> None:
    """The same core properties under other prefixes (a default namespace, ns0:, ns1:)."""
    parts["docProps/core.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<coreProperties xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:ns0="http://purl.org/dc/elements/1.1/" xmlns:ns1="http://purl.org/dc/terms/" '
        'xmlns:ns2="http://www.w3.org/2001/XMLSchema-instance"><ns0:creator>张三</ns0:creator>'
        '<ns1:modified ns2:type="ns1:W3CDTF">2024-01-10T09:30:00.000Z</ns1:modified></coreProperties>').encode()


def core_elsewhere(parts: Parts) -> None:
    """The core properties in another part, found through the package relationships."""
    wps_core(parts)
    parts["docProps/core1.xml"] = parts.pop("docProps/core.xml")
    edit(parts, "_rels/.rels", lambda x: x.replace('Target="docProps/core.xml"', 'Target="/docProps/core1.xml"'))
    edit(parts, "[Content_Types].xml", lambda x: x.replace('"/docProps/core.xml"', '"/docProps/core1.xml"'))


def wps_custom(parts: Parts) -> None:
    """docProps/custom.xml rewritten as WPS does: its KSOProductBuildVer and ICV first, the
    properties renumbered, another prefix for the value types."""
    xml = parts["docProps/custom.xml"].decode("utf-8")
    ours = re.findall(r'<property name="([^"]+)"[^>]*>.*?>([^<]*)</[^>]+></property>', xml, re.S)
    assert len(ours) >= 4
    fmtid = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
    props = [("KSOProductBuildVer", "2052-12.1.0.16120"), ("ICV", "8E1D2B0C3A4F4E5B9C6D7E8F9A0B1C2D"), *ours]
    body = "".join(f'<property fmtid="{fmtid}" pid="{i + 2}" name="{n}"><v:lpwstr>{v}</v:lpwstr></property>'
                   for i, (n, v) in enumerate(props))
    parts["docProps/custom.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:v="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{body}</Properties>').encode()


def no_custom(parts: Parts) -> None:
    """A program that drops custom document properties: the hidden sheet still identifies."""
    drop_part(parts, "docProps/custom.xml")


def shared_strings(rich: bool) -> Callable[[Parts], None]:
    """Inline strings (as openpyxl writes) turned into shared strings (as Excel and WPS write);
    ``rich``: each split into two runs, the second with its own font, as WPS keeps typed text."""
    def rewrite(parts: Parts) -> None:
        table: dict[str, int] = {}

        def share(m: re.Match) -> str:
            attrs = m.group(1).replace(' t="inlineStr"', "")
            index = table.setdefault(html.unescape(m.group(2)), len(table))
            return f'<c{attrs} t="s"><v>{index}</v></c>'

        for name in sheets(parts):
            edit(parts, name, lambda x: re.sub(r'<c([^>]* t="inlineStr"[^>]*)><is><t[^>]*>(.*?)</t></is></c>',
                                                  share, x, flags=re.S))
        assert table, "the fixture has inline strings to share"

        def item(text: str) -> str:
            if not rich or len(text) < 2:
                return f'<si><t xml:space="preserve">{escape(text)}</t></si>'
            cut = len(text) // 2
            return (f'<si><r><t xml:space="preserve">{escape(text[:cut])}</t></r><r><rPr><sz val="11"/>'
                    f'<rFont val="宋体"/><charset val="134"/></rPr><t xml:space="preserve">{escape(text[cut:])}</t></r></si>')

        items = "".join(item(t) for t in table)
        parts["xl/sharedStrings.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(table)}" '
            f'uniqueCount="{len(table)}">{items}</sst>').encode("utf-8")
        edit(parts, "[Content_Types].xml", lambda x: x.replace("</Types>", (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')))
        edit(parts, "xl/_rels/workbook.xml.rels", lambda x: x.replace("</Relationships>", (
            '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')))
    return rewrite


def strip_from_sheets(pattern: str) -> Callable[[Parts], None]:
    def rewrite(parts: Parts) -> None:
        found = 0
        for name in sheets(parts):
            xml = parts[name].decode("utf-8")
            found += len(re.findall(pattern, xml, re.S))
            parts[name] = re.sub(pattern, "", xml, flags=re.S).encode("utf-8")
        assert found, f"the fixture has {pattern}"
    return rewrite


def no_defined_name(parts: Parts) -> None:
    edit(parts, "xl/workbook.xml", lambda x: re.sub(r'<definedName name="govxl_identity"[^>]*>.*?</definedName>', "", x))


def meta_sheet_only_hidden(parts: Parts) -> None:
    edit(parts, "xl/workbook.xml", lambda x: x.replace('state="veryHidden"', 'state="hidden"'))


def no_meta_sheet(parts: Parts) -> None:
    """The very hidden sheet deleted: the custom properties still identify."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    (rid,) = re.findall(r'<sheet [^>]*name="govxl"[^>]*r:id="(\w+)"', workbook)
    (target,) = re.findall(rf'Target="/?([^"]+)" Id="{rid}"', parts["xl/_rels/workbook.xml.rels"].decode())
    edit(parts, "xl/workbook.xml", lambda x: re.sub(r'<sheet [^>]*name="govxl"[^>]*/>', "", x))
    drop_part(parts, target if target.startswith("xl/") else "xl/" + target)


def everything(parts: Parts) -> None:
    for rewrite in (wps_number_formats, dimension("A1"), core_elsewhere, wps_custom, shared_strings(rich=True)):
        rewrite(parts)


REWRITES = {
    "number formats": wps_number_formats,
    "no dimension": dimension(None),
    "dimension A1": dimension("A1"),
    "dimension whole sheet": dimension("A1:XFD1048576"),
    "dimension empty": dimension(""),
    "dimension absolute": dimension("$A$1:$K$40"),
    "dimension without ref": dimension("-"),
    "core as WPS": wps_core,
    "core other prefixes": core_other_prefixes,
    "core elsewhere": core_elsewhere,
    "custom as WPS": wps_custom,
    "no custom properties": no_custom,
    "shared strings": shared_strings(rich=False),
    "shared rich text": shared_strings(rich=True),
    "all at once": everything,
}

# What a spreadsheet program may drop when it saves; govxl checks everything again from the cells.
DROPPED = {
    "sheet protection": strip_from_sheets(r"<sheetProtection[^>]*/>"),
    "data validation": strip_from_sheets(r"<dataValidations.*?</dataValidations>"),
    "conditional formats": strip_from_sheets(r"<conditionalFormatting.*?</conditionalFormatting>"),
    "defined name": no_defined_name,
    "very hidden becomes hidden": meta_sheet_only_hidden,
    "hidden sheet deleted": no_meta_sheet,
    "custom properties": no_custom,
}


def outcome(data: bytes, name: str) -> tuple:
    exam = examine(data, name, Context(YEAR, ROSTER))
    return (exam.agency, exam.agency_name, exam.year, exam.form_id, exam.status, exam.values, exam.narrative,
            sorted((f.code, f.severity, f.sheet, f.cell) for f in exam.findings))


@pytest.fixture(scope="module")
def original(tmp_path_factory, form) -> bytes:
    """A filled workbook with a finding of each severity, saved at a known time."""
    path, _ = filled(tmp_path_factory.mktemp("wps"), "报表.xlsx", form,
                     changes={"t2.penalty.decisions": "１５", "t3.new.natural": 10_000})
    parts = parts_of(path.read_bytes())
    edit(parts, "docProps/core.xml", lambda x: re.sub(r"(<dcterms:modified[^>]*>)[^<]*", r"\g<1>2024-01-10T09:30:00Z", x))
    return zip_of(parts)


def test_the_original_fixture_reads_as_expected(original):
    exam = examine(original, "报表.xlsx", Context(YEAR, ROSTER))
    assert exam.agency == "A01" and exam.status == "rejected" and exam.modified == SAVED
    assert {(f.code, f.severity) for f in exam.findings} == {("value.text_number", "warning"),
                                                              ("rule.t3.balance", "error")}
    assert exam.values["t2.penalty.decisions"] == 15 and exam.narrative["overview"]


@pytest.mark.parametrize("rewrite", REWRITES.values(), ids=REWRITES.keys())
def test_a_wps_saved_file_reads_like_the_original(original, rewrite):
    parts = parts_of(original)
    rewrite(parts)
    data = zip_of(parts)
    assert data != original
    assert outcome(data, "报表.xlsx") == outcome(original, "报表.xlsx")
    assert examine(data, "报表.xlsx", Context(YEAR, ROSTER)).modified == SAVED


def test_kso_properties_are_not_mistaken_for_an_identity(original):
    parts = parts_of(original)
    wps_custom(parts)
    exam = examine(zip_of(parts), "报表.xlsx", Context(YEAR, ROSTER))
    assert not [f for f in exam.findings if f.code.startswith("identity.")]


@pytest.mark.parametrize("rewrite", DROPPED.values(), ids=DROPPED.keys())
def test_a_file_that_lost_a_workbook_feature_reads_like_the_original(original, rewrite):
    parts = parts_of(original)
    rewrite(parts)
    assert outcome(zip_of(parts), "报表.xlsx") == outcome(original, "报表.xlsx")


def test_a_file_that_lost_both_identity_carriers_is_refused_with_a_reason(original):
    parts = parts_of(original)
    no_meta_sheet(parts)
    no_custom(parts)
    exam = examine(zip_of(parts), "报表.xlsx", Context(YEAR, ROSTER))
    assert [f.code for f in exam.findings] == ["identity.missing"] and exam.status == "rejected"
    assert "标识" in exam.findings[0].message
