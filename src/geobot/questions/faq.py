"""FAQ matching: answer a question a moderator has already answered, without a search.

Entries live in the ``faq`` table per guild (``guild_id`` None is the bot admins' FAQ for
DMs); the matcher keeps them in memory, normalised, and is refreshed by the store whenever
an entry is added or removed in this process (``reload()`` picks up other processes' edits).

Matching, in order:

1. exact match after normalisation (case, accents kept, punctuation and spacing ignored);
2. by meaning: the question's sentence embedding (geobot.search.encoder, the model search
   uses) against each entry's; the nearest entry matches when the cosine similarity is at
   least ``SEMANTIC_THRESHOLD``, so "when is the reading club meeting" finds "when does the
   reading club meet to discuss these articles", which shares too few letters for (3);
3. fuzzy: rapidfuzz ``token_set_ratio`` shortlists entries at or above the threshold, and
   the final score is the mean of ``token_set_ratio`` and ``token_sort_ratio``. The mean is
   there because ``token_set_ratio`` alone scores 100 whenever one text's words are a subset
   of the other's ("What is NATO?" vs "What is NATO doing in Ukraine?"), and a wrong FAQ
   answer is worse than none.

Guild isolation: ``match(guild_id, ...)`` only ever looks at that guild's entries, so a DM
question (guild None) never matches a guild's FAQ, and one guild never sees another's.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np
from rapidfuzz import fuzz, process

from geobot.search.encoder import Encoder, shared_encoder

if TYPE_CHECKING:
    from geobot.questions.store import QuestionStore

DEFAULT_THRESHOLD = 85.0
# Measured on tests/data/faq-pairs-dev.jsonl (paraphrases that should match, and near pairs
# that should not: "What is NATO?" / "What is NATO doing in Ukraine?"): the least cosine
# above every non-matching pair, since a wrong FAQ answer is worse than none. Test:
# tests/questions/test_questions_faq.py::test_semantic_threshold_on_the_dev_pairs.
SEMANTIC_THRESHOLD = 0.78


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: int
    guild_id: int | None
    question: str
    answer: str
    source_question_id: int | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    score: float  # 100 for an exact (normalised) match


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Case- and punctuation-insensitive form of a question, for comparing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def _score(query: str, candidate: str) -> float:
    return (fuzz.token_set_ratio(query, candidate) + fuzz.token_sort_ratio(query, candidate)) / 2


class _GuildIndex:
    __slots__ = ("by_text", "entries", "keys", "vectors")

    def __init__(self, entries: Iterable[FaqEntry], encoder: Encoder | None) -> None:
        # Newest first, so that when two entries tie the latest moderator answer wins.
        self.entries = sorted(entries, key=lambda e: (e.created_at, e.id), reverse=True)
        self.keys = [normalise(e.question) for e in self.entries]
        self.by_text: dict[str, FaqEntry] = {}
        for key, entry in zip(self.keys, self.entries, strict=True):
            self.by_text.setdefault(key, entry)
        # One entry at a time, as questions are: the same text gets the same vector.
        self.vectors = (
            np.array([encoder.encode(e.question) for e in self.entries])
            if encoder is not None and self.entries
            else None
        )


class FaqMatcher:
    """In-memory FAQ per guild. Thread-safe: refreshes swap a whole guild index at once."""

    def __init__(
        self,
        loader: Callable[[int | None], list[FaqEntry]],
        *,
        load_all: Callable[[], list[FaqEntry]] | None = None,
        encoder: Encoder | Literal["shared"] | None = "shared",
    ) -> None:
        """``encoder``: the sentence encoder for matching by meaning ("shared": the
        process's one, geobot.search.encoder.shared_encoder; None: fuzzy matching only)."""
        self._loader = loader
        self._load_all = load_all
        self._encoder = shared_encoder() if encoder == "shared" else encoder
        self._guilds: dict[int | None, _GuildIndex] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_store(cls, store: QuestionStore) -> FaqMatcher:
        """A matcher fed by ``store`` and refreshed by it whenever an FAQ entry changes."""
        matcher = cls(store.faq_entries_for, load_all=store.all_faq_entries)
        store.add_faq_listener(matcher.refresh)
        matcher.reload()
        return matcher

    def reload(self) -> None:
        """Load every guild's entries (at start, or to see other processes' edits)."""
        if self._load_all is None:
            with self._lock:
                guilds = list(self._guilds)
            for guild_id in guilds:
                self.refresh(guild_id)
            return
        grouped: dict[int | None, list[FaqEntry]] = {}
        for entry in self._load_all():
            grouped.setdefault(entry.guild_id, []).append(entry)
        indexes = {guild: _GuildIndex(entries, self._encoder) for guild, entries in grouped.items()}
        with self._lock:
            self._guilds = indexes

    def refresh(self, guild_id: int | None) -> None:
        index = _GuildIndex(self._loader(guild_id), self._encoder)
        with self._lock:
            self._guilds[guild_id] = index

    def entries(self, guild_id: int | None) -> list[FaqEntry]:
        index = self._guilds.get(guild_id)
        return list(index.entries) if index else []

    def best(
        self, guild_id: int | None, question: str, threshold: float = DEFAULT_THRESHOLD
    ) -> FaqMatch | None:
        index = self._guilds.get(guild_id)
        key = normalise(question)
        if index is None or not key:
            return None
        exact = index.by_text.get(key)
        if exact is not None:
            return FaqMatch(exact, 100.0)
        if index.vectors is not None and self._encoder is not None:
            similarities = index.vectors @ self._encoder.encode(question)
            position = int(np.argmax(similarities))
            if similarities[position] >= SEMANTIC_THRESHOLD:
                return FaqMatch(
                    index.entries[position], round(100 * float(similarities[position]), 1)
                )
        shortlist = process.extract(
            key, index.keys, scorer=fuzz.token_set_ratio, score_cutoff=threshold, limit=10
        )
        best: FaqMatch | None = None
        for candidate, _, position in shortlist:
            score = _score(key, candidate)
            if score >= threshold and (best is None or score > best.score):
                best = FaqMatch(index.entries[position], score)
        return best

    def match(
        self, guild_id: int | None, question: str, threshold: float = DEFAULT_THRESHOLD
    ) -> FaqEntry | None:
        """The FAQ entry of ``guild_id`` that answers ``question``, or None.

        ``threshold`` is 0-100; the default, 85, accepts rewordings and typos but not a
        question that merely contains an FAQ question's words.
        """
        found = self.best(guild_id, question, threshold)
        return found.entry if found else None
