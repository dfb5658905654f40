"""Footnote markers glued to the text, as web articles lose their <sup> tags.

The seed articles arrive as "policy1.", "America”3.", "New York2.", "in 19872." (the year
1987, note 2), "since 19493." (1949, note 3) and "$6 million2.". A marker glued after a
lower-case word or a closing quote is unambiguous; one glued to a year or to an acronym is
only believed when the same note number appears unambiguously elsewhere in the document,
so that a real number such as 15001 or a name such as COVID19 is never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NOTE = 99

_END = r"(?=[.,;:!?)\]”’\"]*(?:\s|$))"  # the marker ends a word: punctuation or space follows
_END_PUNCT = r"(?=[.,;:!?)\]”’\"]+(?:\s|$))"  # stricter: the marker ends a clause

# After a word of two or more letters ending lower-case, or a closing quote or bracket.
_CLEAR = re.compile(r"(?:[a-z]{2}|[”’\"')\]])([1-9]\d?)" + _END)
# The same after the sentence's own punctuation: "policy.1 Next".
_AFTER_PUNCT = re.compile(r"[a-z]{2}[.,;:]([1-9]\d?)(?=\s|$)")
# A year from 1000 to 2099 with a note number glued on: "19872." is 1987 and note 2.
_YEAR = re.compile(r"(?<![\d,.$€£])\b(?:1\d{3}|20\d{2})([1-9]\d?)" + _END_PUNCT)
# An acronym with a number glued on ("the UN3."), which may also be a name ("G20", "CO2").
_ACRONYM = re.compile(r"\b[A-Z]{2,5}([1-9]\d?)" + _END_PUNCT)


@dataclass(frozen=True, slots=True)
class Marker:
    offset: int  # position in the cleaned text where the marker stood
    note: int


def known_notes(text: str) -> set[int]:
    """Note numbers that appear at least once in an unambiguous position."""
    notes = {int(m.group(1)) for m in _CLEAR.finditer(text)}
    notes |= {int(m.group(1)) for m in _AFTER_PUNCT.finditer(text)}
    return {n for n in notes if n <= MAX_NOTE}


def strip_markers(text: str, notes: set[int] | None = None) -> tuple[str, list[Marker]]:
    """Remove footnote markers; return the clean text and where each marker stood.

    `notes` are the note numbers known for the whole document (see `known_notes`); years and
    acronyms are only split for those numbers.
    """
    if notes is None:
        notes = known_notes(text)
    cuts: list[tuple[int, int, int]] = []  # (start, end, note) spans of the raw text to drop
    patterns = ((_CLEAR, True), (_AFTER_PUNCT, True), (_YEAR, False), (_ACRONYM, False))
    for pattern, trusted in patterns:
        for match in pattern.finditer(text):
            note = int(match.group(1))
            if trusted or note in notes:
                cuts.append((match.start(1), match.end(1), note))
    if not cuts:
        return text, []
    cuts.sort()
    pieces: list[str] = []
    markers: list[Marker] = []
    position = 0
    removed = 0
    for start, end, note in cuts:
        if start < position:  # two patterns matched the same digits
            continue
        pieces.append(text[position:start])
        markers.append(Marker(offset=start - removed, note=note))
        removed += end - start
        position = end
    pieces.append(text[position:])
    return "".join(pieces), markers


def clean(text: str, notes: set[int] | None = None) -> str:
    return strip_markers(text, notes)[0]
