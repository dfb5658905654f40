"""The lexical index: tantivy finds the candidates, numpy arrays re-rank them; both kept on
disk in the state folder, so that a start with an unchanged set loads them and a reload
re-indexes only the articles that changed.

Why tantivy for the candidate stage: it keeps postings in on-disk segments that take one
article's deletion and re-addition without touching the rest, and answers a weighted OR of
a question's terms from a million passages in a few milliseconds (bench/bench_search.py
measures it beside bm25s). What it does not give is what the ranking reads per candidate
(geobot.search.bm25): each passage's field-weighted terms, for span scores and coverage.
Those live here as flat arrays, one slice per document, saved beside the tantivy index.

Passages are indexed with geobot's own analysis (geobot.text.analysis: folding, stop words,
stemming), joined by spaces and split by tantivy's whitespace tokenizer, so that the engine
and the re-ranking agree on every term.

On disk, under one folder per document set location:
    tantivy/          the engine's segments; each commit is atomic (its meta.json)
    chunks/cN/        the arrays of the documents analysed together, written once
    gen-N/            manifest.json (which chunk holds each document) and the term counts
    CURRENT           the name of the generation in use, replaced atomically
A reload that changes one article writes one small chunk and a generation, not every
array. Chunks are memory-mapped: a warm start reads no array into memory, and one chunk
holding the whole set in order is served as it lies. A generation records the tantivy
commit it belongs to and a checksum of every array; any mismatch (a crash between the
two, a damaged file, another format) means a full rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import tantivy

from geobot.documents.model import Document, DocumentSet
from geobot.search.bm25 import BM25Index, term_counts

log = logging.getLogger(__name__)

# Bump when the stored layout or the analysis behind the terms changes: an index of another
# format is rebuilt, never read.
FORMAT = 4
# Context fields (heading, title, claims, speakers, sources) count for less than a passage's
# own words; the engine only needs roughly the same order, the exact weights re-rank.
WEAK_BOOST = 0.3
# How many engine hits are re-scored exactly for each candidate the ranking asks for: the
# engine's field scoring is close to, not the same as, the weighted BM25 the ranking uses.
OVERFETCH = 4
MIN_FETCH = 100
WRITER_HEAP = 128_000_000
PRUNE_MIN_PASSAGES = 50_000  # below this every question term goes to the engine
PRUNE_SHARE = 10
# Past this many passages to analyse, worker processes analyse them in batches: below it,
# starting the workers costs more than it saves.
PARALLEL_MIN_PASSAGES = 100_000
BATCH_PASSAGES = 25_000
MAX_WORKERS = 4

Rows = list[tuple[dict[str, float], float]]


@dataclass(slots=True)
class Analysis:
    """One document's analysis: per passage its weighted term frequencies and length; and
    how often it writes each folded word (the typo corrector's vocabulary, phrases made
    one word), and how often each word is written in lower case and how often with a
    capital inside a sentence (what tells a name from a word, whatever case a reader
    types it in)."""

    rows: Rows
    words: Counter[str]
    lower: Counter[str]
    named: Counter[str]

    def word_rows(self) -> Iterator[tuple[str, int, int, int]]:
        """(word, count, lower, named), in order of first use; a word written only inside
        phrases has no count of its own."""
        for word in dict.fromkeys(chain(self.words, self.lower, self.named)):
            yield word, self.words[word], self.lower[word], self.named[word]


Analyse = Callable[[Document], Analysis]


class IndexCorruptError(RuntimeError):
    """A stored index that cannot be trusted; it is rebuilt."""


def document_key(document: Document) -> str:
    """What identifies a document's indexed content: its files' digests, or, for a set
    built in memory without files, a digest of what is indexed."""
    sha, curated = document.fingerprint
    if sha:
        return f"{sha}:{curated or ''}"
    digest = hashlib.sha256(document.title.encode())
    for passage in document.passages:
        digest.update(b"\0" + (passage.section or "").encode() + b"\1" + passage.text.encode())
    return "content:" + digest.hexdigest()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("weak", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("doc", tokenizer_name="raw")
    builder.add_unsigned_field("slot", fast=True)
    builder.add_unsigned_field("pos", fast=True)
    return builder.build()


SCHEMA = _schema()


@dataclass(slots=True)
class _Entry:
    """One document's place in its chunk, in the set's order and in the engine."""

    id: str
    key: str
    slot: int  # the engine's number for it; a changed document gets a new one
    chunk: str  # the chunk holding its arrays
    first: int  # its first passage in the chunk
    count: int  # passages
    term_first: int  # its first (passage, term) entry in the chunk
    term_count: int
    word_first: int  # its first folded word in the chunk's word arrays
    word_count: int
    start: int = 0  # its first passage in the set's order

    def row(self) -> list[str | int]:
        return [
            self.id,
            self.key,
            self.slot,
            self.chunk,
            self.first,
            self.count,
            self.term_first,
            self.term_count,
            self.word_first,
            self.word_count,
        ]


# A chunk holds the arrays of the documents analysed together (a build, or one reload's
# changed articles), each array per passage or per (passage, term) in document order:
#   indptr (int64, from 0), terms (int32 ids), tfs (float32 weighted frequencies),
#   lengths (float32), and per folded word of each document (int32) word_ids, word_counts,
#   word_lower and word_named (see Analysis).
# Chunks are written once and never changed: an update writes a new one for what it
# analysed, and the manifest says which chunk holds each document.
WORD_NAMES = ("word_ids", "word_counts", "word_lower", "word_named")
CHUNK_NAMES = ("indptr", "terms", "tfs", "lengths", *WORD_NAMES)
# What every load checks; the word arrays are checked when an update reads them.
QUERY_NAMES = CHUNK_NAMES[:4]
# Stored once per generation, one value per term or per word.
# The word totals follow WORD_NAMES[1:], in order.
WORD_TOTALS = ("word_totals", "lower_totals", "named_totals")
STAT_NAMES = ("df", "held", *WORD_TOTALS)
# Chunks are merged into one when they hold more than this many passages per live one:
# replaced documents stay in their chunk until then.
COMPACT_RATIO = 2


class _Chunk:
    """One chunk's arrays, memory-mapped when read from disk."""

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        checksums: dict[str, int],
        verified: Iterable[str] = CHUNK_NAMES,
    ) -> None:
        self.arrays = arrays
        self.checksums = checksums
        self.verified = set(verified)  # those made or written here need no check

    @classmethod
    def read(cls, folder: Path, checksums: dict[str, int]) -> _Chunk:
        chunk = cls(_map(folder), checksums, QUERY_NAMES)
        for name in QUERY_NAMES:
            chunk._verify(name)
        return chunk

    def _verify(self, name: str) -> None:
        if zlib.crc32(self.arrays[name].data) != self.checksums[name]:
            raise IndexCorruptError(f"{name} does not match its checksum")

    def check_words(self) -> None:
        for name in WORD_NAMES:
            if name not in self.verified:
                self._verify(name)
                self.verified.add(name)

    @property
    def passages(self) -> int:
        return len(self.arrays["lengths"])


@dataclass(slots=True)
class _Arrays:
    """What the ranking reads, in the set's order (views of a chunk where they can be)."""

    doc_indptr: np.ndarray  # int64, per passage
    doc_terms: np.ndarray  # int32 term ids
    doc_tfs: np.ndarray  # float32 weighted term frequencies
    lengths: np.ndarray  # float32
    df: np.ndarray  # int64 per term: passages holding it as their own word
    held: np.ndarray  # int64 per term: passages holding it at all


@dataclass(slots=True)
class _State:
    """A stored index as read (or the empty one a build starts from)."""

    vocab: list[str]
    words: list[str]
    entries: dict[str, _Entry]
    chunks: dict[str, _Chunk]
    stats: dict[str, np.ndarray]
    next_slot: int = 0
    next_chunk: int = 0
    opstamp: int = 0


def _empty_state() -> _State:
    stats = {name: np.zeros(0, np.int64) for name in STAT_NAMES}
    return _State([], [], {}, {}, stats)


class LexicalIndex(BM25Index):
    """BM25Index's reading side (term statistics, per-passage terms, span scores) over
    stored arrays, with tantivy as the candidate stage."""

    def __init__(
        self,
        vocab: list[str],
        words: list[str],
        entries: list[_Entry],
        arrays: _Arrays,
        word_totals: Mapping[str, np.ndarray],
        engine: tantivy.Index,
        engine_path: Path | None = None,
        opstamp: int = 0,
    ) -> None:
        self._adopt(
            {t: i for i, t in enumerate(vocab)},
            arrays.doc_indptr,
            arrays.doc_terms,
            arrays.doc_tfs,
            arrays.lengths,
            arrays.df,
            arrays.held,
        )
        self.terms_list = vocab
        self.words_list = words
        self.entries = entries
        self.arrays = arrays
        self.engine_path = engine_path
        self.opstamp = opstamp  # the engine commit these arrays go with
        totals, lower, named = (word_totals[name] for name in WORD_TOTALS)
        self._word_counts = Counter(
            {w: c for w, c in zip(words, totals.tolist(), strict=True) if c}
        )
        self._lower, self._named = lower, named
        slots = max((e.slot for e in entries), default=-1) + 1
        self._slot_start = np.zeros(slots, dtype=np.int64)
        for entry in entries:
            self._slot_start[entry.slot] = entry.start
        self._by_start = {e.start: e.id for e in entries}
        self._open(engine)

    def _open(self, engine: tantivy.Index) -> None:
        self.engine = engine
        # A snapshot: a later commit (a reload building the next set) never shows here.
        self.searcher = engine.searcher()
        if self.searcher.num_docs != self.size:
            raise IndexCorruptError("the engine holds another number of passages")

    # Pickling, for a library sent to another process (no part of the bot does since the
    # reload builder process went in #17; tests/core/test_search_index.py keeps it working):
    # the engine is not pickled. It is reopened from its folder while that holds the same
    # commit; built in memory, or changed since, it is re-made from the arrays.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["engine"], state["searcher"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.engine_path is not None and _committed(self.engine_path) == self.opstamp:
            with contextlib.suppress(OSError, ValueError, IndexCorruptError):
                self._open(tantivy.Index.open(str(self.engine_path)))
                return
        engine = tantivy.Index(SCHEMA)
        writer = engine.writer(heap_size=WRITER_HEAP)
        for entry in self.entries:
            for position in range(entry.count):
                passage = entry.start + position
                tfs = {self.terms_list[t]: tf for t, tf in self.passage_terms(passage).items()}
                body, weak = _engine_texts(tfs)
                writer.add_document(_engine_document(entry.slot, entry.id, position, body, weak))
        writer.commit()
        writer.wait_merging_threads()
        engine.reload()
        self._open(engine)

    def word_counts(self) -> Counter[str]:
        return self._word_counts

    def written_case(self) -> tuple[list[str], list[str]]:
        """(the words the set writes capitalised inside a sentence and never in lower
        case, the words it writes in lower case somewhere)."""
        words, lower = self.words_list, self._lower
        names = [words[i] for i in np.flatnonzero((self._named > 0) & (lower == 0)).tolist()]
        return names, [words[i] for i in np.flatnonzero(lower).tolist()]

    def top(
        self, query: Mapping[int, float], k: int, within: tuple[int, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if not query or self.size == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        clauses = []
        for term_id, weight in self._selective(query):
            term = self.terms_list[term_id]
            for field, boost in (("body", weight), ("weak", weight * WEAK_BOOST)):
                clauses.append(
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(
                            tantivy.Query.term_query(SCHEMA, field, term), boost
                        ),
                    )
                )
        engine_query = tantivy.Query.boolean_query(clauses)
        if within is not None:
            document = self._by_start.get(within[0])
            if document is None or within[1] <= within[0]:
                return np.zeros(0, np.int32), np.zeros(0, np.float32)
            engine_query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "doc", document)),
                    (tantivy.Occur.Must, engine_query),
                ]
            )
        hits = self.searcher.search(engine_query, max(MIN_FETCH, OVERFETCH * k), count=False).hits
        if not hits:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        addresses = [address for _, address in hits]
        slots = np.asarray(self.searcher.fast_field_values("slot", addresses), dtype=np.int64)
        positions = np.asarray(self.searcher.fast_field_values("pos", addresses), dtype=np.int64)
        candidates = np.unique(self._slot_start[slots] + positions).astype(np.int32)
        scores = self.exact_scores(candidates, query)
        if len(candidates) > k:
            best = np.argpartition(scores, -k)[-k:]
            candidates, scores = candidates[best], scores[best]
        order = np.lexsort((candidates, -scores))
        return candidates[order], scores[order]

    def _selective(self, query: Mapping[int, float]) -> list[tuple[int, float]]:
        """The terms the engine is asked for. In a large set a term in more than a tenth of
        all passages barely moves a ranking that rarer terms decide, while its postings are
        most of the engine's work; it still counts in the exact scores and the re-ranking."""
        items = list(query.items())
        if self.size < PRUNE_MIN_PASSAGES:
            return items
        limit = self.size // PRUNE_SHARE
        rare = [(t, w) for t, w in items if self.df[t] <= limit]
        return rare or items

    def exact_scores(self, candidates: np.ndarray, query: Mapping[int, float]) -> np.ndarray:
        """The ranking's weighted BM25 of each candidate, in float32 as the postings held
        it, so that the engine changes which passages are looked at, not their scores."""
        k1, b, avgdl = np.float32(self.k1), np.float32(self.b), np.float32(self.avgdl)
        starts = self.doc_indptr[candidates]
        sizes = self.doc_indptr[candidates + 1] - starts
        rows = np.repeat(np.arange(len(candidates)), sizes)
        entries = np.arange(int(sizes.sum())) + np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
        terms = self.doc_terms[entries]
        tf = self.doc_tfs[entries]
        norm = k1 * (np.float32(1.0) - b + b * self.lengths[candidates][rows] / avgdl)
        weight = self.idf[terms] * tf * (k1 + np.float32(1.0)) / (tf + norm)
        scores = np.zeros(len(candidates), dtype=np.float32)
        # Term by term in the question's order, each passage holding a term once: the sums
        # the postings made, to the last bit, so that ties break as they did.
        for term_id, boost in query.items():
            held = terms == term_id
            scores[rows[held]] += boost * weight[held]
        return scores


# -- building and storing ------------------------------------------------------------------


@dataclass(slots=True)
class _Batch:
    """Some documents' analysis, numbered within the batch (terms and words in order of
    first use), and the engine's text of each passage: what a worker sends back."""

    terms: list[str]
    words: list[str]
    indptr: np.ndarray  # int64, from 0
    term_ids: np.ndarray  # int32, into `terms`
    tfs: np.ndarray  # float32
    lengths: np.ndarray  # float32
    word_ids: np.ndarray  # int32, into `words`
    word_values: np.ndarray  # int32, one row per word id: WORD_NAMES[1:]
    sizes: list[tuple[int, int, int]]  # per document: passages, (passage, term) pairs, words
    texts: list[tuple[str, str]]  # per passage: body and weak fields for the engine


def _analyse_batch(analyse: Analyse, documents: list[Document]) -> _Batch:
    term_ids: dict[str, int] = {}
    word_index: dict[str, int] = {}
    indptr: list[int] = [0]
    terms: list[int] = []
    word_ids: list[int] = []
    word_values: list[tuple[int, int, int]] = []
    tfs: list[float] = []
    lengths: list[float] = []
    sizes: list[tuple[int, int, int]] = []
    texts: list[tuple[str, str]] = []
    for document in documents:
        analysis = analyse(document)
        term_first, word_first = len(terms), len(word_ids)
        for row_tfs, length in analysis.rows:
            # len() is read before setdefault inserts: a new term gets the next number.
            terms.extend([term_ids.setdefault(term, len(term_ids)) for term in row_tfs])
            tfs.extend(row_tfs.values())
            indptr.append(len(terms))
            lengths.append(length)
            texts.append(_engine_texts(row_tfs))
        for word, *values in analysis.word_rows():
            word_ids.append(word_index.setdefault(word, len(word_index)))
            word_values.append((values[0], values[1], values[2]))
        sizes.append((len(analysis.rows), len(terms) - term_first, len(word_ids) - word_first))
    return _Batch(
        list(term_ids),
        list(word_index),
        np.asarray(indptr, np.int64),
        np.asarray(terms, np.int32),
        np.asarray(tfs, np.float32),
        np.asarray(lengths, np.float32),
        np.asarray(word_ids, np.int32),
        np.asarray(word_values, np.int32).reshape(-1, len(WORD_NAMES) - 1),
        sizes,
        texts,
    )


def _numbering(names: list[str], index: dict[str, int], known: list[str]) -> np.ndarray:
    """The set-wide numbers of a batch's names, new ones numbered after the known."""
    found = [index.get(name, -1) for name in names]
    for position, number in enumerate(found):
        if number < 0:
            name = names[position]
            found[position] = index[name] = len(known)
            known.append(name)
    return np.asarray(found, np.int32)


def _engine_texts(tfs: Mapping[str, float]) -> tuple[str, str]:
    """A passage's own words (repeated as often as they occur) and its context terms, as
    the engine's two fields."""
    body, weak = [], []
    for term, tf in tfs.items():
        own = int(tf)
        body.extend([term] * own)
        if tf > own:
            weak.append(term)
    return " ".join(body), " ".join(weak)


def _engine_document(
    entry_slot: int, document_id: str, position: int, body: str, weak: str
) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("body", body)
    doc.add_text("weak", weak)
    doc.add_text("doc", document_id)
    doc.add_unsigned("slot", entry_slot)
    doc.add_unsigned("pos", position)
    return doc


class IndexStore:
    """Opens, builds and updates the lexical index of one document set location. Without
    a folder everything is built in memory, as before persistence."""

    def __init__(self, folder: Path | None, analyse: Analyse, config_key: str) -> None:
        self.folder = folder
        self.analyse = analyse
        self.config_key = config_key
        self.rebuilt = False  # whether the last open built everything from nothing
        self.reindexed = 0  # documents analysed by the last open

    # The public entry point.
    def open(self, documents: DocumentSet) -> LexicalIndex:
        if self.folder is not None:
            try:
                return self._open_stored(documents, self.folder)
            except (OSError, ValueError) as error:
                # A read-only or full disk costs the persistence, not the search; what is
                # left half-written is detected at the next start.
                log.warning("search index %s not writable (%s); in memory", self.folder, error)
        return self._build(documents, tantivy.Index(SCHEMA), None)

    def _open_stored(self, documents: DocumentSet, folder: Path) -> LexicalIndex:
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock() as locked:
            if not locked:
                # Another process is writing this index (a second bot, an eval run): serve
                # from memory rather than wait or share a half-written one.
                log.warning("search index %s is busy; building in memory", self.folder)
                return self._build(documents, tantivy.Index(SCHEMA), None)
            try:
                stored = self._load()
            except (IndexCorruptError, OSError, ValueError, KeyError) as error:
                log.warning("search index %s unusable (%s); rebuilding", self.folder, error)
                stored = None
            if stored is None:
                return self._rebuild(documents)
            try:
                return self._update(documents, *stored)
            except IndexCorruptError as error:
                # A damaged word array, read only by an update: found before the engine
                # is touched.
                log.warning("search index %s unusable (%s); rebuilding", self.folder, error)
                return self._rebuild(documents)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[bool]:
        assert self.folder is not None
        with open(self.folder / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reading ----------------------------------------------------------------------

    def _load(self) -> tuple[_State, tantivy.Index] | None:
        assert self.folder is not None
        current = self.folder / "CURRENT"
        if not current.exists():
            return None
        generation = self.folder / current.read_text().strip()
        manifest = json.loads((generation / "manifest.json").read_text())
        if manifest.get("format") != FORMAT or manifest.get("config") != self.config_key:
            raise IndexCorruptError("stored with another format or configuration")
        stats = {}
        for name in STAT_NAMES:
            array = np.load(generation / f"{name}.npy", allow_pickle=False)
            if zlib.crc32(array.data) != manifest["checksums"][name]:
                raise IndexCorruptError(f"{name} does not match its checksum")
            stats[name] = array
        chunks = {
            name: _Chunk.read(self.folder / "chunks" / name, checksums)
            for name, checksums in manifest["chunks"].items()
        }
        entries = {row[0]: _Entry(*row) for row in manifest["documents"]}
        if any(e.chunk not in chunks for e in entries.values()):
            raise IndexCorruptError("a document's chunk is missing")
        engine_folder = self.folder / "tantivy"
        meta = json.loads((engine_folder / "meta.json").read_text())
        if meta.get("opstamp") != manifest["opstamp"]:
            raise IndexCorruptError("the engine and the arrays are of different commits")
        if _engine_checksums(engine_folder) != manifest["engine_checksums"]:
            raise IndexCorruptError("the engine's files do not match their checksums")
        engine = tantivy.Index.open(str(engine_folder))
        state = _State(
            manifest["vocab"],
            manifest["words"],
            entries,
            chunks,
            stats,
            int(manifest["next_slot"]),
            int(manifest["next_chunk"]),
            int(manifest["opstamp"]),
        )
        return state, engine

    # -- writing ------------------------------------------------------------------------

    def _rebuild(self, documents: DocumentSet) -> LexicalIndex:
        assert self.folder is not None
        for child in self.folder.iterdir():
            if child.name != ".lock":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        engine_folder = self.folder / "tantivy"
        engine_folder.mkdir()
        return self._build(documents, tantivy.Index(SCHEMA, path=str(engine_folder)), self.folder)

    def _build(
        self, documents: DocumentSet, engine: tantivy.Index, folder: Path | None
    ) -> LexicalIndex:
        self.rebuilt = True
        return self._apply(documents, _empty_state(), engine, folder, fresh=True)

    def _update(self, documents: DocumentSet, state: _State, engine: tantivy.Index) -> LexicalIndex:
        self.rebuilt = False
        return self._apply(documents, state, engine, self.folder, fresh=False)

    def _apply(
        self,
        documents: DocumentSet,
        state: _State,
        engine: tantivy.Index,
        folder: Path | None,
        *,
        fresh: bool,
    ) -> LexicalIndex:
        """The index of `documents`, reusing every stored document whose key is
        unchanged and analysing the others into one new chunk; the engine gets only the
        difference, and the term and word counts change by the changed documents'."""
        stored = state.entries
        wanted = {d.id: document_key(d) for d in documents}
        stale = [i for i, e in stored.items() if wanted.get(i) != e.key]
        added = [d for d in documents if d.id not in stored or d.id in stale]
        self.reindexed = len(added)
        changed = bool(stale or added or fresh)
        # Read (and checked) before the engine is touched: a damaged chunk means a rebuild.
        removed = _counts(
            [stored[i] for i in stale], state.chunks, len(state.vocab), len(state.words)
        )
        chunk_name = f"c{state.next_chunk}"
        new: dict[str, _Entry] = {}
        opstamp = state.opstamp
        if changed:
            writer = engine.writer(heap_size=WRITER_HEAP)
            for document_id in stale:
                writer.delete_documents_by_term("doc", document_id)
            chunk, new = self._analyse_into(added, state, chunk_name, writer)
            state.chunks[chunk_name] = chunk
            state.next_chunk += 1
            opstamp = writer.commit()
            # Merges run after a commit and rewrite meta.json; the checksums are taken of
            # the segments they leave.
            writer.wait_merging_threads()
            engine.reload()
        entries = [new.get(d.id) or stored[d.id] for d in documents]
        start = 0
        for entry in entries:
            entry.start, start = start, start + entry.count
        added_counts = _counts(list(new.values()), state.chunks, len(state.vocab), len(state.words))
        stats = {
            name: _pad(state.stats[name], len(added_counts[name]))
            - _pad(removed[name], len(added_counts[name]))
            + added_counts[name]
            for name in STAT_NAMES
        }
        used = {e.chunk for e in entries}
        chunks = {name: c for name, c in state.chunks.items() if name in used}
        written = [chunk_name] if new else []
        if sum(c.passages for c in chunks.values()) > COMPACT_RATIO * max(1, start):
            chunk_name = f"c{state.next_chunk}"
            state.next_chunk += 1
            chunks = {chunk_name: _compact(entries, chunks, chunk_name)}
            written = [chunk_name]
        if folder is not None and (changed or written):
            for name in written:
                chunks[name] = _write_chunk(folder / "chunks" / name, chunks[name])
            self._save(folder, state, entries, chunks, stats, opstamp)
        arrays = _gather(entries, chunks, stats)
        return LexicalIndex(
            state.vocab,
            state.words,
            entries,
            arrays,
            stats,
            engine,
            self._engine_path(folder),
            opstamp,
        )

    def _analyse_into(
        self, documents: list[Document], state: _State, chunk_name: str, writer: tantivy.IndexWriter
    ) -> tuple[_Chunk, dict[str, _Entry]]:
        """Analyse documents into one chunk, and give them to the engine. A large set is
        analysed in worker processes, batch by batch, merged here in the set's order: the
        term and word numbering is the one a single process gives."""
        term_ids = {t: i for i, t in enumerate(state.vocab)}
        word_index = {w: i for i, w in enumerate(state.words)}
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in CHUNK_NAMES}
        entries: dict[str, _Entry] = {}
        passage_at = term_at = word_at = 0
        for documents_of, batch in self._batches(documents):
            term_map = _numbering(batch.terms, term_ids, state.vocab)
            word_map = _numbering(batch.words, word_index, state.words)
            pieces["indptr"].append(batch.indptr[1:] + term_at)
            pieces["terms"].append(term_map[batch.term_ids])
            pieces["tfs"].append(batch.tfs)
            pieces["lengths"].append(batch.lengths)
            pieces["word_ids"].append(word_map[batch.word_ids])
            for column, name in enumerate(WORD_NAMES[1:]):
                pieces[name].append(batch.word_values[:, column])
            texts = iter(batch.texts)
            for document, (count, term_count, word_count) in zip(
                documents_of, batch.sizes, strict=True
            ):
                slot, state.next_slot = state.next_slot, state.next_slot + 1
                for position in range(count):
                    body, weak = next(texts)
                    writer.add_document(_engine_document(slot, document.id, position, body, weak))
                entries[document.id] = _Entry(
                    document.id,
                    document_key(document),
                    slot,
                    chunk_name,
                    passage_at,
                    count,
                    term_at,
                    term_count,
                    word_at,
                    word_count,
                )
                passage_at += count
                term_at += term_count
                word_at += word_count
        pieces["indptr"].insert(0, np.zeros(1, np.int64))
        arrays = {name: _join(parts, _dtype(name)) for name, parts in pieces.items()}
        arrays["indptr"] = arrays["indptr"].astype(np.int64)
        return _Chunk(arrays, {}), entries

    def _batches(self, documents: list[Document]) -> Iterator[tuple[list[Document], _Batch]]:
        """(documents, their analysis) in the set's order; in parallel past a size where
        starting the workers pays."""
        passages = sum(len(d.passages) for d in documents)
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if passages < PARALLEL_MIN_PASSAGES or workers < 2:
            yield documents, _analyse_batch(self.analyse, documents)
            return
        groups: list[list[Document]] = [[]]
        size = 0
        for document in documents:
            if size >= BATCH_PASSAGES:
                groups.append([])
                size = 0
            groups[-1].append(document)
            size += len(document.passages)
        # Spawned, not forked: the bot may have threads running when it reloads.
        context = multiprocessing.get_context("spawn")
        done = 0
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for batch in pool.map(_analyse_batch, repeat(self.analyse), groups):
                    yield groups[done], batch
                    done += 1
        except BrokenProcessPool as error:
            # A worker that cannot start (a main module spawn cannot re-import, memory):
            # the rest is analysed here, to the same result.
            log.warning("index workers failed (%s); analysing in this process", error)
            for group in groups[done:]:
                yield group, _analyse_batch(self.analyse, group)

    @staticmethod
    def _engine_path(folder: Path | None) -> Path | None:
        return None if folder is None else folder / "tantivy"

    def _save(
        self,
        folder: Path,
        state: _State,
        entries: list[_Entry],
        chunks: dict[str, _Chunk],
        stats: dict[str, np.ndarray],
        opstamp: int,
    ) -> None:
        """A new generation (the manifest and the counts) beside the old, then CURRENT
        switched to it by a rename: a crash at any point leaves the old generation named,
        or a mismatch detected. Chunks no generation names any more go after the switch."""
        current = folder / "CURRENT"
        previous = current.read_text().strip() if current.exists() else "gen-0"
        name = f"gen-{int(previous.split('-')[1]) + 1}"
        staging = folder / f"{name}.tmp"
        checksums = _write_arrays(staging, stats)
        manifest = {
            "format": FORMAT,
            "config": self.config_key,
            "opstamp": opstamp,
            "next_slot": state.next_slot,
            "next_chunk": state.next_chunk,
            "checksums": checksums,
            "chunks": {n: c.checksums for n, c in chunks.items()},
            "engine_checksums": _engine_checksums(folder / "tantivy"),
            "vocab": state.vocab,
            "words": state.words,
            "documents": [e.row() for e in entries],
        }
        _write_synced(staging / "manifest.json", json.dumps(manifest))
        target = folder / name
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
        _write_synced(folder / "CURRENT.tmp", name)
        (folder / "CURRENT.tmp").replace(current)
        _fsync_dir(folder)
        for child in folder.iterdir():
            if child.name.startswith("gen-") and child.name != name:
                shutil.rmtree(child, ignore_errors=True)
        for child in (folder / "chunks").iterdir():
            if child.name not in chunks:
                shutil.rmtree(child, ignore_errors=True)


def _write_arrays(staging: Path, arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    """Each array to its .npy file in a fresh folder, synced; their checksums."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    checksums = {}
    for name, array in arrays.items():
        with open(staging / f"{name}.npy", "wb") as handle:
            np.save(handle, array, allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        checksums[name] = zlib.crc32(np.ascontiguousarray(array).data)
    return checksums


def _write_chunk(target: Path, chunk: _Chunk) -> _Chunk:
    """The chunk written under its name, read back memory-mapped: the stored arrays are
    served from the page cache rather than held twice."""
    staging = target.with_name(target.name + ".tmp")
    checksums = _write_arrays(staging, chunk.arrays)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    _fsync_dir(target.parent)
    return _Chunk(_map(target), checksums)


def _map(folder: Path) -> dict[str, np.ndarray]:
    """A chunk's arrays, memory-mapped read-only."""
    arrays: dict[str, np.ndarray] = {}
    for name in CHUNK_NAMES:
        # Plain arrays over the mapping: np.memmap's Python-level hooks run at every
        # slice, and the ranking slices per candidate.
        arrays[name] = np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
    return arrays


def _runs(entries: list[_Entry], field: str) -> list[tuple[str, int, int]]:
    """(chunk, from, to) of consecutive documents stored side by side, for one kind of
    offset ("first", "term_first", "word_first"): what the set's arrays are cut from."""
    count = {"first": "count", "term_first": "term_count", "word_first": "word_count"}[field]
    runs: list[tuple[str, int, int]] = []
    for entry in entries:
        lo = getattr(entry, field)
        hi = lo + getattr(entry, count)
        if runs and runs[-1][0] == entry.chunk and runs[-1][2] == lo:
            runs[-1] = (entry.chunk, runs[-1][1], hi)
        else:
            runs.append((entry.chunk, lo, hi))
    return runs


def _cut(
    entries: list[_Entry], chunks: Mapping[str, _Chunk], field: str, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The named arrays of the entries, in their order: the chunk's own arrays when one
    chunk holds them all in order, else one copy joined from the runs."""
    runs = _runs(entries, field)
    if len(runs) == 1:
        chunk = chunks[runs[0][0]].arrays
        lo, hi = runs[0][1], runs[0][2]
        return {name: chunk[name][lo:hi] for name in names}
    return {
        name: _join([chunks[c].arrays[name][lo:hi] for c, lo, hi in runs], _dtype(name))
        for name in names
    }


def _dtype(name: str) -> type:
    return {"tfs": np.float32, "lengths": np.float32}.get(name, np.int32)


def _gather(
    entries: list[_Entry], chunks: Mapping[str, _Chunk], stats: Mapping[str, np.ndarray]
) -> _Arrays:
    passages = _cut(entries, chunks, "first", ("lengths",))
    pairs = _cut(entries, chunks, "term_first", ("terms", "tfs"))
    runs = _runs(entries, "first")
    if len(runs) == 1 and runs[0][1] == 0:
        indptr = chunks[runs[0][0]].arrays["indptr"][: runs[0][2] + 1]
    else:
        pieces, at = [np.zeros(1, np.int64)], 0
        for name, lo, hi in runs:
            local = chunks[name].arrays["indptr"]
            pieces.append(local[lo + 1 : hi + 1] - local[lo] + at)
            at += int(local[hi] - local[lo])
        indptr = np.concatenate(pieces).astype(np.int64, copy=False)
    return _Arrays(
        indptr, pairs["terms"], pairs["tfs"], passages["lengths"], stats["df"], stats["held"]
    )


def _compact(entries: list[_Entry], chunks: Mapping[str, _Chunk], name: str) -> _Chunk:
    """Every live document's arrays in one new chunk, the entries pointing into it."""
    empty = np.zeros(0, np.int64)
    arrays = _gather(entries, chunks, {"df": empty, "held": empty})
    for chunk in chunks.values():
        chunk.check_words()  # checked before they are copied
    words = _cut(entries, chunks, "word_first", WORD_NAMES)
    term_at = passage_at = word_at = 0
    for entry in entries:
        entry.chunk, entry.first, entry.term_first, entry.word_first = (
            name,
            passage_at,
            term_at,
            word_at,
        )
        passage_at += entry.count
        term_at += entry.term_count
        word_at += entry.word_count
    merged: dict[str, np.ndarray] = {
        "indptr": np.asarray(arrays.doc_indptr, np.int64),
        "terms": np.asarray(arrays.doc_terms),
        "tfs": np.asarray(arrays.doc_tfs),
        "lengths": np.asarray(arrays.lengths),
        **{name: np.asarray(words[name]) for name in WORD_NAMES},
    }
    return _Chunk(merged, {})


def _counts(
    entries: list[_Entry], chunks: Mapping[str, _Chunk], n_terms: int, n_words: int
) -> dict[str, np.ndarray]:
    """The term counts (df, held) and word totals the entries' documents contribute."""
    if not entries:
        counts = {"df": np.zeros(n_terms, np.int64), "held": np.zeros(n_terms, np.int64)}
        return counts | {name: np.zeros(n_words, np.int64) for name in WORD_TOTALS}
    for name in {e.chunk for e in entries}:
        chunks[name].check_words()
    pairs = _cut(entries, chunks, "term_first", ("terms", "tfs"))
    words = _cut(entries, chunks, "word_first", WORD_NAMES)
    df, held = term_counts(pairs["terms"], pairs["tfs"], n_terms)
    counts = {"df": df, "held": held}
    for total, name in zip(WORD_TOTALS, WORD_NAMES[1:], strict=True):
        summed = np.bincount(words["word_ids"], weights=words[name], minlength=n_words)
        counts[total] = summed.astype(np.int64)
    return counts


def _committed(folder: Path) -> int | None:
    """The engine's last commit in a folder; None when there is none to read."""
    try:
        return int(json.loads((folder / "meta.json").read_text())["opstamp"])
    except (OSError, ValueError, KeyError):
        return None


def _engine_checksums(folder: Path) -> dict[str, int]:
    """A checksum of every file of the engine's live segments: tantivy checks a file's
    footer when it opens it, not the bytes a search later reads."""
    meta = json.loads((folder / "meta.json").read_text())
    segments = {s["segment_id"].replace("-", "") for s in meta.get("segments", [])}
    found = {}
    for path in sorted(folder.iterdir()):
        if path.name.split(".", 1)[0] in segments:
            checksum = 0
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    checksum = zlib.crc32(chunk, checksum)
            found[path.name] = checksum
    return found


def prune(root: Path, keep: int) -> None:
    """Remove all but the `keep` most recently opened indexes under root: one is kept per
    set location, and locations come and go (a moved data folder, test runs)."""
    if not root.is_dir():
        return
    folders = [f for f in root.iterdir() if f.is_dir()]
    opened = sorted(folders, key=_last_opened, reverse=True)
    for folder in opened[keep:]:
        with open(folder / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # in use right now
            shutil.rmtree(folder, ignore_errors=True)


def _last_opened(folder: Path) -> float:
    try:
        return (folder / ".lock").stat().st_mtime  # rewritten at every open
    except OSError:
        return 0.0


def _pad(counts: np.ndarray, size: int) -> np.ndarray:
    """Counts for a vocabulary grown since: the new terms at 0."""
    return np.concatenate([counts, np.zeros(size - len(counts), np.int64)])


def _join(parts: Iterable[np.ndarray], dtype: type) -> np.ndarray:
    parts = list(parts)
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
