"""The narrative parts of the report, from the sections that have them.

Inside a section, a part with a heading in the spec (（一）主动公开 …) starts at a numbered
subheading (``（一）``, ``一、``, ``1.``) whose first words are close to it. Closeness is measured by
the characters of the part's heading found in order in those words, each character weighted by
how few of the section's parts share it (政府信息公开 is shared, 平台建设 is not): so 平台载体建设,
信息公开平台建设方面 and 加强平台建设 all start the part 政府信息公开平台建设, in the order of the spec.
Parts without a heading take the text before the first heading; a section with two such parts
(problems and improvements) is cut where the improvements begin: at a subheading close to one of
the parts, else at the first sentence that turns from the problems to what was or will be done.
Lines broken inside a sentence are joined back into paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govxl.form.spec import Form, NarrativePart
from govxl.importer.sections import SectionSpot
from govxl.importer.similarity import key_of

MIN_HEADING_SCORE = 0.5
HEADING_WINDOW = 24  # letters after a subheading's number in which a part's heading is looked for
MAX_PART_CHARS = 20_000
MAX_SUBHEADINGS = 400  # numbered lines looked at in one section
_SUBHEADING = re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]|(?:^|(?<=[\s。：:；;！？!?）)」”]))[#*\s]*"
                         r"(?:[一二三四五六七八九十]{1,3}、|\d{1,2}\s*[.、．](?![0-9]))")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])")
# Words Chinese reports put after a heading's topic (（一）主动公开情况。（三）政府信息管理方面）.
HEADING_TAILS = ("方面", "情况", "工作")
_SENTENCE_END = "。！？；：”」）)!?;:"
# How the improvements of section 五 begin when they have no heading of their own: a sentence about
# what was done about last year's problems, or what will be done.
_IMPROVEMENT_START = re.compile(r"^[\s\d一二三四五六七八九十（）()、.]*(?:对|针对)[^。]*(?:改进|整改)|^(?:改进|整改|下一步)")
_FUTURE = ("将", "下一步", "今后")
_REMEDY = ("改进", "整改", "措施", "抓好", "做好", "加强", "提升")


@dataclass(frozen=True)
class _Heading:
    key: str  # part key
    start: int  # text offset where the subheading begins
    body: int  # where its text begins


def _core(heading: str) -> str:
    m = _NUMBERING.match(heading)
    return heading[m.end():] if m else heading


def _weights(parts: list[NarrativePart]) -> dict[str, float]:
    """A character's weight: rarer among the parts' headings, heavier."""
    counts: dict[str, int] = {}
    for p in parts:
        for ch in set(key_of(_core(p.heading or p.label))):
            counts[ch] = counts.get(ch, 0) + 1
    return {ch: 1 / c for ch, c in counts.items()}


def _in_order(pattern: str, text: str, weights: dict[str, float]) -> tuple[float, int, int]:
    """Weighted longest common subsequence of ``pattern`` in ``text``, its characters no further
    apart than twice the pattern's length: (weight, start, end) of the match in ``text``."""
    m, n = len(pattern), len(text)
    span = 2 * m + 1
    best = (0.0, 0, 0)
    for s0 in range(n):
        if pattern.find(text[s0]) < 0:
            continue
        window = text[s0:s0 + span]
        # dp over the window anchored at s0: weight and end of the best alignment
        prev = [(0.0, 0)] * (len(window) + 1)
        for i in range(1, m + 1):
            w = weights.get(pattern[i - 1], 0.0)
            cur = [(0.0, 0)]
            for j in range(1, len(window) + 1):
                cand = max(prev[j], cur[j - 1])
                if pattern[i - 1] == window[j - 1] and prev[j - 1][0] + w > cand[0]:
                    cand = (prev[j - 1][0] + w, j)
                cur.append(cand)
            prev = cur
        weight, end = prev[-1]
        if weight > best[0]:
            best = (weight, s0, s0 + end)
    return best


def _score(part: NarrativePart, words: str, weights: dict[str, float]) -> tuple[float, int]:
    """How much of the part's heading the words hold, in order (0 when none of the characters
    that only this part's heading has is among them), and where the match ends in ``words``."""
    core = key_of(_core(part.heading or part.label))
    total = sum(weights.get(c, 0.0) for c in core)
    if not total:
        return 0.0, 0
    own = {c for c in core if weights.get(c) == 1.0}
    if not own & set(words):
        return 0.0, 0
    weight, start, end = _in_order(core, words, weights)
    if not own & set(words[start:end]):
        return 0.0, 0
    return weight / total, end


def _headings(flat: str, start: int, end: int, parts: list[NarrativePart]) -> list[_Heading]:
    weights = _weights(parts)
    out: list[_Heading] = []
    nxt = 0
    for n, m in enumerate(_SUBHEADING.finditer(flat, start, end)):
        if nxt >= len(parts) or n >= MAX_SUBHEADINGS:
            break
        # The first letters after the number, with their offsets.
        letters, offsets = [], []
        pos = m.end()
        while pos < end and len(letters) < HEADING_WINDOW and flat[pos] not in "。\n":
            if flat[pos].isalnum():
                letters.append(flat[pos])
                offsets.append(pos)
            pos += 1
        words = "".join(letters)
        best = None
        for idx in range(nxt, len(parts)):
            score, stop = _score(parts[idx], words, weights)
            if score >= MIN_HEADING_SCORE and (best is None or score > best[0]):
                best = (score, idx, stop)
        if best is None:
            continue
        _, idx, stop = best
        body = offsets[stop - 1] + 1 if stop else m.end()
        # The heading goes on to a stop a few letters on (改进措施：), else to a usual tail (方面).
        ahead = re.match(r"[^\W\d_]{0,4}?[。：:．.]", flat[body:body + 6])
        if ahead:
            body += ahead.end()
        else:
            for tail in HEADING_TAILS:
                if flat.startswith(tail, body):
                    body += len(tail)
                    break
        while body < end and flat[body] in " \t。：:．.，,、":
            body += 1
        out.append(_Heading(parts[idx].key, m.start(), body))
        nxt = idx + 1
    return out


def paragraphs(text: str) -> list[str]:
    """Lines joined back into paragraphs: a line that does not end a sentence was wrapped."""
    out: list[list[str]] = []
    joining = False
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if not line or re.fullmatch(r"[|\s]+", line):
            joining = False
            continue
        if joining and out:
            out[-1].append(line)
        else:
            out.append([line])
        joining = not line.endswith(tuple(_SENTENCE_END))
    return ["".join(p) for p in out]


def _improvements_start(text: str) -> int | None:
    """Offset in ``text`` of the sentence where the improvements begin (never the first sentence)."""
    sentences = [m for m in re.finditer(r"[^。！？!?\n]+[。！？!?]*", text)]
    for n, m in enumerate(sentences):
        s = m.group(0).strip()
        if n == 0 or not s:
            continue
        if _IMPROVEMENT_START.search(s) or (any(f in s for f in _FUTURE) and any(r in s for r in _REMEDY)):
            return m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
    return None


@dataclass
class NarrativeReading:
    parts: dict[str, str]
    cut: dict[str, int]  # part -> characters left out beyond the bound


def read_narrative(text: str, flat: str, form: Form, sections: list[SectionSpot]) -> NarrativeReading:
    by_key = {p.key: p for p in form.narrative}
    out: dict[str, str] = {}
    cut: dict[str, int] = {}
    for spot in sections:
        section = spot.section
        if not section.narrative:
            continue
        parts = [by_key[k] for k in section.narrative]
        headed = [p for p in parts if p.heading]
        unheaded = [p for p in parts if not p.heading]
        candidates = headed if headed else (unheaded if len(unheaded) > 1 else [])
        heads = _headings(flat, spot.body, spot.end, candidates) if candidates else []
        first = heads[0].start if heads else spot.end
        pieces: dict[str, tuple[int, int]] = {}
        for i, h in enumerate(heads):
            pieces[h.key] = (h.body, heads[i + 1].start if i + 1 < len(heads) else spot.end)
        if headed and unheaded:
            pieces[unheaded[0].key] = (spot.body, first)
        elif not headed and unheaded:
            if len(unheaded) == 1:
                pieces[unheaded[0].key] = (spot.body, spot.end)
            elif not heads:
                split = _improvements_start(text[spot.body:spot.end])
                cut_at = spot.body + split if split is not None else spot.end
                pieces[unheaded[0].key] = (spot.body, cut_at)
                pieces[unheaded[1].key] = (cut_at, spot.end)
            elif heads[0].key != unheaded[0].key:
                pieces[unheaded[0].key] = (spot.body, first)
        for part in parts:
            lo, hi = pieces.get(part.key, (0, 0))
            if hi - lo > MAX_PART_CHARS:
                cut[part.key] = hi - lo - MAX_PART_CHARS
                hi = lo + MAX_PART_CHARS
            out[part.key] = "\n".join(paragraphs(text[lo:hi]))
    return NarrativeReading(out, cut)
