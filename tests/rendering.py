"""Print what govxl writes, as the office would, and measure the pages.

Workbooks and Word files go through LibreOffice (Calc, Writer) to PDF, HTML through headless
Chromium; pdfplumber reads every character with its position, so a test can count pages, find
which page a text is on and how the lines of a page are set.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from libreoffice import soffice

_SPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def contains(haystack: str, needle: str) -> bool:
    """``needle`` in ``haystack`` (both flattened), where a character of the CJK radicals
    supplement, which a PDF's font may give for an ideograph (⺠ for 民) and which NFKC leaves as
    it is, stands for any character."""
    pattern = "".join(f"(?:{re.escape(c)}|[\u2e80-\u2eff])" for c in flat(needle))
    return re.search(pattern, flat(haystack)) is not None


def office_pdf(paths: list[Path], out_dir: Path, profile_dir: Path) -> list[Path]:
    """Print workbooks or Word files to PDF with LibreOffice, one PDF per file in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(profile_dir)}
    subprocess.run([soffice(), f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, paths)],
                   check=True, capture_output=True, timeout=600, env=env)
    pdfs = [out_dir / (p.stem + ".pdf") for p in paths]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, f"LibreOffice printed no PDF for {missing}"
    return pdfs


def chromium_pdf(page: Path, pdf: Path, profile_dir: Path) -> Path:
    """Print an HTML file to PDF with headless Chromium (A4 from the page's own @page rule)."""
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={profile_dir}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    page.as_uri()], check=True, capture_output=True, timeout=180)
    return pdf


@dataclass
class Line:
    top: float
    x0: float
    x1: float
    text: str
    size: float


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    text: str  # whitespace removed, NFKC
    chars: list  # pdfplumber chars

    def lines(self, min_size: float = 0) -> list[Line]:
        """Text lines: characters of at least ``min_size`` pt grouped by their baseline."""
        rows: dict[int, list] = {}
        for ch in self.chars:
            if ch["size"] >= min_size and ch["text"].strip():
                rows.setdefault(round(ch["bottom"]), []).append(ch)
        out = []
        for top in sorted(rows):
            chars = sorted(rows[top], key=lambda c: c["x0"])
            out.append(Line(top, chars[0]["x0"], chars[-1]["x1"], flat("".join(c["text"] for c in chars)),
                            max(c["size"] for c in chars)))
        return out

    def outside(self) -> list[str]:
        """Characters drawn (partly) off the paper."""
        return [c["text"] for c in self.chars
                if c["x0"] < -0.5 or c["top"] < -0.5 or c["x1"] > self.width + 0.5 or c["bottom"] > self.height + 0.5]


def pages(pdf: Path) -> list[Page]:
    with pdfplumber.open(str(pdf)) as doc:
        return [Page(i, p.width, p.height, flat(p.extract_text() or ""), list(p.chars))
                for i, p in enumerate(doc.pages, 1)]


def pages_with(all_pages: list[Page], text: str) -> list[int]:
    text = flat(text)
    return [p.number for p in all_pages if text in p.text]
