"""Approximate matching of the spec's labels: characters in order, with a few edits allowed.

A label is compared by its *key*: its letters and digits only (punctuation, spaces and brackets
carry no meaning in a published table). A label is found where the text holds the key with at
most ``tolerance(key)`` edits (a character left out, added or changed) — so a misprint
(其他法律行政止公开), a wrapped or reworded label (信息公开平台建设方面) is found because it is close,
and a different label (行政许可 / 行政强制) is not, because it is not.

The search is the bit-parallel approximate string matching of Myers (1999), linear in the text.
"""

from __future__ import annotations

from dataclasses import dataclass


def key_of(text: str) -> str:
    """The characters of ``text`` that carry meaning: letters and digits (CJK included)."""
    return "".join(c for c in text if c.isalnum())


def tolerance(key: str) -> int:
    """Edits allowed for a key: none for one or two characters, then one in four."""
    return 0 if len(key) <= 2 else max(1, len(key) // 4)


@dataclass(frozen=True)
class Match:
    start: int  # in the searched text
    end: int
    distance: int


def distances(pattern: str, text: str) -> list[int]:
    """For every end position j in ``text``: the least edit distance between ``pattern`` and any
    substring of ``text`` ending just after j (Myers' bit-vector algorithm)."""
    m = len(pattern)
    if m == 0:
        return [0] * len(text)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, c in enumerate(pattern):
        peq[c] = peq.get(c, 0) | (1 << i)
    pv, mv, score = full, 0, m
    out = []
    append = out.append
    for c in text:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
        append(score)
    return out


def _start(pattern: str, text: str, end: int, distance: int) -> int:
    """Where the best alignment of ``pattern`` ending at ``end`` starts (the latest such start:
    the shortest substring at that distance)."""
    lo = max(0, end - len(pattern) - distance)
    window = text[lo:end]
    # Reverse search: the pattern reversed against the window reversed, anchored at the window's end.
    back = distances(pattern[::-1], window[::-1])
    for j, d in enumerate(back):
        if d <= distance:
            return end - j - 1
    return lo


def search(pattern: str, text: str, lo: int = 0, hi: int | None = None, *, max_distance: int | None = None
           ) -> list[Match]:
    """Every place in ``text[lo:hi]`` where ``pattern`` occurs with at most ``max_distance`` edits
    (default: its tolerance), best end of each run of close positions, in order."""
    hi = len(text) if hi is None else hi
    limit = tolerance(pattern) if max_distance is None else max_distance
    if not pattern or hi <= lo:
        return []
    ds = distances(pattern, text[lo:hi])
    out: list[Match] = []
    j = 0
    n = len(ds)
    while j < n:
        if ds[j] > limit:
            j += 1
            continue
        # A run of end positions within the limit: the best (earliest of the lowest) stands for it.
        best = j
        k = j
        while k < n and ds[k] <= limit:
            if ds[k] < ds[best]:
                best = k
            k += 1
        end = lo + best + 1
        out.append(Match(_start(pattern, text, end, ds[best]), end, ds[best]))
        j = k
    return out


def best(pattern: str, text: str, lo: int = 0, hi: int | None = None, *, max_distance: int | None = None
         ) -> Match | None:
    """The closest occurrence (the earliest of the closest) of ``pattern`` in ``text[lo:hi]``."""
    found = search(pattern, text, lo, hi, max_distance=max_distance)
    return min(found, key=lambda m: (m.distance, m.start)) if found else None


def first(pattern: str, text: str, lo: int = 0, hi: int | None = None, *, max_distance: int | None = None
          ) -> Match | None:
    found = search(pattern, text, lo, hi, max_distance=max_distance)
    return found[0] if found else None


def similarity(a: str, b: str) -> float:
    """1 for equal keys, falling with the edits needed to turn one into the other."""
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def levenshtein(a: str, b: str) -> int:
    """Edits to turn ``a`` into ``b`` (short strings: headings, titles)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
