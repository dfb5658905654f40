"""Search quality, measured over the eval sets, and the behaviour readers rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.documents.loader import load_document_set
from geobot.library import Library, UnknownDocumentError
from geobot.search.evaluate import (
    EvalReport,
    combined_folder,
    evaluate,
    labelled_documents,
    read_jsonl,
    suite,
)
from geobot.search.query import QueryError
from geobot.text.normalize import fold

EVAL = Path(__file__).resolve().parents[1] / "data"


CORPUS = EVAL / "corpus"
DATA = Path(__file__).resolve().parents[2] / "data"


def _summary(report: EvalReport) -> str:
    # Numbers only: a held-out set's misses are never shown, or they would be tuned on.
    return (
        f"r@1={report.recall_at_1:.3f} r@3={report.recall_at_3:.3f} "
        f"answered={report.answered_share:.3f} flagged={report.offtopic_flagged:.3f}"
    )


# Floors a little under where each set stands with the semantic signal (README, "Quality"),
# so that a regression shows; they replace the first issue's dev bar (recall@1 >= 0.85 on
# 12 questions), retired as too small to measure. "readers" was written blind and then used
# while improving the search; "unseen" to "unseen4" were written the same way and are only
# ever measured.
@pytest.mark.parametrize(
    ("name", "recall_1", "recall_3", "answered", "flagged"),
    [
        ("dev", 0.80, 0.95, 0.90, 0.90),
        ("extra", 0.90, 0.92, 0.90, 0.95),
        ("holdout", 0.85, 0.95, 0.90, 0.95),
        ("readers", 0.74, 0.85, 0.85, 0.95),
        ("unseen", 0.80, 0.90, 0.80, 0.85),
        ("unseen2", 0.70, 0.85, 0.75, 0.80),
        ("unseen3", 0.75, 0.85, 0.70, 0.85),
        ("unseen4", 0.62, 0.78, 0.78, 0.65),
    ],
)
def test_bundled_sets_stay_above_their_floors(
    library: Library, name: str, recall_1: float, recall_3: float, answered: float, flagged: float
) -> None:
    report = evaluate(
        lambda q: library.ask(q, limit=5),
        read_jsonl(EVAL / f"questions-{name}.jsonl"),
        read_jsonl(EVAL / f"offtopic-{name}.jsonl"),
    )
    assert report.recall_at_1 >= recall_1, _summary(report)
    assert report.recall_at_3 >= recall_3, _summary(report)
    assert report.answered_share >= answered, _summary(report)
    assert report.offtopic_flagged >= flagged, _summary(report)


def _labelled(path: Path, *documents: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"q{i}", "question": "?", "expect_any": ["x"]} for i in range(len(documents))]
    for row, document in zip(rows, documents, strict=True):
        if document is not None:
            row["document"] = document
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_the_suite_asks_each_set_on_the_articles_its_labels_name(tmp_path: Path) -> None:
    """Rule: `eval --suite` asks a set on the folder holding the documents its labels name,
    whatever the set is called: the served set, the corpus, or both copied together."""
    served, tests_data = tmp_path / "data", tmp_path / "tests-data"
    corpus = tests_data / "corpus" / "articles"
    for folder, stems in ((served, ("bundled",)), (corpus, ("report-a", "report-b"))):
        folder.mkdir(parents=True)
        for stem in stems:
            (folder / f"{stem}.txt").write_text("Title\n\nA sentence.\n", encoding="utf-8")
    _labelled(tests_data / "questions-plain.jsonl", None, None)  # labels name no document
    _labelled(tests_data / "questions-bundled.jsonl", "bundled", None)
    _labelled(tests_data / "questions-corpus2.jsonl", "bundled")  # named so, about data
    _labelled(tests_data / "questions-mixed.jsonl", "bundled", "report-a")
    for name in ("plain", "bundled", "corpus2", "mixed"):
        _labelled(tests_data / f"offtopic-{name}.jsonl")
    _labelled(tests_data / "corpus" / "questions.jsonl", "report-a", "report-b")
    _labelled(tests_data / "corpus" / "offtopic.jsonl")
    _labelled(tests_data / "corpus-heldout" / "questions-blind.jsonl", "report-b")
    sets = {s.name: s for s in suite(tests_data, served)}
    assert {name: s.articles for name, s in sets.items()} == {
        "bundled": (),
        "corpus2": (),
        "mixed": (served, corpus),
        "plain": (),
        "corpus": (corpus,),
        "corpus-heldout-blind": (corpus,),
    }
    assert sets["corpus-heldout-blind"].offtopic is None
    assert sets["corpus-heldout-blind"].held_out
    _labelled(tests_data / "questions-lost.jsonl", "nowhere")
    _labelled(tests_data / "offtopic-lost.jsonl")
    with pytest.raises(ValueError, match="names documents in neither"):
        suite(tests_data, served)


def test_the_real_suite_asks_every_set_where_its_documents_are() -> None:
    """Rule: every labelled set of tests/data, the held-out corpus set included, is asked
    on folders that hold every document its labels name (numbers only: no question read)."""
    sets = suite(EVAL, DATA)
    assert any(s.questions.parent.name == "corpus-heldout" for s in sets)
    for item in sets:
        folders = item.articles or (DATA,)
        held = {p.stem for folder in folders for p in folder.glob("*.txt")}
        assert labelled_documents(item.questions) <= held, item.name


def test_a_combined_folder_loads_as_one_set_of_real_files(tmp_path: Path) -> None:
    """Rule: the combined folder holds copies (the loader refuses links) of every article
    and curated file of the folders, and loads as one set."""
    folder = combined_folder((DATA, CORPUS / "articles"), tmp_path / "both")
    assert not any(path.is_symlink() for path in folder.iterdir())
    result = load_document_set(folder)
    assert result.documents is not None, [str(e) for e in result.errors]
    expected = {p.stem for f in (DATA, CORPUS / "articles") for p in f.glob("*.txt")}
    assert set(result.documents.documents) == expected
    assert sum(d.curated for d in result.documents.documents.values()) == len(
        list(DATA.glob("*.toml"))
    )


def test_corpus_of_uncurated_articles_stays_above_its_floors(tmp_path: Path) -> None:
    # Eight public-domain articles in other house styles, loaded as plain .txt files.
    corpus = Library.load(CORPUS / "articles", cache_dir=tmp_path)
    report = evaluate(
        lambda q: corpus.ask(q, limit=5),
        read_jsonl(CORPUS / "questions.jsonl"),
        read_jsonl(CORPUS / "offtopic.jsonl"),
    )
    assert report.recall_at_1 >= 0.62, _summary(report)
    assert report.recall_at_3 >= 0.80, _summary(report)
    assert report.answered_share >= 0.78, _summary(report)
    assert report.offtopic_flagged >= 0.65, _summary(report)


@pytest.mark.parametrize("path", sorted(EVAL.glob("questions-*.jsonl")), ids=lambda p: p.stem)
def test_every_expected_answer_is_in_the_documents(library: Library, path: Path) -> None:
    # A label the documents cannot contain would make a question unanswerable by design.
    texts = [fold(p.text) for document in library.documents for p in document.passages]
    ids = set()
    for item in read_jsonl(path):
        assert item["id"] not in ids, f"duplicate id {item['id']}"
        ids.add(item["id"])
        for expected in item["expect_any"]:
            assert any(fold(expected) in t for t in texts), (item["id"], expected)


@pytest.mark.parametrize(
    "question",
    [
        "who won the 2022 world cup",
        "how do I reset my router",
        "lol",
        "what is the capital of France",
    ],
)
def test_off_topic_is_not_answered(library: Library, question: str) -> None:
    assert not library.ask(question).answered


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("when was donald trump born", False),  # every word matches; no date does
        ("how many nuclear warheads does russia have", False),
        ("When did Trump first visit Moscow?", True),
        ("how many sanctions has russia faced", True),
        ("how big has BRICS got", True),  # a size, which the article gives as a number
    ],
)
def test_when_and_how_many_need_a_date_or_a_number(
    library: Library, question: str, answered: bool
) -> None:
    assert library.ask(question).answered is answered


def test_a_name_answers_who_only_beside_the_question_s_words(library: Library) -> None:
    # "Who" asks for a person. Senator Mike Lee is named in a sentence about NATO's cost,
    # beside one that shares only "negotiating" with the question: not an answer to it.
    hits = library.ask("Who negotiated with Russia for the Trump administration?", limit=10).hits
    texts = [hit.text for hit in hits]
    negotiators = next(i for i, t in enumerate(texts) if "Secretary of State Marco" in t)
    lee = next((i for i, t in enumerate(texts) if "Mike Lee" in t), len(texts))
    assert negotiators < lee
    assert negotiators <= 1


def test_typos_are_tolerated(library: Library) -> None:
    answer = library.ask("wat did elon musk say abut the UN")
    assert answer.answered
    assert "Elon Musk" in answer.hits[0].text
    assert answer.corrections.get("abut") == "about"


def test_general_synonyms_find_the_article_s_own_words(library: Library) -> None:
    """thesaurus.txt: "friendship" finds "relationship", the word the article uses."""
    result = library.ask("how did the trump putin friendship change")
    assert result.answered
    assert "relationship" in result.hits[0].text.lower()
    assert result.hits[0].coverage > 0.5  # the thesaurus, not only the embedding, matched


def test_a_failure_is_found_by_meaning(library: Library) -> None:
    # "fail" once needed a thesaurus line to reach "unraveled"; the semantic signal finds
    # "…could not withstand the weight of real-world events" without one.
    result = library.ask("why did the alliance fail")
    assert result.answered
    assert "could not withstand" in result.hits[0].text


def test_results_carry_where_they_come_from(library: Library) -> None:
    answer = library.ask("When did Trump first visit Moscow?")
    hit = answer.hits[0]
    assert "1987" in hit.text
    assert "19872" not in hit.text
    assert hit.document_id == "trump-russia-realignment-new-world-order"
    assert hit.section == "The Kremlin Connection: Examining the Asset Question"
    assert hit.citations == (2,)
    assert all(len(h.text) <= 700 for h in answer.hits)


def test_paging_does_not_repeat_passages(library: Library) -> None:
    first = library.ask("NATO", limit=3)
    second = library.ask("NATO", limit=3, offset=3)
    assert first.total == second.total > 3
    ids = [p.id for h in first.hits + second.hits for p in h.passages]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("bad", ["", "   ", "?!?", "x" * 1001])
def test_bad_questions_get_a_reason(library: Library, bad: str) -> None:
    with pytest.raises(QueryError):
        library.ask(bad)


@pytest.mark.parametrize(
    "odd",
    [
        "@everyone what about NATO",
        "**NATO** `sanctions`",
        "ما هو الناتو؟ NATO",
        "NATO 🇺🇦🇷🇺",
        "<@123> sanctions",
    ],
)
def test_odd_but_valid_questions_are_searched(library: Library, odd: str) -> None:
    answer = library.ask(odd)
    assert answer.hits


def test_restricting_to_a_document(library: Library) -> None:
    answer = library.ask("alliance", document="Why the Trump–Putin")
    assert {h.document_id for h in answer.hits} == {"trump-putin-alliance-unravels"}
    with pytest.raises(UnknownDocumentError):
        library.ask("alliance", document="football almanac")


def test_colloquial_verbs_find_the_article_s_words(library: Library) -> None:
    """A phrasal verb finds the single verb the article uses ("returning from Moscow"),
    and a plural acronym finds its thesaurus synonym ("TVs", "television sets")."""
    answer = library.ask("what did trump do after coming back from moscow")
    assert answer.answered
    assert "upon returning from Moscow" in answer.hits[0].text
    answer = library.ask("who sold Trump the TVs for his hotel")
    assert "Joy Lud Electronics" in answer.hits[0].text


def test_a_curated_name_is_a_name_in_lower_case(library: Library) -> None:
    # One shared name is enough to answer ("What is BRICS…"); typed "brics" it is the same
    # name. A common word in a curated title ("Rule the World") is not made a name.
    assert library.ask("how big has brics gotten").answered
    assert {"bric", "unger"} <= library.search.names
    assert not {"world", "rule"} & library.search.names


def test_chat_contractions_are_stop_words(library: Library) -> None:
    assert [t.term for t in library.ask("whats putins long game").terms] == [
        t.term for t in library.ask("what is putins long game").terms
    ]


def test_a_sentence_comes_with_the_one_that_carries_it_on(library: Library) -> None:
    # "…did not break down due to an isolated incident. It was a political alignment that
    # … was unsustainable": the second sentence is the answer, and leans on the first.
    top = library.ask("why did the relationship between trump and putin break down").hits[0]
    assert len(top.passages) == 2
    assert "did not break down" in top.text
    assert "unsustainable" in top.text
    assert len(top.text) <= 700


def test_the_document_filter_applies_before_the_top_k_cut(library: Library) -> None:
    # The longer article holds most of the question's best passages; cutting to the top
    # candidates first and filtering after left the shorter one a handful (3 of 23).
    short = library.get("trump-putin-alliance-unravels")
    answer = library.ask("What did Trump say about NATO?", limit=25, document=short.id)
    assert {h.document_id for h in answer.hits} == {short.id}
    covered = sum(len(h.passages) for h in answer.hits)
    assert covered >= len(short.passages) // 2


@pytest.mark.parametrize(
    "question",
    [
        "how many american troops are stationed in germany",
        "when did putin and trump first meet in person",
    ],
)
def test_near_misses_are_not_answered_but_still_show_passages(
    library: Library, question: str
) -> None:
    # The articles speak of NATO, Europe, Putin and Trump, never of this: the closest
    # passages are still shown (a reader may find them useful), but nothing claims to
    # answer.
    answer = library.ask(question)
    assert not answer.answered
    assert answer.hits


def test_which_countries_joined_brics_is_a_near_miss(library: Library) -> None:
    """Near-miss verdict (#15): the BRICS passage names only the founding members, which
    the question's own "BRICS" stands for, never who joined; it is shown, not claimed as
    the answer."""
    answer = library.ask("which countries joined brics")
    assert answer.hits
    assert "BRICS" in answer.hits[0].text
    assert not answer.answered
    assert library.ask("how big has brics gotten").answered


def test_paraphrase_with_no_shared_word_finds_its_passage(library: Library) -> None:
    # "bromance … show for their voters" shares no content word with the sentence.
    answer = library.ask("was the bromance mostly a show for their voters", limit=3)
    assert any("domestic political agendas" in h.text for h in answer.hits)


def test_the_library_says_whether_the_semantic_index_is_on(
    library: Library, data_copy: Path
) -> None:
    assert library.semantic
    assert library.stats()["semantic"] == 1
    lexical = Library.load(data_copy, semantic=False)
    assert not lexical.semantic
    assert lexical.stats()["semantic"] == 0
    assert lexical.ask("What did Trump say about NATO?").answered


def test_a_question_about_one_side_ranks_that_side_first(library: Library) -> None:
    """Perspective (#15): "what did Putin want from Trump" asks for Putin's side, so the
    passage told from Putin's side ("For Putin, …") outranks the one told from Trump's
    ("For Trump, …", and the "He saw Putin…" that carries it on); asked the other way
    round, the order turns."""

    def first(question: str, opening: str) -> int:
        hits = library.ask(question, limit=10).hits
        return next((i for i, h in enumerate(hits) if h.text.startswith(opening)), len(hits))

    putin = "what did putin want from trump"
    assert first(putin, "For Putin,") < first(putin, "For Trump,")
    trump = "what did trump want from putin"
    assert first(trump, "For Trump,") == 0
