"""Scores article parsing against hand labels: quotes, speakers, kinds, headings, notes.

The labels are those of a development corpus (see tests/data/corpus/README.md): per article
every quotation-marked span with its speaker and kind, every heading, every note with its
text. Scores are per article and in all, as counts, so a table can show both.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geobot.documents.loader import load_document_set
from geobot.documents.model import Document
from geobot.documents.quotes import find_quotes
from geobot.text.normalize import fold, strip_accents

__all__ = ["ArticleScore", "StructureReport", "evaluate_structure", "same_speaker"]

_EDGE = " ,.;:…"
# Leading articles and titles are not part of who someone is: "the Pentagon" and
# "Pentagon", "Kennedy" and "John F. Kennedy" name the same speaker.
_WORD = re.compile(r"[\w]+(?:['’]\w+)?")


@dataclass(slots=True)
class ArticleScore:
    document: str
    quotes: int = 0  # labelled quotations
    found: int = 0
    speaker_right: int = 0
    kind_right: int = 0
    headings: int = 0  # labelled headings plus spurious ones
    headings_right: int = 0
    footnotes: int = 0
    footnotes_right: int = 0
    misses: list[dict[str, object]] = field(default_factory=list)

    def add(self, other: ArticleScore) -> None:
        for name in (
            "quotes",
            "found",
            "speaker_right",
            "kind_right",
            "headings",
            "headings_right",
            "footnotes",
            "footnotes_right",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class StructureReport:
    articles: list[ArticleScore]
    total: ArticleScore

    def rates(self, score: ArticleScore | None = None) -> dict[str, float | None]:
        s = score or self.total
        return {
            "quotes found": _rate(s.found, s.quotes),
            "speaker right": _rate(s.speaker_right, s.quotes),
            "kind right": _rate(s.kind_right, s.quotes),
            "headings exact": _rate(s.headings_right, s.headings),
            "footnotes resolved": _rate(s.footnotes_right, s.footnotes),
        }


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _bare(text: str) -> str:
    return fold(text).strip(_EDGE + "'\"")


def _words(name: str) -> list[str]:
    words = _WORD.findall(strip_accents(fold(name)))
    return [w.replace("’", "'") for w in words if w != "the"]


def same_speaker(found: str | None, label: str | None) -> bool:
    """Whether two speaker strings name the same speaker.

    Equal after folding, or, for a person's name, the same last word with every word of the
    shorter among the longer's ("Kennedy" and "John F. Kennedy").
    """
    if found is None or label is None:
        return found is None and label is None
    a, b = _words(found), _words(label)
    if not a or not b:
        return a == b
    if a == b or set(a) - {"of"} == set(b) - {"of"}:
        return True  # "the State Department" and "the Department of State"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return short[-1] == long_[-1] and set(short) <= set(long_)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _found_quotes(document: Document) -> list[tuple[str, str, str | None]]:
    """(text, kind, speaker) of every quote the document yields, its notes list included."""
    found = [(q.text, q.kind.value, q.speaker) for q in document.quotes]
    for quote in find_quotes(list(document.footnotes.values()), in_notes=True):
        found.append((quote.text, quote.kind.value, quote.speaker))
    return found


def _score_quotes(score: ArticleScore, document: Document, labels: list[dict]) -> None:
    pool = _found_quotes(document)
    used = [False] * len(pool)
    for label in labels:
        score.quotes += 1
        key = _bare(str(label["text"]))
        match = next(
            (i for i, q in enumerate(pool) if not used[i] and _bare(q[0]) == key),
            None,
        )
        if match is None:
            score.misses.append({"miss": "quote not found", **label})
            continue
        used[match] = True
        _text, kind, speaker = pool[match]
        score.found += 1
        if same_speaker(speaker, label.get("speaker")):
            score.speaker_right += 1
        else:
            score.misses.append({"miss": "speaker", "found": speaker, **label})
        if kind == label["kind"]:
            score.kind_right += 1
        else:
            score.misses.append({"miss": "kind", "found": kind, **label})


def _score_headings(score: ArticleScore, document: Document, labels: list[str]) -> None:
    remaining = [fold(h) for h in document.headings]
    for heading in labels:
        key = fold(heading)
        if key in remaining:
            remaining.remove(key)
            score.headings_right += 1
        else:
            score.misses.append({"miss": "heading", "text": heading})
    score.headings += len(labels) + len(remaining)
    for extra in remaining:
        score.misses.append({"miss": "spurious heading", "text": extra})


def _score_footnotes(score: ArticleScore, document: Document, labels: list[dict]) -> None:
    for label in labels:
        score.footnotes += 1
        marker = str(label["marker"])
        got = document.footnotes.get(int(marker)) if marker.isdigit() else None
        if got is not None and fold(got) == fold(str(label["reference"])):
            score.footnotes_right += 1
        else:
            score.misses.append({"miss": "footnote", "marker": marker, "found": got})


def evaluate_structure(corpus: Path) -> StructureReport:
    """Scores the articles in `corpus`/articles against its quotes.jsonl and structure.jsonl."""
    articles = corpus / "articles"
    if not articles.is_dir():
        raise FileNotFoundError(f"{articles}: no such folder")
    result = load_document_set(articles)
    if result.documents is None:
        raise ValueError("; ".join(str(e) for e in result.errors) or f"{articles}: not loaded")
    documents = result.documents.documents
    quotes: dict[str, list[dict]] = defaultdict(list)
    quotes_file = corpus / "quotes.jsonl"
    for label in _read_jsonl(quotes_file) if quotes_file.is_file() else []:
        quotes[str(label["document"])].append(label)
    structure_file = corpus / "structure.jsonl"
    structure = {
        str(s["document"]): s
        for s in (_read_jsonl(structure_file) if structure_file.is_file() else [])
    }
    scores: list[ArticleScore] = []
    for document_id in sorted(set(quotes) | set(structure)):
        document = documents.get(document_id)
        if document is None:
            raise KeyError(f"labelled article not loaded: {document_id}")
        score = ArticleScore(document_id)
        _score_quotes(score, document, quotes.get(document_id, []))
        labels = structure.get(document_id, {})
        _score_headings(score, document, list(labels.get("headings", [])))
        _score_footnotes(score, document, list(labels.get("footnotes", [])))
        scores.append(score)
    total = ArticleScore("all")
    for score in scores:
        total.add(score)
    return StructureReport(scores, total)
