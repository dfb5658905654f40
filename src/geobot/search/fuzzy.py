"""Looking names up the way people type them: exact, then prefix, then fuzzy.

RoboDanny's tag lookup ranks an exact match before anything fuzzy; we do the same, with a
prefix tier between (what autocomplete needs while a reader is still typing). Fuzzy scoring
with rapidfuzz over every entry costs ~300 ms at 100,000 entries, so candidates are chosen
first by shared character trigrams (an inverted index in numpy), and only the few hundred
best are scored.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from geobot.text.normalize import fold

T = TypeVar("T")

EXACT, PREFIX, WORD_PREFIX, FUZZY = 0, 1, 2, 3
SCAN_ALL_BELOW = 2000  # entries: below this, scoring them all is cheaper than selecting
CANDIDATES = 256


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    value: T
    key: str  # the text that matched, as given
    tier: int  # EXACT, PREFIX, WORD_PREFIX or FUZZY: lower is better
    score: float  # 100 for exact and prefix matches


def _trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class FuzzyIndex(Generic[T]):
    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._keys: list[str] = []
        self._folded: list[str] = []
        self._values: list[T] = []
        for key, value in entries:
            self._keys.append(key)
            self._folded.append(fold(key))
            self._values.append(value)
        self._exact: dict[str, list[int]] = defaultdict(list)
        for i, folded in enumerate(self._folded):
            self._exact[folded].append(i)
        self._sorted = sorted((k, i) for i, k in enumerate(self._folded))
        self._words = sorted(
            (word, i) for i, k in enumerate(self._folded) for word in set(k.split()) if word
        )
        self._postings: dict[str, np.ndarray] = {}
        if len(self._folded) >= SCAN_ALL_BELOW:
            grams: dict[str, list[int]] = defaultdict(list)
            for i, k in enumerate(self._folded):
                for gram in _trigrams(k):
                    grams[gram].append(i)
            self._postings = {g: np.asarray(ids, dtype=np.int32) for g, ids in grams.items()}

    def __len__(self) -> int:
        return len(self._keys)

    def _prefixed(self, table: list[tuple[str, int]], prefix: str, limit: int) -> list[int]:
        found = []
        position = bisect_left(table, (prefix, -1))
        while position < len(table) and table[position][0].startswith(prefix):
            found.append(table[position][1])
            position += 1
            if len(found) >= limit:
                break
        return found

    def _fuzzy_candidates(self, query: str) -> list[int]:
        if not self._postings:
            return list(range(len(self._folded)))
        arrays = [self._postings[g] for g in _trigrams(query) if g in self._postings]
        if not arrays:
            return []
        counts = np.bincount(np.concatenate(arrays), minlength=len(self._folded))
        nonzero = np.flatnonzero(counts)
        if len(nonzero) > CANDIDATES:
            best = np.argpartition(counts[nonzero], -CANDIDATES)[-CANDIDATES:]
            nonzero = nonzero[best]
        return nonzero.tolist()

    def search(self, query: str, limit: int = 25, cutoff: float = 60.0) -> list[Match[T]]:
        folded = fold(query)
        if not folded:
            return [
                Match(v, k, PREFIX, 100.0)
                for k, v in zip(self._keys[:limit], self._values[:limit], strict=True)
            ]
        seen: set[int] = set()
        matches: list[Match[T]] = []

        def add(indices: Iterable[int], tier: int, score: float) -> None:
            for i in indices:
                if i not in seen and len(matches) < limit:
                    seen.add(i)
                    matches.append(Match(self._values[i], self._keys[i], tier, score))

        add(self._exact.get(folded, ()), EXACT, 100.0)
        add(self._prefixed(self._sorted, folded, limit), PREFIX, 100.0)
        if " " not in folded:
            add(self._prefixed(self._words, folded, limit * 4), WORD_PREFIX, 100.0)
        if len(matches) >= limit:
            return matches
        candidates = [i for i in self._fuzzy_candidates(folded) if i not in seen]
        if candidates:
            scored = process.extract(
                folded,
                [self._folded[i] for i in candidates],
                scorer=fuzz.WRatio,
                score_cutoff=cutoff,
                limit=limit - len(matches),
            )
            for _, score, position in scored:
                i = candidates[position]
                seen.add(i)
                matches.append(Match(self._values[i], self._keys[i], FUZZY, float(score)))
        return matches
