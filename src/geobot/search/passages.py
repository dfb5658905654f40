"""Answering a free-text question with ranked passages and an answered/not-answered verdict.

In stages: the question (typo correction, glossary, its embedding) → retrieve (BM25 over
sentences with weaker context fields, and the passages nearest the question's embedding,
both within the `document` filter before their top-k cut) → candidate spans (a sentence, or
it with a neighbour; geobot.search.spans) → signals and final order (geobot.search.ranking)
→ verdict: a logistic regression on the best span's similarity and coverage of the
question, with two vetoes (a name the documents never mention; a "when" or "how many"
whose best span has no date or number). Past the size where embedding is worth it, the
lexical path alone serves, with the lexical verdict.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from pathlib import Path

import numpy as np

from geobot.documents.model import Document, DocumentSet, Passage
from geobot.search.answer_types import AnswerType, answer_type, has_answer_type
from geobot.search.bm25 import QueryGroup
from geobot.search.encoder import DIMENSIONS, Encoder
from geobot.search.index import Analysis, IndexStore
from geobot.search.query import Glossary, QueryTerm, Vocabulary, analyse, clean_question
from geobot.search.ranking import (
    DEFAULT,
    Evidence,
    RankingConfig,
    asks_perspective,
    perspective,
)
from geobot.search.spans import ANAPHOR, NAMED_ANSWERS, SpanBuilder
from geobot.search.vectors import CacheStats, VectorCache
from geobot.text.analysis import (
    capitals,
    fold_each,
    folded,
    merge_phrases,
    raw_words,
    synonyms,
    terms,
    terms_of_words,
)
from geobot.text.english import is_common

# Kinds no passage can answer without: a date or a number is recognisable in any sentence,
# while a person or a place may be named only in a neighbouring one.
MEASURED_ANSWERS = frozenset({AnswerType.TIME, AnswerType.QUANTITY})
# Without the semantic index (very large sets) the verdict is lexical: the share of the
# question's idf mass the best span must cover.
MIN_COVERAGE = 0.4


@dataclass(frozen=True, slots=True)
class Hit:
    passages: tuple[Passage, ...]  # one sentence, or two adjacent ones of a paragraph
    score: float
    coverage: float
    similarity: float = 0.0  # cosine of question and span (0 without the semantic index)

    @property
    def id(self) -> str:
        return self.passages[0].id

    @property
    def document_id(self) -> str:
        return self.passages[0].document_id

    @property
    def section(self) -> str | None:
        return self.passages[0].section

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.passages)

    @property
    def citations(self) -> tuple[int, ...]:
        return tuple(sorted({n for p in self.passages for n in p.citations}))


@dataclass(slots=True)
class Verdict:
    """Whether the best passage answers the question, from what the question asks for."""

    words: int = 0  # content words in the question
    unknown: int = 0  # of which the documents contain no form
    unknown_specific: bool = False  # a number or a name among the unknown words
    unknown_rare: int = 0  # unknown words that are not common English: names, terms
    matched: int = 0  # content words the best passage contains
    matched_specific: bool = False  # of which a name the reader capitalised ("BRICS")
    lacks_kind: bool = False  # a "when" or "how many" whose best passage has no date or number
    group_terms: list[str] = field(default_factory=list)  # the question term of each group
    missing_name: bool = False  # a name the question and the documents hold, the best span not

    def vetoed(self) -> bool:
        if self.unknown_specific:
            return True  # the question is about something the documents never mention
        # "When was Donald Trump born?" shares every word with a sentence about his
        # presidency, but a time or a number is what it asks for, and that has none.
        return self.lacks_kind

    @property
    def unknown_share(self) -> float:
        # A common word the documents happen not to use ("big") says little; a rare one
        # ("vance", "hormuz") names something they never mention.
        return self.unknown_rare / max(1, self.words)

    def lexical(self, coverage: float) -> bool:
        """The verdict without the semantic index."""
        if self.vetoed():
            return False
        if self.matched < min(2, self.words) and not self.matched_specific:
            # One shared common word ("world", "rule") is a coincidence, not an answer; one
            # shared name ("What is BRICS and how big is it?") is what the question is about.
            return False
        return coverage >= MIN_COVERAGE


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    hits: tuple[Hit, ...]
    total: int  # how many hits there are in all, for paging
    coverage: float
    terms: tuple[QueryTerm, ...] = ()
    corrections: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0  # the verdict's probability that the best passage answers
    evidence: Evidence | None = None  # what the verdict weighed (semantic index on)


@lru_cache(maxsize=65536)
def _field_terms(text: str) -> frozenset[str]:
    # Headings, titles and claims repeat on many sentences: analyse each text once.
    return frozenset(terms(text))


@lru_cache(maxsize=65536)
def _ordered_terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


# "Who is/was X": answered by what the passage says of X, who is named in the question.
_IDENTITY = re.compile(r"\s*who(?:'s|\s+(?:is|was|are|were)\b)", re.IGNORECASE)
_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z]+\b")
_LOWER_WORD = re.compile(r"\b[a-z]+\b")


def _names_in(document: Document) -> set[str]:
    """Capitalised words of the names the curated layer gives (speakers, named sources,
    glossary entries) that the article never writes in lower case: "Unger", "BRICS", not
    the "state" of "Secretary of State" when the article also speaks of a state."""
    texts = [q.speaker for q in document.quotes if q.speaker]
    texts += [s.label for s in document.sources if s.is_named]
    for key, targets in document.glossary.items():
        texts.append(key)
        texts.extend(targets)
    candidates = {w for text in texts for w in _CAPITALISED_WORD.findall(text)}
    if not candidates:
        return set()
    lower = set(_LOWER_WORD.findall(" ".join(p.text for p in document.passages)))
    return {word for word in candidates if word.lower() not in lower}


def _name_terms(candidates: set[str]) -> frozenset[str]:
    # A common English word is a name only in its capitals ("Rule the World", "White
    # House"): typed in lower case it is that word. Done at the first question, not while
    # building, so that a reload never waits for the English word list.
    return frozenset(
        t
        for word in candidates
        if word.isupper() or not is_common(word.lower())
        for t in terms(word)
    )


def _config_key(config: RankingConfig) -> str:
    """What of the configuration the stored term weights depend on."""
    weights = (config.w_section, config.w_title, config.w_claim, config.w_speaker)
    return ",".join(map(str, (*weights, config.w_source)))


def _add(tfs: dict[str, float], text: str | None, weight: float) -> None:
    if not text:
        return
    for term in _field_terms(text):
        tfs[term] = tfs.get(term, 0.0) + weight


@dataclass(slots=True)
class _Query:
    """One question as the stages see it."""

    text: str
    terms: list[QueryTerm]
    corrections: dict[str, str]
    groups: list[QueryGroup]
    mass: float
    verdict: Verdict
    specific: list[bool]
    weights: dict[int, float]
    vector: np.ndarray | None
    within: tuple[int, int] | None
    # Cosine of the question with every sentence, and with every two-sentence window
    # (row i: sentences i and i+1 of one paragraph; 0 where there is none).
    similarities: np.ndarray | None = None
    window_similarities: np.ndarray | None = None


class PassageSearch:
    def __init__(
        self,
        documents: DocumentSet,
        vectors: VectorCache | None = None,
        config: RankingConfig = DEFAULT,
        index_dir: Path | None = None,
    ) -> None:
        """`index_dir` is where the lexical index is kept between starts (None: built in
        memory). `vectors`, if given, embeds every passage (from its cache where it can)
        for the semantic signal; without it, or past `config.semantic_max_passages`,
        search is lexical."""
        self.config = config
        self.passages: list[Passage] = []
        self._documents: dict[str, Document] = documents.documents
        glossary: list[tuple[str, tuple[str, ...]]] = []
        offsets: dict[str, int] = {}
        names: set[str] = set()

        for document in documents:
            self._take(document, offsets, glossary, names)
        self.store = IndexStore(
            index_dir, partial(PassageSearch._analyse, config=config), _config_key(config)
        )
        self.index = self.store.open(documents)
        counts = self.index.word_counts()
        self._offsets = offsets
        self._sorted_terms = sorted(self.index.vocabulary)
        self.vocabulary = Vocabulary(counts)
        self.glossary = Glossary(glossary)
        self._name_words = names
        self.encoder: Encoder | None = None
        self.matrix: np.ndarray | None = None  # one row per sentence
        self.windows: np.ndarray | None = None  # row i: sentences i and i+1 together
        self.vector_stats: CacheStats | None = None  # cache hits and misses of this build
        if vectors is not None and len(self.passages) <= config.semantic_max_passages:
            self.encoder = vectors.encoder
            self.matrix, self.windows = self._embed(
                documents, vectors, len(self.passages) <= config.window_max_passages
            )
            self.vector_stats = vectors.stats
        self._capitalised_terms = self._capitalised()

    def _take(
        self,
        document: Document,
        offsets: dict[str, int],
        glossary: list[tuple[str, tuple[str, ...]]],
        names: set[str],
    ) -> None:
        offsets[document.id] = len(self.passages)
        glossary.extend(document.glossary.items())
        names.update(_names_in(document))
        self.passages.extend(document.passages)

    @classmethod
    def _analyse(cls, document: Document, config: RankingConfig) -> Analysis:
        analysis = Analysis([], Counter(), Counter(), Counter())
        written: list[str] = []
        cased: list[str] = []
        named: list[str] = []
        for raws, each in cls._rows(document, analysis, config):
            written += each
            found, inside = capitals(raws)
            cased += found
            named += inside
        # Counted once per document, and case read from the few capitalised words: a
        # test of every word's case costs more than the rest of the analysis.
        analysis.lower.update(written)
        analysis.lower.subtract(map(folded, cased))
        analysis.named.update(map(folded, named))
        return analysis

    def _embed(
        self,
        documents: DocumentSet,
        vectors: VectorCache,
        with_windows: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of every sentence and of every two adjacent sentences of a paragraph: a
        question is often answered by a pair together, and a pair's own vector is nearer
        it than either sentence's. Without `with_windows`, a pair's vector is the mean of
        its sentences'."""
        sentences = np.zeros((len(self.passages), DIMENSIONS), dtype=np.float32)
        windows = np.zeros_like(sentences)
        for document in documents:
            start = self._offsets[document.id]
            passages = document.passages
            pairs = [
                i
                for i in range(len(passages) - 1)
                if passages[i].paragraph == passages[i + 1].paragraph
            ]
            texts = [p.text for p in passages]
            if with_windows:
                texts += [f"{passages[i].text} {passages[i + 1].text}" for i in pairs]
            found = vectors.vectors(texts)
            sentences[start : start + len(passages)] = found[: len(passages)]
            for row, i in enumerate(pairs, len(passages)):
                if with_windows:
                    windows[start + i] = found[row]
                else:
                    mean = found[i] + found[i + 1]
                    windows[start + i] = mean / max(1e-12, float(np.linalg.norm(mean)))
        return sentences, windows

    @property
    def semantic(self) -> bool:
        """Whether the semantic index is on."""
        return self.matrix is not None

    @staticmethod
    def _rows(
        document: Document, analysis: Analysis, config: RankingConfig
    ) -> Iterator[tuple[list[str], list[str]]]:
        """Each passage's row and word counts added to `analysis`; yields its words as
        written and as folded one for one."""
        claims: dict[str, list[str]] = {}
        for argument in document.arguments:
            if argument.automatic:
                continue  # its claim is one of the article's own sentences: nothing to add
            for evidence in argument.evidence:
                for pid in evidence.passage_ids:
                    claims.setdefault(pid, []).append(argument.claim)
        speakers: dict[str, list[str]] = {}
        for quote in document.quotes:
            if quote.speaker:
                speakers.setdefault(quote.passage_id, []).append(quote.speaker)
        sources: dict[str, list[str]] = {}
        for source in document.sources:
            if source.is_named:
                for pid in source.passage_ids:
                    sources.setdefault(pid, []).append(source.label)
        for passage in document.passages:
            raws = raw_words(passage.text)
            each = fold_each(raws)
            folded = merge_phrases(each)
            analysis.words.update(folded)
            body = terms_of_words(folded)
            tfs: dict[str, float] = dict(Counter(body))
            _add(tfs, passage.section, config.w_section)
            _add(tfs, document.title, config.w_title)
            for claim in claims.get(passage.id, ()):
                _add(tfs, claim, config.w_claim)
            for speaker in speakers.get(passage.id, ()):
                _add(tfs, speaker, config.w_speaker)
            for label in sources.get(passage.id, ()):
                _add(tfs, label, config.w_source)
            analysis.rows.append((tfs, float(max(1, len(body)))))
            yield raws, each

    @cached_property
    def names(self) -> frozenset[str]:
        """Terms that name something, whatever case the reader types them in ("brics")."""
        return _name_terms(self._name_words)

    def _neighbour(self, index: int, step: int) -> int | None:
        other = index + step
        if not 0 <= other < len(self.passages):
            return None
        a, b = self.passages[index], self.passages[other]
        if a.document_id != b.document_id or a.paragraph != b.paragraph:
            return None
        return other

    def _related(self, term: str) -> list[str]:
        """Index terms of the same word family that the stemmer keeps apart
        ("compet"/"competit", "econom"/"economi")."""
        config = self.config
        if len(term) < config.min_family_prefix:
            return []
        related = []
        vocabulary = self._sorted_terms
        position = bisect_left(vocabulary, term)
        while position < len(vocabulary) and vocabulary[position].startswith(term):
            other = vocabulary[position]
            if other != term and len(other) - len(term) <= config.max_family_suffix:
                related.append(other)
            position += 1
        for cut in range(
            max(config.min_family_prefix, len(term) - config.max_family_suffix), len(term)
        ):
            prefix = term[:cut]
            if prefix in self.index.vocabulary:
                related.append(prefix)
        return related[:8]

    def _groups(
        self,
        query_terms: list[QueryTerm],
    ) -> tuple[list[QueryGroup], float, Verdict, list[bool]]:
        """The question's words as groups of index terms, the question's idf mass, the
        verdict's counts so far, and which groups are names the reader capitalised."""
        config = self.config
        groups: list[QueryGroup] = []
        specific: list[bool] = []
        total_mass = 0.0
        verdict = Verdict()
        for qt in query_terms:
            members: dict[int, float] = {}
            stats = self.index.stats(qt.term)
            if stats is not None:
                members[stats.term_id] = qt.weight
            for other in self._related(qt.term):
                other_stats = self.index.stats(other)
                if other_stats is not None:
                    members.setdefault(other_stats.term_id, qt.weight * config.family_weight)
            for other in synonyms(qt.term):
                for form in (other, *self._related(other)):
                    other_stats = self.index.stats(form)
                    if other_stats is not None:
                        members.setdefault(other_stats.term_id, qt.weight * config.thesaurus_weight)
            if qt.origin == "synonym":
                mass = 0.0
            elif stats is not None:
                mass = qt.weight * stats.idf
            elif members:
                mass = qt.weight * max(float(self.index.idf[t]) for t in members)
            else:
                mass = qt.weight * self.index.max_idf * config.unknown_idf_share
                verdict.unknown += 1
                verdict.unknown_specific |= qt.specific
                verdict.unknown_rare += not is_common(qt.word)
            if qt.origin != "synonym":
                verdict.words += 1
            total_mass += mass
            if members:
                groups.append(QueryGroup(members, mass))
                # A name the curated layer knows is one however it is typed ("brics").
                specific.append((qt.specific or qt.term in self.names) and stats is not None)
                verdict.group_terms.append(qt.term)
        return groups, total_mass, verdict, specific

    # -- stage 0: the question ---------------------------------------------------------

    def _query(self, question: str, document: str | None) -> _Query:
        question = clean_question(question)
        query_terms, corrections = analyse(
            question, self.index.vocabulary, self.vocabulary, self.glossary
        )
        groups, total_mass, verdict, specific = self._groups(query_terms)
        weights: dict[int, float] = {}
        for group in groups:
            for term_id, weight in group.terms.items():
                weights[term_id] = max(weights.get(term_id, 0.0), weight)
        within = None
        if document is not None:
            start = self._offsets.get(document)
            size = len(self._documents[document].passages) if start is not None else 0
            within = (start or 0, (start or 0) + size)
        vector = None
        if self.encoder is not None and total_mass >= self.config.min_mass:
            vector = self.encoder.encode(question)
        return _Query(
            question,
            query_terms,
            corrections,
            groups,
            total_mass,
            verdict,
            specific,
            weights,
            vector,
            within,
        )

    # -- stage 1: retrieve -------------------------------------------------------------

    def _retrieve(self, query: _Query) -> tuple[list[int], np.ndarray | None]:
        """Lexical and semantic candidates, both cut to their top-k after the document
        filter; and every passage's similarity to the question, when semantic is on."""
        candidates: dict[int, None] = {}
        if query.weights:
            ids, _ = self.index.top(query.weights, self.config.lexical_candidates, query.within)
            candidates.update(dict.fromkeys(ids.tolist()))
        similarities = None
        if query.vector is not None and self.matrix is not None and self.windows is not None:
            similarities = self.matrix @ query.vector
            query.similarities = similarities
            query.window_similarities = self.windows @ query.vector
            lo, hi = query.within or (0, len(self.passages))
            k = min(self.config.semantic_candidates, hi - lo)
            for sims, width in ((similarities, 1), (query.window_similarities, 2)):
                pool = sims[lo:hi]
                if k:
                    best = np.argpartition(-pool, k - 1)[:k] + lo
                    for i in sorted(best.tolist()):
                        candidates.update(dict.fromkeys(range(i, min(i + width, hi))))
        return list(candidates), similarities

    # -- stage 2: candidate spans, with their lexical score ----------------------------

    def _spans(
        self,
        query: _Query,
        candidates: list[int],
    ) -> dict[tuple[int, ...], tuple[float, float]]:
        """{span: (lexical rank, covered idf mass)} for every candidate sentence and the
        spans it forms with a neighbour that adds to it."""
        return SpanBuilder(self, query).build(candidates)

    # -- stage 3: signals and the final order ------------------------------------------

    @staticmethod
    def _similarity(query: _Query, key: tuple[int, ...]) -> float:
        assert query.similarities is not None
        assert query.window_similarities is not None
        best = max(float(query.similarities[i]) for i in key)
        if len(key) == 2:
            best = max(best, float(query.window_similarities[key[0]]))
        return best

    def _perspective_terms(self, query: _Query) -> tuple[set[str], set[str]] | None:
        """The question's subject and its other names, when it asks for someone's side
        of things and names two or more."""
        if not asks_perspective(query.text):
            return None
        named = [
            qt.term
            for qt in query.terms
            if qt.origin != "synonym"
            and (qt.specific or qt.term in self.names or qt.term in self._capitalised_terms)
        ]
        if len(named) < 2:
            return None
        return {named[0]}, set(named[1:])

    def _capitalised(self) -> frozenset[str]:
        """Terms the documents write capitalised inside a sentence and never in lower case:
        names, whatever case a reader types them in ("putin"). From the counts the index
        keeps, so that a set of any size has them before its first question."""
        names, lower_words = self.index.written_case()
        lower = set(terms_of_words(lower_words))
        return frozenset(t for t in terms_of_words(names) if t not in lower)

    def _opening(self, key: tuple[int, ...]) -> list[str]:
        """The terms a span opens with, for whose side it is told. A sentence that opens
        with "He" or "They" is told from the side of the one before it ("For Trump, … He saw
        Putin as…" is Trump's view, not Putin's)."""
        first = key[0]
        while ANAPHOR.match(self.passages[first].text):
            before = self._neighbour(first, -1)
            if before is None:
                break
            first = before
        return [t for i in range(first, key[-1] + 1) for t in _ordered_terms(self.passages[i].text)]

    def _order(
        self,
        query: _Query,
        spans: dict[tuple[int, ...], tuple[float, float]],
        similarities: np.ndarray | None,
    ) -> list[tuple[tuple[int, ...], float, float, float]]:
        """(span, final score, covered mass, similarity), best first."""
        config = self.config
        top_lexical = max((rank for rank, _ in spans.values()), default=0.0)
        sides = (
            self._perspective_terms(query)
            if similarities is not None and config.w_perspective
            else None
        )
        scored = []
        for key, (rank, covered) in spans.items():
            if similarities is None:
                scored.append((key, rank, covered, 0.0))
                continue
            similarity = self._similarity(query, key)
            score = config.w_semantic * similarity
            if top_lexical > 0:
                score += config.w_lexical * rank / top_lexical
            if query.mass > 0:
                score += config.w_coverage * min(1.0, covered / query.mass)
            if sides is not None:
                score += config.w_perspective * perspective(*sides, self._opening(key))
            scored.append((key, score, covered, similarity))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored

    # -- stage 4: the verdict ------------------------------------------------------------

    def _lacks_kind(self, query: _Query, key: tuple[int, ...]) -> bool:
        """A "when" or "how many" whose span has no date or number but the question's own;
        a "who" or "which countries" whose span names people or places, but only those the
        question names (one that names none may name them in a neighbouring sentence)."""
        wanted = answer_type(query.text)
        if wanted is None or wanted not in MEASURED_ANSWERS | NAMED_ANSWERS:
            return False
        if wanted is AnswerType.PERSON and _IDENTITY.match(query.text):
            return False  # "who was Bryton Barron" wants him described, not someone else
        given = frozenset(qt.term for qt in query.terms)
        texts = [self.passages[i].text for i in key]
        if any(has_answer_type(text, wanted, given) for text in texts):
            return False
        return wanted in MEASURED_ANSWERS or any(has_answer_type(t, wanted) for t in texts)

    def _verdict(
        self,
        query: _Query,
        best: tuple[tuple[int, ...], float, float, float],
    ) -> tuple[bool, float, Evidence | None]:
        key, _, covered, similarity = best
        verdict = query.verdict
        coverage = min(1.0, covered / query.mass) if query.mass else 0.0
        if query.groups:
            _, _, best_groups = self.index.span_score(
                [self.index.passage_terms(i) for i in key], 1.0, query.groups
            )
            verdict.matched = sum(1 for g in best_groups if query.groups[g].mass > 0)
            verdict.matched_specific = any(query.specific[g] for g in best_groups)
            verdict.missing_name = any(
                g not in best_groups
                and (query.specific[g] or term in self.names or term in self._capitalised_terms)
                for g, term in enumerate(verdict.group_terms)
            )
        verdict.lacks_kind = self._lacks_kind(query, key)
        if query.vector is None:
            return verdict.lexical(coverage), coverage, None
        known = max(0, verdict.words - verdict.unknown)
        missing = max(0, known - verdict.matched) / max(1, verdict.words)
        evidence = Evidence(
            similarity, coverage, verdict.unknown_share, missing, float(verdict.missing_name)
        )
        confidence = evidence.probability(self.config)
        return (
            not verdict.vetoed() and confidence >= self.config.verdict_threshold,
            confidence,
            evidence,
        )

    def ask(
        self, question: str, limit: int = 5, offset: int = 0, document: str | None = None
    ) -> Answer:
        query = self._query(question, document)
        # A question none of whose words the documents use or English knows ("xq zzv")
        # has nothing to match by meaning either.
        gibberish = not query.groups and query.verdict.unknown_rare == query.verdict.words
        if query.mass < self.config.min_mass or (
            not query.groups and (query.vector is None or gibberish)
        ):
            return Answer(query.text, False, (), 0, 0.0, tuple(query.terms), query.corrections)
        candidates, similarities = self._retrieve(query)
        ranked = self._order(query, self._spans(query, candidates), similarities)
        used: set[int] = set()
        hits: list[Hit] = []
        best = None
        for entry in ranked:
            key, score, covered, similarity = entry
            if any(i in used for i in key):
                continue
            used.update(key)
            best = best or entry
            hits.append(
                Hit(
                    tuple(self.passages[i] for i in key),
                    round(score, 4),
                    round(min(1.0, covered / query.mass), 4),
                    round(similarity, 4),
                )
            )
            if len(hits) >= self.config.max_results:
                break
        answered, confidence, evidence = self._verdict(query, best) if best else (False, 0.0, None)
        return Answer(
            question=query.text,
            answered=bool(hits) and answered,
            hits=tuple(hits[offset : offset + limit]),
            total=len(hits),
            coverage=hits[0].coverage if hits else 0.0,
            terms=tuple(query.terms),
            corrections=query.corrections,
            confidence=round(confidence, 4),
            evidence=evidence,
        )
