"""File names that are safe on Windows (NTFS, FAT) and everywhere else, whatever the roster says."""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Device names Windows reserves in every folder, with any extension; ¹²³ count as digits there.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"])}
# A name is at most 255 UTF-16 units on Windows and 255 bytes (UTF-8) on Linux; parts are kept well
# below so that a whole file name (year, code, name, suffix, extension) stays within both.
MAX_PART_BYTES = 150


def safe_filename_part(text: str, max_chars: int = 60, max_bytes: int = MAX_PART_BYTES) -> str:
    """``text`` made usable inside a Windows file name: forbidden characters become ``_``,
    trailing dots and spaces go, reserved device names are defused, length is capped (in
    characters and in UTF-8 bytes)."""
    text = unicodedata.normalize("NFC", text)
    text = _FORBIDDEN.sub("_", text).strip()
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    text = text.rstrip(". ")
    if text.split(".")[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    return text or "_"


def agency_filename(year: int, code: str, name: str, extension: str, suffix: str = "") -> str:
    """``<year>_<code>_<name><suffix>.<extension>``, every part made safe: the name of an agency's
    workbook, feedback workbook or report."""
    return f"{year}_{safe_filename_part(code, 30, 60)}_{safe_filename_part(name)}{suffix}.{extension}"


def workbook_filename(year: int, code: str, name: str) -> str:
    return agency_filename(year, code, name, "xlsx")
