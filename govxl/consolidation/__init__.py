"""Consolidating: the district totals from the versions in use (merge), the summary workbook's
extra sheets and charts, and the data export. Builds on :mod:`govxl.collection` and below."""
