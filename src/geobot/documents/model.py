"""The document set as the rest of geobot sees it: plain, immutable data.

Everything here is built once by the loader and then only read, so a loaded set can be
shared by concurrent commands and swapped for a new one without locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class QuoteKind(StrEnum):
    QUOTE = "quote"  # someone's words
    TITLE = "title"  # the title of a work
    TERM = "term"  # a named concept
    SCARE = "scare"  # scare quotes: the writer distancing themselves from a word

    @property
    def is_words_of_someone(self) -> bool:
        return self is QuoteKind.QUOTE


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence of a document, footnote markers removed."""

    id: str  # "<document id>:<ordinal>", stable while the text does not change
    document_id: str
    ordinal: int  # position of the sentence in its document, from 0
    paragraph: int  # position of its paragraph in the document, from 0
    section: str | None  # the heading above it, None before the first heading
    text: str
    citations: tuple[int, ...] = ()  # footnote numbers that were glued to this sentence


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None
    line: int  # 1-based line of the heading in the article file (0 for the untitled lead)
    first_passage: int
    last_passage: int  # inclusive


@dataclass(frozen=True, slots=True)
class Quote:
    id: str
    document_id: str
    text: str  # the quoted words, without the quote marks
    kind: QuoteKind
    speaker: str | None  # only ever set for kind == QUOTE
    passage_id: str  # the sentence the quote stands in
    section: str | None
    context: str  # that sentence
    citations: tuple[int, ...] = ()
    curated: bool = False  # confirmed or corrected by the curated layer


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    passage_ids: tuple[str, ...]
    section: str | None
    citations: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Argument:
    id: str
    document_id: str
    claim: str
    evidence: tuple[Evidence, ...]
    topics: tuple[str, ...] = ()
    # Found by the machine (documents/summarize.py), or left with a TODO marker in the
    # curated file: readers are told it is not a curator's reading of the article.
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    """Something a document cites: a footnote, or a named authority such as a book."""

    id: str
    document_id: str
    label: str  # "note 2" when the text does not say what the note cites
    kind: str  # footnote, book, investigation, journalist, person, publication, ...
    note: int | None = None
    description: str | None = None
    passage_ids: tuple[str, ...] = ()  # the claims that rest on this source
    # Who says what it is: "curated" (the curated layer), "notes" (the article's own notes
    # list, read automatically) or "marker" (only a note number in the text).
    origin: str = "curated"

    @property
    def is_named(self) -> bool:
        return not self.label.lower().startswith("note ")


@dataclass(frozen=True, slots=True)
class Document:
    id: str  # the article's file name without extension
    title: str
    path: Path
    sha256: str
    size: int  # bytes on disk
    curated: bool
    passages: tuple[Passage, ...]
    sections: tuple[Section, ...]
    quotes: tuple[Quote, ...]
    arguments: tuple[Argument, ...]
    sources: tuple[Source, ...]
    summary: str | None = None
    author: str | None = None
    publication: str | None = None
    date: str | None = None
    url: str | None = None
    topics: tuple[str, ...] = ()
    glossary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    curated_sha256: str | None = None  # of the curated file: a curation edit is a change too
    headings: tuple[str, ...] = ()  # every heading in order, those of the back matter too
    footnotes: dict[int, str] = field(default_factory=dict)  # the article's notes list
    dateline: str | None = None  # the place an article is filed from ("WASHINGTON")
    # The summary was picked from the article by LexRank, not written by a curator.
    summary_automatic: bool = False
    # TODO markers left in the curated file: the values they mark are served as automatic.
    todo_markers: int = 0

    @property
    def fingerprint(self) -> tuple[str, str | None]:
        return self.sha256, self.curated_sha256

    def passage(self, passage_id: str) -> Passage:
        return self.passages[int(passage_id.rsplit(":", 1)[1])]

    def source_for_note(self, note: int) -> Source | None:
        for source in self.sources:
            if source.note == note:
                return source
        return None

    def citation_labels(self, notes: tuple[int, ...], max_chars: int | None = None) -> list[str]:
        """Readable names for footnote numbers: the curated source's name where there is
        one, else the note as the article's notes list gives it ("note 4: U.S. Department
        of State, ..."), else "note 4". `max_chars` shortens a long note at a word."""
        labels = []
        for note in notes:
            source = self.source_for_note(note)
            if source is not None and source.is_named:
                labels.append(source.label)
            elif note in self.footnotes:
                labels.append(_shorten(f"note {note}: {self.footnotes[note]}", max_chars))
            else:
                labels.append(source.label if source is not None else f"note {note}")
        return labels


def _shorten(text: str, max_chars: int | None) -> str:
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


@dataclass(frozen=True, slots=True)
class LoadIssue:
    """One problem found while loading a document set: where it is and what is wrong."""

    path: str
    message: str
    line: int | None = None
    severity: str = "error"  # "error" refuses the set; "warning" is reported only
    # The issues this one sums up, each with its own line (a curated file's TODO markers):
    # reported as this one line by default, listed one by one on request (each_issue).
    details: tuple[LoadIssue, ...] = ()

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


def each_issue(issues: Iterable[LoadIssue]) -> list[LoadIssue]:
    """The issues with every summary replaced by the issues it sums up (`--verbose`)."""
    return [single for issue in issues for single in (issue.details or (issue,))]


@dataclass(frozen=True, slots=True)
class DocumentSet:
    path: Path
    documents: dict[str, Document]
    digest: str  # sha256 over every file of the set, to tell sets apart
    loaded_at: datetime
    warnings: tuple[LoadIssue, ...] = ()

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents.values())

    def __len__(self) -> int:
        return len(self.documents)
