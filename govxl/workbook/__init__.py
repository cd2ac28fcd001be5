"""The agency workbook: writing it (generate), the identity inside it, reading a returned file
safely (reader) and turning raw cells into numbers (coerce). Builds on :mod:`govxl.form`."""

# The sheet-protection password of the workbooks govxl writes. Protection only guards against
# slips; the collector never relies on it.
DEFAULT_PASSWORD = "govxl"
