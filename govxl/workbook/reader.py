"""Read a received file into raw cell values, safely, without interpreting anything.

Every check that bounds the work happens before the work. The container is checked before any
parser sees it: only OOXML workbooks (.xlsx) are read; old binary formats, macro workbooks,
encrypted files, corrupt archives and zip bombs (judged from the zip directory, before anything
is inflated) are refused with a finding. Then every worksheet is scanned as a stream
(:mod:`govxl.workbook.sheetscan`): a sheet with a cell beyond the area a form can use is refused
when it is asked for, before any reader builds its grid, and the formulas of the cells are noted. Cell values come from
python-calamine (fast; cached formula results are read but never trusted downstream); identity
from the hidden sheet, the custom document properties and the defined name.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from govxl import messages as msg
from govxl.errors import GovxlError
from govxl.findings import Finding
from govxl.workbook import sheetscan
from govxl.workbook.identity import DEFINED_NAME, PROPERTY_PREFIX

MAX_FILE = 20 * 1024 * 1024  # bytes of the file as received
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # bytes of all parts, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, per part
MAX_ROWS = 2000  # the area a sheet may use: far more than any form needs
MAX_COLS = 200


@dataclass(frozen=True)
class Limits:
    """The bounds of reading one received file (README: 数据安全)."""

    max_file: int = MAX_FILE
    max_uncompressed: int = MAX_UNCOMPRESSED
    max_ratio: int = MAX_RATIO
    max_rows: int = MAX_ROWS
    max_cols: int = MAX_COLS
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


class FileRejected(GovxlError):
    """The file cannot be read at all; ``finding`` says why, in Chinese."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


class RawWorkbook:
    """The sheets of a received file, read on demand: a sheet nobody asks for is never parsed.
    :meth:`grid` raises :class:`FileRejected` for an oversized sheet."""

    def __init__(self, book, properties: dict[str, str], defined_identity: str | None,
                 modified: dt.datetime | None, meta_sheet: str,
                 formulas: dict[str, dict[tuple[int, int], str]] | None = None, limits: Limits = Limits(),
                 oversized: dict[str, tuple[int, int]] | None = None):
        self._book = book
        self._grids: dict[str, list[list]] = {}
        self._formulas = formulas or {}
        self._limits = limits
        self._oversized = oversized or {}  # sheet -> (rows, cols) it would have, found by the scan
        self.sheet_names: list[str] = list(book.sheet_names)
        self.properties = properties  # govxl.* custom properties
        self.defined_identity = defined_identity
        self.modified = modified  # when the file was last saved, by its own account
        self.meta_rows: list[tuple[str, str]] | None = None
        if meta_sheet in self.sheet_names:
            self.meta_rows = [(str(r[0]), _text(r[1])) for r in self.grid(meta_sheet) if len(r) >= 2 and r[0] != ""]

    def grid(self, sheet: str) -> list[list]:
        """Rows of raw values from A1 ('' for empty); [] for a sheet the file does not have."""
        if sheet not in self._grids:
            if sheet not in self.sheet_names:
                return []
            if sheet in self._oversized:
                rows, cols = self._oversized[sheet]
                raise _reject("file.sheet_too_large", sheet=sheet, rows=rows, cols=cols)
            try:
                data = self._book.get_sheet_by_name(sheet)
                if data.height > self._limits.max_rows or data.width > self._limits.max_cols:
                    raise _reject("file.sheet_too_large", sheet=sheet, rows=data.height, cols=data.width)
                self._grids[sheet] = data.to_python(skip_empty_area=False)
            except FileRejected:
                raise
            except Exception:  # calamine reports damaged parts with many exception types
                raise _reject("file.corrupt") from None
        return self._grids[sheet]

    def cell(self, sheet: str, row: int, col: int):
        rows = self.grid(sheet)
        if row < len(rows) and col < len(rows[row]):
            return rows[row][col]
        return ""

    def formula(self, sheet: str, row: int, col: int) -> str | None:
        """The formula typed into a cell (without its '='), or None when the cell holds none."""
        return self._formulas.get(sheet, {}).get((row, col))


def _reject(kind: str, /, **params) -> FileRejected:
    return FileRejected(Finding.of(kind, **params))


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def read_workbook(data: bytes, filename: str, meta_sheet: str, limits: Limits = Limits()) -> RawWorkbook:
    """A received file, opened for reading. Raises :class:`FileRejected`."""
    archive = _open_container(data, filename, limits)
    with archive:
        properties = _custom_properties(archive)
        defined = _defined_identity(archive)
        modified = _modified(archive)
        formulas, oversized = _scan_sheets(archive, limits)
        data = _with_plain_dimensions(archive, data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine reports damaged parts with many exception types
        raise _reject("file.corrupt") from None
    return RawWorkbook(book, properties, defined, modified, meta_sheet, formulas, limits, oversized)


def _scan_sheets(archive: zipfile.ZipFile, limits: Limits
                 ) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, tuple[int, int]]]:
    """Every worksheet scanned as a stream before any grid is built: the formulas found, by
    sheet name, and the sheets with a cell beyond the area (with the size they would have)."""
    formulas, oversized = {}, {}
    for name, part in sheetscan.sheet_parts(archive):
        try:
            formulas[name] = sheetscan.scan_sheet(archive, part, name, limits.max_rows, limits.max_cols).formulas
        except sheetscan.OutOfArea as e:
            oversized[name] = (e.rows, e.cols)
        except KeyError:
            continue  # a sheet listed without its part: the reader says whether that matters
        except Exception:  # a damaged part: parse errors, zlib errors, bad CRC …
            raise _reject("file.corrupt") from None
    return formulas, oversized


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open_container(data: bytes, filename: str, limits: Limits = Limits()) -> zipfile.ZipFile:
    lower = filename.lower()
    if not data:
        raise _reject("file.empty")
    if len(data) > limits.max_file:
        raise _reject("file.too_large", size=size_text(len(data)), limit=size_text(limits.max_file))
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise _reject("file.encrypted")
        if lower.endswith((".doc", ".ppt")):
            raise _reject("file.not_spreadsheet", kind=msg.FILE_KIND_WORD)
        raise _reject("file.old_format")
    if not data.startswith(b"PK"):
        raise _reject("file.not_spreadsheet", kind=_kind(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _reject("file.corrupt") from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        kind = msg.FILE_KIND_WORD if "word/document.xml" in names else msg.FILE_KINDS[b"PK"]
        if "xl/workbook.bin" in names:
            kind = "Excel 二进制工作簿（.xlsb）"
        raise _reject("file.not_spreadsheet", kind=kind)
    if lower.endswith((".xlsm", ".xltm")) or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _reject("file.macro")
    total = sum(i.file_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0)
    if total > limits.max_uncompressed or worst > limits.max_ratio:
        raise _reject("file.zip_bomb", size=size_text(total), ratio=int(worst))
    try:
        damaged = archive.testzip() is not None
    except Exception:  # zlib.error, encrypted or unknown-method members, truncated data …
        damaged = True
    if damaged:
        raise _reject("file.corrupt")
    return archive


def _kind(data: bytes) -> str:
    for magic, kind in msg.FILE_KINDS.items():
        if data.startswith(magic):
            return kind
    head = data[:512]
    try:
        head.decode("utf-8")
        return msg.FILE_KIND_TEXT
    except UnicodeDecodeError:
        return msg.FILE_KIND_UNKNOWN


_NS_PROPS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_TERMS = "{http://purl.org/dc/terms/}"


def _package_part(archive: zipfile.ZipFile, relationship: str, default: str) -> str:
    """The part the package relationship of type ``…/relationship`` points to: docProps/core.xml
    and docProps/custom.xml in Excel's files, possibly other names in other programs' files."""
    try:
        root = ElementTree.fromstring(archive.read("_rels/.rels"))
    except (KeyError, ElementTree.ParseError):
        return default
    for rel in root.iter(f"{_NS_RELS}Relationship"):
        if rel.get("Type", "").endswith("/" + relationship) and rel.get("TargetMode") != "External":
            target = posixpath.normpath(rel.get("Target", "").lstrip("/"))
            return target if target not in ("", ".") else default
    return default


def _custom_properties(archive: zipfile.ZipFile) -> dict[str, str]:
    """govxl's custom properties, by namespace (not by prefix); other programs' (WPS adds
    KSOProductBuildVer and ICV) are left out."""
    try:
        root = ElementTree.fromstring(archive.read(_package_part(archive, "custom-properties", "docProps/custom.xml")))
    except (KeyError, ElementTree.ParseError):
        return {}
    out = {}
    for prop in root.iter(f"{_NS_PROPS}property"):
        name = prop.get("name", "")
        if name.startswith(PROPERTY_PREFIX) and len(prop):
            out[name.removeprefix(PROPERTY_PREFIX)] = prop[0].text or ""
    return out


_DEFINED = re.compile(r'<definedName[^>]*name="' + re.escape(DEFINED_NAME) + r'"[^>]*>(.*?)</definedName>', re.S)


def _defined_identity(archive: zipfile.ZipFile) -> str | None:
    try:
        xml = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except KeyError:
        return None
    m = _DEFINED.search(xml)
    if not m:
        return None
    value = m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return value.lstrip("=").strip('"').replace('""', '"')


def _modified(archive: zipfile.ZipFile) -> dt.datetime | None:
    """When the file was last saved, by its core properties (found through the package's
    relationships, read by namespace), in UTC; a time without a zone is taken as UTC, as the
    format says."""
    try:
        root = ElementTree.fromstring(archive.read(_package_part(archive, "metadata/core-properties",
                                                                 "docProps/core.xml")))
    except (KeyError, ElementTree.ParseError):
        return None
    element = root.find(f"{_NS_TERMS}modified")
    if element is None or not (element.text or "").strip():
        return None
    try:
        value = dt.datetime.fromisoformat(element.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


# A sheet's dimension record only hints at the used range (Excel ignores it); calamine refuses the
# file when it is anything but a plain range (empty, absolute, without ref …, as some programs
# write it). Such a record is left out before calamine reads the file; the cells decide the size.
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?(?:/>|>\s*</(?:[\w.-]+:)?dimension>)")
_PLAIN_RANGE = re.compile(rb'\sref="[A-Za-z]{1,3}[1-9][0-9]{0,6}(?::[A-Za-z]{1,3}[1-9][0-9]{0,6})?"')


def _with_plain_dimensions(archive: zipfile.ZipFile, data: bytes) -> bytes:
    odd = set()
    for info in archive.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            with archive.open(info) as part:
                m = _DIMENSION.search(part.read(65536))
            if m and not _PLAIN_RANGE.search(m.group()):
                odd.add(info.filename)
    if not odd:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename in odd:
                content = _DIMENSION.sub(b"", content, count=1)
            rebuilt.writestr(info.filename, content)
    return out.getvalue()
