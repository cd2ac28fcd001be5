"""The agency workbook: writing it (generate), the identity inside it, reading a returned file
safely (reader) and turning raw cells into numbers (coerce). Builds on :mod:`govxl.form`."""
