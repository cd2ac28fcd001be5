"""Collecting: examining one returned file, the batch that examines and stores many, what the
office sends back (issue list, feedback workbooks) and how complete the collection is (status).
Builds on :mod:`govxl.workbook` and :mod:`govxl.form`."""
