"""README's 数据安全 states the rule and the bounds the code applies (issue 9): each number there
is computed here from the constant the code uses, so changing one without the other fails."""

from __future__ import annotations

from pathlib import Path

from govxl.collection.collect import FILE_TIMEOUT, WORKER_MEMORY
from govxl.importer.limits import MAX_DOCX_INFLATED, MAX_FILE_BYTES, MAX_PDF_PAGES, MAX_TEXT_CHARS
from govxl.importer.narrative import MAX_PART_CHARS
from govxl.web.jobs import CHECK_LIFE
from govxl.workbook.reader import MAX_COLS, MAX_FILE, MAX_RATIO, MAX_ROWS, MAX_UNCOMPRESSED

MB = 1024 * 1024
README = Path(__file__).resolve().parent.parent / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## 数据安全\n")
    end = text.index("\n## ", start + 1)
    return "".join(text[start:end].split())  # lines wrap anywhere


def wan(n: int) -> str:
    assert n % 10_000 == 0
    return f"{n // 10_000}万字"


def test_the_bounds_stated_are_the_bounds_applied():
    text = section()
    for stated in (f"不超过{MAX_FILE // MB}MB", f"合计不超过{MAX_UNCOMPRESSED // MB}MB", f"压缩比不超过{MAX_RATIO}:1",
                   f"不超过{MAX_ROWS}行×{MAX_COLS}列", f"不超过{FILE_TIMEOUT:g}秒",
                   f"内存不超过{WORKER_MEMORY / 1024**3:g}GB",
                   f"文件不超过{MAX_FILE_BYTES // MB}MB", f"解压后合计不超过{MAX_DOCX_INFLATED // MB}MB",
                   f"PDF不超过{MAX_PDF_PAGES}页", f"前{wan(MAX_TEXT_CHARS)}", f"前{wan(MAX_PART_CHARS)}",
                   f"未报送的保留{CHECK_LIFE // 3600}小时后删除"):
        assert stated in text, stated


def test_the_version_rule_backup_and_what_is_kept_are_stated():
    text = section()
    for stated in ("**采用哪个版本。**", "govxlpin", "最近保存", "收到的时间", "SHA-256", "较旧的版本，未采用",
                   "**保存了什么。**", "govxlbackup--db", "数据库损坏时", "磁盘已满时"):
        assert stated in text, stated
