"""From an article as received to sections, paragraphs, sentences, citations and quotes.

The articles come from the web as plain text: boilerplate lines, headings without markup
(a heading is a short line without final punctuation), bullets ("- "), and footnote markers
glued to words. Everything here is automatic; the curated layer corrects it afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geobot.documents.model import Passage, QuoteKind, Section
from geobot.text.footnotes import known_notes, strip_markers
from geobot.text.segment import sentence_spans, split_long

MAX_PASSAGE_CHARS = 700
MAX_HEADING_CHARS = 160
MAX_HEADING_WORDS = 20

# Lines that web pages wrap around an article. Matched against a whole line, case-folded.
BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"no products in the cart\.?",
        r"skip to (main )?content",
        r"(share|share this|share this article|tweet|print|email)( on \w+)?:?",
        r"(sign up|subscribe)( (now|today|to our newsletter))?[.!]?",
        r"(advertisement|sponsored( content)?)",
        r"(read more|continue reading|related articles?|you may also like)[:.…]*",
        r"(accept|we use) cookies.*",
        r"(all rights reserved|copyright ©?).*",
        r"(posted|published) (in|on|by) .{0,60}",
        r"(leave a (reply|comment)|\d+ comments?)",
    )
)
_FINAL_PUNCTUATION = tuple(".!?:;,…")
_TRAILING_CLOSERS = "\"”’')]0123456789 "
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")
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
    "The", "This", "That", "These", "Those", "President", "Senator", "Secretary", "However",
    "Despite", "While", "When", "According", "In", "On", "For", "By", "As", "Perhaps",
    "Similarly", "Unlike", "Rather", "Another", "Recent", "Much", "Both",
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
    notes: set[int]
    title_guess: str | None
    boilerplate_lines: list[int] = field(default_factory=list)
    clean_text: str = ""  # every paragraph, markers stripped, one per line


def is_heading(line: str) -> bool:
    text = line.strip()
    if not text or _BULLET.match(text) or len(text) > MAX_HEADING_CHARS:
        return False
    if len(text.split()) > MAX_HEADING_WORDS:
        return False
    # Closing quotes, brackets and glued footnote numbers stand after the final punctuation.
    core = text.rstrip(_TRAILING_CLOSERS)
    if not core or core.endswith(_FINAL_PUNCTUATION):
        return False
    return text[0].isupper() or text[0].isdigit() or text[0] in "“\"'"


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    return any(p.fullmatch(text) for p in BOILERPLATE)


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
    lines = raw.splitlines()
    notes = known_notes(raw)
    passages: list[Passage] = []
    sections: list[Section] = []
    quotes: list[FoundQuote] = []
    boilerplate: list[int] = []
    clean_paragraphs: list[str] = []
    title_guess: str | None = None
    heading: str | None = None
    heading_line = 0
    section_start = 0
    paragraph = 0
    seen_body = False

    def close_section() -> None:
        if len(passages) > section_start:
            sections.append(Section(heading, heading_line, section_start, len(passages) - 1))

    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if is_boilerplate(text):
            boilerplate.append(number)
            continue
        if is_heading(text):
            clean_heading, _ = strip_markers(text, notes)
            if not seen_body and title_guess is None and not passages:
                # A heading before any text is the article's own title, not a section.
                title_guess = clean_heading
                continue
            close_section()
            heading, heading_line, section_start = clean_heading, number, len(passages)
            continue
        seen_body = True
        body = _BULLET.sub("", text, count=1)
        clean_body, markers = strip_markers(body, notes)
        clean_paragraphs.append(clean_body)
        spans: list[tuple[int, int]] = []
        for start, end in sentence_spans(clean_body):
            spans.extend(split_long(clean_body, start, end, MAX_PASSAGE_CHARS))
        for start, end in spans:
            # A marker belongs to the sentence it ends: it stands just before the full stop.
            cited = tuple(
                sorted({m.note for m in markers if start < m.offset <= end + 1})
            )
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
    return ParsedArticle(
        passages=passages,
        sections=sections,
        quotes=quotes,
        notes=notes,
        title_guess=title_guess,
        boilerplate_lines=boilerplate,
        clean_text="\n".join(clean_paragraphs),
    )
