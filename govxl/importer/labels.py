"""Finding the spec's row labels in the stream, in order, by similarity.

A row label is matched by its key (letters and digits). Arabic numbering (``1.``, ``2、``) is
matched apart: in text whose cells were run together it is glued to the numbers before it
("00000002.其他法律…"), so the label is found by its words and the number is then looked for at
the end of the number just before; when it is there it is the row's numbering, not a digit of the
previous row. Chinese numbering (``一、``, ``（一）``) is part of the key. A label is preferred where
its numbering stands before it, and the closest occurrence wins, the earliest among equals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govxl.importer import similarity
from govxl.importer.stream import BARRIER, TEXT, VALUE, Stream

_ARABIC = re.compile(r"^\s*(\d+)\s*[.、．]\s*")


@dataclass(frozen=True)
class LabelKey:
    key: str  # letters and digits of the label without arabic numbering
    number: str | None  # the arabic numbering ("1" of "1.属于国家秘密")


def label_key(label: str) -> LabelKey:
    from govxl.importer.normalise import matching

    label = matching(label)
    m = _ARABIC.match(label)
    if m:
        return LabelKey(similarity.key_of(label[m.end():]), m.group(1))
    return LabelKey(similarity.key_of(label), None)


@dataclass(frozen=True)
class Spot:
    """Where a label stands: atoms ``first``..``last`` (numbering and repeats included)."""

    first: int
    last: int
    key_start: int
    key_end: int
    distance: float
    numbering_atom: int | None = None  # a number atom whose last digits are this row's numbering
    numbering_digits: int = 0


def _numbering_before(stream: Stream, key_start: int, number: str) -> int | None:
    """The atom just before a label when it is a number ending with the label's numbering."""
    k = key_start - 1
    if k < 0 or stream.key[k] != BARRIER:
        return None
    i = stream.key_atom[k]
    atom = stream.atoms[i]
    if atom.kind == VALUE and atom.numbering and atom.text.endswith(number):
        # nothing but punctuation between the number and the label's first letter
        between = stream.flat[atom.end:stream.key_pos[key_start]]
        if not any(c.isalnum() for c in between):
            return i
    return None


def find(stream: Stream, labels: list[str], lo: int, hi: int) -> Spot | None:
    """The best place of any of ``labels`` (a row's label and its aliases) in ``key[lo:hi]``."""
    best: Spot | None = None
    for label in labels:
        lk = label_key(label)
        if not lk.key:
            continue
        for m in similarity.search(lk.key, stream.key, lo, hi):
            if BARRIER in stream.key[m.start:m.end]:
                continue
            distance: float = m.distance
            numbering = None
            if lk.number:
                numbering = _numbering_before(stream, m.start, lk.number)
                distance += -0.5 if numbering is not None else 0.5
            first = stream.key_atom[m.start]
            if numbering is not None and stream.atoms[numbering].text == lk.number:
                first = numbering  # the number alone: part of the label (otherwise the numbers
                # before it keep their other digits, cut by ``numbering_digits``)
            spot = Spot(first, stream.key_atom[m.end - 1], m.start, m.end,
                        distance, numbering, len(lk.number) if numbering is not None else 0)
            if best is None or (spot.distance, spot.key_start) < (best.distance, best.key_start):
                best = spot
    return best


def absorb_repeats(stream: Stream, spot: Spot, label_keys: list[str], hi_atom: int) -> Spot:
    """A label repeated in the cells after it (a merged cell whose text each position repeats)
    belongs to the label: the spot is extended over the repeats."""
    last = spot.last
    i = last + 1
    while i < hi_atom:
        atom = stream.atoms[i]
        if atom.kind != TEXT:
            break
        k = similarity.key_of(atom.text)
        if k and not any(k in lk or (len(k) > 2 and similarity.similarity(k, lk) >= 0.75) for lk in label_keys):
            break
        last = i
        i += 1
    return Spot(spot.first, last, spot.key_start, spot.key_end, spot.distance, spot.numbering_atom,
                spot.numbering_digits)
