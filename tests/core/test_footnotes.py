"""Footnote markers glued to words, quotes and numbers are cut; years and amounts are not."""

from __future__ import annotations

import re

import pytest

from geobot.library import Library
from geobot.text.footnotes import known_notes, strip_markers

NOTES = {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("raw", "clean", "note"),
    [
        ("the foreign policy1. Next", "the foreign policy. Next", 1),
        ("a raw deal for America”3. Next", "a raw deal for America”. Next", 3),
        ("Grand Central Station in New York2. Next", "Grand Central Station in New York. Next", 2),
        ("first visit to Moscow in 19872. Next", "first visit to Moscow in 1987. Next", 2),
        ("strategy since 19493. Next", "strategy since 1949. Next", 3),
        ("five condominiums in Trump Tower for $6 million2.", "five condominiums in Trump Tower "
         "for $6 million.", 2),
        ("the UN3. Next", "the UN. Next", 3),
        ("end of a clause4, and more", "end of a clause, and more", 4),
        ("after the stop.1 Next", "after the stop. Next", 1),
    ],
)
def test_every_glued_form_is_cut_and_recorded(raw: str, clean: str, note: int) -> None:
    text, markers = strip_markers(raw, NOTES)
    assert text == clean
    assert [m.note for m in markers] == [note]


@pytest.mark.parametrize(
    "text",
    [
        "In 1984, a man bought five condominiums.",
        "Despite facing some 24,000 individual sanctions.",
        "the post-1945 international order.",
        "Projecting Global Power in 2045",
        "A total of 13 individuals.",
        "CO2 emissions rose.",
        "the G20.",
        "COVID19.",
        "in the 1980s.",
    ],
)
def test_numbers_and_names_are_not_damaged(text: str) -> None:
    assert strip_markers(text, NOTES)[0] == text


def test_years_are_split_only_for_notes_the_document_uses() -> None:
    # 15001 could be a year plus note 1, but not in a document whose notes are unknown.
    assert strip_markers("some 15001.", set())[0] == "some 15001."
    assert known_notes("policy1. America”3. in 19872.") == {1, 3}


def test_no_text_shown_to_readers_keeps_a_marker(library: Library) -> None:
    glued = re.compile(r"[a-z]{2}[1-9]\b|[”’][1-9]\b|\b(1[89]|20)\d\d[1-9]\b")
    for document in library.documents:
        for passage in document.passages:
            assert not glued.search(passage.text), passage.text
        for quote in document.quotes:
            assert not glued.search(quote.context)


def test_citations_land_on_their_sentences(library: Library) -> None:
    doc = library.get("trump-russia-realignment-new-world-order")
    moscow = next(p for p in doc.passages if "first visit to Moscow in 1987" in p.text)
    assert moscow.citations == (2,)
    assert "19872" not in moscow.text
    bogatin = next(p for p in doc.passages if "David Bogatin" in p.text)
    assert bogatin.text.endswith("for $6 million.")
    assert bogatin.citations == (2,)
    cited = sum(1 for p in doc.passages if p.citations)
    assert cited == 40  # every marker of the article, one per sentence
    assert {n for p in doc.passages for n in p.citations} == {1, 2, 3, 4, 5}
