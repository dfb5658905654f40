"""Footnote markers in the text, and the notes list an article ends with.

Web and PDF copies lose their <sup> tags, so a note number arrives in one of these forms:

- glued to a word or a closing quote: "policy1.", "America”3.", "the project.3 The";
- glued to a year or an amount: "in 19872." (1987, note 2), "$6 million2.";
- after a number's full stop or comma: "in 2023.2 China", "August 1943,9 but";
- alone after a sentence, spaced: "December 29, 1938. 6";
- bracketed, "[3]" or "[3, 4]", or in superscript digits, "policy¹²".

A marker glued to a lower-case word or a closing quote, a bracketed one and a superscript
one are unambiguous (a bracket or a superscript is cut from the text even for a number the
notes list lacks, but cites nothing then); the others could be part of a real number
("15001", "COVID19", "2.5 Percent"), so they are only believed for a note number that
something else confirms: the article's own notes list, or an unambiguous marker of the same
number. Where the article numbers its notes once each, in order (the Chicago style of most
reports), an ambiguous marker must also fall between the notes around it: "15001." after
note 12 is a number, not the year 1500 with note 1.
When an article has a notes list, a marker is only believed for a number the list gives.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

MAX_NOTE = 999
# Long reports run past 99 notes, but a three-digit number after a word is as often a
# quantity or a name ("abc123"): it is only a marker where a notes list confirms it.
MAX_UNLISTED_NOTE = 99

_SUPER_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER = "[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]"
_SUPER_VALUE = str.maketrans(_SUPER_DIGITS, "0123456789")

_END = r"(?=[.,;:!?)\]”’\"]*(?:\s|$))"  # the marker ends a word: punctuation or space follows
_END_PUNCT = r"(?=[.,;:!?)\]”’\"]+(?:\s|$))"  # stricter: the marker ends a clause
_NEXT_SENTENCE = r"(?=\s*$|\s+[A-Z“\"‘(])"  # a new sentence, or the paragraph's end, follows

# One note number, or several glued together: "policy1,2." and "policy3–5." cite each.
_NOTE_LIST = r"([1-9]\d{0,2}(?:[,–][1-9]\d{0,2})*)"
# After a word of two or more letters ending lower-case, or a closing quote or bracket (a
# mark that follows a letter: an opening quote stands after a space, as in `"5 percent"`).
_CLEAR = re.compile(r"(?:[a-z]{2}|(?<=\S)[”’\"')\]])" + _NOTE_LIST + _END)
# The same after the clause's own punctuation: "policy.1 Next", "(2015).4 The".
_AFTER_PUNCT = re.compile(r"(?:[a-z]{2}|(?<=\S)[”’\"')\]])[.,;:]" + _NOTE_LIST + r"(?=\s|$)")
# Bracketed, as Wikipedia and many blogs print them: "[3]", "[3, 4]", "[3–5]".
_BRACKET = re.compile(r"\s?\[((?:[1-9]\d{0,2})(?:\s*[,–-]\s*[1-9]\d{0,2})*)\]")
# Superscript digits, except an exponent (after a digit) or a unit of area or volume.
_SUPERSCRIPT = re.compile(
    rf"(?<!\d)(?<!{_SUPER})(?<!\bm)(?<!km)(?<!cm)(?<!mm)(?<!ft)(?<!mi)(?<!\bin)({_SUPER}+(?:,{_SUPER}+)*)"
)
# A year from 1000 to 2099 with a note number glued on: "19872." is 1987 and note 2.
_YEAR = re.compile(r"(?<![\d,.$€£])\b(?:1\d{3}|20\d{2})([1-9]\d?)" + _END_PUNCT)
# An acronym with a number glued on ("the UN3."), which may also be a name ("G20", "CO2").
_ACRONYM = re.compile(r"\b[A-Z]{2,5}([1-9]\d?)" + _END_PUNCT)
# The same after the acronym's full stop: "of the MPP.35 After", "the U.S.4 The".
_ACRONYM_STOP = re.compile(
    r"(?:\b[A-Z]{2,5}[.,;:]|\b(?:[A-Z]\.){2,})([1-9]\d{0,2})" + _NEXT_SENTENCE
)
# A number's full stop, then the note, then a new sentence: "in 2023.2 China", where
# "2.5 percent" (no new sentence) and "3.6 million" are left alone.
_NUMBER_STOP = re.compile(r"\d\.([1-9]\d{0,2})" + _NEXT_SENTENCE)
# A year, a comma or semicolon, then the note: "in August 1943,9 but".
_YEAR_COMMA = re.compile(r"\b(?:1\d{3}|20\d{2})[,;:]([1-9]\d{0,2})(?=\s)")
# The note alone after a finished sentence: "December 29, 1938. 6" at a paragraph's end.
_SPACED = re.compile(r"(?<=[\w”’\"')][.!?])\s([1-9]\d{0,2})" + _NEXT_SENTENCE)

# (pattern, unambiguous?, the cut includes the whole match rather than the digits only)
_FORMS: tuple[tuple[re.Pattern[str], bool, bool], ...] = (
    (_CLEAR, True, False),
    (_AFTER_PUNCT, True, False),
    (_BRACKET, True, True),
    (_SUPERSCRIPT, True, False),
    (_YEAR, False, False),
    (_ACRONYM, False, False),
    (_ACRONYM_STOP, False, False),
    (_NUMBER_STOP, False, False),
    (_YEAR_COMMA, False, False),
    (_SPACED, False, True),
)

# One entry of a notes list: "12. text", "12) text", "[12] text", "¹² text"; under a notes
# heading also "12 text", as PDF copies print them.
_NOTE_ENTRY = re.compile(rf"^\s*(?:(\d{{1,3}})[.)]|\[(\d{{1,3}})\]|({_SUPER}+))\s+(\S.*)$")
_LOOSE_ENTRY = re.compile(r"^\s*(\d{1,3})()()\s+(\S.*)$")
# Wikipedia's "^" before a note and the "↩" back-link web notes end with are navigation.
_NOTE_NAVIGATION = re.compile(r"^(?:\^\s*(?:[a-z]\s+)*)|\s*(?:↩\ufe0e?\ufe0f?\s*)+$")


@dataclass(frozen=True, slots=True)
class Marker:
    offset: int  # position in the cleaned text where the marker stood
    note: int


def _numbers(found: str) -> list[int]:
    """The note numbers one match stands for: "12", "3, 4", "3–5" or superscript "¹²"."""
    found = found.translate(_SUPER_VALUE)
    numbers: list[int] = []
    for part in found.split(","):
        ends = [int(x) for x in re.split(r"\s*[–-]\s*", part.strip()) if x]
        if len(ends) == 2 and 0 < ends[1] - ends[0] <= 20:  # a range: "3–5"
            numbers.extend(range(ends[0], ends[1] + 1))
        else:
            numbers.extend(ends)
    return [n for n in numbers if 0 < n <= MAX_NOTE]


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int  # span of the text to drop
    end: int
    notes: tuple[int, ...]
    unambiguous: bool
    typographic: bool  # bracketed or superscript: set apart from the text by its type


def _candidates(text: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for pattern, unambiguous, whole in _FORMS:
        for match in pattern.finditer(text):
            start, end = (match.start(), match.end()) if whole else match.span(1)
            notes = tuple(_numbers(match.group(1)))
            if notes:
                typographic = pattern is _BRACKET or pattern is _SUPERSCRIPT
                found.append(_Candidate(start, end, notes, unambiguous, typographic))
    found.sort(key=lambda c: (c.start, not c.unambiguous))
    return found


@dataclass(frozen=True, slots=True)
class NoteEvidence:
    """What a whole article says about its note numbers, to judge each marker by."""

    confirmed: frozenset[int]  # numbers the notes list gives, or unambiguous markers show
    listed: bool  # the article has a notes list: only its numbers are believed
    positions: tuple[int, ...] = ()  # offsets of the unambiguous markers, in order
    numbers: tuple[int, ...] = ()  # their note numbers
    in_order: bool = False  # numbered once each, strictly increasing (Chicago style)

    def believes(self, note: int, unambiguous: bool, offset: int | None) -> bool:
        if self.listed and note not in self.confirmed:
            return False
        if note > MAX_UNLISTED_NOTE and note not in self.confirmed:
            return False
        if unambiguous:
            return True
        if note not in self.confirmed:
            return False
        if offset is None or not self.in_order:
            return True
        # Notes numbered once each, in order: the marker must fit between its neighbours.
        i = bisect_left(self.positions, offset)
        low = self.numbers[i - 1] if i > 0 else 0
        high = self.numbers[i] if i < len(self.numbers) else MAX_NOTE + 1
        return low < note < high


def note_evidence(body: str, listed: set[int] | None = None) -> NoteEvidence:
    """Judge the markers of an article's body text (`listed`: its notes list's numbers)."""
    listed = listed or set()
    positions: list[int] = []
    numbers: list[int] = []
    for candidate in _candidates(body):
        if not candidate.unambiguous:
            continue
        for note in candidate.notes:
            if note not in listed and (listed or note > MAX_UNLISTED_NOTE):
                continue
            positions.append(candidate.start)
            numbers.append(note)
    confirmed = frozenset(listed) if listed else frozenset(numbers)
    in_order = len(numbers) >= 2 and all(a < b for a, b in pairwise(numbers))
    return NoteEvidence(confirmed, bool(listed), tuple(positions), tuple(numbers), in_order)


def known_notes(text: str) -> set[int]:
    """Note numbers that appear at least once in an unambiguous position."""
    return set(note_evidence(text).confirmed)


def strip_markers(
    text: str, notes: set[int] | NoteEvidence | None = None, offset: int | None = None
) -> tuple[str, list[Marker]]:
    """Remove footnote markers; return the clean text and where each marker stood.

    `notes` are the note numbers known for the whole document (see `known_notes`), or the
    whole `NoteEvidence` of the article, with `offset` the position of `text` in the body
    it was built from; ambiguous markers are only cut for numbers they confirm.
    """
    if notes is None:
        notes = known_notes(text)
    evidence = notes if isinstance(notes, NoteEvidence) else NoteEvidence(frozenset(notes), False)
    pieces: list[str] = []
    markers: list[Marker] = []
    position = 0
    removed = 0
    cut = False
    for candidate in _candidates(text):
        if candidate.start < position:  # two forms matched the same digits
            continue
        where = None if offset is None else offset + candidate.start
        believed = [
            n for n in candidate.notes if evidence.believes(n, candidate.unambiguous, where)
        ]
        if len(believed) != len(candidate.notes):
            if not candidate.typographic:
                continue
            believed = []  # a bracket or superscript is a marker whatever its number
        pieces.append(text[position : candidate.start])
        cut = True
        markers.extend(Marker(candidate.start - removed, n) for n in believed)
        removed += candidate.end - candidate.start
        position = candidate.end
    if not cut:
        return text, []
    pieces.append(text[position:])
    return "".join(pieces), markers


def clean(text: str, notes: set[int] | NoteEvidence | None = None) -> str:
    return strip_markers(text, notes)[0]


def note_entry(line: str, loose: bool = False) -> tuple[int, str] | None:
    """A numbered line of a notes list ("12. text", "[12] text", "¹² text", and with
    `loose` "12 text"), or None."""
    match = _NOTE_ENTRY.match(line) or (_LOOSE_ENTRY.match(line) if loose else None)
    if match is None:
        return None
    number = match.group(1) or match.group(2) or match.group(3).translate(_SUPER_VALUE)
    note = int(number)
    text = _NOTE_NAVIGATION.sub("", match.group(4)).strip()
    return (note, text) if 0 < note <= MAX_NOTE and text else None


def read_notes(lines: list[str], loose: bool = False) -> tuple[dict[int, str], list[str]]:
    """The notes a notes list gives, by number, and its unnumbered entries (a bibliography).

    A line that does not start a new, higher number continues the entry before it: notes
    run over several lines, and a note's text may itself start with a number ("1945 ...").
    """
    parts: dict[int, list[str]] = {}  # joined at the end: a long note stays linear
    unnumbered: list[str] = []
    last = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        entry = note_entry(text, loose)
        if entry is not None and entry[0] > last:
            last = entry[0]
            parts[last] = [entry[1]]
        elif last:
            parts[last].append(text)
        else:
            unnumbered.append(_NOTE_NAVIGATION.sub("", text).strip() or text)
    return {n: " ".join(texts) for n, texts in parts.items()}, unnumbered
