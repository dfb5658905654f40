"""From what a reader typed to weighted search terms: typo correction and glossary synonyms.

Readers type fast ("wat did elon musk say abut the UN"). A word the documents do not
contain is corrected to the closest word they do contain (Levenshtein distance 1, or 2 for
long words; rapidfuzz does the distance), preferring stop words and frequent words on ties
since those are what hurried typing usually mangles. Glossary entries from the curated
layer add the names a reader might use for a term in the text ("UN" for "United Nations").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from geobot.text.analysis import STOP_WORDS, is_known_word, stem, words
from geobot.text.normalize import has_control_characters, remove_control_characters

MAX_QUESTION_CHARS = 1000
CORRECTED_WEIGHT = 0.8
SYNONYM_WEIGHT = 0.6
SHORT_WORD = 4  # up to this length, substituting one letter mostly makes another real word
# "What happens to the UN if America leaves?" asks about the UN; America leaving is given.
# A sentence that only restates the premise ("Musk endorsed leaving the UN") must not win
# on it, so the premise's words count for less.
PREMISE_WEIGHT = 0.5


# Words that frame a reader's question rather than say what it is about ("what role did
# the Pentagon play", "what does the article say about…"). Dropped from questions only:
# in the articles themselves they keep their meaning.
QUESTION_WORDS = frozenset(
    "role roles play played plays happen happened happens happening main article articles "
    "author authors writer text document documents mention mentioned mentions according "
    "example examples thing things kind way ways argue argues argued "
    # Chat filler, as typed in Discord ("whats putin getting out of this lol").
    "lol lmao rofl pls plz tbh imo imho btw idk ok okay hey hi hello hmm um uh yeah yep ya "
    "bro guys anyone basically actually literally".split()
)


# Idioms that only pad a question ("why did he want it in the first place").
FILLER_PHRASES = re.compile(
    r"\b(?:in the first place|at the end of the day|at all|these days|by the way|"
    r"to be honest|kind of|sort of|or something|or what)\b",
    re.IGNORECASE,
)


class QueryError(ValueError):
    """A question that cannot be searched; the message is meant for the reader."""


@dataclass(frozen=True, slots=True)
class QueryTerm:
    term: str  # stemmed
    weight: float
    word: str  # what the reader typed, folded
    origin: str  # "word", "typo" or "synonym"
    specific: bool = False  # a number or a capitalised name: the question is about it


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+|[A-Z]{2,})\b")


def specific_words(question: str) -> set[str]:
    """Words that name something: numbers, and capitalised words not opening a sentence."""
    found = {w.lower() for w in _CAPITALISED.findall(question.strip())}
    found |= set(re.findall(r"\b\d{2,}\b", question))
    return found


# From "if" to the end of its clause: a comma, the main clause's question word, or the end.
_PREMISE = re.compile(
    r"\b(?:if|unless|once)\b(.*?)(?=,|;|\b(?:what|how|who|which|would|will|could)\b|$)",
    re.IGNORECASE,
)


def premise_words(question: str) -> set[str]:
    """Words of the question's conditions ("if the US leaves NATO"), folded."""
    return {w for match in _PREMISE.finditer(question) for w in words(match.group(1))}


def clean_question(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Validate and tidy a question, or raise QueryError with a reader-facing reason."""
    if text is None or not text.strip():
        raise QueryError("The question is empty: type a few words about what you want to know.")
    if has_control_characters(text):
        text = remove_control_characters(text)
    text = " ".join(text.split())
    if len(text) > limit:
        raise QueryError(
            f"The question is too long ({len(text):,} characters); keep it under {limit:,}."
        )
    if not any(ch.isalnum() for ch in text):
        raise QueryError("The question has no words in it: type a few words to search for.")
    return text


class Vocabulary:
    """The words of the document set, for correcting typos in questions."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        # Candidates are drawn from words of a similar length that share the first two or
        # the last two letters: one slip changes at most one end of a word ("wat" keeps
        # "what"'s last two), and scanning every word of a large vocabulary costs ~10 ms
        # per unknown word (~2.5 ms with one-letter buckets, ~0.3 ms with these).
        buckets: dict[tuple[int, str, str], list[str]] = defaultdict(list)
        for word in set(counts) | STOP_WORDS:
            if word.isalpha():
                buckets[(len(word), "first", word[:2])].append(word)
                buckets[(len(word), "last", word[-2:])].append(word)
        self._buckets = {key: sorted(ws) for key, ws in buckets.items()}

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """The closest known word, or None when nothing is close enough."""
        if not word.isalpha() or len(word) < 3:
            return None
        # Distance 2 only for long words: "france" is two edits from "face".
        limit = 1 if len(word) < 8 else 2
        best: tuple[int, int, int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            first = self._buckets.get((length, "first", word[:2]), [])
            last = self._buckets.get((length, "last", word[-2:]), [])
            candidates = first + last if first is not last else first
            if not candidates:
                continue
            for candidate, distance, _ in process.extract(
                word, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=20
            ):
                # Hurried typing keeps the first letter far more often than not.
                other_start = 0 if candidate[0] == word[0] else 1
                stop = 0 if candidate in STOP_WORDS else 1
                key = (int(distance) + other_start, stop, -self.counts.get(candidate, 0), candidate)
                if best is None or key < best:
                    best = key
        if best is None:
            return None
        if (
            best[1] != 0
            and len(word) <= SHORT_WORD
            and (len(word) <= 3 or len(best[3]) == len(word))
        ):
            # A 3-letter stranger is more likely a real word we lack than a typo, and so is
            # a short word one letter off a known one of the same length: English is dense
            # there ("best"/"belt", "fall"/"fill"), while a dropped letter ("putn") is not.
            return None
        return best[3]


class Glossary:
    """Alternative names from the curated layer, matched on whole words."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._entries: list[tuple[tuple[str, ...], list[str]]] = []
        for key, targets in entries:
            key_words = tuple(words(key))
            target_terms = [stem(w) for t in targets for w in words(t) if w not in STOP_WORDS]
            if key_words and target_terms:
                self._entries.append((key_words, target_terms))

    def expand(self, question_words: list[str]) -> list[tuple[str, str]]:
        """(key, term) pairs for every glossary key that occurs in the question."""
        found: list[tuple[str, str]] = []
        n = len(question_words)
        for key, targets in self._entries:
            k = len(key)
            if any(tuple(question_words[i : i + k]) == key for i in range(n - k + 1)):
                found.extend((" ".join(key), t) for t in targets)
        return found


def analyse(
    question: str,
    known_terms: set[str] | dict[str, int],
    vocabulary: Vocabulary,
    glossary: Glossary | None = None,
) -> tuple[list[QueryTerm], dict[str, str]]:
    """Weighted terms of a question, and the corrections made ({typed: corrected})."""
    question = FILLER_PHRASES.sub(" ", question)
    typed = words(question)
    specific = specific_words(question)
    premise = premise_words(question)
    corrected_words: list[str] = []
    corrections: dict[str, str] = {}
    result: dict[str, QueryTerm] = {}
    for word in typed:
        if word in STOP_WORDS or word in QUESTION_WORDS:
            corrected_words.append(word)
            continue
        term = stem(word)
        origin, weight = "word", 1.0
        # A word of the general vocabulary (thesaurus, irregular verbs) is a real word the
        # documents lack, not a typo: "fall" must not become "fill".
        if term not in known_terms and word not in vocabulary and not is_known_word(word):
            fixed = vocabulary.correct(word)
            if fixed is not None and fixed != word:
                corrections[word] = fixed
                word = fixed
                if word in STOP_WORDS:
                    corrected_words.append(word)
                    continue
                term, origin, weight = stem(word), "typo", CORRECTED_WEIGHT
        corrected_words.append(word)
        if len(word) < 2 and not word.isdigit():
            continue
        if word in premise and origin == "word":
            weight *= PREMISE_WEIGHT
        previous = result.get(term)
        if previous is None or previous.weight < weight:
            result[term] = QueryTerm(term, weight, word, origin, word in specific)
    if glossary is not None:
        for key, term in glossary.expand(corrected_words):
            if term not in result:
                result[term] = QueryTerm(term, SYNONYM_WEIGHT, key, "synonym")
    return list(result.values()), corrections
