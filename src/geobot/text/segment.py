"""Sentence segmentation, delegated to pysbd (rule-based, handles "U.S." and "Inc.:").

pysbd is accurate on these articles where faster segmenters split badly ("World War II."
followed by a new sentence is merged by syntok), but it is slow, so results are cached per
paragraph: a reload re-segments only paragraphs that changed.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pysbd
from pysbd.utils import TextSpan

_local = threading.local()


class _Segmenter(pysbd.Segmenter):  # type: ignore[misc]
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


@lru_cache(maxsize=65536)
def sentence_spans(paragraph: str) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of each sentence of a paragraph, trailing spaces excluded."""
    spans: list[tuple[int, int]] = []
    for piece in _segmenter().segment(paragraph):
        start, end = piece.start, piece.end
        while end > start and paragraph[end - 1].isspace():
            end -= 1
        while start < end and paragraph[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
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
