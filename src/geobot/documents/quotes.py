"""Quotations of an article: where they stand, what kind each is, and whose words.

Marks come from geobot.text.quote_marks (any house style), speakers from
geobot.documents.speakers (the article's grammar). The kind is read from the words around:
`title` for works, `term` for named concepts, `quote` for words someone said or wrote,
`scare` for the writer's distance from a word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from geobot.documents.model import QuoteKind
from geobot.documents.speakers import ANAPHOR, Attribution, SpeakerResolver
from geobot.text.quote_marks import MarkStyle, house_style, quote_spans

__all__ = ["QuoteMention", "classify", "cue_kind", "find_quotes"]

# Words that announce a work's title before it (general English).
_TITLE_CUE = re.compile(
    r"\b(?:(?:book|memoir|film|movie|documentary|essay|article|paper|series|podcast|"
    r"headline|column|op-ed|poem|song|album|chapter)s?(?:\s+(?:titled|entitled|called|named))?"
    r"|titled|entitled|headlined)[\s,:]*$",
    re.IGNORECASE,
)
# Words that introduce a named concept before it (general English): "so-called",
# "known as", "dubbed", "the concept of", "the use of", "instead of".
_TERM_BEFORE = re.compile(
    r"\b(?:so-called|so called|known as|dubbed|termed|coined|nicknamed|the term|the word|"
    r"the phrase|the label|concept of|idea of|notion of|doctrine of|"
    r"policy of|principle of|the use of|instead of|variants? of|system of|kinds? of|"
    r"forms? of|types? of|referred to as|labell?ed|branded|what (?:\w+\s+){1,4}call(?:s|ed)?|"
    r"call(?:s|ed)? (?:it|them|this|that))"
    r"\s*(?:the|a|an)?\s*$",
    re.IGNORECASE,
)
# Nouns that, after the marks, say the quoted words name a concept.
_TERM_AFTER = re.compile(
    r"^\s*(?:concept|term|doctrine|idea|strategy|policy|model|framework|label|notion|"
    r"principle|formula|approach|theory|slogan|designation)\b",
    re.IGNORECASE,
)
# Words by which the writer keeps a label at a distance: "described as an “alliance”",
# "perceived as", "supposed", "alleged" (general English).
_SCARE_BEFORE = re.compile(
    r"\b(?:(?:described|perceived|portrayed|seen|billed|touted|presented|painted|cast|sold|"
    r"framed|characteri[sz]ed|regarded)\s+(?:(?:it|them|this|him|her)\s+)?as|supposed|alleged|"
    r"purported|self-styled|"
    r"self-proclaimed)\s*(?:an?|the)?\s*$",
    re.IGNORECASE,
)
_NAMING = re.compile(r"\bcall(?:s|ed)? (?:it|them|this|that)\s*(?:an?|the)?\s*$")
# A work's owner just before it: "Orwell’s", "his", "her".
_OWNED_WORK = re.compile(r"(?:\b[A-Z][\w-]*(?:’s|'s)|\b(?:his|her|their))\s*,?\s*$")
_DETERMINER = re.compile(r"\b(?:a|an|the|this|that|these|those|its|their|his|her|naval)\s*$")
_VERB_FORM = re.compile(r"(?:ed|ing)$|(?:ing|ed)\s+\w+(?:\s+\w+)?$")
# A source of its own between two quotations: "responding “I agree” to a post suggesting “…”".
_OTHER_SOURCE = re.compile(
    r"\b(?:post|tweet|message|letter|report|statement|article|headline|banner|sign|slogan)s?\b"
)
MAX_SHORT_WORDS = 4  # a term or a scare-quoted word is a few words, not a sentence


@dataclass(frozen=True, slots=True)
class QuoteMention:
    paragraph: int  # index of the paragraph it opens in
    start: int  # offset of its opening mark in that paragraph
    end: int  # offset just after its closing mark (in the paragraph it closes in)
    text: str  # the words between the marks; paragraphs of a long quotation joined
    kind: QuoteKind
    speaker: str | None


def _capitalised_phrase(inner: str, before: str) -> bool:
    """A coined name: capitalised words in the middle of a sentence ("Hotline")."""
    words = inner.strip(" ,.;:").split()
    if not words or len(words) > MAX_SHORT_WORDS or not before.strip():
        return False
    if before.rstrip().endswith((".", ":", "!", "?")):
        return False  # a sentence of its own begins with a capital anyway
    return words[0][:1].isupper() and not inner.rstrip().endswith(("!", "?"))


def _title_case(inner: str) -> bool:
    """Every longer word capitalised, as works' titles are: "The End of History"."""
    words = re.findall(r"[\w’'-]+", inner)
    major = [w for w in words if len(w) > 3]
    return len(words) >= 2 and bool(major) and all(w[0].isupper() or w[0].isdigit() for w in major)


def cue_kind(text: str, start: int, end: int, inner: str) -> QuoteKind | None:
    """The kind the words around a short quotation announce, if any."""
    if len(inner.split()) > MAX_SHORT_WORDS:
        return None
    before = text[max(0, start - 120) : start]
    if _TERM_BEFORE.search(before) or _TERM_AFTER.match(text, end):
        return QuoteKind.TERM
    if _SCARE_BEFORE.search(before):
        return QuoteKind.SCARE
    return None


def classify(
    text: str,
    start: int,
    end: int,
    inner: str,
    attribution: Attribution,
    repeated: bool,
    document_cue: QuoteKind | None = None,
) -> QuoteKind:
    """The kind of the quotation text[start:end] (marks included), whose words are `inner`.
    `document_cue`: the kind cued where the same words stand quoted elsewhere."""
    before = text[max(0, start - 120) : start]
    if _TITLE_CUE.search(before):
        return QuoteKind.TITLE
    if _OWNED_WORK.search(before) and _title_case(inner):
        return QuoteKind.TITLE  # Orwell’s “Nineteen Eighty-Four”, her “The Long Game”
    cue = cue_kind(text, start, end, inner)
    if cue is QuoteKind.TERM and not (attribution.speaker and _NAMING.search(before)):
        return cue  # "Critics call it a term"; but "Xi called it “a new era”" is Xi's words
    if attribution.speaker is not None:
        return QuoteKind.QUOTE
    if cue is QuoteKind.SCARE:
        return cue
    if attribution.cue and not repeated:
        return QuoteKind.QUOTE
    if len(inner.split()) > MAX_SHORT_WORDS:
        return QuoteKind.QUOTE
    if document_cue is not None:
        return document_cue
    if repeated or _capitalised_phrase(inner, before):
        return QuoteKind.TERM
    bare = inner.strip(" ,.;:")
    if _VERB_FORM.search(bare) or not _DETERMINER.search(before):
        return QuoteKind.SCARE
    return QuoteKind.TERM


def _joined(paragraphs: list[str], style: MarkStyle) -> list[tuple[int, int, int, int, str]]:
    """(paragraph, start, closing paragraph, end, words) of every quotation, joined over
    paragraphs: an open quotation goes on when the next paragraph opens with a mark."""
    found: list[tuple[int, int, int, int, str]] = []
    pending: tuple[int, int, str] | None = None
    for index, text in enumerate(paragraphs):
        spans = quote_spans(text, style)
        if pending is not None:
            if spans and spans[0].start == 0 and not text[:1].isalnum():
                first = spans.pop(0)
                words = pending[2] + " " + first.inner(text)
                if first.closed:
                    found.append((pending[0], pending[1], index, first.end, words))
                    pending = None
                else:
                    pending = (pending[0], pending[1], words)
            else:
                pending = None  # the mark never closed: not a quotation
        for span in spans:
            if span.closed:
                found.append((index, span.start, index, span.end, span.inner(text)))
            else:
                pending = (index, span.start, span.inner(text))
    return found


def find_quotes(paragraphs: list[str], in_notes: bool = False) -> list[QuoteMention]:
    """Every quotation in the paragraphs, in order. `in_notes`: they are a notes list,
    where quoted words are the titles of the works cited."""
    style = house_style(paragraphs)
    joined = _joined(paragraphs, style)
    counts = Counter(words.strip(" ,.;:").casefold() for *_, words in joined)
    # The same words quoted again are read the same way: a cue at one place decides all.
    cues: dict[str, QuoteKind] = {}
    for index, start, close, end, words in joined:
        text = paragraphs[index]
        cue = cue_kind(text, start, end if close == index else len(text), words)
        key = words.strip(" ,.;:").casefold()
        if cue is not None and cues.get(key) is not QuoteKind.TERM:
            cues[key] = cue
    resolver = SpeakerResolver(paragraphs)
    mentions: list[QuoteMention] = []
    previous: Attribution | None = None
    previous_place = (-1, -1)
    last_end = (-1, 0)  # (paragraph, offset) where the last quotation closed
    for index, start, _close, end, words in joined:
        text = paragraphs[index]
        span_end = end if _close == index else len(text)
        if in_notes:
            mentions.append(QuoteMention(index, start, end, words, QuoteKind.TITLE, None))
            continue
        floor = last_end if last_end[0] == index else (index, 0)
        attribution = resolver.attribute(index, text, start, span_end, floor[1])
        last_end = (_close, end)
        if attribution.speaker is ANAPHOR:
            # "the report notes": the source quoted just before.
            attribution = Attribution(previous.speaker if previous else None, True)
        if not attribution.cue and previous is not None and previous_place[0] == index:
            # A quotation that goes on a sentence's attributed words is the same speaker's.
            between = text[max(0, previous_place[1] - 3) : start]
            if (
                not re.search(r"[.!?][”\"’']?\s+[A-Z]", between)
                and len(between) < 200
                and not _OTHER_SOURCE.search(between)
            ):
                attribution = previous
        key = words.strip(" ,.;:").casefold()
        repeated = counts[key] > 1 and len(words.split()) <= 3
        kind = classify(text, start, span_end, words, attribution, repeated, cues.get(key))
        speaker = attribution.speaker if kind is QuoteKind.QUOTE else None
        mentions.append(QuoteMention(index, start, end, words, kind, speaker))
        if attribution.cue:
            previous, previous_place = attribution, (index, span_end)
    return mentions
