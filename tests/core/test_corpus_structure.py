"""The structure of the development corpus's articles, against its hand labels.

Eight public-domain articles in other house styles (tests/data/corpus), loaded as an admin
would drop them in, uncurated. The labels give each article's title, headings (those of the
back matter included) and footnotes with their reference text.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from geobot.documents.loader import load_document_set
from geobot.documents.model import Document, DocumentSet

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
LABELS = [json.loads(line) for line in (CORPUS / "structure.jsonl").open(encoding="utf-8")]
# Digits where a footnote marker would stand: glued to a word, after a clause's stop,
# alone after a sentence, bracketed or superscript.
MARKER_LEFT = re.compile(
    r"[a-z]{2}[1-9]\d?[.,;:]?(?:\s|$)|[a-z.,;:”\"’)][1-9]\d?(?:\s+[A-Z]|$)|[.!?] [1-9]\d?$|"
    r"\[\d+\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]"
)


def folded(text: str) -> str:
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split()).casefold()


@pytest.fixture(scope="module")
def corpus() -> DocumentSet:
    result = load_document_set(CORPUS / "articles")
    assert result.documents is not None, result.errors
    return result.documents


def document(corpus: DocumentSet, label: dict) -> Document:
    return corpus.documents[label["document"]]


@pytest.mark.parametrize("label", LABELS, ids=[label["document"] for label in LABELS])
def test_title_is_exact(corpus: DocumentSet, label: dict) -> None:
    """Rule: title. The first line is the title, exactly, for every corpus article."""
    assert document(corpus, label).title == label["title"]


def test_headings_match_the_labels(corpus: DocumentSet) -> None:
    """Rules: headings (with or without "?"), date and byline lines not headings, back
    matter headings listed. At least 95% of the corpus's articles have exactly the
    labelled headings."""
    exact = [document(corpus, label).headings == tuple(label["headings"]) for label in LABELS]
    wrong = [label["document"] for label, ok in zip(LABELS, exact, strict=True) if not ok]
    assert sum(exact) / len(exact) >= 0.95, wrong


def test_footnotes_resolve_to_their_references(corpus: DocumentSet) -> None:
    """Rules: footnote markers and notes list. At least 95% of the labelled footnotes land
    on a passage and are shown to readers with the article's own reference text."""
    resolved = total = 0
    for label in LABELS:
        doc = document(corpus, label)
        cited = {n for p in doc.passages for n in p.citations}
        for note in label["footnotes"]:
            number = int(note["marker"])
            shown = doc.citation_labels((number,))[0]
            total += 1
            resolved += number in cited and folded(note["reference"]) in folded(shown)
    assert resolved / total >= 0.95


@pytest.mark.parametrize("label", LABELS, ids=[label["document"] for label in LABELS])
def test_no_marker_or_note_is_left_in_the_text(corpus: DocumentSet, label: dict) -> None:
    """Rules: footnote markers, notes list. No passage keeps a marker, and no note's text is
    searchable as body text."""
    doc = document(corpus, label)
    for passage in doc.passages:
        assert not MARKER_LEFT.search(passage.text), passage.text
    body = folded(" ".join(p.text for p in doc.passages))
    for note in label["footnotes"]:
        assert folded(note["reference"]) not in body


def test_uncurated_sources_come_from_the_notes_list(corpus: DocumentSet) -> None:
    """Rule: sources of uncurated documents. Each note of the list is a source, marked as
    the article's own, with its text and the sentences that cite it."""
    label = next(label for label in LABELS if label["footnotes"])
    doc = document(corpus, label)
    by_note = {s.note: s for s in doc.sources}
    for note in label["footnotes"]:
        source = by_note[int(note["marker"])]
        assert source.origin == "notes"
        assert folded(source.description or "") == folded(note["reference"])
        assert source.passage_ids


def test_back_matter_gives_metadata_not_text(corpus: DocumentSet) -> None:
    """Rules: byline, date line, back matter. Front and back matter become the document's
    author and date, and none of it is a passage."""
    for label in LABELS:
        doc = document(corpus, label)
        texts = " ".join(p.text for p in doc.passages)
        if doc.date:
            assert doc.date not in texts
        if doc.author:
            assert f"By {doc.author}" not in texts
            assert not any(p.text.startswith(doc.author.split(",")[0]) for p in doc.passages)
    assert sum(1 for d in corpus if d.author) >= 2
    assert sum(1 for d in corpus if d.date) >= 5


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def marker_variant(raw: str, footnotes: list[dict], form: str) -> str:
    """The article with each labelled marker rewritten in another house style: bracketed
    ("exports.[1] For") or superscript ("exports.¹ For"), its notes list to match."""
    cut = max(raw.rfind("\n1. "), 0)
    body, notes = raw[:cut], raw[cut:]
    pieces, position = [], 0
    for note in footnotes:
        after = r"(?:(?<=[^\d\s$(])|(?<=[.!?] ))"  # after a word or a stop, as printed
        pattern = re.compile(after + re.escape(note["marker"]) + r"(?=[\s.,;:]|$)")
        found = pattern.search(body, position)
        assert found is not None, note["marker"]
        new = f"[{note['marker']}]" if form == "bracket" else note["marker"].translate(SUPERSCRIPT)
        pieces += [body[position : found.start()], new]
        position = found.end()
    pieces.append(body[position:])
    if form == "bracket":
        notes = re.sub(r"(?m)^(\d+)\. ", r"[\1] ", notes)
    else:
        notes = re.sub(r"(?m)^(\d+)\. ", lambda m: m.group(1).translate(SUPERSCRIPT) + " ", notes)
    return "".join(pieces) + notes


@pytest.mark.parametrize("form", ["bracket", "superscript"])
def test_footnotes_resolve_in_other_marker_styles(tmp_path: Path, form: str) -> None:
    """Rules: bracketed and superscript markers, notes list entries in those forms. The
    corpus's footnoted articles, rewritten in that style, resolve as well as the originals
    and keep no marker in their text."""
    noted = [label for label in LABELS if label["footnotes"]]
    for label in noted:
        raw = (CORPUS / "articles" / f"{label['document']}.txt").read_text(encoding="utf-8")
        (tmp_path / f"{label['document']}.txt").write_text(
            marker_variant(raw, label["footnotes"], form), encoding="utf-8"
        )
    result = load_document_set(tmp_path)
    assert result.documents is not None, result.errors
    resolved = total = 0
    for label in noted:
        doc = result.documents.documents[label["document"]]
        assert doc.title == label["title"]
        assert doc.headings == tuple(label["headings"])
        for passage in doc.passages:
            assert not MARKER_LEFT.search(passage.text), passage.text
        cited = {n for p in doc.passages for n in p.citations}
        for note in label["footnotes"]:
            number = int(note["marker"])
            total += 1
            resolved += number in cited and folded(note["reference"]) in folded(
                doc.citation_labels((number,))[0]
            )
    assert resolved / total >= 0.95


@pytest.mark.parametrize("heading", ["Notes", "Endnotes", "References"])
def test_titles_asking_and_notes_under_other_headings(tmp_path: Path, heading: str) -> None:
    """Rules: title ending in "?", notes list under each usual heading. Every corpus article
    with its title turned into a question, and its notes list under another heading (or
    given one where it had none), keeps its title, headings and resolved notes."""
    for label in LABELS:
        raw = (CORPUS / "articles" / f"{label['document']}.txt").read_text(encoding="utf-8")
        title, rest = raw.split("\n", 1)
        rest = rest.replace("\nFootnotes\n", f"\n{heading}\n")
        if label["footnotes"] and f"\n{heading}\n" not in rest:
            cut = rest.rfind("\n1. ")
            rest = rest[:cut] + f"\n{heading}\n" + rest[cut:]
        (tmp_path / f"{label['document']}.txt").write_text(f"{title}?\n{rest}", encoding="utf-8")
    result = load_document_set(tmp_path)
    assert result.documents is not None, result.errors
    for label in LABELS:
        doc = result.documents.documents[label["document"]]
        assert doc.title == label["title"] + "?"
        wanted = [h if h != "Footnotes" else heading for h in label["headings"]]
        if label["footnotes"] and heading not in wanted:
            wanted.append(heading)
        assert list(doc.headings) == wanted
        assert set(doc.footnotes) == {int(n["marker"]) for n in label["footnotes"]}


@pytest.mark.parametrize("width", [60, 72, 100])
def test_hard_wrapped_corpus_articles_keep_their_structure(tmp_path: Path, width: int) -> None:
    """Rules: paragraphs, headings, notes list. Every corpus article hard-wrapped, as a PDF
    or e-mail copy would be, keeps its title, headings, notes and passages."""
    for label in LABELS:
        raw = (CORPUS / "articles" / f"{label['document']}.txt").read_text(encoding="utf-8")
        wrapped = "\n".join(
            textwrap.fill(line, width, break_on_hyphens=False) if line else ""
            for line in raw.split("\n")
        )
        (tmp_path / f"{label['document']}.txt").write_text(wrapped, encoding="utf-8")
    result = load_document_set(tmp_path)
    assert result.documents is not None, result.errors
    original = load_document_set(CORPUS / "articles").documents
    assert original is not None
    for label in LABELS:
        doc = result.documents.documents[label["document"]]
        assert doc.title == label["title"]
        assert list(doc.headings) == label["headings"]
        assert set(doc.footnotes) == {int(n["marker"]) for n in label["footnotes"]}
        before = original.documents[label["document"]]
        assert [p.text for p in doc.passages] == [p.text for p in before.passages]
