"""The library: one loaded document set with everything derived from it, ready to query.

A Library is immutable once built. Reloading builds a new one off the event loop and swaps
the reference, so a command that started on the old library finishes on it, and every
derived structure (search index, autocomplete lists) changes with the data, never apart.
This is the core API the CLI, the shell and the Discord bot call; none of it knows Discord.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from geobot.documents.loader import LoadResult, load_document_set
from geobot.documents.model import Argument, Document, DocumentSet, Quote, QuoteKind, Source
from geobot.search.fuzzy import FUZZY, FuzzyIndex
from geobot.search.index import prune
from geobot.search.passages import Answer, PassageSearch
from geobot.search.ranking import DEFAULT, RankingConfig
from geobot.search.vectors import VectorCache
from geobot.text.analysis import STOP_WORDS, terms
from geobot.text.normalize import fold

# Lexical indexes kept in the state folder, one per set location, the most recently used.
KEPT_INDEXES = 8
AUTOCOMPLETE_LIMIT = 25  # Discord's cap on autocomplete choices
CHOICE_CHARS = 100  # Discord's cap on a choice's name and value
# A fuzzy title match this good is taken without asking back, provided every content word
# the reader typed is (nearly) in the title: "the poems" must not match on "the" alone.
FUZZY_ACCEPT = 85
WORD_MATCH = 80


class UnknownDocumentError(LookupError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No document matches {query!r}.{hint}")


class LoadError(Exception):
    """The document set could not be loaded; `result` lists every problem."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        super().__init__(f"{len(result.errors)} error(s) in the document set")


@dataclass(frozen=True, slots=True)
class Choice:
    name: str  # shown to the reader, at most 100 characters
    value: str  # sent back by Discord, at most 100 characters


def _words_in(query: str, title: str) -> bool:
    """Every content word of the query is close to some word of the title."""
    title_words = fold(title).replace("-", " ").split()
    wanted = [
        w for w in fold(query).replace("-", " ").split() if len(w) >= 3 and w not in STOP_WORDS
    ]
    return all(any(fuzz.ratio(w, t) >= WORD_MATCH for t in title_words) for w in wanted)


def _clip(text: str, limit: int = CHOICE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def default_cache_dir() -> Path:
    """Where passage vectors are cached: beside the bot's other state."""
    from geobot.settings import get_settings

    return get_settings().state_dir / "embeddings"


def default_index_dir(documents: DocumentSet) -> Path:
    """Where a set's lexical index is kept between starts: one folder per set location, so
    that the bundled set and a test corpus do not rebuild each other's."""
    from geobot.settings import get_settings

    root = get_settings().state_dir / "search-index"
    where = hashlib.sha256(str(documents.path.resolve()).encode()).hexdigest()[:16]
    with contextlib.suppress(OSError):
        prune(root, KEPT_INDEXES)
    return root / where


class Library:
    def __init__(
        self,
        documents: DocumentSet,
        *,
        cache_dir: Path | None = None,
        semantic: bool = True,
        config: RankingConfig = DEFAULT,
        index_dir: Path | None = None,
    ) -> None:
        """Index a document set. The lexical index is kept in `index_dir` (default: the
        settings' state folder) and only changed articles are re-indexed. Passage vectors
        for the semantic signal are read from, or computed into, `cache_dir` (default:
        the settings' state folder); `semantic=False` builds the lexical index only."""
        self.documents = documents
        vectors = None
        if semantic:
            vectors = VectorCache(cache_dir or default_cache_dir())
        self.search = PassageSearch(
            documents, vectors, config, index_dir or default_index_dir(documents)
        )
        docs = list(documents)
        self._titles: FuzzyIndex[str] = FuzzyIndex(
            [(d.title, d.id) for d in docs] + [(d.id, d.id) for d in docs]
        )
        self.quotes: tuple[Quote, ...] = tuple(q for d in docs for q in d.quotes)
        self._quote_index: FuzzyIndex[int] = FuzzyIndex(
            (q.text, i) for i, q in enumerate(self.quotes)
        )
        speaker_counts = Counter(q.speaker for q in self.quotes if q.speaker)
        self.speakers: tuple[str, ...] = tuple(s for s, _ in speaker_counts.most_common())
        self._speaker_index: FuzzyIndex[str] = FuzzyIndex((s, s) for s in self.speakers)
        self.arguments: tuple[Argument, ...] = tuple(a for d in docs for a in d.arguments)
        # Topic lookups compare terms; analysing every claim and evidence once, here, keeps
        # /arguments topic: fast instead of re-tokenising on every call.
        self._argument_terms: dict[str, frozenset[str]] = {
            f"{a.document_id}:{a.id}": frozenset(
                terms(" ".join([a.claim, *a.topics, *(e.text for e in a.evidence)]))
            )
            for a in self.arguments
        }
        self.sources: tuple[Source, ...] = tuple(s for d in docs for s in d.sources)
        # Counted once here, where the set is built (off the event loop): the count grows
        # with the set, and /status and the metrics would otherwise spend it on the loop.
        self._stats: dict[str, int] = {
            "documents": len(docs),
            "curated": sum(d.curated for d in docs),
            "passages": sum(len(d.passages) for d in docs),
            "sections": sum(len(d.sections) for d in docs),
            "quotes": len(self.quotes),
            "arguments": len(self.arguments),
            "sources": len(self.sources),
            # 1 when questions are also matched by meaning (sentence embeddings), 0 when
            # the set is too large for that or it was turned off, and search is lexical.
            "semantic": int(self.search.semantic),
        }

    @classmethod
    def load(
        cls, folder: Path | str, *, cache_dir: Path | None = None, semantic: bool = True
    ) -> Library:
        """A library of the articles in `folder`; `.txt` articles without a curated
        `.toml` beside them load as uncurated documents (as tests/data/corpus/articles)."""
        result = load_document_set(folder)
        if not result.ok or result.documents is None:
            raise LoadError(result)
        return cls(result.documents, cache_dir=cache_dir, semantic=semantic)

    @property
    def semantic(self) -> bool:
        """Whether the semantic index is on for this set."""
        return self.search.semantic

    # -- documents -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.documents)

    def document(self, query: str) -> Document:
        """The document a reader meant, by id or title; exact before prefix before fuzzy."""
        matches = self._titles.search(query, limit=5, cutoff=70)
        if matches and (
            matches[0].tier < FUZZY
            or (matches[0].score >= FUZZY_ACCEPT and _words_in(query, matches[0].key))
        ):
            return self.documents.documents[matches[0].value]
        suggestions = [self.documents.documents[m.value].title for m in matches[:3]]
        raise UnknownDocumentError(query, list(dict.fromkeys(suggestions)))

    def resolve(self, query: str | None) -> Document | None:
        return None if query is None or not query.strip() else self.document(query)

    def get(self, document_id: str) -> Document:
        return self.documents.documents[document_id]

    # -- questions -------------------------------------------------------------------

    def ask(
        self, question: str, limit: int = 5, offset: int = 0, document: str | None = None
    ) -> Answer:
        doc = self.resolve(document)
        return self.search.ask(
            question, limit=limit, offset=offset, document=doc.id if doc else None
        )

    # -- quotes ----------------------------------------------------------------------

    def find_speakers(self, query: str, limit: int = 10) -> list[str]:
        return [m.value for m in self._speaker_index.search(query, limit=limit, cutoff=75)]

    def find_quotes(
        self,
        text: str | None = None,
        speaker: str | None = None,
        document: str | None = None,
        limit: int | None = 25,
    ) -> list[Quote]:
        """Quotes matching the words, speaker and document given; `limit=None` for all."""
        doc = self.resolve(document)
        pool: Iterable[Quote] = self.quotes
        if doc is not None:
            pool = [q for q in pool if q.document_id == doc.id]
        if speaker and speaker.strip():
            names = self.find_speakers(speaker)
            if not names:
                return []
            exact = [n for n in names if fold(n) == fold(speaker)]
            wanted = set(exact or names)
            pool = [q for q in pool if q.speaker in wanted]
        pool = list(pool)
        if not text or not text.strip():
            return pool[:limit]
        allowed = {id(q) for q in pool}
        ranked = [
            self.quotes[m.value] for m in self._quote_index.search(text, limit=200, cutoff=70)
        ]
        ranked = [q for q in ranked if id(q) in allowed]
        # Quotes whose surrounding sentence shares the words also count, after the quotes
        # themselves: "quote NATO" should find “a raw deal for America”.
        wanted_terms = set(terms(text))
        if wanted_terms:
            seen = {id(q) for q in ranked}
            for quote in pool:
                if id(quote) not in seen and wanted_terms <= set(terms(quote.context)):
                    ranked.append(quote)
        return ranked[:limit]

    # -- arguments and sources -------------------------------------------------------

    def find_arguments(
        self, document: str | None = None, topic: str | None = None
    ) -> list[Argument]:
        doc = self.resolve(document)
        pool = [a for a in self.arguments if doc is None or a.document_id == doc.id]
        if not topic or not topic.strip():
            return pool
        wanted = set(terms(topic))
        folded = fold(topic)
        scored = []
        for argument in pool:
            topics = [fold(t) for t in argument.topics]
            if folded in topics:
                scored.append((0, argument))
                continue
            text_terms = self._argument_terms[f"{argument.document_id}:{argument.id}"]
            if wanted and wanted <= text_terms:
                scored.append((1, argument))
            elif wanted & text_terms:
                scored.append((2, argument))
        return [a for _, a in sorted(scored, key=lambda item: item[0])]

    def find_sources(self, document: str | None = None) -> list[Source]:
        doc = self.resolve(document)
        return [s for s in self.sources if doc is None or s.document_id == doc.id]

    # -- autocomplete: from memory, in microseconds --------------------------------------

    def complete_documents(self, current: str) -> list[Choice]:
        matches = self._titles.search(current, limit=AUTOCOMPLETE_LIMIT * 2, cutoff=50)
        choices: dict[str, Choice] = {}
        for match in matches:
            doc = self.documents.documents[match.value]
            choices.setdefault(doc.id, Choice(_clip(doc.title), doc.id[:CHOICE_CHARS]))
        return list(choices.values())[:AUTOCOMPLETE_LIMIT]

    def complete_speakers(self, current: str) -> list[Choice]:
        names = (
            self.find_speakers(current, limit=AUTOCOMPLETE_LIMIT)
            if current.strip()
            else list(self.speakers[:AUTOCOMPLETE_LIMIT])
        )
        return [Choice(_clip(n), _clip(n)) for n in names]

    def complete_quotes(self, current: str) -> list[Choice]:
        matches = self._quote_index.search(current, limit=AUTOCOMPLETE_LIMIT * 2, cutoff=50)
        choices: dict[str, Choice] = {}
        for match in matches:
            quote = self.quotes[match.value]
            if quote.kind is not QuoteKind.QUOTE:
                label = f"“{quote.text}” ({quote.kind.value})"
            else:
                label = f"“{quote.text}” — {quote.speaker or 'unnamed'}"
            value = _clip(quote.text)
            choices.setdefault(value, Choice(_clip(label), value))
        return list(choices.values())[:AUTOCOMPLETE_LIMIT]

    def stats(self) -> dict[str, int]:
        return dict(self._stats)  # a copy: the library is shared and never changes
