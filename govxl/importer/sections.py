"""The report's six sections: each heading is its number (``二、``) followed, within a few words,
by a text close to the spec's title (a misprinted or lengthened heading is still close)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from govxl.form.spec import Form, Section
from govxl.importer import similarity
from govxl.importer.stream import Stream

MAX_PREFIX = 15  # words a heading may put between its number and the title (五、政府信息公开工作存在的…)
_CJK_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class SectionSpot:
    section: Section
    start: int  # text offset of the heading
    body: int  # text offset where its content begins
    end: int = 0  # where its content ends (the next heading, or the end of the text)


def find_sections(stream: Stream, form: Form) -> list[SectionSpot]:
    found: list[SectionSpot] = []
    cursor = 0
    for section in form.sections:
        title = similarity.key_of(section.title)
        marker = re.compile(rf"(?<![{_CJK_NUMERALS}]){re.escape(section.number)}\s*[、.．,，]")
        for m in marker.finditer(stream.flat, cursor):
            k = stream.key_index_at(m.end())
            limit = k + MAX_PREFIX + len(title) + similarity.tolerance(title)
            hit = similarity.first(title, stream.key, k, min(limit, len(stream.key)))
            if hit is None or hit.start - k > MAX_PREFIX or "\x00" in stream.key[k:hit.end]:
                continue
            body = stream.key_pos[hit.end - 1] + 1
            found.append(SectionSpot(section, m.start(), body))
            cursor = body
            break
    out = []
    for i, spot in enumerate(found):
        end = found[i + 1].start if i + 1 < len(found) else len(stream.text)
        out.append(SectionSpot(spot.section, spot.start, spot.body, end))
    return out
