"""File names that are safe on Windows (NTFS, FAT) and everywhere else."""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def safe_filename_part(text: str, max_chars: int = 60) -> str:
    """``text`` made usable inside a Windows file name: forbidden characters become ``_``,
    trailing dots and spaces go, reserved device names are defused, length is capped."""
    text = unicodedata.normalize("NFC", text)
    text = _FORBIDDEN.sub("_", text).strip()
    text = text[:max_chars].rstrip(". ")
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text or "_"


def workbook_filename(year: int, code: str, name: str) -> str:
    return f"{year}_{safe_filename_part(code, 30)}_{safe_filename_part(name)}.xlsx"
