"""CSV files a clerk opens in Excel: UTF-8 with BOM, and no text cell that a spreadsheet would run
as a formula (one that starts with = + - @, a tab or a carriage return is prefixed with ')."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(DANGEROUS_START) else text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """A CSV file as bytes; numbers as they are, text neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([v if isinstance(v, (int, float)) and not isinstance(v, bool) else neutralise(str(v))
                         for v in row])
    return buffer.getvalue().encode("utf-8-sig")
