"""The lexical index kept on disk (geobot.search.index): a start with an unchanged set loads
it, a changed article is re-indexed alone, and a stale or damaged index is rebuilt, never
served. Real article files, real index folders in tmp dirs."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from synthetic_articles import write_articles

from geobot.documents.loader import load_document_set
from geobot.documents.model import DocumentSet
from geobot.search import index as index_module
from geobot.search import passages as passages_module
from geobot.search.index import IndexStore, prune
from geobot.search.passages import PassageSearch
from geobot.search.ranking import RankingConfig
from geobot.text import analysis as analysis_module

QUESTIONS = [
    "What did the ministers say about energy security?",
    "When did the sanctions start?",
    "How many troops were moved to the border?",
    "Why does the alliance worry about the Arctic?",
]


def _load(folder: Path) -> DocumentSet:
    result = load_document_set(folder)
    assert result.ok
    assert result.documents is not None
    return result.documents


def _answers(search: PassageSearch) -> list[tuple[list[str], bool, float]]:
    found = []
    for question in QUESTIONS:
        answer = search.ask(question, limit=10)
        found.append(([h.id for h in answer.hits], answer.answered, answer.coverage))
    return found


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    write_articles(folder, 12)
    return folder


def _damage_tail(path: Path) -> None:
    """Overwrite a stored array's last 8 bytes: its header still reads, its data is wrong."""
    data = bytearray(path.read_bytes())
    data[-8:] = b"\xff" * 8
    path.write_bytes(bytes(data))


def _store(search: PassageSearch) -> IndexStore:
    return search.store


def test_unchanged_set_loads_the_stored_index(articles: Path, tmp_path: Path) -> None:
    """Rule: a start with an unchanged set loads the index instead of rebuilding it, and
    answers exactly as the index built from nothing does."""
    index_dir = tmp_path / "index"
    first = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(first).rebuilt
    again = PassageSearch(_load(articles), index_dir=index_dir)
    assert not _store(again).rebuilt
    assert _store(again).reindexed == 0
    in_memory = PassageSearch(_load(articles))
    assert _answers(again) == _answers(in_memory) == _answers(first)
    assert any(hits for hits, _, _ in _answers(again))


def test_one_changed_article_is_reindexed_alone(articles: Path, tmp_path: Path) -> None:
    """Rule: a reload that changes one article re-indexes that article only; its new
    words are found, its removed words are not, and the result equals a fresh build."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    edited = sorted(articles.glob("*.txt"))[3]
    edited.write_text(
        edited.read_text(encoding="utf-8")
        + "\nThe zeppelin treaty was signed by the quartermasters in 1911.\n",
        encoding="utf-8",
    )
    removed = sorted(articles.glob("*.txt"))[5]
    removed_id = removed.stem
    removed.unlink()
    updated = PassageSearch(_load(articles), index_dir=index_dir)
    assert not _store(updated).rebuilt
    assert _store(updated).reindexed == 1
    answer = updated.ask("Who signed the zeppelin treaty?")
    assert answer.hits
    assert "zeppelin" in answer.hits[0].text
    assert all(
        hit.document_id != removed_id
        for question in QUESTIONS
        for hit in updated.ask(question, limit=25).hits
    )
    assert _answers(updated) == _answers(PassageSearch(_load(articles)))
    assert "zeppelin" in updated.vocabulary


def test_damaged_arrays_are_detected_and_rebuilt(articles: Path, tmp_path: Path) -> None:
    """Rule: a corrupt index is detected (checksums) and rebuilt, never served."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    target = index_dir / "chunks" / "c0" / "tfs.npy"
    _damage_tail(target)
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(reopened).rebuilt
    assert _answers(reopened) == _answers(PassageSearch(_load(articles)))


def test_damaged_engine_segment_is_detected_and_rebuilt(articles: Path, tmp_path: Path) -> None:
    """Rule: bytes damaged inside the engine's postings, where tantivy's own footer check
    does not look, are caught by the stored checksums and the index is rebuilt."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    postings = max((index_dir / "tantivy").glob("*.idx"), key=lambda p: p.stat().st_size)
    data = bytearray(postings.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    postings.write_bytes(bytes(data))
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(reopened).rebuilt
    assert _answers(reopened) == _answers(PassageSearch(_load(articles)))


def test_truncated_manifest_is_rebuilt(articles: Path, tmp_path: Path) -> None:
    """Rule: a half-written manifest (a crash while writing) reads as corrupt, not as an
    empty index."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    manifest = index_dir / (index_dir / "CURRENT").read_text().strip() / "manifest.json"
    manifest.write_text(manifest.read_text()[:100])
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(reopened).rebuilt
    assert _answers(reopened) == _answers(PassageSearch(_load(articles)))


def test_engine_commit_without_its_generation_is_stale(articles: Path, tmp_path: Path) -> None:
    """Rule: a crash after the engine committed but before the arrays were switched leaves
    the two out of step; that is detected and rebuilt."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    meta_path = index_dir / "tantivy" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["opstamp"] += 7
    meta_path.write_text(json.dumps(meta))
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(reopened).rebuilt


def test_unwritable_index_folder_serves_from_memory(articles: Path, tmp_path: Path) -> None:
    """Rule: a state folder that cannot be written costs the persistence, not the search:
    the index is built in memory and answers as usual."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder would go")
    search = PassageSearch(_load(articles), index_dir=blocker / "index")
    assert _store(search).rebuilt
    assert _answers(search) == _answers(PassageSearch(_load(articles)))


def test_other_term_weights_rebuild(articles: Path, tmp_path: Path) -> None:
    """Rule: an index stored under other field weights is stale, since its term
    frequencies were weighted by them."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    reopened = PassageSearch(
        _load(articles), index_dir=index_dir, config=RankingConfig(w_section=0.5)
    )
    assert _store(reopened).rebuilt


def test_stored_arrays_equal_a_fresh_build(articles: Path, tmp_path: Path) -> None:
    """Rule: after an update the per-passage terms the ranking reads are those a build
    from nothing gives, passage by passage."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    edited = sorted(articles.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA closing line.\n", "utf-8")
    sorted(articles.glob("*.txt"))[4].unlink()
    updated = PassageSearch(_load(articles), index_dir=index_dir).index
    fresh = PassageSearch(_load(articles)).index
    names = {i: t for t, i in fresh.vocabulary.items()}
    updated_names = {i: t for t, i in updated.vocabulary.items()}
    assert updated.size == fresh.size
    for passage in range(0, fresh.size, 7):
        assert {names[t]: tf for t, tf in fresh.passage_terms(passage).items()} == {
            updated_names[t]: tf for t, tf in updated.passage_terms(passage).items()
        }
    assert np.allclose(updated.lengths, fresh.lengths)
    # The counts kept up to date article by article are a fresh count's.
    assert updated.vocabulary.keys() == fresh.vocabulary.keys()
    for term, i in fresh.vocabulary.items():
        assert updated.df[updated.vocabulary[term]] == fresh.df[i], term


def _chunk_files(index_dir: Path) -> dict[str, tuple[int, int]]:
    """Every stored chunk file, with its inode and modification time."""
    return {
        str(path.relative_to(index_dir)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in (index_dir / "chunks").glob("*/*.npy")
    }


def test_one_article_update_writes_only_its_chunk(articles: Path, tmp_path: Path) -> None:
    """Rule: a reload that changes one article writes that article's arrays alone (a new
    chunk) and leaves every stored chunk file as it was, and answers as a fresh build."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    before = _chunk_files(index_dir)
    edited = sorted(articles.glob("*.txt"))[6]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA closing line.\n", "utf-8")
    updated = PassageSearch(_load(articles), index_dir=index_dir)
    after = _chunk_files(index_dir)
    assert {name: after[name] for name in before} == before
    new = sorted({Path(name).parent.name for name in after.keys() - before.keys()})
    assert len(new) == 1
    lengths = np.load(index_dir / "chunks" / new[0] / "lengths.npy")
    document = _load(articles).documents[edited.stem]
    assert len(lengths) == len(document.passages)
    assert _answers(updated) == _answers(PassageSearch(_load(articles)))


def test_damaged_word_arrays_are_detected_at_an_update(articles: Path, tmp_path: Path) -> None:
    """Rule: a chunk's word counts, read only when one of its articles changes, are checked
    then; damaged, the index is rebuilt rather than updated from them."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    target = index_dir / "chunks" / "c0" / "word_counts.npy"
    _damage_tail(target)
    edited = sorted(articles.glob("*.txt"))[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA closing line.\n", "utf-8")
    updated = PassageSearch(_load(articles), index_dir=index_dir)
    assert _store(updated).rebuilt
    assert _answers(updated) == _answers(PassageSearch(_load(articles)))
    assert updated.vocabulary.counts == PassageSearch(_load(articles)).vocabulary.counts


def test_chunks_mostly_of_removed_articles_are_compacted(articles: Path, tmp_path: Path) -> None:
    """Rule: the stored arrays do not grow without bound with removed articles: once the
    chunks hold more than twice the live passages, they are merged into one."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    for path in sorted(articles.glob("*.txt"))[:8]:
        path.unlink()
    updated = PassageSearch(_load(articles), index_dir=index_dir)
    chunks = list((index_dir / "chunks").iterdir())
    assert len(chunks) == 1
    assert len(np.load(chunks[0] / "lengths.npy")) == updated.index.size
    assert _answers(updated) == _answers(PassageSearch(_load(articles)))
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert not _store(reopened).rebuilt
    assert _answers(reopened) == _answers(updated)


def test_parallel_analysis_equals_one_process(
    articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule: a set large enough to be analysed by worker processes gets the index one
    process builds: the same terms, frequencies and counts, passage by passage."""
    single = PassageSearch(_load(articles)).index
    monkeypatch.setattr(index_module, "PARALLEL_MIN_PASSAGES", 0)
    monkeypatch.setattr(index_module, "BATCH_PASSAGES", 10)
    parallel = PassageSearch(_load(articles)).index
    assert parallel.size == single.size
    for passage in range(single.size):
        assert {single.terms_list[t]: tf for t, tf in single.passage_terms(passage).items()} == {
            parallel.terms_list[t]: tf for t, tf in parallel.passage_terms(passage).items()
        }
    assert np.array_equal(parallel.lengths, single.lengths)
    assert parallel.word_counts() == single.word_counts()
    for term, i in single.vocabulary.items():
        assert parallel.df[parallel.vocabulary[term]] == single.df[i], term


CHILD = """
import sys
from pathlib import Path
from geobot.documents.loader import load_document_set
from geobot.search.passages import PassageSearch
PassageSearch(load_document_set(Path(sys.argv[1])).documents, index_dir=Path(sys.argv[2]))
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9, 1.2])
def test_kill_mid_write_never_serves_a_wrong_index(
    articles: Path, tmp_path: Path, delay: float
) -> None:
    """Rule: writes are atomic: a process killed (SIGKILL) while it updates the index
    leaves the old index usable or one detected as damaged; whatever opens next answers
    exactly as a fresh build of the current files."""
    index_dir = tmp_path / "index"
    PassageSearch(_load(articles), index_dir=index_dir)
    edited = sorted(articles.glob("*.txt"))[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA late line.\n", "utf-8")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(articles), str(index_dir)], stdout=subprocess.PIPE
    )
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    reopened = PassageSearch(_load(articles), index_dir=index_dir)
    assert _answers(reopened) == _answers(PassageSearch(_load(articles)))


def test_only_the_most_recently_opened_indexes_are_kept(articles: Path, tmp_path: Path) -> None:
    """Rule: the state folder does not grow with every set location ever opened: the
    least recently opened indexes go, the one in use stays."""
    root = tmp_path / "search-index"
    for n in range(4):
        PassageSearch(_load(articles), index_dir=root / f"set-{n}")
        os.utime(root / f"set-{n}" / ".lock", (1_000_000 + n, 1_000_000 + n))
    prune(root, keep=2)
    assert sorted(f.name for f in root.iterdir()) == ["set-2", "set-3"]


def test_shipped_index_outlives_a_later_build_of_its_folder(articles: Path, tmp_path: Path) -> None:
    """Rule: an index sent to another process (pickled) answers from the commit it was
    built on, even when the folder has changed since."""
    index_dir = tmp_path / "index"
    built = PassageSearch(_load(articles), index_dir=index_dir).index
    shipped = pickle.dumps(built)
    edited = sorted(articles.glob("*.txt"))[1]
    edited.write_text("A New Title\n\nThe zeppelin treaty was signed in 1911.\n", "utf-8")
    PassageSearch(_load(articles), index_dir=index_dir)
    back = pickle.loads(shipped)
    for passage in (0, 5, 11):
        query = dict.fromkeys(list(built.passage_terms(passage))[:4], 1.0)
        ids, scores = back.top(query, 10)
        expected_ids, expected_scores = built.top(query, 10)
        assert ids.tolist() == expected_ids.tolist()
        assert np.allclose(scores, expected_scores)
    assert back.top(dict.fromkeys(built.passage_terms(20), 1.0), 5)[0].size


def _article(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(f"{name.title()}\n\n{text}\n", encoding="utf-8")


def test_names_are_known_from_the_stored_counts(tmp_path: Path) -> None:
    """Rule: the words a set writes capitalised inside a sentence and never in lower case
    (names, whatever case a reader types them in) come from the counts the index keeps:
    the same from a build, a warm start and an update, and changed by the article that
    changes them. A word that opens a sentence is not a name for its capital."""
    data, index_dir = tmp_path / "data", tmp_path / "index"
    _article(data, "alpha", "The envoy met Kessler in Vienna. Talks went on for a week.")
    _article(data, "beta", "Observers said the talks were a kessler of a mess. Vienna hosted.")
    built = PassageSearch(_load(data), index_dir=index_dir)
    # Kessler is also written in lower case; Talks only opens a sentence.
    assert "vienna" in built._capitalised_terms
    assert not {"kessler", "talk"} & built._capitalised_terms
    warm = PassageSearch(_load(data), index_dir=index_dir)
    assert not _store(warm).rebuilt
    assert warm._capitalised_terms == built._capitalised_terms
    (data / "beta.txt").unlink()
    updated = PassageSearch(_load(data), index_dir=index_dir)
    assert _store(updated).reindexed == 0
    assert "kessler" in updated._capitalised_terms
    assert updated._capitalised_terms == PassageSearch(_load(data))._capitalised_terms


def test_the_first_question_reads_no_passage_text(
    articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule: what the ranking knows of the whole set is ready when the search is built:
    the first question analyses its own words, not every passage of the set (at a
    million passages that was a stall of half a minute)."""
    search = PassageSearch(_load(articles), index_dir=tmp_path / "index")
    passages_module._field_terms.cache_clear()  # what an earlier test may have analysed
    passages_module._ordered_terms.cache_clear()
    analysed: list[list[str]] = []
    original = analysis_module.terms_of_words

    def counting(folded: list[str]) -> list[str]:
        analysed.append(folded)
        return original(folded)

    monkeypatch.setattr(analysis_module, "terms_of_words", counting)
    # Words no one passage holds together, typed in lower case: the verdict asks whether
    # what the best passage misses is a name.
    questions = [
        *QUESTIONS,
        "did the ministers discuss arctic border sanctions and energy in turkey",
    ]
    for question in questions:
        assert search.ask(question).hits
    assert len(analysed) < 10 * len(questions) < search.index.size
