"""Reports: the narrative annual reports of an agency and of the district, in Markdown, HTML and
Word, composed from the store and the consolidation. Builds on :mod:`govxl.consolidation` and
below."""

# The internal annexes of the district report, written beside it (never inside it): 各单位文字材料
# 汇编 (what every agency wrote, part by part, to draft from) and 各单位报送情况 (every agency's
# status). Their titles and texts are in templates/summary.toml ([annexes.*]).
ANNEXES = ("texts", "status")
DEFAULT_ANNEXES = ("texts",)
