"""Quotation marks in any house style, told apart from apostrophes.

Styles differ in which marks stand outside: “curly” or "straight" doubles (American), ‘single’
marks (British, doubles then nest inside), «guillemets». A single mark is also an apostrophe
(don't, Putin's, students', the '90s), so which marks are quotation marks is decided per
document from evidence: the style whose opening marks it uses more stands outside, the other
only nests inside it. A quotation running over paragraphs repeats its opening mark at each
paragraph start and closes only at its end.

Everything is one left-to-right scan per paragraph: linear, no backtracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MarkStyle", "QuoteSpan", "closes_unopened", "house_style", "quote_spans"]

MAX_QUOTE_CHARS = 6000  # longer "quotations" are unbalanced marks, not words someone said


class MarkStyle(StrEnum):
    DOUBLE = "double"  # doubles outside, singles nested
    SINGLE = "single"  # singles outside, doubles nested


_DOUBLE_OPEN = "“«„"
_DOUBLE_CLOSE = {"“": "”", "«": "»", "„": "“"}
_SINGLE_QUOTES = "‘’'"
# The scans visit only these characters, not every character of a paragraph.
_MARKS = re.compile("[“”«»„\"‘’']")
_SINGLE_MARKS = re.compile("[’']")
_SINGLE_OPENERS = re.compile("[‘']")
# What may stand just before an opening mark: the start, a space, an opening bracket or a
# dash, or another opening mark (a nested quote at the very start of one).
_BEFORE_OPEN = set(" \t\n([{—–-/“‘\"'«„")
# Elisions written with an opening-looking mark are apostrophes: ’90s, ’em, ’til, ’n’ (general
# English contractions that begin with a dropped letter or century).
_ELISION = re.compile(r"(?:\d\d(?:s\b|\b)|(?:em|tis|twas|til|cause|n)\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    start: int  # offset of the opening mark
    end: int  # offset just after the closing mark, or the paragraph's end when open
    closed: bool  # False: the quotation goes on in the next paragraph

    def inner(self, text: str) -> str:
        return text[self.start + 1 : self.end - 1 if self.closed else self.end]


def _opens_single(text: str, i: int) -> bool:
    if text[i] == "’" and i > 0 and text[i - 1] not in " \t\n([{—–":
        return False  # ’ after a letter is an apostrophe or a closer
    if i > 0 and text[i - 1] not in _BEFORE_OPEN:
        return False
    following = text[i + 1 : i + 2]
    if not following or following.isspace():
        return False
    return _ELISION.match(text, i + 1) is None


def _closes_single(text: str, i: int) -> bool:
    if i == 0 or text[i - 1].isspace():
        return False
    following = text[i + 1 : i + 2]
    return not following or not following.isalnum()


def _possessive(text: str, i: int) -> bool:
    """students’ union: a plural possessive, whose mark a later closer can still explain."""
    return text[i - 1 : i] in "sS" and text[i + 1 : i + 2] == " " and text[i + 2 : i + 3].islower()


def house_style(paragraphs: list[str]) -> MarkStyle:
    """Which marks stand outside in this document: the kind whose opening marks it uses more."""
    doubles = singles = 0
    first: MarkStyle | None = None  # a tie goes to the kind that opens first
    for text in paragraphs:
        doubles += sum(text.count(m) for m in _DOUBLE_OPEN) + text.count('"') // 2
        for mark in _MARKS.finditer(text):
            i, c = mark.start(), mark.group(0)
            if c in _SINGLE_QUOTES and _opens_single(text, i):
                singles += 1
                first = first or MarkStyle.SINGLE
            elif c in _DOUBLE_OPEN or c == '"':
                first = first or MarkStyle.DOUBLE
    if singles == doubles and first is not None:
        return first
    return MarkStyle.SINGLE if singles > doubles else MarkStyle.DOUBLE


def _single_closers(text: str) -> list[int]:
    return [m.start() for m in _SINGLE_MARKS.finditer(text) if _closes_single(text, m.start())]


def quote_spans(text: str, style: MarkStyle) -> list[QuoteSpan]:
    """The outermost quotations of one paragraph, in order; the last may stay open."""
    closers = _single_closers(text)
    next_closer = 0  # index into closers of the first one not behind the scan
    spans: list[QuoteSpan] = []
    stack: list[str] = []  # the closing mark each open quotation waits for
    start = 0
    for mark in _MARKS.finditer(text):
        i, c = mark.start(), mark.group(0)
        while next_closer < len(closers) and closers[next_closer] <= i:
            next_closer += 1
        if stack and i - start > MAX_QUOTE_CHARS:
            stack.clear()  # unbalanced: give the span up
        double = c in _DOUBLE_OPEN or c == '"' or (stack and c == stack[-1] and c in "”»“")
        single = c in _SINGLE_QUOTES
        if not (double or single):
            continue
        outer = (style is MarkStyle.DOUBLE) == bool(double)
        if stack and c == stack[-1] and (double or _closes_single(text, i)):
            if single and _possessive(text, i) and _closer_ahead(text, closers, next_closer):
                continue  # a later closer ends the quotation; this mark is the possessive's
            stack.pop()
            if not stack:
                spans.append(QuoteSpan(start, i + 1, True))
            continue
        if not stack and not outer:
            continue  # the nesting kind of mark does not open at the top level
        opening = _opens_double(text, i) if double else _opens_single(text, i)
        if opening:
            if not stack:
                start = i
            stack.append(_closer_of(c))
    if stack and len(text) - start <= MAX_QUOTE_CHARS:
        spans.append(QuoteSpan(start, len(text), False))
    return spans


def closes_unopened(text: str, style: MarkStyle, spans: list[QuoteSpan]) -> bool:
    """Whether the text closes a quotation it did not open: a sentence from inside a longer
    quotation. `spans`: its quote_spans, which the caller has already found. Only the outer
    kind of mark counts, and apostrophes (don't, students’ union) never close anything."""
    for mark in _MARKS.finditer(text):
        i, c = mark.start(), mark.group(0)
        if any(span.start <= i < span.end for span in spans):
            continue
        if style is MarkStyle.DOUBLE:
            if c in "”»" or (c == '"' and not _opens_double(text, i)):
                return True
        elif c in "’'" and _closes_single(text, i) and not _possessive(text, i):
            return True
    return False


def _closer_ahead(text: str, closers: list[int], index: int) -> bool:
    """Whether a later closer, before any new opening single mark, can end the quotation."""
    if index >= len(closers):
        return False
    between = text[closers[index - 1] + 1 if index else 0 : closers[index]]
    return not any(_opens_single(between, m.start()) for m in _SINGLE_OPENERS.finditer(between))


def _opens_double(text: str, i: int) -> bool:
    c = text[i]
    if c != '"':
        return c in _DOUBLE_OPEN
    following = text[i + 1 : i + 2]
    return bool(following) and not following.isspace() and (i == 0 or text[i - 1] in _BEFORE_OPEN)


def _closer_of(mark: str) -> str:
    if mark in _DOUBLE_CLOSE:
        return _DOUBLE_CLOSE[mark]
    return "’" if mark == "‘" else mark if mark in "\"'" else "’"
