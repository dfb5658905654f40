"""Answering a free-text question with ranked passages and an answered/not-answered verdict.

Retrieval is BM25 over sentences, each sentence also carrying weaker fields from its
context: its section heading, its document's title, the curated claims it is evidence for,
the speakers quoted in it and the named sources it cites. The best candidates are then
re-ranked as short spans: a sentence alone, or with its neighbour in the same paragraph when
the neighbour holds question words the sentence lacks ("Beyond Ukraine, the U.S. and Russia
remain rivals… They compete for influence in…"). The verdict asks how much of the question
(by idf mass) the best span covers, so that a question about football, whose words the
documents do not contain, is not "answered" by whatever shares the word "world".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from geobot.documents.model import Document, DocumentSet, Passage
from geobot.search.answer_types import AnswerType, answer_type, has_answer_type
from geobot.search.bm25 import BM25Index, QueryGroup
from geobot.search.query import Glossary, QueryTerm, Vocabulary, analyse, clean_question
from geobot.text.analysis import synonyms, terms, terms_of_words, words
from geobot.text.english import is_common

# Field weights: how much a term seen in the sentence's context counts against one in the
# sentence itself.
W_SECTION = 0.3
W_TITLE = 0.1
W_CLAIM = 0.35
W_SPEAKER = 0.6
W_SOURCE = 0.4

CANDIDATES = 30
MAX_RESULTS = 25
MAX_SPAN_CHARS = 700
# The verdict: the share of the question's idf mass the best span must cover, and the
# least idf a question must have at all (a question of only stop words answers nothing).
MIN_COVERAGE = 0.4
MIN_MASS = 1.0
UNKNOWN_IDF_SHARE = 0.6
COVERAGE_BOOST = 1.0
SPAN_LENGTH_SHARE = 0.5
SPAN_MIN_GAIN = 0.08  # the share of the question a neighbour must add to join a span
# A following sentence that leans on this one ("It was…") joins it when it holds at least
# this share of the question; the pair then ranks just above the sentence alone.
CONTINUATION_SHARE = 0.1
CONTINUATION_EDGE = 0.001
# Word families: terms sharing a stem prefix of 5+ letters, at most 4 letters longer.
MIN_FAMILY_PREFIX = 5
MAX_FAMILY_SUFFIX = 4
FAMILY_WEIGHT = 0.7
THESAURUS_WEIGHT = 0.6
# The rest of a paragraph, up to this many sentences each side, read as a weak field.
CONTEXT_SENTENCES = 2
CONTEXT_AFTER = 0
W_CONTEXT = 0.15
ANSWER_TYPE_BONUS = 0.5  # a passage of the kind the question asks for: a name for "who"…
# Kinds answered by something the passage names (a person, a time, a number, a place): it
# counts only in a sentence that has some of the question's own words, or a two-sentence
# span would earn the bonus for a name in the neighbour, about something else. A reason or
# a consequence links sentences, so for those the span as a whole counts.
NAMED_ANSWERS = frozenset(
    {AnswerType.PERSON, AnswerType.TIME, AnswerType.QUANTITY, AnswerType.PLACE})
# Kinds no passage can answer without: a date or a number is recognisable in any sentence,
# while a person or a place may be named only in a neighbouring one.
MEASURED_ANSWERS = frozenset({AnswerType.TIME, AnswerType.QUANTITY})


# A sentence opening with a pronoun or a demonstrative leans on the one before it.
_ANAPHOR = re.compile(r"(?:They|It|This|These|That|Those|He|She|Such|Its|Their|His|Her)\b")


@dataclass(frozen=True, slots=True)
class Hit:
    passages: tuple[Passage, ...]  # one sentence, or two adjacent ones of a paragraph
    score: float
    coverage: float

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
    matched: int = 0  # content words the best passage contains
    matched_specific: bool = False  # of which a name the reader capitalised ("BRICS")
    lacks_kind: bool = False  # a "when" or "how many" whose best passage has no date or number

    def answered(self, coverage: float) -> bool:
        if self.unknown_specific:
            return False  # the question is about something the documents never mention
        if self.lacks_kind:
            # "When was Donald Trump born?" shares every word with a sentence about his
            # presidency, but a time or a number is what it asks for, and that has none.
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


@lru_cache(maxsize=65536)
def _field_terms(text: str) -> frozenset[str]:
    # Headings, titles and claims repeat on many sentences: analyse each text once.
    return frozenset(terms(text))


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
    return frozenset(t for word in candidates
                     if word.isupper() or not is_common(word.lower()) for t in terms(word))


def _add(tfs: dict[str, float], text: str | None, weight: float) -> None:
    if not text:
        return
    for term in _field_terms(text):
        tfs[term] = tfs.get(term, 0.0) + weight


class PassageSearch:
    def __init__(
        self, documents: DocumentSet, tick: Callable[[], None] | None = None
    ) -> None:
        """`tick`, if given, is called after each document is indexed: a build in a thread
        beside the event loop uses it to take turns with searches (geobot.gil)."""
        self.passages: list[Passage] = []
        self._documents: dict[str, Document] = documents.documents
        counts: Counter[str] = Counter()
        glossary: list[tuple[str, tuple[str, ...]]] = []
        offsets: dict[str, int] = {}
        names: set[str] = set()

        def rows() -> Iterator[tuple[dict[str, float], float]]:
            # A generator, so that per-passage term dicts never all exist at once.
            for document in documents:
                if tick is not None:
                    tick()
                offsets[document.id] = len(self.passages)
                glossary.extend(document.glossary.items())
                names.update(_names_in(document))
                self.passages.extend(document.passages)
                yield from self._rows(document, counts)

        self.index = BM25Index(rows())
        self._offsets = offsets
        self._sorted_terms = sorted(self.index.vocabulary)
        self.vocabulary = Vocabulary(counts)
        self.glossary = Glossary(glossary)
        self._name_words = names

    @staticmethod
    def _rows(document: Document, counts: Counter[str]) -> Iterator[tuple[dict[str, float], float]]:
        claims: dict[str, list[str]] = {}
        for argument in document.arguments:
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
            folded = words(passage.text)
            counts.update(folded)
            body = terms_of_words(folded)
            tfs: dict[str, float] = dict(Counter(body))
            _add(tfs, passage.section, W_SECTION)
            _add(tfs, document.title, W_TITLE)
            for claim in claims.get(passage.id, ()):
                _add(tfs, claim, W_CLAIM)
            for speaker in speakers.get(passage.id, ()):
                _add(tfs, speaker, W_SPEAKER)
            for label in sources.get(passage.id, ()):
                _add(tfs, label, W_SOURCE)
            yield tfs, float(max(1, len(body)))

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
        if len(term) < MIN_FAMILY_PREFIX:
            return []
        related = []
        vocabulary = self._sorted_terms
        position = bisect_left(vocabulary, term)
        while position < len(vocabulary) and vocabulary[position].startswith(term):
            other = vocabulary[position]
            if other != term and len(other) - len(term) <= MAX_FAMILY_SUFFIX:
                related.append(other)
            position += 1
        for cut in range(max(MIN_FAMILY_PREFIX, len(term) - MAX_FAMILY_SUFFIX), len(term)):
            prefix = term[:cut]
            if prefix in self.index.vocabulary:
                related.append(prefix)
        return related[:8]

    def _groups(self, query_terms: list[QueryTerm],
                ) -> tuple[list[QueryGroup], float, Verdict, list[bool]]:
        """The question's words as groups of index terms, the question's idf mass, the
        verdict's counts so far, and which groups are names the reader capitalised."""
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
                    members.setdefault(other_stats.term_id, qt.weight * FAMILY_WEIGHT)
            for other in synonyms(qt.term):
                for form in (other, *self._related(other)):
                    other_stats = self.index.stats(form)
                    if other_stats is not None:
                        members.setdefault(other_stats.term_id, qt.weight * THESAURUS_WEIGHT)
            if qt.origin == "synonym":
                mass = 0.0
            elif stats is not None:
                mass = qt.weight * stats.idf
            elif members:
                mass = qt.weight * max(float(self.index.idf[t]) for t in members)
            else:
                # A word the documents lack still counts against coverage, as a rare word.
                mass = qt.weight * self.index.max_idf * UNKNOWN_IDF_SHARE
                verdict.unknown += 1
                verdict.unknown_specific |= qt.specific
            if qt.origin != "synonym":
                verdict.words += 1
            total_mass += mass
            if members:
                groups.append(QueryGroup(members, mass))
                # A name the curated layer knows is one however it is typed ("brics").
                specific.append((qt.specific or qt.term in self.names) and stats is not None)
        return groups, total_mass, verdict, specific

    def ask(self, question: str, limit: int = 5, offset: int = 0,
            document: str | None = None) -> Answer:
        question = clean_question(question)
        query_terms, corrections = analyse(question, self.index.vocabulary, self.vocabulary,
                                           self.glossary)
        groups, total_mass, verdict, specific = self._groups(query_terms)
        if not groups or total_mass < MIN_MASS:
            return Answer(question, False, (), 0, 0.0, tuple(query_terms), corrections)
        weights: dict[int, float] = {}
        for group in groups:
            for term_id, weight in group.terms.items():
                weights[term_id] = max(weights.get(term_id, 0.0), weight)
        ids, _ = self.index.top(weights, CANDIDATES)
        candidates = ids.tolist()
        if document is not None:
            candidates = [i for i in candidates if self.passages[i].document_id == document]
        spans: dict[tuple[int, ...], tuple[float, float]] = {}
        forward: dict[int, dict[int, float]] = {}

        def terms_of(i: int) -> dict[int, float]:
            if i not in forward:
                forward[i] = self.index.passage_terms(i)
            return forward[i]

        wanted = answer_type(question)
        # The question's own words (not synonyms, not word families), as index terms.
        own = {self.index.vocabulary[qt.term] for qt in query_terms
               if qt.origin != "synonym" and qt.term in self.index.vocabulary}

        def answers(i: int) -> bool:
            if wanted is None or not has_answer_type(self.passages[i].text, wanted):
                return False
            return wanted not in NAMED_ANSWERS or any(
                terms_of(i).get(t, 0.0) >= 1.0 for t in own)

        def rank(score: float, covered: float, key: tuple[int, ...]) -> float:
            boost = 1.0 + COVERAGE_BOOST * covered / total_mass
            if any(answers(i) for i in key):
                boost *= 1.0 + ANSWER_TYPE_BONUS
            return score * boost

        contexts: dict[tuple[int, int], dict[int, float]] = {}

        def context_of(key: tuple[int, ...]) -> dict[int, float]:
            """The rest of the span's paragraph, as one weak field: a sentence's neighbours
            say what it is about when it says so only with "they" or "this"."""
            edges = (key[0], key[-1] if CONTEXT_AFTER else -1)
            if edges in contexts:  # a sentence alone and in its spans share their context
                return contexts[edges]
            found: dict[int, float] = {}
            contexts[edges] = found
            for step, edge, reach in ((-1, key[0], CONTEXT_SENTENCES),
                                      (1, key[-1], CONTEXT_AFTER)):
                j = edge
                for _ in range(int(reach)):
                    nxt = self._neighbour(j, step)
                    if nxt is None:
                        break
                    j = nxt
                    tfs = terms_of(j)
                    # Only the question's terms matter: look those up, not the sentence's.
                    for term_id in weights:
                        if tfs.get(term_id, 0.0) >= 1.0:
                            found[term_id] = found.get(term_id, 0.0) + W_CONTEXT
            return found

        def scored(key: tuple[int, ...]) -> tuple[float, float]:
            parts = [terms_of(i) for i in key]
            lengths = sorted(float(self.index.lengths[i]) for i in key)
            # The span is not penalised as a whole for its length, or no two sentences
            # would ever beat one; only a share of the shorter one counts.
            length = lengths[-1] + SPAN_LENGTH_SHARE * sum(lengths[:-1])
            context = context_of(key) if W_CONTEXT > 0 else None
            score, cov, _ = self.index.span_score(parts, length, groups, context)
            return score, cov

        coverages: dict[int, float] = {}

        def coverage_of(i: int) -> float:
            """How much of the question one sentence covers on its own."""
            if i not in coverages:
                coverages[i] = self.index.span_score(
                    [terms_of(i)], float(self.index.lengths[i]), groups)[1]
            return coverages[i]

        for i in candidates:
            single, single_cov = scored((i,))
            coverages[i] = single_cov  # context covers none of the question: the same sum
            spans[(i,)] = (rank(single, single_cov, (i,)), single_cov)
            for step in (-1, 1):
                j = self._neighbour(i, step)
                if j is None:
                    continue
                key = (min(i, j), max(i, j))
                if key in spans:
                    continue
                if len(self.passages[i].text) + len(self.passages[j].text) + 1 > MAX_SPAN_CHARS:
                    continue
                score, cov = scored(key)
                other_cov = coverage_of(j)
                # Only a neighbour that adds question words earns the longer span, or one
                # the later sentence leans on ("They compete…" needs who "they" are).
                gain = SPAN_MIN_GAIN * total_mass
                leans = bool(_ANAPHOR.match(self.passages[key[1]].text))
                if (cov >= single_cov + gain and cov >= other_cov + gain) or leans:
                    span_rank = rank(score, cov, key)
                    if leans and key[0] == i and other_cov >= CONTINUATION_SHARE * total_mass:
                        # The next sentence carries on from this one ("…did not break down
                        # over an incident. It was an alignment that was unsustainable…")
                        # and speaks to the question too: the pair is the better answer,
                        # and ranks at least where the sentence alone would.
                        span_rank = max(span_rank, spans[(i,)][0] * (1.0 + CONTINUATION_EDGE))
                    spans[key] = (span_rank, cov)
        ranked = sorted(spans.items(), key=lambda item: (-item[1][0], item[0]))
        used: set[int] = set()
        hits: list[Hit] = []
        keys: list[tuple[int, ...]] = []
        for key, (score, cov) in ranked:
            if any(i in used for i in key):
                continue
            used.update(key)
            keys.append(key)
            hits.append(Hit(tuple(self.passages[i] for i in key), round(score, 4),
                            round(min(1.0, cov / total_mass), 4)))
            if len(hits) >= MAX_RESULTS:
                break
        best_coverage = hits[0].coverage if hits else 0.0
        if hits:
            _, _, best_groups = self.index.span_score(
                [terms_of(i) for i in keys[0]], 1.0, groups)
            verdict.matched = sum(1 for g in best_groups if groups[g].mass > 0)
            verdict.matched_specific = any(specific[g] for g in best_groups)
            verdict.lacks_kind = wanted in MEASURED_ANSWERS and not any(
                has_answer_type(p.text, wanted) for p in hits[0].passages)
        answered = bool(hits) and verdict.answered(best_coverage)
        return Answer(
            question=question,
            answered=answered,
            hits=tuple(hits[offset : offset + limit]),
            total=len(hits),
            coverage=best_coverage,
            terms=tuple(query_terms),
            corrections=corrections,
        )
