"""From an article as received to sections, paragraphs, sentences, citations and quotes.

The articles come from the web as plain text: boilerplate lines, headings without markup
(a heading is a short line without final punctuation), bullets ("- "), and footnote markers
glued to words. Everything here is automatic; the curated layer corrects it afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geobot.documents.model import Passage, QuoteKind, Section
from geobot.documents.structure import (
    BULLET,
    is_boilerplate,
    is_heading,
    split_article,
)
from geobot.text.footnotes import note_evidence, strip_markers
from geobot.text.segment import sentence_spans, split_long

__all__ = ["ParsedArticle", "classify_quote", "is_boilerplate", "is_heading", "parse_article"]

MAX_PASSAGE_CHARS = 700
_QUOTED = re.compile(r"“([^“”]{1,600})”|\"([^\"\n]{1,600})\"")

_SPEECH = re.compile(
    r"\b(said|says|say|stated?|states|describ\w*|call(?:s|ed)?|characteri[sz]\w*|respond\w*|"
    r"wr(?:o|i)tes?|written|notes?|noted|told|tells|argu\w*|claim\w*|warn\w*|declar\w*|"
    r"according to|put it|insist\w*|added|adds|tweet\w*|post(?:ed)?|remark\w*|likened|"
    r"convinced|replied|asked|quoted)\b",
    re.IGNORECASE,
)
_TITLE_CUE = re.compile(
    r"\b(book|novel|memoir|film|documentary|essay|article|report|paper|study|series|"
    r"podcast|titled|entitled|headline|column|op-ed)\b[^.“”]{0,40}$",
    re.IGNORECASE,
)
_TERM_CUE_BEFORE = re.compile(r"\b(so-called|the term|the concept of|the idea of|dubbed)\s*$", re.I)
_TERM_CUE_AFTER = re.compile(
    r"^\s*(concept|term|doctrine|idea|strategy|policy|model|framework|label|notion)\b", re.I
)
_NAME = re.compile(
    r"\b((?:[A-Z][a-z]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z]+|[A-Z]\.|de|van|von|al-[A-Z][a-z]+)\b){1,3})"
)
_NOT_NAMES = {
    "The",
    "This",
    "That",
    "These",
    "Those",
    "President",
    "Senator",
    "Secretary",
    "However",
    "Despite",
    "While",
    "When",
    "According",
    "In",
    "On",
    "For",
    "By",
    "As",
    "Perhaps",
    "Similarly",
    "Unlike",
    "Rather",
    "Another",
    "Recent",
    "Much",
    "Both",
}
_PLACES_AND_BODIES = re.compile(
    r"\b(Union|States|Nations|Station|Hotel|Tower|Times|Kingdom|House|Council|Department|"
    r"Party|Congress|Street|Sea|Ocean|Prize|War|Bank|Road|Global|Western|European|Russian|"
    r"American|Electronics|Government|Ministry|Agency|Office|Bureau|Committee|Commission|"
    r"Organization|Organisation|Institute|University|Efficiency|Security|Intelligence|Affairs|"
    r"Services|Court|Senate|Army|Navy|Force|Forces|Company|Corporation|Group|Fund|Forum)\b"
)


@dataclass(frozen=True, slots=True)
class FoundQuote:
    text: str  # between the marks, as in the clean text
    passage: int  # ordinal of the sentence it stands in
    kind: QuoteKind
    speaker: str | None


@dataclass(slots=True)
class ParsedArticle:
    passages: list[Passage]
    sections: list[Section]
    quotes: list[FoundQuote]
    notes: set[int]  # note numbers the article uses: its markers and its notes list
    title_guess: str | None
    boilerplate_lines: list[int] = field(default_factory=list)
    clean_text: str = ""  # every paragraph, markers stripped, one per line
    headings: list[str] = field(default_factory=list)  # every heading, back matter's too
    note_texts: dict[int, str] = field(default_factory=dict)  # the article's notes list
    references: list[str] = field(default_factory=list)  # its unnumbered entries
    author: str | None = None  # from a byline or an author-information block
    date: str | None = None  # the date line, as printed
    dateline: str | None = None  # "WASHINGTON", when the article opens with one


def _speaker_before(sentence: str, quote_start: int) -> str | None:
    """The person a quote is attributed to: the last name-like phrase before it."""
    before = sentence[:quote_start]
    candidates = []
    for match in _NAME.finditer(before):
        words = match.group(1).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        if len(words) < 2 and not (words and match.start() > 0):
            continue
        name = " ".join(words)
        if not name or _PLACES_AND_BODIES.search(name):
            continue
        candidates.append((match.start(), name))
    if not candidates:
        return None
    return candidates[-1][1]


def classify_quote(sentence: str, start: int, end: int) -> tuple[QuoteKind, str | None]:
    """Guess what a quoted passage is, from the words around it.

    `start` and `end` are the offsets of the quote marks in `sentence`.
    """
    inner = sentence[start + 1 : end - 1].strip(" ,.")
    before = sentence[:start]
    after = sentence[end:]
    if _TITLE_CUE.search(before):
        return QuoteKind.TITLE, None
    if _TERM_CUE_BEFORE.search(before) or _TERM_CUE_AFTER.match(after):
        return QuoteKind.TERM, None
    words = len(inner.split())
    speech = _SPEECH.search(before[-80:]) or _SPEECH.search(after[:40])
    if speech and words >= 1:
        speaker = _speaker_before(sentence, start)
        if speaker is not None or words >= 4:
            return QuoteKind.QUOTE, speaker
    if words <= 3:
        return QuoteKind.SCARE, None
    return QuoteKind.QUOTE, _speaker_before(sentence, start) if speech else None


def parse_article(document_id: str, raw: str) -> ParsedArticle:
    parts = split_article(raw)
    body_text = "\n".join(line.text for line in parts.body)
    evidence = note_evidence(body_text, set(parts.notes))
    passages: list[Passage] = []
    sections: list[Section] = []
    quotes: list[FoundQuote] = []
    clean_paragraphs: list[str] = []
    headings: list[str] = []
    heading: str | None = None
    heading_line = 0
    section_start = 0
    paragraph = 0
    offset = -1  # of the current line in body_text

    def close_section() -> None:
        if len(passages) > section_start:
            sections.append(Section(heading, heading_line, section_start, len(passages) - 1))

    for index, line in enumerate(parts.body):
        offset += 1
        text, number = line.text, line.number
        line_offset = offset
        offset += len(text)
        if index in parts.headings:
            clean_heading = strip_markers(text, evidence, line_offset)[0].rstrip(":").strip()
            close_section()
            headings.append(clean_heading)
            heading, heading_line, section_start = clean_heading, number, len(passages)
            continue
        bullet = BULLET.match(text)
        body = text[bullet.end() :] if bullet else text
        clean_body, markers = strip_markers(
            body, evidence, line_offset + (bullet.end() if bullet else 0)
        )
        clean_body = clean_body.rstrip()
        clean_paragraphs.append(clean_body)
        spans: list[tuple[int, int]] = []
        for start, end in sentence_spans(clean_body):
            spans.extend(split_long(clean_body, start, end, MAX_PASSAGE_CHARS))
        for start, end in spans:
            # A marker belongs to the sentence it ends: it stands just before the full stop.
            cited = tuple(sorted({m.note for m in markers if start < m.offset <= end + 1}))
            ordinal = len(passages)
            sentence = clean_body[start:end]
            passages.append(
                Passage(
                    id=f"{document_id}:{ordinal}",
                    document_id=document_id,
                    ordinal=ordinal,
                    paragraph=paragraph,
                    section=heading,
                    text=sentence,
                    citations=cited,
                )
            )
            for match in _QUOTED.finditer(sentence):
                inner = match.group(1) if match.group(1) is not None else match.group(2)
                kind, speaker = classify_quote(sentence, match.start(), match.end())
                quotes.append(FoundQuote(inner, ordinal, kind, speaker))
        paragraph += 1
    close_section()
    headings += [strip_markers(h.text)[0].rstrip(":").strip() for h in parts.back_headings]
    used = {n for p in passages for n in p.citations}
    return ParsedArticle(
        passages=passages,
        sections=sections,
        quotes=quotes,
        notes=used | set(parts.notes),
        title_guess=strip_markers(parts.title, evidence)[0] if parts.title else None,
        boilerplate_lines=parts.boilerplate,
        clean_text="\n".join(clean_paragraphs),
        headings=headings,
        note_texts=dict(parts.notes),
        references=list(parts.references),
        author=parts.author,
        date=parts.date,
        dateline=parts.dateline,
    )
