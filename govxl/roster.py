"""The roster (单位名单): the agencies of a district, read from a CSV file.

A roster is what a clerk saves from Excel: UTF-8 with or without BOM, GBK/GB18030 as Chinese
Excel writes "CSV (逗号分隔)", or UTF-16 "Unicode 文本"; comma, semicolon or tab separated. The
header names ``code``, ``name`` and optionally ``group`` (Chinese headers such as 单位代码 /
单位名称 / 单位类别 are understood too); any other columns are kept as they are.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from govxl import messages as msg
from govxl.errors import GovxlError
from govxl.names import agency_filename

HEADER_ALIASES = {
    "code": ("code", "代码", "单位代码", "编码", "单位编码", "机构代码"),
    "name": ("name", "名称", "单位名称", "单位", "机关名称", "部门名称"),
    "group": ("group", "分组", "类别", "单位类别", "类型", "单位类型"),
}
# Optional columns the workbench shows and edits; kept, like any other column, in ``extra`` under
# the first header of each list (the others are understood when a roster is read).
CONTACT_HEADERS = {
    "contact": ("联系人", "contact", "联系人姓名"),
    "phone": ("联系电话", "phone", "电话", "手机", "联系方式"),
}
MAX_CODE = 32
MAX_NAME = 100


def code_key(code: str) -> str:
    """The one normal form in which agency codes are compared everywhere (roster, cover, identity,
    store): full-width and compatibility forms folded (NFKC), case ignored, spaces around dropped —
    ``wd004`` and ``ＷＤ００４`` are ``WD004``."""
    return unicodedata.normalize("NFKC", str(code)).strip().casefold()


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    group: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # the roster's other columns, (header, value)
    line: int = 0  # line in the roster file, for messages

    def _extra(self, key: str) -> str:
        names = {h.lower() for h in CONTACT_HEADERS[key]}
        return next((v for h, v in self.extra if h.strip().lower() in names), "")

    @property
    def contact(self) -> str:
        """The contact person (column 联系人), '' if the roster has none."""
        return self._extra("contact")

    @property
    def phone(self) -> str:
        """The contact's phone (column 联系电话), '' if the roster has none."""
        return self._extra("phone")

    def with_details(self, *, name: str, group: str, contact: str, phone: str) -> Agency:
        """The same agency with its name, group and contact details changed (other columns kept)."""
        extra = [(h, v) for h, v in self.extra
                 if h.strip().lower() not in {x.lower() for k in CONTACT_HEADERS for x in CONTACT_HEADERS[k]}]
        extra += [(CONTACT_HEADERS["contact"][0], contact.strip()), (CONTACT_HEADERS["phone"][0], phone.strip())]
        return Agency(self.code, name.strip(), group.strip(), tuple(extra), self.line)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "group": self.group, "contact": self.contact,
                "phone": self.phone, "extra": {h: v for h, v in self.extra}}


@dataclass
class RosterError(GovxlError, ValueError):
    """The roster cannot be used. ``problems`` are Chinese sentences, each naming its line."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def read_roster(path: str | Path) -> list[Agency]:
    """Read and validate a roster file. Raises :class:`RosterError` listing every problem."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise RosterError([msg.ROSTER_UNREADABLE.format(error=msg.os_error(e))]) from None
    return parse_roster(data)


def parse_roster(data: bytes) -> list[Agency]:
    text = _decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise RosterError([msg.ROSTER_EMPTY])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    header = [h.strip() for h in next(reader)]
    columns = _map_header(header)

    problems: list[str] = []
    agencies: list[Agency] = []
    invalid: set[int] = set()
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # Excel leaves empty lines such as ",,," at the end
        cells = cells + [""] * (len(header) - len(cells))
        code = cells[columns["code"]].strip()
        name = cells[columns["name"]].strip()
        group = cells[columns["group"]].strip() if "group" in columns else ""
        row_problems = _check_fields(line, code, name, group)
        problems += row_problems
        used = set(columns.values())
        extra = tuple((h, cells[i].strip()) for i, h in enumerate(header) if i not in used and h)
        agencies.append(Agency(code, name, group, extra, line))
        if row_problems:
            invalid.add(line)
    problems += clashes([a for a in agencies if a.line not in invalid])
    if problems:
        raise RosterError(sorted(problems, key=_line_of))
    if not agencies:
        raise RosterError([msg.ROSTER_NO_AGENCIES])
    return agencies


ROSTER_COLUMNS = ("单位代码", "单位名称", "单位类别")


def roster_csv(agencies: list[Agency]) -> bytes:
    """The roster as a CSV file Excel opens as it is and :func:`read_roster` reads back: code, name,
    group, then every other column (联系人, 联系电话 …) in the order first met."""
    from govxl.tabular import csv_bytes

    extra: list[str] = []
    for a in agencies:
        extra += [h for h, _ in a.extra if h not in extra]
    return csv_bytes([*ROSTER_COLUMNS, *extra],
                     ([a.code, a.name, a.group, *(dict(a.extra).get(h, "") for h in extra)] for a in agencies))


def clashes(agencies: list[Agency]) -> list[str]:
    """What makes two agencies of a roster one: the same code (in the normal form of
    :func:`code_key`), the same name, or codes and names that make the same file name once made
    safe for Windows (``A/1`` and ``A:1``) — the second agency's workbook, feedback and report
    would overwrite the first's. One problem per later line."""
    problems = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    files: dict[str, int] = {}
    for a in agencies:
        key, file = code_key(a.code), agency_filename(0, a.code, a.name, "xlsx").casefold()
        if key in codes:
            problems.append(msg.ROSTER_DUPLICATE_CODE.format(line=a.line, code=a.code, first=codes[key]))
        elif a.name in names:
            problems.append(msg.ROSTER_DUPLICATE_NAME.format(line=a.line, name=a.name, first=names[a.name]))
        elif file in files:
            problems.append(msg.ROSTER_FILE_CLASH.format(line=a.line, first=files[file],
                                                         file=agency_filename(0, a.code, a.name, "xlsx")[2:]))
        codes.setdefault(key, a.line)
        names.setdefault(a.name, a.line)
        files.setdefault(file, a.line)
    return problems


def _line_of(problem: str) -> int:
    """Problems are listed in the order of their lines (every roster message starts 第 N 行)."""
    found = re.match(r"第 (\d+) 行", problem)
    return int(found.group(1)) if found else 0


def check_agencies(agencies: list[Agency]) -> None:
    """Check a roster edited other than from a file (the workbench) by the rules a roster file is
    read with; raises :class:`RosterError` listing every problem (line = position + 1, as the
    roster downloads). Contact details are checked like the group."""
    problems: list[str] = []
    valid: list[Agency] = []
    for line, a in enumerate(agencies, start=2):
        found = _check_fields(line, a.code, a.name, a.group)
        for meaning, value in ((CONTACT_HEADERS["contact"][0], a.contact), (CONTACT_HEADERS["phone"][0], a.phone)):
            if any(unicodedata.category(ch) == "Cc" for ch in value):
                found.append(msg.ROSTER_BAD_TEXT.format(line=line, meaning=meaning, value=value.replace("\n", " ")))
            elif len(value) > MAX_NAME:
                found.append(msg.ROSTER_TOO_LONG.format(line=line, meaning=meaning, length=len(value), limit=MAX_NAME))
        if not found:
            valid.append(replace(a, line=line))
        problems += found
    problems += clashes(valid)
    if not agencies:
        problems.append(msg.ROSTER_NO_AGENCIES)
    if problems:
        raise RosterError(sorted(problems, key=_line_of))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16"))
        except UnicodeDecodeError:
            raise RosterError([msg.ROSTER_BAD_BYTES.format(line=1)]) from None
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    # A file that is UTF-8 except for a few lines is a damaged UTF-8 file, not GBK: decoding it
    # as GBK would silently garble every name, so name the damaged line instead.
    utf8_lines = [_decodes(raw, "utf-8-sig") for raw in lines if not raw.isascii()]
    if any(utf8_lines):
        bad = next(n for n, raw in enumerate(lines, 1) if not _decodes(raw, "utf-8-sig"))
        raise RosterError([msg.ROSTER_BAD_BYTES.format(line=bad)])
    try:
        return unicodedata.normalize("NFC", data.decode("gb18030"))
    except UnicodeDecodeError:
        bad = next((n for n, raw in enumerate(lines, 1) if not _decodes(raw, "gb18030")), 1)
        raise RosterError([msg.ROSTER_BAD_BYTES.format(line=bad)]) from None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "，")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        normal = h.lower().replace(" ", "").replace("\u3000", "")
        for key, aliases in HEADER_ALIASES.items():
            if normal in aliases:
                if key in columns:
                    raise RosterError([msg.ROSTER_DUPLICATE_HEADER.format(column=h)])
                columns[key] = i
    missing = [k for k in ("code", "name") if k not in columns]
    if missing:
        raise RosterError([
            msg.ROSTER_MISSING_COLUMN.format(column=k, meaning=msg.ROSTER_HEADER_MEANINGS[k]) for k in missing
        ])
    return columns


def _check_fields(line: int, code: str, name: str, group: str) -> list[str]:
    problems = []
    if not code:
        problems.append(msg.ROSTER_EMPTY_CODE.format(line=line))
    if not name:
        problems.append(msg.ROSTER_EMPTY_NAME.format(line=line, code=code or "（空）"))
    for key, value, limit in (("code", code, MAX_CODE), ("name", name, MAX_NAME), ("group", group, MAX_NAME)):
        meaning = msg.ROSTER_HEADER_MEANINGS[key]
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            problems.append(msg.ROSTER_BAD_TEXT.format(line=line, meaning=meaning, value=value.replace("\n", " ")))
        elif len(value) > limit:
            problems.append(msg.ROSTER_TOO_LONG.format(line=line, meaning=meaning, length=len(value), limit=limit))
    return problems
