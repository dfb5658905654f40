"""Every bundled data file loads and validates, as Red-DiscordBot tests its trivia lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot.documents.curation import read_curated
from geobot.documents.loader import load_document_set
from geobot.documents.model import QuoteKind
from geobot.library import Library

DATA = Path(__file__).resolve().parents[2] / "data"


def test_the_bundled_set_loads_without_errors_or_warnings() -> None:
    result = load_document_set(DATA)
    assert result.ok, [str(e) for e in result.errors]
    assert [str(w) for w in result.warnings] == []


@pytest.mark.parametrize("path", sorted(DATA.glob("*.toml")), ids=lambda p: p.name)
def test_each_curated_file_is_valid(path: Path) -> None:
    curated, _, issues = read_curated(path, str(path))
    assert issues == []
    assert curated is not None
    assert (path.with_suffix(".txt")).exists()
    assert curated.document.summary, "a curated document has a summary"
    assert curated.arguments, "a curated document has key arguments"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.name)
def test_each_article_is_curated(path: Path) -> None:
    assert path.with_suffix(".toml").exists()


def test_nobody_is_credited_with_titles_terms_or_scare_quotes(library: Library) -> None:
    for quote in library.quotes:
        if quote.kind is not QuoteKind.QUOTE:
            assert quote.speaker is None, quote
        assert quote.curated, f"quote {quote.text!r} is not confirmed by the curated layer"


def test_curated_quotes_of_the_seeds(library: Library) -> None:
    by_text = {q.text: q for q in library.quotes}
    assert by_text["radical"].speaker == "Anne Applebaum"
    assert by_text["a raw deal for America"].speaker == "Mike Lee"
    assert by_text["I agree"].speaker == "Elon Musk"
    assert by_text["absolutely convinced"].speaker == "Craig Unger"
    # A social media post whose author the text does not name is nobody's quote.
    assert by_text["It’s time to leave NATO and the UN"].speaker is None
    assert (
        by_text["Autocracy Inc.: The Dictators Who Want to Rule the World"].kind is QuoteKind.TITLE
    )
    assert by_text["Triad"].kind is QuoteKind.TERM
    assert by_text["alliance"].kind is QuoteKind.SCARE
    assert by_text["good allies"].kind is QuoteKind.SCARE


def test_sources_of_the_seeds(library: Library) -> None:
    doc = library.get("trump-russia-realignment-new-world-order")
    notes = {s.note: s for s in doc.sources if s.note}
    assert set(notes) == {1, 2, 3, 4, 5}
    # The text never says what a note cites: they stay "note N", unnamed.
    assert all(s.label == f"note {n}" and not s.is_named for n, s in notes.items())
    unger = next(s for s in doc.sources if "Unger" in s.label)
    assert unger.kind == "journalist"
    assert any("absolutely convinced" in doc.passage(p).text for p in unger.passage_ids)
    assert any(s.kind == "book" and "Autocracy" in s.label for s in doc.sources)
