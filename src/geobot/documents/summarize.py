"""Automatic summary and key claims of an article, for documents nobody has curated yet.

The sentences are ranked by LexRank: G. Erkan and D. R. Radev, "LexRank: Graph-based
Lexical Centrality as Salience in Text Summarization", Journal of Artificial Intelligence
Research 22 (2004), 457-479. Each sentence is a TF-IDF vector over the project's search
terms (stemmed, stop words removed); sentences are the nodes of a graph weighted by their
cosine similarity ("continuous LexRank"), and a sentence's salience is its stationary
probability under a random walk on that graph with damping, found by power iteration.
The summary takes the most salient sentences, skipping any too similar to one already
taken (the paper's cross-sentence informational subsumption, reduced to a cosine bound),
and prints them in the article's order.

Libraries checked: `sumy` needs NLTK's punkt data downloaded at run time, and `lexrank`
on PyPI is an unmaintained 0.1.0 release from 2018; LexRank is a few lines of numpy over
the terms the search already computes, so it is written here.

Everything here is extractive: the summary and the claims are sentences of the article,
word for word, and the caller marks them as automatic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geobot.documents.model import Passage
from geobot.text.analysis import terms
from geobot.text.quote_marks import MarkStyle, closes_unopened, quote_spans

# The random walk's damping, and when its iteration has converged: the values of the paper.
DAMPING = 0.15
TOLERANCE = 1e-6
MAX_ITERATIONS = 200
# LexRank compares every pair of sentences; past this many the matrix costs more memory
# and time than a load should, and the first sentences of a long report carry its point.
MAX_SENTENCES = 1_500
# Two sentences this similar say much the same thing: only the more salient one is kept.
REDUNDANT = 0.5
# A sentence a summary can stand on: long enough to say something, short enough to read.
MIN_WORDS, MAX_WORDS = 8, 60
# Of the words of a heading, byline or masthead most are capitalised; of a sentence, few.
MAX_CAPITALISED = 0.6
# How many key claims at most, and how many supporting sentences per claim.
MAX_CLAIMS = 8
EVIDENCE_PER_CLAIM = 2
# A supporting sentence shares at least this much with its claim (cosine of TF-IDF), and
# is a sentence, not a stray fragment.
MIN_SUPPORT = 0.1
MIN_SUPPORT_WORDS = 5

# Words that open a sentence which leans on the one before it ("This shows…", "But it…"):
# out of its place such a sentence does not say what it refers to. General English.
_LEANING = frozenset(
    "this these that those it its they their them he she his her such but and or so yet "
    "also however moreover furthermore thus therefore hence instead meanwhile still "
    "nevertheless nonetheless here there then".split()
)
# Openings of two words that do the same ("For example, …", "As a result, …").
_LEANING_PAIRS = frozenset(
    {"for example", "for instance", "as a", "in addition", "by contrast", "in turn", "on the"}
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_BYLINE = re.compile(r"^\s*(by|written by|posted by|photo|image|source)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Claim:
    passage: int  # ordinal of the claim's sentence
    evidence: tuple[int, ...]  # ordinals of the sentences that support it, in order


@dataclass(frozen=True, slots=True)
class Digest:
    summary: tuple[int, ...]  # ordinals of the summary's sentences, in the article's order
    claims: tuple[Claim, ...]


def _vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit TF-IDF rows, the document's sentences as the collection (IDF within it)."""
    counts = [Counter(terms(text)) for text in texts]
    frequency: Counter[str] = Counter(t for c in counts for t in c)
    vocabulary = {term: i for i, term in enumerate(frequency)}
    matrix = np.zeros((len(texts), max(1, len(vocabulary))), dtype=np.float64)
    total = len(texts)
    for row, count in enumerate(counts):
        for term, tf in count.items():
            matrix[row, vocabulary[term]] = tf * math.log((1 + total) / (1 + frequency[term]))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def lexrank(similarity: np.ndarray) -> np.ndarray:
    """Continuous LexRank scores of the sentences whose cosine similarities are given."""
    size = similarity.shape[0]
    if size == 0:
        return np.zeros(0)
    weights = similarity.copy()
    np.fill_diagonal(weights, 0.0)  # a sentence does not vouch for itself
    sums = weights.sum(axis=1, keepdims=True)
    # A sentence sharing nothing with the rest links to every sentence alike.
    transition = np.where(sums > 0, weights / np.where(sums == 0, 1.0, sums), 1.0 / size)
    scores = np.full(size, 1.0 / size)
    for _ in range(MAX_ITERATIONS):
        updated = DAMPING / size + (1 - DAMPING) * transition.T @ scores
        if np.abs(updated - scores).sum() < TOLERANCE:
            return updated
        scores = updated
    return scores


def is_summary_sentence(text: str, style: MarkStyle) -> bool:
    """Whether a sentence can stand alone in a summary: a statement of readable length, not
    a question, a heading, a byline or a caption, and not leaning on the sentence before.
    `style`: the article's house style of quotation marks (quote_marks.house_style)."""
    found = _WORD.findall(text)
    if not MIN_WORDS <= len(found) <= MAX_WORDS or text.rstrip().endswith("?"):
        return False
    if _BYLINE.match(text) or found[0].lower() in _LEANING:
        return False
    if f"{found[0]} {found[1]}".lower() in _LEANING_PAIRS:
        return False
    capitalised = sum(1 for w in found if w[0].isupper())
    if capitalised / len(found) > MAX_CAPITALISED:
        return False
    # Mostly someone else's words: a summary says what the article says, in its voice.
    # Marks are read as the quote extractor reads them, so apostrophes are not quotes.
    spans = quote_spans(text, style)
    if any(not span.closed for span in spans) or closes_unopened(text, style, spans):
        return False  # a piece of a quotation that goes on beyond the sentence
    return sum(len(span.inner(text)) for span in spans) * 2 < len(text)


def summary_size(sentences: int) -> int:
    """3 sentences for a short piece, 4 for a middling one, 5 for a long report."""
    return 3 if sentences < 40 else 4 if sentences < 120 else 5


def _pick(order: Sequence[int], vectors: np.ndarray, wanted: int, allowed: set[int]) -> list[int]:
    chosen: list[int] = []
    for index in order:
        if len(chosen) >= wanted:
            break
        if index not in allowed:
            continue
        if chosen and float(np.max(vectors[chosen] @ vectors[index])) > REDUNDANT:
            continue
        chosen.append(index)
    return chosen


def digest(passages: Sequence[Passage], style: MarkStyle) -> Digest:
    """The summary sentences and key claims of an article's passages (its sentences);
    `style`: its house style of quotation marks."""
    passages = list(passages[:MAX_SENTENCES])
    if not passages:
        return Digest((), ())
    vectors = _vectors([p.text for p in passages])
    similarity = vectors @ vectors.T
    scores = lexrank(similarity)
    order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
    eligible = {i for i, p in enumerate(passages) if is_summary_sentence(p.text, style)}
    summary = sorted(_pick(order, vectors, summary_size(len(passages)), eligible))
    claims = _claims(passages, similarity, order, eligible, vectors)
    return Digest(tuple(passages[i].ordinal for i in summary), claims)


def _claims(
    passages: list[Passage],
    similarity: np.ndarray,
    order: list[int],
    eligible: set[int],
    vectors: np.ndarray,
) -> tuple[Claim, ...]:
    """The most salient statement of each part of the piece, each with the sentences of
    its part that share most with it."""
    regions = _regions(passages)
    region_of = {i: n for n, members in enumerate(regions) for i in members}
    rank = {index: position for position, index in enumerate(order)}
    heads: list[int] = []
    for members in regions:
        best = min((i for i in members if i in eligible), key=rank.__getitem__, default=None)
        if best is not None:
            heads.append(best)
    heads.sort(key=rank.__getitem__)
    claims = []
    for head in sorted(_pick(heads, vectors, MAX_CLAIMS, eligible)):
        region = regions[region_of[head]]
        support = sorted(
            (
                i
                for i in region
                if i != head
                and similarity[head, i] >= MIN_SUPPORT
                and len(_WORD.findall(passages[i].text)) >= MIN_SUPPORT_WORDS
            ),
            key=lambda i: (-similarity[head, i], i),
        )[:EVIDENCE_PER_CLAIM]
        if support:
            claims.append(
                Claim(passages[head].ordinal, tuple(passages[i].ordinal for i in sorted(support)))
            )
    return tuple(claims)


def _regions(passages: list[Passage]) -> list[list[int]]:
    """The parts a claim is looked for in: the sections, or, in a piece without headings,
    runs of consecutive paragraphs, as many as a summary has sentences."""
    sections: dict[str | None, list[int]] = {}
    for i, passage in enumerate(passages):
        sections.setdefault(passage.section, []).append(i)
    if len(sections) >= 2:
        return list(sections.values())
    paragraphs = sorted({p.paragraph for p in passages})
    per_region = max(1, math.ceil(len(paragraphs) / summary_size(len(passages))))
    region_of = {p: n // per_region for n, p in enumerate(paragraphs)}
    regions: dict[int, list[int]] = {}
    for i, passage in enumerate(passages):
        regions.setdefault(region_of[passage.paragraph], []).append(i)
    return list(regions.values())
