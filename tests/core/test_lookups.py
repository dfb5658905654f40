"""Quotes, speakers, arguments, documents: exact and prefix before fuzzy; autocomplete limits."""

from __future__ import annotations

import random
import string

import pytest

from geobot.documents.model import QuoteKind
from geobot.library import Library, UnknownDocumentError
from geobot.search.fuzzy import EXACT, FUZZY, PREFIX, FuzzyIndex


def test_exact_then_prefix_then_fuzzy() -> None:
    index = FuzzyIndex([("Mike Lee", 1), ("Mike Leeson", 2), ("Mika Lea", 3), ("Elon Musk", 4)])
    tiers = [(m.value, m.tier) for m in index.search("mike lee")]
    assert tiers[0] == (1, EXACT)
    assert tiers[1] == (2, PREFIX)
    assert (3, FUZZY) in tiers
    assert index.search("musk")[0].value == 4  # a word of the name


def test_fuzzy_selection_at_scale_finds_a_typo() -> None:
    rng = random.Random(7)
    names = {
        "".join(rng.choices(string.ascii_lowercase, k=8))
        + " "
        + "".join(rng.choices(string.ascii_lowercase, k=9))
        for _ in range(20_000)
    }
    entries = [(n, i) for i, n in enumerate(sorted(names))]
    entries.append(("Vladimir Putin", -1))
    index = FuzzyIndex(entries)
    assert index.search("vladimr putin", limit=5)[0].value == -1


def test_document_by_fuzzy_title(library: Library) -> None:
    assert library.document("new world ordr").id == "trump-russia-realignment-new-world-order"
    assert library.document("alliance unraveled").id == "trump-putin-alliance-unravels"
    # Sharing only "the" with a title is not a match: the reader gets suggestions instead.
    with pytest.raises(UnknownDocumentError, match="Did you mean"):
        library.document("the poems")
    assert library.document("trump-putin-alliance-unravels").id == "trump-putin-alliance-unravels"


def test_quotes_by_speaker_and_text(library: Library) -> None:
    assert [q.text for q in library.find_quotes(speaker="Unger")] == ["absolutely convinced"]
    raw = library.find_quotes("raw deal")
    assert raw[0].text == "a raw deal for America"
    assert library.find_quotes(speaker="Nobody Atall") == []
    for quote in library.find_quotes(speaker="Applebaum"):
        assert quote.kind is QuoteKind.QUOTE


def test_arguments_by_topic(library: Library) -> None:
    found = library.find_arguments(topic="sanctions")
    assert found
    assert all("sanction" in (a.claim + " ".join(a.topics)).lower() for a in found[:1])
    assert library.find_arguments(document="alliance unraveled")
    assert library.find_arguments(topic="xylophone") == []


def test_autocomplete_respects_discord_limits(library: Library) -> None:
    for current in ["", "a", "tr", "mike", "“radical”", "x" * 300, "NATO"]:
        for complete in (
            library.complete_documents,
            library.complete_speakers,
            library.complete_quotes,
        ):
            choices = complete(current)
            assert len(choices) <= 25
            for choice in choices:
                assert 1 <= len(choice.name) <= 100
                assert 1 <= len(choice.value) <= 100
    assert library.complete_speakers("mi")[0].value == "Mike Lee"


def test_stats_count_the_set_and_cannot_be_changed_through_a_copy(library: Library) -> None:
    docs = list(library.documents)
    stats = library.stats()
    assert stats == {
        "documents": len(docs),
        "curated": sum(d.curated for d in docs),
        "passages": sum(len(d.passages) for d in docs),
        "sections": sum(len(d.sections) for d in docs),
        "quotes": sum(len(d.quotes) for d in docs),
        "arguments": sum(len(d.arguments) for d in docs),
        "sources": sum(len(d.sources) for d in docs),
        "semantic": 1,  # the semantic index is on for the bundled set
    }
    assert stats["documents"] == 2
    assert stats["passages"] > 100
    # Counted once when the library is built; a caller's edit must not reach the others.
    stats["documents"] = 0
    assert library.stats()["documents"] == 2
