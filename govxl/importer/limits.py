"""Bounds on what one import may read, checked before the work they bound.

A published annual report is a few pages: tens of kilobytes of text, a few hundred of Word or
PDF. The bounds leave a wide margin above that and keep a hostile or mistaken file (a disk image,
a zip bomb disguised as .docx, megabytes of junk after a report) from costing more than a moment.
"""

from __future__ import annotations

MAX_FILE_BYTES = 50 * 1024 * 1024  # any report file
MAX_DOCX_INFLATED = 60 * 1024 * 1024  # all parts of a .docx, as the zip directory states them
MAX_TEXT_CHARS = 1_000_000  # text after decoding or extraction (a long report has 50,000)
MAX_PDF_PAGES = 200
SUFFIXES = (".txt", ".md", ".markdown", ".text", ".html", ".htm", ".xhtml", ".docx", ".pdf")


class InputTooLarge(Exception):
    """The input exceeds one of the bounds: ``what`` (file, docx, text, pdf), its size, the bound."""

    def __init__(self, what: str, size: int, limit: int):
        super().__init__(f"{what}: {size} > {limit}")
        self.what, self.size, self.limit = what, size, limit
