"""Candidate spans and their lexical score: a sentence alone, or with its neighbour in the
same paragraph when the neighbour holds question words the sentence lacks ("Beyond Ukraine,
the U.S. and Russia remain rivals… They compete for influence in…")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from geobot.search.answer_types import AnswerType, answer_type, has_answer_type

if TYPE_CHECKING:
    from geobot.search.passages import PassageSearch, _Query

# A sentence opening with a pronoun or a demonstrative leans on the one before it.
ANAPHOR = re.compile(r"(?:They|It|This|These|That|Those|He|She|Such|Its|Their|His|Her)\b")
# Kinds answered by something the passage names (a person, a time, a number, a place): it
# counts only in a sentence that has some of the question's own words, or a two-sentence
# span would earn the bonus for a name in the neighbour, about something else. A reason or
# a consequence links sentences, so for those the span as a whole counts.
NAMED_ANSWERS = frozenset(
    {AnswerType.PERSON, AnswerType.TIME, AnswerType.QUANTITY, AnswerType.PLACE}
)

Span = tuple[int, ...]


class SpanBuilder:
    """Scores the spans of one question's candidates; caches per-sentence work."""

    def __init__(self, search: PassageSearch, query: _Query) -> None:
        self.search = search
        self.index = search.index
        self.config = search.config
        self.query = query
        self.forward: dict[int, dict[int, float]] = {}
        self.contexts: dict[tuple[int, int], dict[int, float]] = {}
        self.coverages: dict[int, float] = {}
        self.wanted = answer_type(query.text)
        # The question's own words (not synonyms, not word families), as index terms.
        self.own = {
            self.index.vocabulary[qt.term]
            for qt in query.terms
            if qt.origin != "synonym" and qt.term in self.index.vocabulary
        }

    def terms_of(self, i: int) -> dict[int, float]:
        if i not in self.forward:
            self.forward[i] = self.index.passage_terms(i)
        return self.forward[i]

    def answers(self, i: int) -> bool:
        wanted = self.wanted
        if wanted is None or not has_answer_type(self.search.passages[i].text, wanted):
            return False
        return wanted not in NAMED_ANSWERS or any(
            self.terms_of(i).get(t, 0.0) >= 1.0 for t in self.own
        )

    def rank(self, score: float, covered: float, key: Span) -> float:
        if self.query.mass <= 0:
            return 0.0
        boost = 1.0 + self.config.coverage_boost * covered / self.query.mass
        if any(self.answers(i) for i in key):
            boost *= 1.0 + self.config.answer_type_bonus
        return score * boost

    def context_of(self, key: Span) -> dict[int, float]:
        """The rest of the span's paragraph, as one weak field: a sentence's neighbours say
        what it is about when it says so only with "they" or "this"."""
        config = self.config
        edges = (key[0], key[-1] if config.context_after else -1)
        if edges in self.contexts:  # a sentence alone and in its spans share their context
            return self.contexts[edges]
        found: dict[int, float] = {}
        self.contexts[edges] = found
        for step, edge, reach in (
            (-1, key[0], config.context_sentences),
            (1, key[-1], config.context_after),
        ):
            j = edge
            for _ in range(int(reach)):
                nxt = self.search._neighbour(j, step)
                if nxt is None:
                    break
                j = nxt
                tfs = self.terms_of(j)
                # Only the question's terms matter: look those up, not the sentence's.
                for term_id in self.query.weights:
                    if tfs.get(term_id, 0.0) >= 1.0:
                        found[term_id] = found.get(term_id, 0.0) + config.w_context
        return found

    def scored(self, key: Span) -> tuple[float, float]:
        if not self.query.groups:
            return 0.0, 0.0
        parts = [self.terms_of(i) for i in key]
        lengths = sorted(float(self.index.lengths[i]) for i in key)
        # The span is not penalised as a whole for its length, or no two sentences would
        # ever beat one; only a share of the shorter one counts.
        length = lengths[-1] + self.config.span_length_share * sum(lengths[:-1])
        context = self.context_of(key) if self.config.w_context > 0 else None
        score, cov, _ = self.index.span_score(parts, length, self.query.groups, context)
        return score, cov

    def coverage_of(self, i: int) -> float:
        """How much of the question one sentence covers on its own."""
        if i not in self.coverages:
            self.coverages[i] = (
                self.index.span_score(
                    [self.terms_of(i)], float(self.index.lengths[i]), self.query.groups
                )[1]
                if self.query.groups
                else 0.0
            )
        return self.coverages[i]

    def _window_gains(self, key: Span) -> bool:
        """The pair means more to the question together than either sentence alone."""
        sentences, windows = self.query.similarities, self.query.window_similarities
        if sentences is None or windows is None:
            return False
        alone = max(float(sentences[key[0]]), float(sentences[key[1]]))
        return float(windows[key[0]]) >= alone + self.config.window_gain

    def build(self, candidates: list[int]) -> dict[Span, tuple[float, float]]:
        spans: dict[Span, tuple[float, float]] = {}
        for i in candidates:
            single, single_cov = self.scored((i,))
            self.coverages[i] = single_cov  # context covers none of the question
            spans[(i,)] = (self.rank(single, single_cov, (i,)), single_cov)
            for step in (-1, 1):
                self._pair(spans, i, step, single_cov)
        return spans

    def _pair(
        self, spans: dict[Span, tuple[float, float]], i: int, step: int, single_cov: float
    ) -> None:
        config, passages = self.config, self.search.passages
        j = self.search._neighbour(i, step)
        if j is None:
            return
        key = (min(i, j), max(i, j))
        if key in spans:
            return
        if len(passages[i].text) + len(passages[j].text) + 1 > config.max_span_chars:
            return
        score, cov = self.scored(key)
        other_cov = self.coverage_of(j)
        # Only a neighbour that adds question words earns the longer span, or one the
        # later sentence leans on ("They compete…" needs who "they" are).
        gain = config.span_min_gain * self.query.mass
        leans = bool(ANAPHOR.match(passages[key[1]].text))
        if not (
            (cov >= single_cov + gain and cov >= other_cov + gain)
            or leans
            or self._window_gains(key)
        ):
            return
        span_rank = self.rank(score, cov, key)
        if leans and key[0] == i and other_cov >= config.continuation_share * self.query.mass:
            # The next sentence carries on from this one ("…did not break down over an
            # incident. It was an alignment that was unsustainable…") and speaks to the
            # question too: the pair is the better answer, and ranks at least where the
            # sentence alone would.
            span_rank = max(span_rank, spans[(i,)][0] * (1.0 + config.continuation_edge))
        spans[key] = (span_rank, cov)
