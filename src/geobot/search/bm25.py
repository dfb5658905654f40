"""BM25 over weighted fields for re-ranking, on flat numpy arrays.

The candidate stage is an engine's (tantivy, geobot.search.index); what engines hide is
what the ranking needs per candidate: per-passage term weights for span re-ranking, field
weights from the curated layer, the share of the question a passage covers for the
answered/not-answered verdict. A CSR matrix of terms by passage gives all of that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class TermStats:
    term_id: int
    df: int
    idf: float


class BM25Index:
    """Weighted BM25 as the ranking reads it, over per-passage arrays (terms by passage).

    Document frequency counts only terms with a weight of 1 or more (the passage's own
    words): a section heading repeated on every sentence below it must not make its words
    look common. Finding candidates is the engine's (geobot.search.index.LexicalIndex)."""

    def _adopt(
        self,
        vocabulary: dict[str, int],
        doc_indptr: np.ndarray,
        doc_terms: np.ndarray,
        doc_tfs: np.ndarray,
        lengths: np.ndarray,
        df: np.ndarray | None = None,
        held: np.ndarray | None = None,
    ) -> None:
        """Take the per-passage arrays and the term statistics (`df`: passages holding a
        term as their own word; `held`: in any field), computed here when not given. A term no
        passage holds any more (its article changed) stays in the arrays' numbering but
        leaves the vocabulary, so that it reads as unknown, as in a fresh build."""
        self.k1 = getattr(self, "k1", K1)
        self.b = getattr(self, "b", B)
        self.size = len(lengths)
        self.doc_indptr = doc_indptr
        self.doc_terms = doc_terms
        self.doc_tfs = doc_tfs
        self.lengths = lengths
        self.avgdl = float(self.lengths.mean()) if self.size else 1.0
        n_terms = len(vocabulary)
        if df is None or held is None:
            df, held = term_counts(doc_terms, doc_tfs, n_terms)
        self.df = df
        # The BM25+ style idf floor keeps very common terms from going negative.
        self.idf = np.log1p((self.size - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(math.log1p((self.size + 0.5) / 0.5))
        if n_terms and not held.all():
            present = held > 0
            vocabulary = {t: i for t, i in vocabulary.items() if present[i]}
        self.vocabulary = vocabulary

    def stats(self, term: str) -> TermStats | None:
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return None
        return TermStats(term_id, int(self.df[term_id]), float(self.idf[term_id]))

    def passage_terms(self, passage: int) -> dict[int, float]:
        start, end = self.doc_indptr[passage], self.doc_indptr[passage + 1]
        return dict(
            zip(self.doc_terms[start:end].tolist(), self.doc_tfs[start:end].tolist(), strict=True)
        )

    @property
    def _idf_floats(self) -> list[float]:
        # Made on first use, not in __init__: an index unpickled in another process arrives
        # without it, and a list of Python floats is cheaper to rebuild than to ship.
        floats = self.__dict__.get("_idf_list")
        if floats is None:
            floats = self.__dict__["_idf_list"] = self.idf.tolist()
        return floats

    def span_score(
        self,
        spans: list[dict[int, float]],
        length: float,
        groups: list[QueryGroup],
        context: Mapping[int, float] | None = None,
    ) -> tuple[float, float, frozenset[int]]:
        """BM25 of several passages read as one: (score, idf mass of the question covered,
        indices of the groups matched). A term seen only in a weak field covers only part.

        Weak fields are not added up across the passages: two sentences under one heading
        hold the heading once, not twice. `context` is a further weak field (the rest of
        the paragraph) added on top of the score; it covers none of the question."""
        norm = self.k1 * (1.0 - self.b + self.b * length / self.avgdl)
        k1_plus = self.k1 + 1.0
        # Called ~100 times per question on small dicts: plain floats and one branch for the
        # common single passage, since numpy scalar indexing costs more than the arithmetic.
        idf = self._idf_floats
        single = spans[0] if len(spans) == 1 else None
        first, second = (spans[0], spans[1]) if len(spans) == 2 else (None, None)
        score = 0.0
        covered = 0.0
        matched = set()
        for index, group in enumerate(groups):
            group_cover = 0.0
            for term_id, weight in group.terms.items():
                if single is not None:
                    tf = single.get(term_id, 0.0)
                elif first is not None and second is not None:
                    # The general rule below, for the usual two sentences: own words add
                    # up, a weak field counts once.
                    a, b = first.get(term_id, 0.0), second.get(term_id, 0.0)
                    tf = a + b if a >= 1.0 and b >= 1.0 else max(a, b)
                else:
                    tfs = [s.get(term_id, 0.0) for s in spans]
                    best = max(tfs)
                    tf = best + sum(t for t in tfs if t >= 1.0) - (best if best >= 1.0 else 0.0)
                weak = context.get(term_id, 0.0) if context else 0.0
                if tf > 0 or weak > 0:
                    weighted_idf = weight * idf[term_id]
                    if tf > 0:
                        group_cover = max(group_cover, weighted_idf * min(1.0, tf))
                    tf += weak
                    score += weighted_idf * tf * k1_plus / (tf + norm)
            if group_cover > 0:
                matched.add(index)
                covered += min(group.mass, group_cover) if group.mass else 0.0
        return score, covered, frozenset(matched)


def term_counts(terms: np.ndarray, tfs: np.ndarray, n_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """Per term: the passages holding it as their own word (tf of 1 or more), and holding
    it at all, for entries of distinct (passage, term) pairs."""
    own = np.bincount(terms[tfs >= 1.0], minlength=n_terms).astype(np.int64)
    return own, np.bincount(terms, minlength=n_terms).astype(np.int64)


@dataclass(frozen=True, slots=True)
class QueryGroup:
    """One word of a question: its term and the related terms that may stand for it."""

    terms: dict[int, float]  # term id -> weight
    mass: float  # how much of the question this word is, for coverage; 0 for synonyms
