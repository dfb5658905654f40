"""The tuning constants of passage search, in one place, and the two small models built
from them: the final score of a candidate span and the answered/not-answered verdict.

Search runs in stages (geobot.search.passages): retrieve (lexical BM25 candidates and the
semantically nearest passages, both within the `document` filter) → candidate spans (a
sentence, or it with a neighbour) → signals (lexical score and coverage, answer type,
perspective, section context, semantic similarity) → verdict.

How the fitted numbers were fitted: `python tools/fit_ranking.py` runs the development
questions only (tests/data questions/offtopic -dev, -extra, -readers, and the corpus in
tests/data/corpus), grid-searches the score weights for recall@1 + recall@3, then fits the
verdict's logistic regression on the features of each question's best span (answerable
questions against off-topic ones). It prints the values to paste here. Held-out sets
(unseen, unseen2, holdout) are never read by it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RankingConfig:
    # -- lexical retrieval: how much a term seen in a sentence's context counts against
    # one in the sentence itself.
    w_section: float = 0.3
    w_title: float = 0.1
    w_claim: float = 0.35
    w_speaker: float = 0.6
    w_source: float = 0.4
    # The rest of a paragraph, up to this many sentences before, read as a weak field.
    context_sentences: int = 2
    context_after: int = 0
    w_context: float = 0.15
    # Word families: terms sharing a stem prefix of 5+ letters, at most 4 letters longer.
    min_family_prefix: int = 5
    max_family_suffix: int = 4
    family_weight: float = 0.7
    thesaurus_weight: float = 0.6
    # A word the documents lack still counts against coverage, as a rare word.
    unknown_idf_share: float = 0.6
    # The least idf a question must have at all (a question of only stop words answers
    # nothing).
    min_mass: float = 1.0

    # -- retrieval sizes.
    lexical_candidates: int = 30
    semantic_candidates: int = 30
    max_results: int = 25
    max_span_chars: int = 700

    # -- lexical span scoring.
    coverage_boost: float = 1.0
    span_length_share: float = 0.5
    span_min_gain: float = 0.08  # the share of the question a neighbour must add to join
    # A following sentence that leans on this one ("It was…") joins it when it holds at
    # least this share of the question; the pair then ranks just above the sentence alone.
    continuation_share: float = 0.1
    continuation_edge: float = 0.001
    answer_type_bonus: float = 0.5  # a passage of the kind asked for: a name for "who"…
    # A pair of sentences is a span when its own vector is this much nearer the question
    # than either sentence's (besides the lexical reasons above).
    window_gain: float = 0.05

    # -- the final score of a span (fitted, see the module docstring): the lexical rank
    # relative to the best candidate's, the cosine similarity of question and span, and
    # whether the span is told from the perspective the question asks about.
    w_lexical: float = 0.35
    w_coverage: float = 0.0  # the share of the question's idf mass the span covers
    w_semantic: float = 1.0
    w_perspective: float = 0.2

    # -- the verdict: a logistic regression on the best span's features (fitted, see the
    # module docstring), on the features of `Evidence`.
    verdict_bias: float = -4.97
    verdict_similarity: float = 6.22
    verdict_coverage: float = 4.69
    verdict_unknown: float = -2.38
    verdict_missing: float = -0.61
    verdict_missing_name: float = -2.27
    verdict_threshold: float = 0.5

    # -- scale: above this many passages the semantic index is not built (embedding a
    # million passages takes most of an hour on two cores) and the lexical path serves.
    semantic_max_passages: int = 60_000
    # Up to this many passages, two-sentence windows are embedded too (they cost about twice
    # a sentence each, and bring a pair's own meaning); past it a pair's similarity is that
    # of its sentences' mean vector, and a set of 1,000 articles builds in half the time.
    window_max_passages: int = 10_000


DEFAULT = RankingConfig()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the verdict weighs: features of the best span."""

    similarity: float  # cosine of question and best span
    coverage: float  # share of the question's idf mass the best span covers
    unknown_share: float  # share of the question's content words the documents never use
    missing_share: float  # share of them that the documents use, but not the best span
    # 1 when the question names something the documents mention but the best span does not
    # ("how many nuclear warheads does China have" answered by the US and Russia's).
    missing_name: float = 0.0

    def probability(self, config: RankingConfig) -> float:
        z = (
            config.verdict_bias
            + config.verdict_similarity * self.similarity
            + config.verdict_coverage * self.coverage
            + config.verdict_unknown * self.unknown_share
            + config.verdict_missing * self.missing_share
            + config.verdict_missing_name * self.missing_name
        )
        return 1.0 / (1.0 + math.exp(-z))


# How near its start a span must name the question's subject to be told from its side.
PERSPECTIVE_OPENING = 4
# Words by which a question asks for someone's side of things (their wants, aims, views or
# gains) rather than for facts about them: general English, so that "what did Putin want
# from Trump" and "what does Lee think of NATO" ask from one side, "when did Putin and Trump
# meet" from none.
PERSPECTIVE_CUE = re.compile(
    r"\b(wants?|wanted|wish(es|ed)?|hop(es?|ed)|fear(s|ed)?|expect(s|ed)?|seek(s)?|sought"
    r"|aims?|goals?|interests?|motives?|intentions?|think(s)?|thought|believe(s|d)?"
    r"|views?|saw|sees?|get out of|gain(s|ed)?|stand|position|side)\b",
    re.IGNORECASE,
)


def asks_perspective(question: str) -> bool:
    return bool(PERSPECTIVE_CUE.search(question))


def perspective(
    subject_terms: Iterable[str], other_terms: Iterable[str], passage_terms: list[str]
) -> float:
    """1.0 when a span names the question's subject before the other names the question
    holds, -1.0 when it names another first (it is told from that side), else 0. "What
    did Putin want from Trump?" asks for Putin's aims: a sentence is usually about what it
    names in its first words ("For Putin, the arrival of…"), while one that names Trump
    first is about Trump's side ("For Trump, the relationship with Putin…")."""
    subjects, others = set(subject_terms), set(other_terms)
    for term in passage_terms[:PERSPECTIVE_OPENING]:
        if term in subjects:
            return 1.0
        if term in others:
            return -1.0
    return 0.0
