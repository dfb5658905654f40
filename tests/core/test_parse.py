"""From raw web text to sections, paragraphs, sentences and quotes."""

from __future__ import annotations

from geobot.documents.model import QuoteKind
from geobot.documents.parse import is_boilerplate, is_heading, parse_article
from geobot.library import Library


def test_boilerplate_is_dropped(library: Library) -> None:
    doc = library.get("trump-putin-alliance-unravels")
    assert all("No products in the cart" not in p.text for p in doc.passages)
    assert doc.passages[0].text.startswith("From the outset of Donald Trump’s presidency")
    assert is_boilerplate("No products in the cart.")
    assert is_boilerplate("Share this:")
    assert not is_boilerplate("No products were sold to Russia.")


def test_headings_are_lines_without_final_punctuation(library: Library) -> None:
    doc = library.get("trump-putin-alliance-unravels")
    assert [s.heading for s in doc.sections] == [
        None,
        "The Foundation of the “Alliance”: A Confluence of Interests, Not a Strategic Pact",
        "The Inevitable Strain: Conflicting National Interests",
        "The Fading of an Alliance",
    ]
    other = library.get("trump-russia-realignment-new-world-order")
    headings = [s.heading for s in other.sections if s.heading]
    assert headings[0] == "Trump’s Russian Realignment: A Historic Foreign Policy Shift"
    assert headings[-1] == "Conclusion"
    assert "The New World Order: Projecting Global Power in 2045" in headings
    assert len(headings) == 7


def test_heading_rules() -> None:
    assert is_heading("Conclusion")
    assert is_heading("The “Alliance”")
    assert not is_heading("This is a sentence.")
    assert not is_heading("- A bullet without a stop")
    assert not is_heading("He said “no.”")
    assert not is_heading("The list follows:")


def test_sentences_respect_abbreviations(library: Library) -> None:
    texts = [p.text for d in library.documents for p in d.passages]
    assert (
        "The implications of this realignment are generating significant concern among "
        "traditional U.S. allies and partners." in texts
    )
    assert any(
        t.startswith(
            "Anne Applebaum, who authored the Pulitzer Prize-winning book "
            "“Autocracy Inc.: The Dictators"
        )
        for t in texts
    )
    # "World War II." ends a sentence; the next one starts on its own.
    assert any(t.endswith("established after World War II.") for t in texts)
    assert all(len(t) <= 700 for t in texts)


def test_bullets_lose_their_dash(library: Library) -> None:
    doc = library.get("trump-putin-alliance-unravels")
    texts = [p.text for p in doc.passages]
    assert any(t.startswith("For Trump, the relationship with Putin") for t in texts)
    assert not any(t.startswith("- ") for t in texts)


def test_quote_guessing_without_curation() -> None:
    """Kinds by cue: a speech verb makes words said, "call it" names a term, a determiner-less
    verb form is scare-quoted, "the book" a title, "concept" after the marks a term."""
    raw = (
        "Heading Here\n"
        "The senator, Jane Doe, said “we will never leave” on Monday.\n"
        "Critics call it an “alliance” of convenience.\n"
        "The regime “reformed” its courts.\n"
        "She wrote the book “A Long Title of a Book” last year.\n"
        "The “Triad” concept is old.\n"
    )
    parsed = parse_article("x", raw)
    kinds = {q.text: (q.kind, q.speaker) for q in parsed.quotes}
    assert kinds["we will never leave"] == (QuoteKind.QUOTE, "Jane Doe")
    assert kinds["alliance"][0] is QuoteKind.TERM
    assert kinds["reformed"][0] is QuoteKind.SCARE
    assert kinds["A Long Title of a Book"][0] is QuoteKind.TITLE
    assert kinds["Triad"][0] is QuoteKind.TERM
    assert parsed.title_guess == "Heading Here"


def test_unicode_and_crlf_survive() -> None:
    parsed = parse_article("x", "Première phrase à Kyiv.\r\nSecond line — with dash.\r\n")
    assert [p.text for p in parsed.passages] == [
        "Première phrase à Kyiv.",
        "Second line — with dash.",
    ]
