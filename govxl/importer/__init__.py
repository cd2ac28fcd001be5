"""The importer: published annual reports (text, Markdown, HTML, Word, PDF) read back into the
same data as a returned workbook. Builds on :mod:`govxl.form` and the store.

Modules, in the order a report goes through them:

- ``text``, ``html``, ``word``, ``pdf``: each input format into the one table model of
  ``document`` (paragraphs and grids of cells with spans); ``limits`` bounds what is read;
- ``normalise``: compatibility characters, page numbers, archive headers;
- ``stream``: the document in reading order as label text and numbers;
- ``identity``: agency and year, with where each was found; ``sections``: the six sections;
- ``similarity`` and ``labels``: the spec's labels found by closeness of characters in order;
- ``tables``: a table read row by row, its edition chosen by how well it reads;
- ``solver``: digits run together split only where the rules leave one way;
- ``narrative``: the nine narrative parts;
- ``reader``: one report from file to result; ``save``: storing and batches.
"""

from govxl.importer.reader import import_bytes, import_document, import_file, import_text
from govxl.importer.result import ImportResult, Unread
from govxl.importer.save import BatchImport, FileImport, import_paths, store_import

__all__ = ["BatchImport", "FileImport", "ImportResult", "Unread", "import_bytes", "import_document", "import_file",
           "import_paths", "import_text", "store_import"]
