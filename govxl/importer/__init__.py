"""The importer: published annual reports (text, HTML, Word) read back into the same data as a
returned workbook. Builds on :mod:`govxl.form` and the store."""

from govxl.importer.core import ImportResult, import_file, import_text, store_import

__all__ = ["ImportResult", "import_file", "import_text", "store_import"]
