"""The structure of an article in any house style: one test per rule, each naming its rule.

The articles here are written for the test, in the shapes reports, essays and news copy
take; none is one of the corpus's or the bundled set's.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from geobot.documents.parse import ParsedArticle, parse_article
from geobot.documents.structure import is_boilerplate, is_date_line, is_question_heading

DATA = Path(__file__).resolve().parents[2] / "data"
PARAGRAPH = (
    "The agreement was signed after two years of talks between the delegations, and both "
    "governments presented it to their parliaments within a month of the ceremony."
)
OTHER = (
    "Critics in both capitals argued that the text left the hardest questions to a later "
    "round, and the opposition promised to revisit it after the next elections."
)


def parse(*blocks: str) -> ParsedArticle:
    return parse_article("doc", "\n\n".join(blocks) + "\n")


def texts(parsed: ParsedArticle) -> str:
    return "\n".join(p.text for p in parsed.passages)


def test_first_line_is_the_title() -> None:
    """Rule: title. The first line, shaped like a heading, is the article's title, not a
    section and not text."""
    parsed = parse("A Treaty Nobody Wanted", PARAGRAPH)
    assert parsed.title_guess == "A Treaty Nobody Wanted"
    assert parsed.headings == []
    assert "A Treaty Nobody Wanted" not in texts(parsed)


def test_a_title_may_end_in_a_question_mark() -> None:
    """Rule: title. A title may ask a question; it is still the title."""
    parsed = parse("Is This the End of the Treaty?", PARAGRAPH, OTHER)
    assert parsed.title_guess == "Is This the End of the Treaty?"
    assert texts(parsed).startswith("The agreement was signed")


def test_an_article_that_opens_with_its_text_has_no_title_guess() -> None:
    """Rule: title. The bundled set's convention: the file starts with the first paragraph
    (after web boilerplate), so there is no title line to take."""
    parsed = parse_article("doc", f"No products in the cart.\n{PARAGRAPH}\nA Heading\n{OTHER}\n")
    assert parsed.title_guess is None
    assert parsed.headings == ["A Heading"]
    assert parsed.passages[0].text.startswith("The agreement")


def test_byline_is_metadata_not_a_heading() -> None:
    """Rule: byline. "By Jane Doe" and the affiliation in its block name the author; they are
    neither a section heading nor searchable text."""
    parsed = parse("A Treaty Nobody Wanted", "By Jane Doe\nCenter for Treaty Studies", PARAGRAPH)
    assert parsed.author == "Jane Doe"
    assert parsed.headings == []
    assert all(p.section is None for p in parsed.passages)
    assert "Jane Doe" not in texts(parsed)
    assert "Center for" not in texts(parsed)


def test_author_line_with_a_role_is_a_byline() -> None:
    """Rule: byline. "Jane Doe, Senior Fellow" under the title is an author line."""
    parsed = parse("A Treaty Nobody Wanted", "Jane Doe, Senior Fellow", PARAGRAPH)
    assert parsed.author == "Jane Doe"
    assert parsed.headings == []


def test_byline_with_a_date_after_a_bar() -> None:
    """Rule: byline. A byline often carries the date after a separator: the name alone is
    the author."""
    parsed = parse("A Treaty Nobody Wanted", "By Jane Doe and John Roe | March 3, 2025", PARAGRAPH)
    assert parsed.author == "Jane Doe and John Roe"


def test_by_at_the_start_of_a_sentence_is_no_byline() -> None:
    """Rule: byline. "By 2030 ..." and "By The Numbers" are text and a heading, not bylines."""
    parsed = parse("A Treaty", "By 2030 the treaty will have expired.", "By The Numbers", OTHER)
    assert parsed.author is None
    assert parsed.headings == ["By The Numbers"]


def test_date_lines_are_metadata() -> None:
    """Rule: date line. "Updated April 16, 2026 (IF11783)" under the title is the date, not a
    section heading; a dated line inside the text is metadata too."""
    parsed = parse(
        "A Treaty Nobody Wanted",
        "Updated April 16, 2026 (IF11783)",
        PARAGRAPH,
        "Published on March 3, 2025",
        OTHER,
    )
    assert parsed.date == "April 16, 2026"
    assert parsed.headings == []
    assert "2026" not in texts(parsed)
    assert "Published" not in texts(parsed)


def test_date_line_shapes() -> None:
    """Rule: date line. Only a date and the words that introduce it; a title holding a date
    is not a date line."""
    assert is_date_line("September 16, 2026 (R49352)")
    assert is_date_line("Released October 20, 2011")
    assert is_date_line("Last updated: 3 March 2025, 14:05 GMT")
    assert is_date_line("2025-03-03")
    assert not is_date_line("The Cuban Missile Crisis, October 1962")
    assert not is_date_line("The War of 1812")


def test_dateline_line_and_lead_dateline_are_metadata() -> None:
    """Rule: dateline. A wire dateline, on its own line or opening the first paragraph,
    is where the story was filed from, not text."""
    parsed = parse("A Treaty", "WASHINGTON, D.C. —", PARAGRAPH)
    assert parsed.dateline == "WASHINGTON, D.C."
    assert parsed.passages[0].text.startswith("The agreement")
    lead = parse("A Treaty", "KYIV, Ukraine (Reuters) — " + PARAGRAPH)
    assert lead.dateline == "KYIV, Ukraine (Reuters)"
    assert lead.passages[0].text.startswith("The agreement")


def test_a_heading_may_end_in_a_question_mark() -> None:
    """Rule: headings with a final "?". A short question standing alone between paragraphs
    heads the paragraphs under it."""
    parsed = parse("A Treaty", PARAGRAPH, "What Has Changed?", OTHER)
    assert parsed.headings == ["What Has Changed?"]
    assert parsed.passages[-1].section == "What Has Changed?"
    assert is_question_heading("How could biometric technologies fail?")
    assert not is_question_heading("Why? Nobody knows.")


def test_a_run_of_questions_is_a_list_not_headings() -> None:
    """Rule: headings with a final "?". Questions one after another (a list of questions
    for readers or lawmakers) are text, not headings."""
    parsed = parse(
        "A Treaty",
        "Questions for Parliament",
        "Was the treaty tested in court?",
        "Should the parliament ratify it?",
        "Who pays for it?",
    )
    assert parsed.headings == ["Questions for Parliament"]
    assert len(parsed.passages) == 3


def test_a_title_case_label_with_a_colon_is_a_heading() -> None:
    """Rule: headings with a final ":". "Key Findings:" heads what follows; a sentence that
    introduces a list ("The list follows:") does not."""
    parsed = parse(
        "A Treaty", PARAGRAPH, "Key Findings:", OTHER, "The list follows:", "- One item."
    )
    assert parsed.headings == ["Key Findings"]
    assert "The list follows:" in texts(parsed)


def test_a_line_introducing_bullets_is_no_heading() -> None:
    """Rule: bullet lists. A line ending on "include" (its colon lost) introduces the list
    under it: it is text, and the list stays in the section above."""
    parsed = parse(
        "A Treaty",
        "Assessment",
        PARAGRAPH,
        "Issues of potential disagreement include",
        "• Sanctions. Who lifts them first.",
        "• Inspections. How often they happen.",
    )
    assert parsed.headings == ["Assessment"]
    assert all(p.section == "Assessment" for p in parsed.passages)


def test_bullets_of_every_kind_lose_their_marker() -> None:
    """Rule: bullet lists. "- ", "* ", "• ", "▪ " and "1. " items are passages of their own,
    without the marker."""
    parsed = parse(
        "A Treaty",
        PARAGRAPH,
        "- First item.\n* Second item.\n• Third item.\n▪ Fourth item.\n1. Fifth item.",
    )
    items = [p.text for p in parsed.passages[-5:]]
    assert items == ["First item.", "Second item.", "Third item.", "Fourth item.", "Fifth item."]


def test_notes_list_under_a_heading_is_read_and_not_searched() -> None:
    """Rule: notes list. Numbered lines after a "Notes", "Footnotes", "Endnotes" or
    "References" heading are the article's notes: read by number, removed from the text."""
    for heading in ("Notes", "Footnotes", "Endnotes", "References"):
        parsed = parse(
            "A Treaty",
            "The talks began in Vienna.1 They ended in Geneva.2",
            heading,
            "1. Jane Doe, Treaty Talks (Oxford, 2020), p. 4.",
            "2. Ministry of Foreign Affairs, press release, May 3, 2021.",
        )
        assert parsed.note_texts == {
            1: "Jane Doe, Treaty Talks (Oxford, 2020), p. 4.",
            2: "Ministry of Foreign Affairs, press release, May 3, 2021.",
        }
        assert parsed.headings == [heading]
        assert "Oxford" not in texts(parsed)
        assert [p.citations for p in parsed.passages] == [(1,), (2,)]


def test_a_note_running_over_several_lines_is_one_note() -> None:
    """Rule: notes list. A line that does not start the next number continues the note."""
    parsed = parse(
        "A Treaty",
        "The talks began in Vienna.1 They ended in Geneva.2",
        "Notes",
        "1. Jane Doe, Treaty Talks\n(Oxford, 2020).\n2. Ibid.",
    )
    assert parsed.note_texts == {1: "Jane Doe, Treaty Talks (Oxford, 2020).", 2: "Ibid."}


def test_notes_list_without_a_heading_is_read_when_the_markers_confirm_it() -> None:
    """Rule: notes list. Numbered lines 1, 2, 3 closing the article, whose numbers the
    text's markers use, are its notes even with no heading."""
    parsed = parse(
        "A Treaty",
        "The talks began in Vienna.1 They ended in Geneva.2",
        OTHER,
        "1. Jane Doe, Treaty Talks.",
        "2. John Roe, The Geneva Round.",
    )
    assert parsed.note_texts == {1: "Jane Doe, Treaty Talks.", 2: "John Roe, The Geneva Round."}
    assert "Jane Doe" not in texts(parsed)


def test_a_numbered_list_ending_an_article_stays_text() -> None:
    """Rule: notes list. A numbered list of recommendations at the end, with no markers in
    the text that use its numbers, is part of the article."""
    parsed = parse("A Treaty", PARAGRAPH, "1. Ratify the treaty.", "2. Fund the inspectors.")
    assert parsed.note_texts == {}
    assert "Ratify the treaty." in texts(parsed)


def test_author_information_and_disclaimer_are_back_matter() -> None:
    """Rule: back matter. "Author Information" names the authors; a "Disclaimer" is
    boilerplate. Their headings are listed; their lines are neither sections nor text."""
    parsed = parse(
        "A Treaty",
        "Assessment",
        PARAGRAPH,
        "Author Information",
        "Jane Doe, Coordinator\nSpecialist in Treaty Affairs",
        "John Roe\nAnalyst in Trade",
        "Disclaimer",
        "This document was prepared for members of the committee and should not "
        "be relied upon for purposes other than public understanding of the topic it covers.",
    )
    assert parsed.headings == ["Assessment", "Author Information", "Disclaimer"]
    assert [s.heading for s in parsed.sections] == ["Assessment"]
    assert parsed.author == "Jane Doe, John Roe"
    assert "prepared for members" not in texts(parsed)
    assert "Specialist" not in texts(parsed)


def test_a_sources_section_in_the_middle_stays_text() -> None:
    """Rule: back matter. A back-matter name heading a section that more body sections
    follow is an ordinary section ("Sources" of tension, say)."""
    parsed = parse("A Treaty", PARAGRAPH, "Sources", OTHER, "Outlook", PARAGRAPH)
    assert parsed.headings == ["Sources", "Outlook"]
    assert [p.section for p in parsed.passages] == [None, "Sources", "Outlook"]


def test_markers_never_reach_headings_or_titles() -> None:
    """Rule: footnote markers. A marker glued to a heading or the title is cut there too."""
    parsed = parse("A Treaty¹", PARAGRAPH + "2", "Background3", OTHER + "4")
    assert parsed.title_guess == "A Treaty"
    assert parsed.headings == ["Background"]


def test_markdown_headings_and_bold_lines_are_headings() -> None:
    """Rule: headings. Articles pasted as Markdown mark their title and headings with "#"
    or a line all in bold, whatever their punctuation."""
    parsed = parse(
        "# A Treaty", PARAGRAPH, "## What changed in 2024?", OTHER, "**The Outlook.**", PARAGRAPH
    )
    assert parsed.title_guess == "A Treaty"
    assert parsed.headings == ["What changed in 2024?", "The Outlook."]


def test_numbered_section_headings() -> None:
    """Rule: headings. "2. Background" standing alone between paragraphs is a numbered
    section heading; items of a numbered list are not."""
    parsed = parse(
        "A Treaty",
        "1. Introduction",
        PARAGRAPH,
        "2. Background",
        OTHER,
        "1. Ratify it.\n2. Fund it.",
    )
    assert parsed.headings == ["1. Introduction", "2. Background"]
    assert [p.text for p in parsed.passages[-2:]] == ["Ratify it.", "Fund it."]


def test_standfirst_and_a_name_over_the_date_are_front_matter() -> None:
    """Rules: title, byline, date line. A standfirst between the title and the byline is
    front matter; a name alone over the date line is the byline."""
    parsed = parse(
        "A Treaty Nobody Wanted",
        "Why the talks failed, and what comes next",
        "Jane Doe\nMarch 3, 2025",
        PARAGRAPH,
    )
    assert parsed.title_guess == "A Treaty Nobody Wanted"
    assert parsed.author == "Jane Doe"
    assert parsed.date == "March 3, 2025"
    assert parsed.headings == []
    assert texts(parsed) == PARAGRAPH


def test_picture_credits_are_boilerplate() -> None:
    """Rule: boilerplate. A picture's credit line is not text of the article."""
    parsed = parse("A Treaty", "Photo: Jane Doe/Agency", PARAGRAPH, "Image by John Roe", OTHER)
    assert "Agency" not in texts(parsed)
    assert "John Roe" not in texts(parsed)


def test_notes_in_pdf_and_web_forms() -> None:
    """Rule: notes list. Under a notes heading, "1 text" (PDF copies), "^ text" (Wikipedia)
    and "text ↩" (web back-links) are read as the notes they are."""
    parsed = parse(
        "A Treaty",
        "The talks began in Vienna.1 They ended in Geneva.2 Then Rome.3",
        "Notes",
        "1 Jane Doe, Treaty Talks.\n2. ^ John Roe, Geneva.\n3. Ministry release. ↩",
    )
    assert parsed.note_texts == {
        1: "Jane Doe, Treaty Talks.",
        2: "John Roe, Geneva.",
        3: "Ministry release.",
    }


def test_an_unnumbered_reference_list_is_read_as_references() -> None:
    """Rule: notes list. A bibliography under "References" is read entry by entry."""
    parsed = parse(
        "A Treaty",
        PARAGRAPH,
        "References",
        "Doe, J. (2020). Treaty Talks. Oxford.\nRoe, J. (2021). Geneva. Penguin.",
    )
    assert parsed.references == [
        "Doe, J. (2020). Treaty Talks. Oxford.",
        "Roe, J. (2021). Geneva. Penguin.",
    ]
    assert "Oxford" not in texts(parsed)


def test_wire_story_front_and_back() -> None:
    """Rules: title, standfirst, byline, date line, dateline, boilerplate. A wire story's
    date line with a relative time, its lead dateline and its closing credits are not text."""
    parsed = parse(
        "Ministers Delay the Vote",
        "Officials signal no deal before the summer",
        "By Jane Doe, Reuters",
        "March 3, 2025 10:15 AM GMT Updated 2 hours ago",
        "BRUSSELS, March 3 (Reuters) - " + PARAGRAPH,
        "What happens next?",
        OTHER,
        "Reporting by Jane Doe; Editing by John Roe",
    )
    assert parsed.date == "March 3, 2025"
    assert parsed.dateline == "BRUSSELS, March 3 (Reuters)"
    assert parsed.headings == ["What happens next?"]
    assert texts(parsed) == f"{PARAGRAPH}\n{OTHER}"


def test_see_also_and_further_reading_are_back_matter() -> None:
    """Rule: back matter. "See also" lists and "Further reading" close an article; they are
    not its text."""
    parsed = parse(
        "A Treaty",
        PARAGRAPH,
        "See also",
        "Congress of Vienna",
        "Further reading",
        "Doe, J. Treaty Talks. Oxford, 2020.",
    )
    assert parsed.headings == ["See also", "Further reading"]
    assert texts(parsed) == PARAGRAPH
    assert parsed.references == ["Doe, J. Treaty Talks. Oxford, 2020."]


def test_a_long_title_with_its_subtitle_is_still_the_title() -> None:
    """Rule: title. A title with a subtitle may be longer than any heading; with no final
    stop it is still the title. A lower-case "by" line is still a byline."""
    title = (
        "The Long Road From Vienna to Geneva: Treaty Talks, Their Failures, and What "
        "Parliaments Could Still Do About Them in the Years Ahead"
    )
    parsed = parse(title, "by Jane Doe", PARAGRAPH)
    assert parsed.title_guess == title
    assert parsed.author == "Jane Doe"


def test_rhetorical_and_interview_questions_are_text() -> None:
    """Rule: headings with a final "?". A question opening with a conjunction carries the
    argument on, and "Q:" is an interviewer's question: both are text."""
    parsed = parse(
        "A Treaty",
        PARAGRAPH,
        "But is that really true?",
        OTHER,
        "Q: What happens next?",
        "A: Nobody knows yet.",
    )
    assert parsed.headings == []
    assert "But is that really true?" in texts(parsed)
    assert "Q: What happens next?" in texts(parsed)


def test_hard_wrapped_paragraphs_are_joined() -> None:
    """Rule: paragraphs. Text copied from a PDF or an e-mail breaks each paragraph into
    lines of about the same width; they are one paragraph again, while a heading and a
    bullet on their own lines stay apart."""
    wrapped = (
        "The agreement was signed after two years of talks between the\n"
        "delegations, and both governments presented it to their parliaments\n"
        "within a month of the ceremony in Vienna."
    )
    parsed = parse(
        "A Treaty",
        "The Road to Vienna",
        wrapped,
        "- A bullet that wraps onto\n  a second line.\n- Another bullet.",
    )
    assert parsed.headings == ["The Road to Vienna"]
    assert [p.text for p in parsed.passages] == [
        "The agreement was signed after two years of talks between the delegations, and both "
        "governments presented it to their parliaments within a month of the ceremony in Vienna.",
        "A bullet that wraps onto a second line.",
        "Another bullet.",
    ]


@pytest.mark.parametrize("width", [60, 72, 100])
def test_the_bundled_articles_hard_wrapped_read_the_same(width: int) -> None:
    """Rule: paragraphs. The bundled articles, whose headings share a block with their
    text, hard-wrapped keep their headings and passages: a heading is not run into the
    paragraph under it."""
    for path in sorted(DATA.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        wrapped = "\n".join(
            textwrap.fill(line, width, break_on_hyphens=False) if line else ""
            for line in raw.split("\n")
        )
        original, rewrapped = parse_article("doc", raw), parse_article("doc", wrapped)
        assert rewrapped.headings == original.headings
        assert [p.text for p in rewrapped.passages] == [p.text for p in original.passages]


def test_a_header_block_of_short_lines_is_not_one_wrapped_paragraph() -> None:
    """Rules: title, standfirst, byline, date line. Title, standfirst, byline and date on
    consecutive lines (no blank lines) stay apart: short lines together are no page."""
    header = "\n".join(
        [
            "Ministers Delay the Vote",
            "Officials signal no deal before the summer",
            "By Jane Doe and John Roe, Reuters",
            "March 3, 2025 10:15 AM GMT",
        ]
    )
    parsed = parse(header, PARAGRAPH, OTHER)
    assert parsed.title_guess == "Ministers Delay the Vote"
    assert parsed.author == "Jane Doe and John Roe, Reuters"
    assert parsed.date == "March 3, 2025"
    assert texts(parsed) == f"{PARAGRAPH}\n{OTHER}"


def test_an_essay_with_superscript_endnotes_and_an_author_note() -> None:
    """Rules: superscript markers, notes list in superscript form, back matter. An essay's
    superscript notes resolve; its closing author note is not text."""
    parsed = parse(
        "Is the Order Finished?",
        "Jane Doe, Senior Fellow",
        "Introduction",
        "For three decades the order seemed unassailable.¹ That confidence has faded.²",
        "Endnotes",
        '¹ John Roe, Leviathan (Princeton, 2011).\n² Jane Doe, "The Fade," 2022.',
        "About the Author",
        "Jane Doe is a senior fellow at the Center for Strategy.",
    )
    assert parsed.headings == ["Introduction", "Endnotes", "About the Author"]
    assert parsed.note_texts == {
        1: "John Roe, Leviathan (Princeton, 2011).",
        2: 'Jane Doe, "The Fade," 2022.',
    }
    assert [p.citations for p in parsed.passages] == [(1,), (2,)]
    assert "senior fellow" not in texts(parsed)


def test_credit_lines_are_boilerplate_but_sentences_about_them_are_not() -> None:
    """Rule: boilerplate. A wire story's credits and a picture credit are dropped; a
    sentence that opens the same way is text."""
    assert is_boilerplate("Reporting by Jane Doe in Berlin; Editing by John Roe.")
    assert is_boilerplate("Photo: Jane Doe/Agency")
    assert not is_boilerplate("Reporting by the BBC suggested that troops had left.")
    assert not is_boilerplate("Reporting by Reuters suggested that troops had left.")
    assert not is_boilerplate("Photos by the agency show that troops left the city.")
