"""Citations as readers see them: the note's own text where the article gives it.

Rule exercised throughout: notes resolved. An uncurated article's notes list gives each
citation its text, in the CLI's answers and JSON, in /sources, and in the bot's embeds;
a curated source's name still wins where the curated layer gives one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.bot.render import FIELD_VALUE_LIMIT, hit_field, source_field
from geobot.library import Library

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "articles"
NOTED = "crs-mongolia-in-brief-2026"  # the corpus article with a "Footnotes" list
NOTE_2 = "Bolor Lkhaajav"  # the start of its note 2, as the article prints it


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("uncurated")
    shutil.copy(CORPUS / f"{NOTED}.txt", target)
    return target


def geobot(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "geobot", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return run


def test_ask_json_citations_carry_the_note_text(folder: Path) -> None:
    """Rule: notes resolved (JSON `citations` of an answer)."""
    data = json.loads(
        geobot("ask", "third neighbor policy relationships", "--json", data=folder).stdout
    )
    citations = [c for hit in data["results"] for c in hit["citations"]]
    assert any(c.startswith("note 2: " + NOTE_2) for c in citations), citations
    assert not any(c == "note 2" for c in citations)


def test_sources_of_an_uncurated_article_come_from_its_notes(folder: Path) -> None:
    """Rule: sources of uncurated documents, marked as the article's own notes."""
    data = json.loads(geobot("sources", "--json", data=folder).stdout)
    by_note = {s["note"]: s for s in data["results"]}
    assert len(by_note) == 71
    assert by_note[2]["origin"] == "notes"
    assert by_note[2]["description"].startswith(NOTE_2)
    assert by_note[2]["claims"]
    text = geobot("sources", data=folder).stdout
    assert "note 2 (footnote, from the article's notes)" in text
    assert "cite no sources" not in text


def test_bot_embeds_show_the_note_text_within_discord_limits(folder: Path) -> None:
    """Rule: notes resolved (the bot's answers and /sources), a long note shortened so the
    passage keeps its room."""
    library = Library.load(folder)
    answer = library.ask("third neighbor policy relationships", limit=5)
    fields = [hit_field(library, hit, n) for n, hit in enumerate(answer.hits, 1)]
    assert any(f"note 2: {NOTE_2}" in value for _, value in fields)
    assert all(len(value) <= FIELD_VALUE_LIMIT for _, value in fields)
    source = next(s for s in library.find_sources() if s.note == 70)  # a long note
    name, value = source_field(library, source)
    assert "from the article's notes" in name
    assert value.startswith("*See, for example")


def test_curated_names_still_win(library: Library) -> None:
    """Rule: notes resolved only where the curated layer names no source; the bundled set's
    curated labels are unchanged."""
    for document in library.documents:
        assert document.footnotes == {}
        for source in document.sources:
            if source.note is not None:
                assert document.citation_labels((source.note,)) == [source.label]


def test_a_sentence_citing_many_long_notes_still_fits(tmp_path: Path) -> None:
    """Rule: notes resolved, within Discord's field limit however many notes a sentence
    cites."""
    notes = "\n".join(
        f"{n}. {'A very long reference to an archive file, ' * 12}p. {n}." for n in range(1, 7)
    )
    (tmp_path / "many.txt").write_text(
        "Many Notes\n\nThe envoy left Vienna in haste.1\n\n"
        "The talks resumed in the spring of the next year with new envoys.[1][2][3][4][5][6]"
        f"\n\nNotes\n\n{notes}\n",
        encoding="utf-8",
    )
    library = Library.load(tmp_path)
    answer = library.ask("when did the talks resume", limit=2)
    for number, hit in enumerate(answer.hits, 1):
        _, value = hit_field(library, hit, number)
        assert len(value) <= FIELD_VALUE_LIMIT
        assert "talks resumed" in value or "envoy" in value


def test_a_curated_article_with_a_notes_list_keeps_every_note(tmp_path: Path) -> None:
    """Rule: notes resolved for curated articles too. The curated source keeps its name;
    a note the curated layer leaves out is listed from the article's notes, and an unnamed
    curated note shows the article's text."""
    (tmp_path / "talks.txt").write_text(
        "Treaty Talks\n\nThe envoy left Vienna in haste.1 The talks resumed in spring.2 "
        "They ended in June.3\n\nNotes\n\n1. Jane Doe, Treaty Talks.\n2. John Roe, Spring.\n"
        "3. Ministry press release.\n",
        encoding="utf-8",
    )
    (tmp_path / "talks.toml").write_text(
        '[document]\ntitle = "Treaty Talks"\n\n'
        '[[sources]]\nid = "doe"\nnote = 1\nlabel = "Jane Doe, Treaty Talks"\nkind = "book"\n\n'
        '[[sources]]\nid = "note-2"\nnote = 2\nlabel = "note 2"\nkind = "footnote"\n',
        encoding="utf-8",
    )
    document = Library.load(tmp_path).get("talks")
    assert document.citation_labels((1, 2, 3)) == [
        "Jane Doe, Treaty Talks",
        "note 2: John Roe, Spring.",
        "note 3: Ministry press release.",
    ]
    by_note = {s.note: s for s in document.sources}
    assert by_note[1].origin == "curated"
    assert by_note[3].origin == "notes"
    assert by_note[3].description == "Ministry press release."


def test_an_uncurated_reference_list_gives_its_sources(tmp_path: Path) -> None:
    """Rule: sources of uncurated documents, from an unnumbered reference list too."""
    (tmp_path / "refs.txt").write_text(
        "Treaty Talks\n\nThe envoy left Vienna in haste. The talks resumed in spring.\n\n"
        "References\n\nDoe, J. (2020). Treaty Talks. Oxford.\nRoe, J. (2021). Geneva.\n",
        encoding="utf-8",
    )
    sources = Library.load(tmp_path).find_sources("refs")
    assert [(s.label, s.kind, s.origin, s.description) for s in sources] == [
        ("reference 1", "reference", "notes", "Doe, J. (2020). Treaty Talks. Oxford."),
        ("reference 2", "reference", "notes", "Roe, J. (2021). Geneva."),
    ]
