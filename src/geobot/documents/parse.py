"""From an article as received to sections, paragraphs, sentences, citations and quotes.

The articles come from the web as plain text: boilerplate lines, headings without markup
(a heading is a short line without final punctuation), bullets ("- "), and footnote markers
glued to words. Everything here is automatic; the curated layer corrects it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geobot.documents.model import Passage, QuoteKind, Section
from geobot.documents.quotes import find_quotes
from geobot.documents.structure import (
    BULLET,
    is_boilerplate,
    is_heading,
    split_article,
)
from geobot.text.footnotes import note_evidence, strip_markers
from geobot.text.quote_marks import MarkStyle, house_style
from geobot.text.segment import sentence_spans, split_long

__all__ = ["FoundQuote", "ParsedArticle", "is_boilerplate", "is_heading", "parse_article"]

MAX_PASSAGE_CHARS = 700


@dataclass(frozen=True, slots=True)
class FoundQuote:
    text: str  # between the marks, as in the clean text
    passage: int  # ordinal of the sentence it stands in
    kind: QuoteKind
    speaker: str | None
    paragraph: int = -1  # index of the paragraph the quotation opens in
    offset: int = -1  # of its opening mark in that paragraph


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
    # Which quotation marks stand outside, decided from the same paragraphs find_quotes reads.
    quote_style: MarkStyle = MarkStyle.DOUBLE


def _quotes(paragraphs: list[str], starts: list[tuple[int, int, int]]) -> list[FoundQuote]:
    """The quotations of the body, each in the sentence where its opening mark stands."""
    quotes: list[FoundQuote] = []
    position = 0
    for mention in find_quotes(paragraphs):
        key = (mention.paragraph, mention.start)
        while position + 1 < len(starts) and starts[position + 1][:2] <= key:
            position += 1
        ordinal = starts[position][2] if starts else 0
        quotes.append(
            FoundQuote(
                mention.text,
                ordinal,
                mention.kind,
                mention.speaker,
                mention.paragraph,
                mention.start,
            )
        )
    return quotes


def parse_article(document_id: str, raw: str) -> ParsedArticle:
    parts = split_article(raw)
    body_text = "\n".join(line.text for line in parts.body)
    evidence = note_evidence(body_text, set(parts.notes))
    passages: list[Passage] = []
    sections: list[Section] = []
    sentence_starts: list[tuple[int, int, int]] = []  # (paragraph, offset, passage ordinal)
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
            sentence_starts.append((paragraph, start, ordinal))
        paragraph += 1
    close_section()
    quotes = _quotes(clean_paragraphs, sentence_starts)
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
        quote_style=house_style(clean_paragraphs),
    )
