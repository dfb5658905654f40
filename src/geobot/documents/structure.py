"""The parts of an article around its text: title, byline, date, headings and back matter.

Articles arrive as plain text with no markup, in many house styles. What is read here follows
the conventions of journalism and of think-tank and government reports, not any one site:

- the first line is the title when it is shaped like one (no final full stop; a title may
  ask a question);
- the front matter under it (byline, affiliation, date and dateline lines) is metadata, not
  a section and not searchable text;
- a heading is a short line without final punctuation, or a short question standing alone
  between paragraphs ("What Has Changed?"), or a Title-Case label ending in ":";
- the back matter at the end (notes and references, author information, a disclaimer) is
  not part of the argument: its headings are kept, the notes are read, the rest is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from geobot.text.footnotes import known_notes, note_entry, read_notes

MAX_HEADING_CHARS = 160
MAX_HEADING_WORDS = 20
MAX_TITLE_WORDS = 30
# A question heading is short; a longer question standing alone is a paragraph of a list of
# questions ("Potential questions for Congress" lists them one per line).
MAX_QUESTION_HEADING_WORDS = 15

# Capitalised names, "Jane Doe, John Roe and Max Mustermann", case-sensitive inside the
# case-folded patterns below.
_NAME_WORDS = r"(?-i:[A-Z][\w.'’-]*)(?: (?-i:[A-Z][\w.'’-]*))*"
_NAMES = rf"{_NAME_WORDS}(?:(?:, | and ){_NAME_WORDS})*"
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
        # A wire story's closing credits ("Reporting by Jane Doe; Editing by John Roe").
        # Names only, so that a sentence opening "Reporting by the BBC shows" stays.
        rf"((; |, | and )?((additional )?reporting|writing|editing|compiled|translated) by "
        rf"{_NAMES}( in {_NAMES})?)+\.?",
        # Picture credits, which web copies keep as lines of their own; a sentence (with its
        # final stop) about photos stays.
        r"(photo|image|illustration|photograph|picture|credit)s?( by|:) .{1,100}(?<!\.)",
    )
)
_FINAL_PUNCTUATION = tuple(".!?:;,…")
_TRAILING_CLOSERS = "\"”’')]0123456789 "
_TRAILING_MARKERS = re.compile(r"(?:\s?\[[\d,\s–-]+\]|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079])+$")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
MAX_NUMBERED_HEADING_WORDS = 10
BULLET = re.compile(r"^\s*(?:[-*•–▪◦●·]|\d{1,2}[.)])\s+")

# Back matter, by the headings reports and papers give it. Notes lists are read; author
# information becomes the byline when the front has none; the others are dropped.
_NOTES_HEADINGS = {
    "notes",
    "footnotes",
    "endnotes",
    "references",
    "sources",
    "bibliography",
    "works cited",
    "citations",
    "notes and references",
    "sources and notes",
    "further reading",
    "suggested reading",
    "selected bibliography",
}
_AUTHOR_HEADINGS = {
    "author information",
    "about the author",
    "about the authors",
    "about the contributors",
    "author",
    "authors",
    "contributors",
    "author biography",
    "author bio",
}
_OTHER_BACK_HEADINGS = {
    "disclaimer",
    "acknowledgments",
    "acknowledgements",
    "disclosure",
    "disclosures",
    "copyright",
    "copyright notice",
    "legal notice",
    "see also",
    "external links",
    "related",
    "related articles",
    "related reading",
    "more on this topic",
}
_CLAUSE_AFTER_COMMA = re.compile(r",\s+[a-z]")
_SENTENCE_INSIDE = re.compile(r"[a-z]{2}[.!?][\"”’)]*\d*\s+[A-Z]")
# Hard-wrapped text: blocks whose lines are no longer than this are pages broken into lines.
MAX_WRAP_WIDTH = 160  # wider lines are whole paragraphs, as web copies have them
MIN_WRAP_WIDTH = 40  # no page is narrower: a block of shorter lines is a list
MIN_WRAPPED_LINES = 8  # broken lines it takes to call a copy hard-wrapped
# A line opening in lower case, a bracket or a digit (after any opening quote) goes on with
# a sentence: no heading or new paragraph starts so after a line that stopped mid-sentence.
_GOES_ON = set("abcdefghijklmnopqrstuvwxyz([0123456789")
_SENTENCE_STOPS = (".", "!", "?", ":", ";", "…")
# A line ending on an article, a preposition or a conjunction runs on: no heading ends so.
_RUNS_ON = {
    "a",
    "an",
    "the",
    "of",
    "to",
    "in",
    "on",
    "for",
    "and",
    "or",
    "nor",
    "but",
    "with",
    "by",
    "from",
    "at",
    "as",
    "that",
    "which",
    "who",
    "whose",
    "into",
    "than",
}
# A question that opens with a conjunction carries the argument on ("But is it true?"), and
# "Q:" asks in an interview: neither heads a section.
_NOT_A_QUESTION_HEADING = re.compile(r"^(?:(?:But|And|So|Yet|Or|Then)\b|(?:Q|Question)\s*[:.])")
# A body section after a back-matter heading means it was not back matter after all: a
# heading followed by a paragraph at least this long is prose, not a note or a name line.
_PROSE_WORDS = 25

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|"
    rf"{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{4}}-\d{{2}}-\d{{2}}|"
    r"\d{1,2}/\d{1,2}/\d{2,4})"
)
# Words a date line may hold besides the date: how the date is introduced, a time, a zone,
# and a report number in brackets ("Updated April 16, 2026 (IF11783)").
_DATE_VERB = re.compile(
    r"^(?:(?:last |first )?(?:updated|published|posted|released|revised|modified)"
    r"(?: on)?|dated?:?)\b",
    re.IGNORECASE,
)
_DATE_REST = re.compile(
    r"\b(?:(?:last |first )?(?:updated|published|posted|released|revised|modified)|on|at|"
    r"dated?|\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?|[ap]\.?m\.?|(?-i:[A-Z]{2,4}T)|UTC|GMT|"
    r"\d+\s+(?:hours?|hrs?|minutes?|mins?|days?|weeks?)\s+ago|\d+\s+min(?:ute)?s?\s+read)\b|"
    r"\([^()\s]{1,20}\)|[|·•,:;–—-]",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^(?:[Bb]y|BY|Written by|Reported by|Words by|Authors?:)\s+"
    r"(?!(?:The|A|An|This|That|These|Its|Their|Then|Now)\b)([A-Z].*)$"
)
# A person's name: two to five capitalised words, initials or name particles.
_NAME = re.compile(
    r"^(?:[A-Z][\w'’-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w'’-]+|[A-Z]\.|de|da|van|von|der|bin|al|la|le))"
    r"{1,4}$"
)
# What people sign their work as, in a "Jane Doe, Senior Fellow" author line.
_ROLE = re.compile(
    r"\b(fellow|professor|director|editor|correspondent|reporter|writer|analyst|specialist|"
    r"researcher|coordinator|chair|president|scholar|author|columnist|contributor|associate|"
    r"lecturer|chief|manager|officer|advis[eo]r|expert|journalist|economist|historian|"
    r"head|dean|staff)\b",
    re.IGNORECASE,
)
# A dateline of its own: the place in capitals, as wire stories print it ("WASHINGTON —").
_DATELINE_LINE = re.compile(r"^[A-Z][A-Z.'’ -]{2,}(?:,\s*[A-Z][\w.'’ -]*\s*[—–-]*|\s*[—–-]+)$")
# A dateline opening the first paragraph: "KYIV, Ukraine (Reuters) — ".
_DATELINE_LEAD = re.compile(
    rf"^([A-Z][A-Z.'’-]{{2,}}(?:\s[A-Z][A-Z.'’-]+)*(?:,\s[A-Z][\w.]*(?:\s[A-Z][\w.]*)*)?"
    rf"(?:,?\s{_MONTH}\s\d{{1,2}})?(?:\s\([A-Z][\w .]*\))?)\s+[—–-]{{1,2}}\s+(?=[A-Z“\"‘])"
)
# A line that ends on one of these words is an unfinished sentence introducing the list
# below it (a colon lost in conversion: "Issues of potential disagreement include"), not a
# heading.
_LEAD_IN_ENDS = {
    "include",
    "includes",
    "including",
    "are",
    "is",
    "were",
    "was",
    "be",
    "following",
    "as",
    "such",
    "these",
    "the",
    "a",
    "an",
    "of",
    "to",
    "for",
    "and",
    "or",
    "with",
    "by",
    "from",
    "that",
    "which",
    "whether",
}


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based line number in the file
    text: str  # stripped, without Markdown heading marks
    block: int  # which blank-line separated block of the file it stands in
    marked: bool = False  # marked as a heading by Markdown ("## Background", "**Background**")


# Markdown, in which many articles are pasted: "## Heading", or a line that is all bold.
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.+?)(?:\s+#+)?$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)([^*_]+)(?:\*\*|__)$")


@dataclass(slots=True)
class ArticleParts:
    title: str | None = None
    subtitle: str | None = None  # the standfirst between the title and the byline
    author: str | None = None
    date: str | None = None  # as printed: "April 16, 2026"
    dateline: str | None = None
    body: list[Line] = field(default_factory=list)  # what sections and passages come from
    headings: set[int] = field(default_factory=set)  # indexes into body that are headings
    back_headings: list[Line] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)  # the article's notes list
    references: list[str] = field(default_factory=list)  # unnumbered entries of that list
    boilerplate: list[int] = field(default_factory=list)


def is_heading(line: str) -> bool:
    """Shaped like a heading: short, no final punctuation (or a Title-Case label with ':')."""
    text = line.strip()
    if not text or BULLET.match(text) or len(text) > MAX_HEADING_CHARS:
        return False
    if len(text.split()) > MAX_HEADING_WORDS:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"'‘"):
        return False
    # Closing quotes, brackets and footnote markers stand after the final punctuation.
    core = _TRAILING_MARKERS.sub("", text).rstrip(_TRAILING_CLOSERS)
    if core.endswith(":") and _title_case(core[:-1]):
        return True
    return bool(core) and not core.endswith(_FINAL_PUNCTUATION)


def _title_case(text: str) -> bool:
    """'Key Findings', 'Background': a label, every long word capitalised, no colon inside."""
    return _capitalised(text) and ":" not in text


def _capitalised(text: str) -> bool:
    """Every word of four letters or more capitalised, as headings are written."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) >= 4]
    return bool(text.strip()) and all(w[0].isupper() for w in words)


def is_question_heading(line: str) -> bool:
    """Shaped like a question heading: one short question ("How Could It Fail?")."""
    text = line.strip()
    if not text.endswith("?") or BULLET.match(text) or not text[0].isupper():
        return False
    if len(text.split()) > MAX_QUESTION_HEADING_WORDS or _NOT_A_QUESTION_HEADING.match(text):
        return False
    # One sentence only: a second question or a sentence before it makes a paragraph.
    return not re.search(r"[.?!][\"”’)]*\s+[A-Z]", text[:-1])


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    return any(p.fullmatch(text) for p in BOILERPLATE)


def is_date_line(text: str) -> bool:
    """A line that only gives a date: "Updated April 16, 2026 (IF11783)", "Released May 3"."""
    if len(text.split()) > 12 or not _DATE.search(text):
        return False
    rest = _DATE_REST.sub(" ", _DATE.sub(" ", text))
    return not rest.strip(" .")


def _the_date(text: str) -> str:
    """The date a date line gives, without "Updated" or a report number."""
    found = _DATE.search(text)
    return found.group(0) if found else text


def _byline(text: str) -> str | None:
    """The author named by a byline ("By Jane Doe", "Jane Doe, Senior Fellow"), or None."""
    match = _BYLINE.match(text)
    if match is not None:
        names = re.split(r"\s+[|·•]\s+|\s+[—–]\s+", match.group(1))[0].strip(" ,")
        return names if len(names.split()) <= 12 and not names.endswith(".") else None
    name, _, role = text.partition(",")
    if role and _NAME.match(name.strip()) and _ROLE.search(role) and len(role.split()) <= 8:
        return name.strip()
    return None


def _title_like(text: str) -> bool:
    """Shaped like a title: longer than a heading may be (a title with its subtitle), no
    final stop, though a title may ask or exclaim ("Is This the Last Dalai Lama?")."""
    if len(text.split()) > MAX_TITLE_WORDS or BULLET.match(text):
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"'‘"):
        return False
    core = _TRAILING_MARKERS.sub("", text).rstrip(_TRAILING_CLOSERS)
    return bool(core) and (core.endswith(("?", "!")) or not core.endswith(_FINAL_PUNCTUATION))


def _lines(raw: str) -> tuple[list[Line], list[int]]:
    lines: list[Line] = []
    boilerplate: list[int] = []
    block = 0
    for number, line in enumerate(raw.splitlines(), start=1):
        text = line.strip()
        if not text:
            block += 1
            continue
        if is_boilerplate(text):
            boilerplate.append(number)
            continue
        marked = _MARKDOWN_HEADING.match(text) or _BOLD_LINE.match(text)
        if marked and len(marked.group(1).split()) <= MAX_HEADING_WORDS:
            lines.append(Line(number, marked.group(1).strip(), block, marked=True))
        else:
            lines.append(Line(number, text, block))
    return _unwrap(lines), boilerplate


def _unwrap(lines: list[Line]) -> list[Line]:
    """Join the lines of a hard-wrapped paragraph (text copied from a PDF or an e-mail)."""
    page = _page_width(lines)
    # A block whose every line break is forced (the next word would not have fitted) is
    # one wrapped paragraph: nothing in it is a heading, however capitalised a line is.
    mixed = {
        b.block
        for a, b in pairwise(lines)
        if a.block == b.block and not _forced(a.text, b.text, page) and not BULLET.match(b.text)
    }
    joined: list[Line] = []
    pieces: list[str] = []
    expected = 1  # the number the block's next numbered item would have
    in_item = False  # the lines since the last numbered item carry it on (a note's lines)
    for line in lines:
        last = joined[-1] if joined else None
        if last is None or last.block != line.block:
            entry = note_entry(line.text)
            expected = entry[0] + 1 if entry else 1
            in_item = entry is not None
        elif _new_item(line.text, expected):
            entry = note_entry(line.text)
            expected = entry[0] + 1 if entry else expected
            in_item = entry is not None
        elif (
            last is not None
            and last.block == line.block
            and not (last.marked or line.marked)
            and (
                _wraps(pieces[-1], line.text, page, in_item, line.block in mixed)
                or (len(joined) == 1 and _title_wraps(pieces[-1], line.text, page))
            )
        ):
            pieces.append(line.text)
            continue
        if last is not None and len(pieces) > 1:
            joined[-1] = Line(last.number, _join(pieces), last.block)
        joined.append(line)
        pieces = [line.text]
    if joined and len(pieces) > 1:
        last = joined[-1]
        joined[-1] = Line(last.number, _join(pieces), last.block)
    return joined


def _page_width(lines: list[Line]) -> int:
    """How wide the page of a hard-wrapped copy is (0 when the copy is not hard-wrapped):
    most of its lines are broken inside a paragraph, and nine in ten of those are no longer
    than this. A few short lines together (a title over a byline) make no page."""
    broken = sorted(len(a.text) for a, b in pairwise(lines) if a.block == b.block)
    if len(broken) < MIN_WRAPPED_LINES or 2 * len(broken) < len(lines):
        return 0
    width = broken[(len(broken) * 9) // 10]
    return width if MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH else 0


def _title_wraps(before: str, line: str, page: int) -> bool:
    """A title too long for a hard-wrapped page runs on into a second capitalised line
    ("... and the Paris Peace" / "Conference Volumes"), which is no byline or date."""
    return (
        page > 0
        and len(before) + 1 + len(line.split(None, 1)[0]) > page
        and not before.rstrip("\"”’')] ").endswith(_SENTENCE_STOPS)
        and _capitalised(line)
        and _byline(line) is None
        and not is_date_line(line)
    )


def _forced(before: str, line: str, width: int) -> bool:
    """The line was broken because the next line's first word did not fit on it."""
    return len(before) + 1 + len(line.split(None, 1)[0]) > width


def _wraps(before: str, line: str, width: int, in_item: bool = False, mixed: bool = True) -> bool:
    """`line` carries on the paragraph of the line before it: that line stops mid-sentence
    and this one goes on in lower case (or that one ends on "the", "of", an open bracket);
    or, in a block of lines no longer than a page is wide, that line was broken because
    this line's first word did not fit on it, as a hard wrap breaks lines."""
    stops = _TRAILING_MARKERS.sub("", before).rstrip("\"”’')] ").endswith(_SENTENCE_STOPS)
    # A bracket left open, or a line opening in lower case, goes on with the sentence.
    goes_on = line.lstrip("\"“‘'")[:1] in _GOES_ON or before.count("(") > before.count(")")
    if not stops and (goes_on or before.rsplit(None, 1)[-1].lower() in _RUNS_ON):
        return True
    if not width:
        return False  # not a hard-wrapped copy: each line is a paragraph
    if in_item:
        return True  # a wrapped note or list item runs on until the next item
    if mixed and (_heading_shaped(before) or (stops and _heading_shaped(line))):
        return False  # a heading sharing its block with the text stays a line of its own
    return _forced(before, line, width)


def _heading_shaped(text: str) -> bool:
    """Capitalised, no final stop, and neither a clause running on after a comma ("Congress,
    the Southern ...") nor a sentence ending inside ("Taiwan.65 The Critical"), as prose has."""
    return (
        is_heading(text)
        and _capitalised(text)
        and not _CLAUSE_AFTER_COMMA.search(text)
        and not _SENTENCE_INSIDE.search(text)
    )


def _new_item(text: str, expected: int) -> bool:
    """A bullet, or the next number of a numbered list or notes list ("288) would" in the
    middle of a wrapped sentence is not item 288)."""
    entry = note_entry(text)
    if entry is not None:
        return entry[0] == expected
    return BULLET.match(text) is not None


def _join(pieces: list[str]) -> str:
    # A word broken at the line's end keeps its hyphen: "well-known" outnumbers "inter-
    # national" in edited prose.
    text = pieces[0]
    parts = [text]
    for piece in pieces[1:]:
        parts.append(piece if parts[-1].endswith(("-", "‐")) else " " + piece)
    return "".join(parts)


def _front_matter(lines: list[Line], parts: ArticleParts) -> int:
    """Read title, byline, date and dateline lines; return where the text starts."""
    i = 0
    if len(lines) > 1 and (lines[0].marked or _title_like(lines[0].text)):
        parts.title = lines[0].text
        i = 1
    byline_block = None

    def signed(j: int) -> bool:
        """Line j starts a byline or a date: "By Jane Doe", "Jane Doe" over a date."""
        if j >= len(lines):
            return False
        text = lines[j].text
        named = _NAME.match(text) and j + 1 < len(lines) and is_date_line(lines[j + 1].text)
        return bool(named) or _byline(text) is not None or is_date_line(text)

    while i < len(lines):
        line = lines[i]
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        author = _byline(line.text)
        if author is not None:
            parts.author = parts.author or author
            byline_block = line.block
        elif is_date_line(line.text):
            parts.date = parts.date or _the_date(line.text)
        elif _DATELINE_LINE.match(line.text) and not _NAME.match(line.text):
            parts.dateline = parts.dateline or line.text.rstrip(" —–-")
        elif line.block == byline_block and is_heading(line.text):
            pass  # an affiliation under the byline, in the byline's own block
        elif _NAME.match(line.text) and is_date_line(following):
            parts.author = parts.author or line.text  # a name alone over the date line
        elif (
            i == 1
            and parts.title is not None
            and len(line.text.split()) <= MAX_TITLE_WORDS + 10
            and signed(i + 1)
        ):
            parts.subtitle = line.text  # the standfirst: under the title, over the byline
        else:
            break
        i += 1
    return i


def _back_kind(text: str) -> str | None:
    if not is_heading(text):
        return None
    key = " ".join(text.rstrip(":").casefold().split())
    if key in _NOTES_HEADINGS:
        return "notes"
    if key in _AUTHOR_HEADINGS:
        return "author"
    if key in _OTHER_BACK_HEADINGS:
        return "other"
    return None


def _back_matter(lines: list[Line], start: int) -> int:
    """Where the back matter begins (len(lines) when there is none): the first back-matter
    heading after which no body section resumes (a heading, then a real paragraph that is
    no note), so that a "Sources" section in the middle of a piece stays text."""
    resumes = [False] * (len(lines) + 1)  # resumes[i]: a body section starts at i or later
    for j in range(len(lines) - 2, start - 1, -1):
        text, following = lines[j].text, lines[j + 1].text
        resumes[j] = resumes[j + 1] or (
            _back_kind(text) is None
            and is_heading(text)
            and note_entry(text) is None
            and note_entry(following) is None
            and len(following.split()) >= _PROSE_WORDS
        )
    for i in range(start, len(lines)):
        if _back_kind(lines[i].text) is not None and not resumes[i + 1]:
            return i
    return len(lines)


def _headless_notes(lines: list[Line], start: int, end: int) -> int:
    """Where a notes list with no heading begins: a run of numbered lines, 1, 2, 3 ...,
    closing the text, whose numbers the text's own markers confirm (so that a numbered list
    of recommendations ending an article is left as text)."""
    first = end
    expected_last = None
    for i in range(end - 1, start - 1, -1):
        entry = note_entry(lines[i].text)
        if entry is None or (expected_last is not None and entry[0] >= expected_last):
            break
        first, expected_last = i, entry[0]
    if end - first < 2 or expected_last != 1:
        return end
    listed = {e[0] for line in lines[first:end] if (e := note_entry(line.text))}
    body = "\n".join(line.text for line in lines[start:first])
    return first if len(listed & known_notes(body)) * 2 >= len(listed) else end


def _authors(lines: list[Line]) -> str | None:
    """The names an author-information block lists ("Clayton Thomas, Coordinator")."""
    names = []
    for line in lines:
        name = line.text.split(",")[0].strip()
        if _NAME.match(name) and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _read_back_matter(lines: list[Line], parts: ArticleParts) -> None:
    kind = "notes"  # a headless notes list
    headed = False
    section: list[Line] = []

    def close() -> None:
        if kind == "notes":
            notes, references = read_notes([line.text for line in section], loose=headed)
            parts.notes.update({n: t for n, t in notes.items() if n not in parts.notes})
            parts.references += references
        elif kind == "author" and parts.author is None:
            parts.author = _authors(section)

    for line in lines:
        new_kind = _back_kind(line.text)
        if new_kind is not None:
            close()
            kind, section, headed = new_kind, [], True
            parts.back_headings.append(line)
        else:
            section.append(line)
    close()


def _heading_indexes(body: list[Line]) -> set[int]:
    headings: set[int] = set()
    for i, line in enumerate(body):
        text = line.text
        following = body[i + 1].text if i + 1 < len(body) else None
        if line.marked or _numbered_heading(body, i):
            headings.add(i)
        elif is_heading(text):
            last = re.sub(r"[^\w]+$", "", text).rsplit(None, 1)[-1]
            lead_in = last.islower() and last in _LEAD_IN_ENDS
            if not (lead_in and following is not None and BULLET.match(following)):
                headings.add(i)
        elif is_question_heading(text) and following is not None and i > 0:
            # A question between two non-questions heads what follows; a run of questions
            # is a list of them.
            previous = body[i - 1].text
            if not following.endswith("?") and (i - 1 in headings or not previous.endswith("?")):
                headings.add(i)
    return headings


def _numbered_heading(body: list[Line], i: int) -> bool:
    """ "2. Background" is a numbered section heading when it stands alone: short, shaped like
    a heading, and neither line around it is an item of a list."""
    match = _NUMBERED.match(body[i].text)
    if match is None or i + 1 >= len(body):
        return False
    rest = body[i].text[match.end() :]
    alone = all(not BULLET.match(body[j].text) for j in (i - 1, i + 1) if 0 <= j < len(body))
    return alone and len(rest.split()) <= MAX_NUMBERED_HEADING_WORDS and is_heading(rest)


def split_article(raw: str) -> ArticleParts:
    lines, boilerplate = _lines(raw)
    parts = ArticleParts(boilerplate=boilerplate)
    start = _front_matter(lines, parts)
    back = _back_matter(lines, start)
    back = _headless_notes(lines, start, back)
    _read_back_matter(lines[back:], parts)
    body = [
        line
        for line in lines[start:back]
        # A date line inside the text ("Updated May 3, 2026") is metadata too.
        if not (_DATE_VERB.match(line.text) and is_date_line(line.text))
    ]
    if body and parts.dateline is None:
        match = _DATELINE_LEAD.match(body[0].text)
        if match is not None:
            parts.dateline = match.group(1)
            first = body[0]
            body[0] = Line(first.number, first.text[match.end() :], first.block)
    parts.body = body
    parts.headings = _heading_indexes(body)
    return parts
