"""Reports: the narrative annual reports of an agency and of the district, in Markdown, HTML and
Word, composed from the store and the consolidation. Builds on :mod:`govxl.consolidation` and
below."""
