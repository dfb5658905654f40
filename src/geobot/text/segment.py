"""Sentence segmentation, delegated to pysbd (rule-based, handles "U.S." and "Inc.:").

pysbd is accurate on these articles where faster segmenters split badly ("World War II."
followed by a new sentence is merged by syntok), but it is slow, so results are cached per
paragraph: a reload re-segments only paragraphs that changed.

pysbd is also quadratic in the length of what it is given: for every abbreviation it finds
it runs a regex substitution over the whole text. A paragraph of normal length costs
nothing, but an article that is one unbroken paragraph of 248 KB took minutes, each of
those substitutions one long C call holding the GIL. So pysbd never sees more than WINDOW
characters at once (see `sentence_spans`), which makes segmenting linear in the length.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pysbd
from pysbd.utils import TextSpan

_local = threading.local()


class _Segmenter(pysbd.Segmenter):
    r"""pysbd, locating each sentence in the text with str.find instead of a regex.

    pysbd finds every sentence's offsets with `re.finditer(re.escape(sentence) + r"\s*")`:
    one new pattern per sentence. Compiling those was 40% of a cold load, and, worse, they
    flush Python's 512-entry pattern cache, so pysbd's own fixed patterns were compiled
    again for every paragraph (58% of the load in all; bench/bench_reload.py). This is the
    same search, literal text followed by whitespace, non-overlapping, first match ending
    past the previous sentence, without the regex.
    """

    def sentences_with_char_spans(self, sentences: list[str]) -> list[TextSpan]:
        text: str = self.original_text
        spans: list[TextSpan] = []
        prior_end = 0
        for sent in sentences:
            if not sent:
                continue
            pos = 0
            while (start := text.find(sent, pos)) >= 0:
                end = start + len(sent)
                while end < len(text) and text[end].isspace():
                    end += 1
                if end > prior_end:
                    spans.append(TextSpan(text[start:end], start, end))
                    prior_end = end
                    break
                pos = end  # finditer resumes after the whole match
        return spans


def _segmenter() -> pysbd.Segmenter:
    # pysbd keeps per-call state on the instance, so each thread gets its own.
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _Segmenter(language="en", clean=False, char_span=True)
        _local.segmenter = segmenter
    return segmenter


# The most text pysbd is given at once: twice the longest paragraph of the articles and of
# the house-style corpus (2,312 characters), so a real paragraph is segmented whole, as
# before, and only a run-on one is windowed.
WINDOW = 5000
# A boundary pysbd finds is only taken when this much text follows it inside the window:
# its rules look at the next few words ("U.S. Army" is one sentence, "U.S. The" two), and a
# window's end cuts a word or an abbreviation in half.
LOOKAHEAD = 400


def _segment(text: str) -> list[tuple[int, int]]:
    """pysbd's sentences of `text`, as offsets with the surrounding spaces excluded."""
    spans: list[tuple[int, int]] = []
    for piece in _segmenter().segment(text):
        start, end = piece.start, piece.end
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
    return spans


def _window_spans(paragraph: str, start: int) -> tuple[list[tuple[int, int]], int]:
    """The sentences of the window at `start` whose ends pysbd decided with enough text
    after them, and where the next window starts (past `start`, so the loop ends)."""
    window = paragraph[start : start + WINDOW]
    found = [(start + a, start + b) for a, b in _segment(window)]
    settled = [span for span in found if span[1] <= start + WINDOW - LOOKAHEAD]
    if settled:
        following = [a for a, _ in found if a >= settled[-1][1]]
        return settled, following[0] if following else settled[-1][1]
    # No sentence ends in the window: a run-on sentence. Cut it at the last space; the
    # parser cuts long sentences into passages at clause and word boundaries anyway.
    cut = window.rfind(" ", 0, WINDOW - LOOKAHEAD)
    end = start + (cut if cut > 0 else WINDOW - LOOKAHEAD)
    return [(start, end)], end


@lru_cache(maxsize=65536)
def sentence_spans(paragraph: str) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of each sentence of a paragraph, trailing spaces excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    while len(paragraph) - start > WINDOW:
        found, start = _window_spans(paragraph, start)
        spans.extend(found)
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1
    spans.extend((start + a, start + b) for a, b in _segment(paragraph[start:]))
    if not spans and paragraph.strip():
        spans.append((0, len(paragraph.rstrip())))
    return tuple(spans)


def split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut a span longer than `limit` characters at clause or word boundaries."""
    spans = []
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("; "), window.rfind(", "), window.rfind(" — "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        else:
            cut += 1
        spans.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
    return spans
