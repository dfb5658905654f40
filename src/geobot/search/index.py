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
    gen-N/            the arrays and manifest.json of one generation, written whole
    CURRENT           the name of the generation in use, replaced atomically
A generation records the tantivy commit it belongs to and a checksum of every array; any
mismatch (a crash between the two, a damaged file, another format) means a full rebuild.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tantivy

from geobot.documents.model import Document, DocumentSet
from geobot.search.bm25 import BM25Index, term_counts

log = logging.getLogger(__name__)

# Bump when the stored layout or the analysis behind the terms changes: an index of another
# format is rebuilt, never read.
FORMAT = 2
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

Rows = list[tuple[dict[str, float], float]]
# One document's analysis: per passage its weighted term frequencies and length, and the
# counts of its folded words (the typo corrector's vocabulary).
Analyse = Callable[[Document], tuple[Rows, Counter[str]]]


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
    """One document's place in the arrays and in the engine."""

    id: str
    key: str
    slot: int  # the engine's number for it; a changed document gets a new one
    start: int  # first passage, in the set's order
    count: int  # passages
    word_start: int
    word_count: int


@dataclass(slots=True)
class _Arrays:
    doc_indptr: np.ndarray  # int64, per passage
    doc_terms: np.ndarray  # int32 term ids
    doc_tfs: np.ndarray  # float32 weighted term frequencies
    lengths: np.ndarray  # float32
    word_ids: np.ndarray  # int32, per document slice (see _Entry.word_start)
    word_counts: np.ndarray  # int32
    df: np.ndarray  # int64 per term: passages holding it as their own word
    held: np.ndarray  # int64 per term: passages holding it at all

    NAMES = (
        "doc_indptr",
        "doc_terms",
        "doc_tfs",
        "lengths",
        "word_ids",
        "word_counts",
        "df",
        "held",
    )


class LexicalIndex(BM25Index):
    """BM25Index's reading side (term statistics, per-passage terms, span scores) over
    stored arrays, with tantivy as the candidate stage."""

    def __init__(
        self,
        vocab: list[str],
        words: list[str],
        entries: list[_Entry],
        arrays: _Arrays,
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
        totals = np.bincount(arrays.word_ids, weights=arrays.word_counts, minlength=len(words))
        self._word_counts = Counter(
            {w: int(c) for w, c in zip(words, totals.tolist(), strict=True) if c}
        )
        if engine_path is not None:
            # Only the next update reads each document's words, and it reads them from
            # disk: not kept in memory (at a million passages, a hundred megabytes).
            empty = np.zeros(0, np.int32)
            self.arrays = dataclasses.replace(arrays, word_ids=empty, word_counts=empty)
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

    # A library built in the builder process (geobot.reload) is pickled to the bot: the
    # engine is not. It is reopened from its folder while that holds the same commit; built
    # in memory, or changed since (another build of the set), it is re-made from the arrays.
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
                writer.add_document(_engine_document(entry.slot, entry.id, position, tfs))
        writer.commit()
        writer.wait_merging_threads()
        engine.reload()
        self._open(engine)

    def word_counts(self) -> Counter[str]:
        return self._word_counts

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


def _engine_document(
    entry_slot: int, document_id: str, position: int, tfs: Mapping[str, float]
) -> tantivy.Document:
    body, weak = [], []
    for term, tf in tfs.items():
        own = int(tf)
        body.extend([term] * own)
        if tf > own:
            weak.append(term)
    doc = tantivy.Document()
    doc.add_text("body", " ".join(body))
    doc.add_text("weak", " ".join(weak))
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
            return self._update(documents, *stored)

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

    def _load(self) -> tuple[dict, _Arrays, tantivy.Index] | None:
        assert self.folder is not None
        current = self.folder / "CURRENT"
        if not current.exists():
            return None
        generation = self.folder / current.read_text().strip()
        manifest = json.loads((generation / "manifest.json").read_text())
        if manifest.get("format") != FORMAT or manifest.get("config") != self.config_key:
            raise IndexCorruptError("stored with another format or configuration")
        loaded = {}
        for name in _Arrays.NAMES:
            array = np.load(generation / f"{name}.npy", allow_pickle=False)
            if zlib.crc32(array.data) != manifest["checksums"][name]:
                raise IndexCorruptError(f"{name} does not match its checksum")
            loaded[name] = array
        arrays = _Arrays(**loaded)
        engine_folder = self.folder / "tantivy"
        meta = json.loads((engine_folder / "meta.json").read_text())
        if meta.get("opstamp") != manifest["opstamp"]:
            raise IndexCorruptError("the engine and the arrays are of different commits")
        if _engine_checksums(engine_folder) != manifest["engine_checksums"]:
            raise IndexCorruptError("the engine's files do not match their checksums")
        engine = tantivy.Index.open(str(engine_folder))
        return manifest, arrays, engine

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
        manifest = {"vocab": [], "words": [], "documents": [], "next_slot": 0}
        empty = _Arrays(
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
        )
        return self._apply(documents, manifest, empty, engine, folder, fresh=True)

    def _update(
        self, documents: DocumentSet, manifest: dict, arrays: _Arrays, engine: tantivy.Index
    ) -> LexicalIndex:
        self.rebuilt = False
        return self._apply(documents, manifest, arrays, engine, self.folder, fresh=False)

    def _apply(
        self,
        documents: DocumentSet,
        manifest: dict,
        old: _Arrays,
        engine: tantivy.Index,
        folder: Path | None,
        *,
        fresh: bool,
    ) -> LexicalIndex:
        """The index of `documents`, reusing every stored document whose key is
        unchanged and analysing the others; the engine gets only the difference."""
        vocab: list[str] = manifest["vocab"]
        words: list[str] = manifest["words"]
        term_ids = {t: i for i, t in enumerate(vocab)}
        word_index = {w: i for i, w in enumerate(words)}
        stored = {e[0]: _Entry(*e) for e in manifest["documents"]}
        next_slot = int(manifest["next_slot"])
        wanted = {d.id: document_key(d) for d in documents}
        stale = [i for i, e in stored.items() if wanted.get(i) != e.key]
        added = [d for d in documents if d.id not in stored or d.id in stale]
        self.reindexed = len(added)
        if not stale and not added and not fresh:
            ordered = [stored[d.id] for d in documents]
            if [e.start for e in ordered] == sorted(e.start for e in ordered):
                return LexicalIndex(
                    vocab,
                    words,
                    ordered,
                    old,
                    engine,
                    self._engine_path(folder),
                    int(manifest.get("opstamp", 0)),
                )
        writer = engine.writer(heap_size=WRITER_HEAP) if (stale or added or fresh) else None
        for document_id in stale:
            assert writer is not None
            writer.delete_documents_by_term("doc", document_id)
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in _Arrays.NAMES}
        entries: list[_Entry] = []
        new_terms: list[np.ndarray] = []
        new_tfs: list[np.ndarray] = []
        passage_at, term_at, word_at = 0, 0, 0
        for document in documents:
            entry = stored.get(document.id)
            if entry is not None and entry.key == wanted[document.id]:
                lo, hi = (
                    int(old.doc_indptr[entry.start]),
                    int(old.doc_indptr[entry.start + entry.count]),
                )
                pieces["doc_indptr"].append(
                    old.doc_indptr[entry.start + 1 : entry.start + entry.count + 1] - lo + term_at
                )
                pieces["doc_terms"].append(old.doc_terms[lo:hi])
                pieces["doc_tfs"].append(old.doc_tfs[lo:hi])
                pieces["lengths"].append(old.lengths[entry.start : entry.start + entry.count])
                ws, we = entry.word_start, entry.word_start + entry.word_count
                pieces["word_ids"].append(old.word_ids[ws:we])
                pieces["word_counts"].append(old.word_counts[ws:we])
                slot, term_count, word_count = entry.slot, hi - lo, entry.word_count
            else:
                assert writer is not None
                slot, next_slot = next_slot, next_slot + 1
                rows, counts = self.analyse(document)
                term_count = self._add_rows(rows, term_ids, vocab, pieces, term_at)
                new_terms.append(pieces["doc_terms"][-1])
                new_tfs.append(pieces["doc_tfs"][-1])
                for position, (tfs, _) in enumerate(rows):
                    writer.add_document(_engine_document(slot, document.id, position, tfs))
                for word in counts:
                    if word not in word_index:
                        word_index[word] = len(words)
                        words.append(word)
                pieces["word_ids"].append(
                    np.fromiter((word_index[w] for w in counts), np.int32, len(counts))
                )
                pieces["word_counts"].append(np.fromiter(counts.values(), np.int32, len(counts)))
                word_count = len(counts)
            entries.append(
                _Entry(
                    document.id,
                    wanted[document.id],
                    slot,
                    passage_at,
                    len(document.passages),
                    word_at,
                    word_count,
                )
            )
            passage_at += len(document.passages)
            term_at += term_count
            word_at += word_count
        doc_terms = _join(pieces["doc_terms"], np.int32)
        doc_tfs = _join(pieces["doc_tfs"], np.float32)
        if fresh:
            df, held = term_counts(doc_terms, doc_tfs, len(vocab))
        else:
            # The stored counts, less the changed documents' old passages, plus their new
            # ones: a reload counts one article, not the set.
            gone = [stored[i] for i in stale]
            old_spans = [
                (int(old.doc_indptr[e.start]), int(old.doc_indptr[e.start + e.count])) for e in gone
            ]
            removed = term_counts(
                _join([old.doc_terms[lo:hi] for lo, hi in old_spans], np.int32),
                _join([old.doc_tfs[lo:hi] for lo, hi in old_spans], np.float32),
                len(vocab),
            )
            new = term_counts(_join(new_terms, np.int32), _join(new_tfs, np.float32), len(vocab))
            df = _pad(old.df, len(vocab)) - removed[0] + new[0]
            held = _pad(old.held, len(vocab)) - removed[1] + new[1]
        arrays = _Arrays(
            np.concatenate([np.zeros(1, np.int64), *pieces["doc_indptr"]]).astype(np.int64),
            doc_terms,
            doc_tfs,
            _join(pieces["lengths"], np.float32),
            _join(pieces["word_ids"], np.int32),
            _join(pieces["word_counts"], np.int32),
            df,
            held,
        )
        opstamp = writer.commit() if writer is not None else manifest.get("opstamp", 0)
        if writer is not None:
            # Merges run after a commit and rewrite meta.json; the checksums are taken of
            # the segments they leave.
            writer.wait_merging_threads()
            engine.reload()
        index = LexicalIndex(
            vocab, words, entries, arrays, engine, self._engine_path(folder), opstamp
        )
        if folder is not None:
            self._save(folder, vocab, words, entries, next_slot, arrays, opstamp)
        return index

    @staticmethod
    def _engine_path(folder: Path | None) -> Path | None:
        return None if folder is None else folder / "tantivy"

    @staticmethod
    def _add_rows(
        rows: Rows,
        term_ids: dict[str, int],
        vocab: list[str],
        pieces: dict[str, list[np.ndarray]],
        term_at: int,
    ) -> int:
        indptr, terms, tfs, lengths = [], [], [], []
        for row_tfs, length in rows:
            for term, tf in row_tfs.items():
                term_id = term_ids.get(term)
                if term_id is None:
                    term_id = term_ids[term] = len(vocab)
                    vocab.append(term)
                terms.append(term_id)
                tfs.append(tf)
            indptr.append(term_at + len(terms))
            lengths.append(length)
        pieces["doc_indptr"].append(np.asarray(indptr, np.int64))
        pieces["doc_terms"].append(np.asarray(terms, np.int32))
        pieces["doc_tfs"].append(np.asarray(tfs, np.float32))
        pieces["lengths"].append(np.asarray(lengths, np.float32))
        return len(terms)

    def _save(
        self,
        folder: Path,
        vocab: list[str],
        words: list[str],
        entries: list[_Entry],
        next_slot: int,
        arrays: _Arrays,
        opstamp: int,
    ) -> None:
        """A new generation beside the old, then CURRENT switched to it by a rename: a
        crash at any point leaves the old generation named, or a mismatch detected."""
        current = folder / "CURRENT"
        previous = current.read_text().strip() if current.exists() else "gen-0"
        name = f"gen-{int(previous.split('-')[1]) + 1}"
        staging = folder / f"{name}.tmp"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        checksums = {}
        for field_name in _Arrays.NAMES:
            array = getattr(arrays, field_name)
            with open(staging / f"{field_name}.npy", "wb") as handle:
                np.save(handle, array, allow_pickle=False)
                handle.flush()
                os.fsync(handle.fileno())
            checksums[field_name] = zlib.crc32(np.ascontiguousarray(array).data)
        manifest = {
            "format": FORMAT,
            "config": self.config_key,
            "opstamp": opstamp,
            "next_slot": next_slot,
            "checksums": checksums,
            "engine_checksums": _engine_checksums(folder / "tantivy"),
            "vocab": vocab,
            "words": words,
            "documents": [
                [e.id, e.key, e.slot, e.start, e.count, e.word_start, e.word_count] for e in entries
            ],
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
