"""Large sets build in a builder process and come back as a stream of small pickles.

What comes back must be the library the thread would have built: the same objects, shared
where they were shared, and the same answers; a bad set is refused with every error in
place; a builder that fails leaves the reload to the thread.
"""

from __future__ import annotations

import io
import weakref
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from synthetic_articles import write_articles

from geobot import reload as reload_module
from geobot.library import Library
from geobot.reload import Builder, LibraryHolder, receive, ship

ALLIANCE = "trump-putin-alliance-unravels"
QUESTIONS = [
    "What did Mike Lee say about NATO?",
    "Why is the alliance between Trump and Putin unravelling?",
    "What is the new world order?",
    "Who won the football world cup?",
    "What did NATO decide about defense spending in Poland?",
]


def round_trip(obj: object) -> object:
    buffer = io.BytesIO()
    ship(obj, buffer)
    buffer.seek(0)
    return receive(buffer)


def answers(library: Library, question: str) -> list[tuple[str, float]]:
    answer = library.ask(question, limit=10)
    return [(hit.id, round(float(hit.score), 4)) for hit in answer.hits]


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of a few elements and bytes, so that small sets take every path."""
    monkeypatch.setattr(reload_module, "SHIP_CHUNK", 7)
    monkeypatch.setattr(reload_module, "SHIP_ARRAY_BYTES", 64)


def test_containers_come_back_whole_and_shared(small_steps: None) -> None:
    shared = ("shared", 1)
    inner = list(range(50))
    defaults: defaultdict[str, list[int]] = defaultdict(list, {f"k{i}": [i] for i in range(20)})
    original = {
        "list": [shared, *range(30), shared],
        "tuple": tuple(range(40)),
        "set": set(range(25)),
        "frozenset": frozenset(range(25)),
        "counter": Counter({f"w{i}": i + 1 for i in range(30)}),
        "defaults": defaults,
        "nested": [inner, inner, [inner]],
        "shared": shared,
        "array": np.arange(1000, dtype=np.float32).reshape(10, 100),
        "small": np.arange(3, dtype=np.int64),
        "empty": [],
    }
    back = round_trip(original)
    assert isinstance(back, dict)
    assert back.keys() == original.keys()
    for key in ("list", "tuple", "set", "frozenset", "counter", "nested", "shared", "empty"):
        assert back[key] == original[key]
        assert type(back[key]) is type(original[key])
    assert type(back["defaults"]) is defaultdict
    assert back["defaults"] == defaults
    assert back["defaults"]["new"] == []  # the default factory came along
    assert back["array"].dtype == np.float32
    assert back["array"].shape == (10, 100)
    assert np.array_equal(back["array"], original["array"])
    assert np.array_equal(back["small"], original["small"])
    # Shared stays shared, across parts and records.
    assert back["list"][0] is back["list"][-1] is back["shared"]
    assert back["nested"][0] is back["nested"][1] is back["nested"][2][0]


def test_shipped_library_answers_as_the_built_one(library: Library, small_steps: None) -> None:
    back = round_trip(library)
    assert isinstance(back, Library)
    assert back.documents.digest == library.documents.digest
    assert back.stats() == library.stats()
    for question in QUESTIONS:
        assert answers(back, question) == answers(library, question), question
    assert [q.id for q in back.find_quotes("NATO")] == [q.id for q in library.find_quotes("NATO")]
    assert back.document("alliance unraveled").id == ALLIANCE
    # Passages are the documents' own, not copies.
    document = back.get(ALLIANCE)
    first = back.search.passages[back.search._offsets[ALLIANCE]]
    assert first is document.passages[0]


def test_synthetic_set_through_a_builder_matches_the_thread(tmp_path: Path) -> None:
    folder = tmp_path / "synthetic"
    write_articles(folder, 40, paragraphs=(2, 3))
    in_thread = Library.load(folder)
    builder = Builder(parse_workers=0)
    try:
        result, built = builder.build(folder)
    finally:
        builder.close()
    assert result.ok
    assert built is not None
    assert built.documents.digest == in_thread.documents.digest
    assert built.stats() == in_thread.stats()
    # Term ids follow string hashing, which differs between processes: compare by term.
    a, b = built.search.index, in_thread.search.index
    assert a.vocabulary.keys() == b.vocabulary.keys()
    assert np.array_equal(a.lengths, b.lengths)
    for term, i in a.vocabulary.items():
        assert a.df[i] == b.df[b.vocabulary[term]]
    names_a = {i: t for t, i in a.vocabulary.items()}
    names_b = {i: t for t, i in b.vocabulary.items()}
    for passage in range(a.size):
        assert {names_a[t]: tf for t, tf in a.passage_terms(passage).items()} == {
            names_b[t]: tf for t, tf in b.passage_terms(passage).items()
        }
    for question in [
        *QUESTIONS,
        "What did Anne Keller say about sanctions?",
        "grain exports through the Black Sea region",
    ]:
        assert answers(built, question) == answers(in_thread, question), question


@pytest.fixture
def builder_holder(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> LibraryHolder:
    monkeypatch.setattr(reload_module, "PROCESS_MIN_ARTICLES", 1)  # the bundled set, too
    holder = LibraryHolder(
        Library.load(data_copy), data_copy, parse_workers=0, build_in_process=True
    )
    yield holder
    holder.close()


async def test_reload_through_the_builder(
    builder_holder: LibraryHolder, data_copy: Path, library: Library
) -> None:
    before = builder_holder.library
    report = await builder_holder.reload("cli")
    assert report.ok, report.lines()
    assert report.unchanged
    assert builder_holder._builder is not None  # it did run, and lives on for the next one
    assert builder_holder.library is not before
    for question in QUESTIONS:
        assert answers(builder_holder.library, question) == answers(library, question)
    (data_copy / "new-one.txt").write_text("A New One\nNATO met in Brussels.\n", "utf-8")
    report = await builder_holder.reload("cli")
    assert report.ok
    assert report.added == ("new-one",)
    assert builder_holder.library.get("new-one").title == "A New One"


async def test_bad_set_through_the_builder_keeps_the_old_one(
    builder_holder: LibraryHolder, data_copy: Path
) -> None:
    before = builder_holder.library
    (data_copy / f"{ALLIANCE}.toml").write_text("[document]\ntitle = 'x'\n[[quotes]\n", "utf-8")
    report = await builder_holder.reload("discord")
    assert not report.ok
    assert builder_holder.library is before
    assert report.digest == before.documents.digest
    assert any(ALLIANCE in str(e) and e.line == 3 for e in report.errors), report.lines()
    assert before.ask(QUESTIONS[0]).answered


async def test_a_failing_builder_leaves_the_build_to_the_thread(
    builder_holder: LibraryHolder, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Builder, folder: Path) -> None:
        raise RuntimeError("the builder died")

    monkeypatch.setattr(Builder, "build", broken)
    (data_copy / "new-one.txt").write_text("A New One\nNATO met in Brussels.\n", "utf-8")
    report = await builder_holder.reload("cli")
    assert report.ok, report.lines()
    assert report.added == ("new-one",)
    assert builder_holder._builder is None  # closed; the next large reload starts afresh


def test_any_parse_process_means_a_builder_process(data_copy: Path) -> None:
    # With even one parse worker the set is built out of the bot's process: built in the
    # thread, a 10,000-document set held the GIL against the loop for up to 218 ms.
    library = Library.load(data_copy)
    assert LibraryHolder(library, data_copy, parse_workers=1).build_in_process
    assert not LibraryHolder(library, data_copy, parse_workers=0).build_in_process


async def test_small_sets_stay_in_the_thread(data_copy: Path) -> None:
    holder = LibraryHolder(Library.load(data_copy), data_copy, parse_workers=2)
    assert holder.build_in_process
    report = await holder.reload("cli")
    assert report.ok
    assert holder._builder is None  # two articles: no process is worth starting


def test_release_frees_a_library_in_steps(tmp_path: Path) -> None:
    folder = tmp_path / "synthetic"
    write_articles(folder, 20, paragraphs=(2, 3))
    library = Library.load(folder)
    gone = weakref.ref(library)
    box = [library]
    del library
    reload_module._release(box)
    assert gone() is None


def test_release_leaves_a_library_still_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reload_module, "RELEASE_WAIT_S", 0.1)
    folder = tmp_path / "synthetic"
    write_articles(folder, 20, paragraphs=(2, 3))
    library = Library.load(folder)
    expected = answers(library, QUESTIONS[-1])
    reload_module._release([library])  # a command still holds it: it waits, then lets go
    assert answers(library, QUESTIONS[-1]) == expected
    assert len(library.search.passages) == library.stats()["passages"]


async def test_a_replaced_large_set_is_released(
    builder_holder: LibraryHolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reload_module, "RELEASE_WAIT_S", 5.0)
    gone = weakref.ref(builder_holder.library)
    report = await builder_holder.reload("cli")
    assert report.ok
    await builder_holder.settled()
    assert gone() is None


def test_background_workers_run_at_the_lowest_priority() -> None:
    """Parse workers and the builder give way to the bot's threads on a busy machine."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from geobot.documents.loader import background_priority

    with ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=background_priority
    ) as pool:
        worker_nice = pool.submit(os.nice, 0).result(timeout=60)
    assert worker_nice == 19
    assert os.nice(0) < 19  # this process is left alone
