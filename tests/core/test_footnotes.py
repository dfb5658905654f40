"""Footnote markers glued to words, quotes and numbers are cut; years and amounts are not."""

from __future__ import annotations

import re
import time

import pytest

from geobot.library import Library
from geobot.text.footnotes import known_notes, note_evidence, read_notes, strip_markers

NOTES = {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("raw", "clean", "note"),
    [
        ("the foreign policy1. Next", "the foreign policy. Next", 1),
        ("a raw deal for America”3. Next", "a raw deal for America”. Next", 3),
        ("Grand Central Station in New York2. Next", "Grand Central Station in New York. Next", 2),
        ("first visit to Moscow in 19872. Next", "first visit to Moscow in 1987. Next", 2),
        ("strategy since 19493. Next", "strategy since 1949. Next", 3),
        (
            "five condominiums in Trump Tower for $6 million2.",
            "five condominiums in Trump Tower for $6 million.",
            2,
        ),
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


# -- every common form, and what confirms it -------------------------------------------------

LISTED = {1, 2, 3, 4, 5, 6, 9, 12, 35}


@pytest.mark.parametrize(
    ("rule", "raw", "clean", "notes"),
    [
        ("after a number's full stop", "rose in 2023.2 China", "rose in 2023. China", [2]),
        ("after an acronym's stop", "of the MPP.35 After that", "of the MPP. After that", [35]),
        ("after a bracket's stop", "India (2015).4 The", "India (2015). The", [4]),
        ("after a quote's stop", 'at home."5 In', 'at home." In', [5]),
        ("after a year's comma", "in August 1943,9 but", "in August 1943, but", [9]),
        ("alone after a sentence", "on December 29, 1938. 6", "on December 29, 1938.", [6]),
        ("bracketed", "as reported [3] in May", "as reported in May", [3]),
        ("bracketed, several", "as reported [3, 4].", "as reported.", [3, 4]),
        ("bracketed, a range", "as reported [2–4].", "as reported.", [2, 3, 4]),
        ("superscript", "the policy¹ of", "the policy of", [1]),
        ("superscript, two digits", "the policy.¹² Next", "the policy. Next", [12]),
        ("superscript after a quote", "“a deal”³ and", "“a deal” and", [3]),
        ("several glued", "the policy1,2. Next", "the policy. Next", [1, 2]),
        ("a glued range", "the policy3–5. Next", "the policy. Next", [3, 4, 5]),
        ("several after a stop", "the policy.1,2 Next", "the policy. Next", [1, 2]),
    ],
)
def test_every_marker_form_is_cut_and_recorded(
    rule: str, raw: str, clean: str, notes: list[int]
) -> None:
    """Rule: footnote markers in every common form (`rule` names it); the note is recorded."""
    text, markers = strip_markers(raw, LISTED | {4, 12})
    assert text == clean, rule
    assert [m.note for m in markers] == notes, rule


@pytest.mark.parametrize(
    "text",
    [
        "some 15001 people",
        "grew by 2.5 percent in 2024.",
        "a deficit of 1.2 billion dollars.",
        "under Section 122 of the act.",
        "paid $6 million.",
        "on March 8, 1938, the envoy left.",
        "Python 3.11 is out.",
        "an area of 40 km² was mined.",
        "as 10² is a hundred.",
        'he said "5 percent" was enough.',
        "COVID-19 spread.",
        "the 2015-2021 mission.",
        "some 12,000 men.",
    ],
)
def test_years_amounts_and_versions_survive_every_form(text: str) -> None:
    """Rule: no year or amount damaged, even where notes 1 to 35 are known."""
    assert strip_markers(text, set(range(1, 36)))[0] == text


def test_an_ambiguous_marker_must_fit_the_order_of_the_notes() -> None:
    """Rule: belief. Where notes are numbered once each in order, "15001." after note 12 is
    a number, not the year 1500 with note 1; "in 19873." between notes 2 and 4 is note 3."""
    body = "It began.1 Then more.2 In 19873. Then war.4 And then.12 It cost 15001. Then.13"
    evidence = note_evidence(body, set(range(1, 14)))
    text, markers = strip_markers(body, evidence, 0)
    assert "In 1987. Then" in text
    assert "cost 15001." in text
    assert [m.note for m in markers] == [1, 2, 3, 4, 12, 13]


def test_a_notes_list_confirms_markers_and_only_its_numbers() -> None:
    """Rule: belief. With a notes list, only its numbers are markers: "the covid19." stays
    when the list has no note 19."""
    body = "It began.1 The covid19. Then more.2"
    text, markers = strip_markers(body, note_evidence(body, {1, 2}), 0)
    assert text == "It began. The covid19. Then more."
    assert [m.note for m in markers] == [1, 2]


def test_without_a_list_ambiguous_forms_need_a_clear_marker() -> None:
    """Rule: belief. With no notes list, "in 2023.2 China" is only note 2 when note 2 also
    stands unambiguously somewhere ("policy2.")."""
    assert strip_markers("rose in 2023.2 China", set())[0] == "rose in 2023.2 China"
    assert known_notes("policy2. rose in 2023.2 China") == {2}


def test_notes_list_entries_in_every_form() -> None:
    """Rule: notes list. "1. text", "2) text", "[3] text" and "⁴ text" are entries; a line
    that is no higher number continues the entry before it."""
    notes, unnumbered = read_notes(
        ["Smith, A Book.", "1. One.", "2) Two.", "[3] Three,", "continued.", "⁴ Four."]
    )
    assert notes == {1: "One.", 2: "Two.", 3: "Three, continued.", 4: "Four."}
    assert unnumbered == ["Smith, A Book."]


def test_marker_work_grows_linearly() -> None:
    """Rule: linear work. Eight times the text takes about eight times as long, not 64."""
    unit = "The policy1. In 19872. A rise in 2023.3 China [4] and¹ more. 15001 2.5 percent. "

    def cost(times: int) -> float:
        text = unit * times
        started = time.perf_counter()
        evidence = note_evidence(text, set(range(1, 10)))
        strip_markers(text, evidence, 0)
        return time.perf_counter() - started

    cost(50)  # warm the regex cache
    small, large = min(cost(500) for _ in range(3)), min(cost(4000) for _ in range(3))
    assert large < small * 24


def test_a_bracket_or_superscript_is_never_left_in_the_text() -> None:
    """Rule: no marker in reader-facing text. A bracketed or superscript number the notes
    list lacks is still a marker: cut, but citing nothing."""
    body = "It began.¹ It went on.¹² And on [7]."
    text, markers = strip_markers(body, note_evidence(body, {1}), 0)
    assert text == "It began. It went on. And on."
    assert [m.note for m in markers] == [1]


def test_three_digit_notes_need_the_notes_list() -> None:
    """Rule: belief. A long report's note 123 is cut where its notes list gives note 123;
    without a list "abc123." stays as written."""
    body = "It began.122 It went on.123 Then more.124"
    text, markers = strip_markers(body, note_evidence(body, {122, 123, 124}), 0)
    assert text == "It began. It went on. Then more."
    assert [m.note for m in markers] == [122, 123, 124]
    assert strip_markers("the user abc123. Next")[0] == "the user abc123. Next"
    assert strip_markers("It went on.123 Then", {123})[0] == "It went on. Then"
