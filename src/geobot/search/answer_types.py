"""What kind of answer a question asks for, and whether a passage has one.

The classic question-answering cue: "who" wants a person, "when" a time, "how many" a
number, "why" a reason, "how" a means. A passage that contains the kind of thing asked for
gets a modest bonus over one that only shares the question's words.
"""

from __future__ import annotations

import re
from enum import StrEnum

from geobot.text.analysis import CANONICAL_WORDS, PHRASES, terms, words


class AnswerType(StrEnum):
    PERSON = "person"
    TIME = "time"
    PLACE = "place"
    QUANTITY = "quantity"
    REASON = "reason"
    CONSEQUENCE = "consequence"
    MANNER = "manner"


_QUESTION_TYPES: tuple[tuple[re.Pattern[str], AnswerType], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (
            r"^\s*(who|whom|whose)\b|\bwhich (person|people|leaders?|officials?|politicians?)\b",
            AnswerType.PERSON,
        ),
        (r"^\s*when\b|\b(what|which) (year|month|date|decade)\b|\bhow long ago\b", AnswerType.TIME),
        # "How big has BRICS got" asks for a size, which the article gives as a number.
        (
            r"\bhow (many|much|big|large|small|far|often)\b"
            r"|\bwhat (number|amount|percentage|share|size)\b",
            AnswerType.QUANTITY,
        ),
        (r"^\s*where\b|\bwhich (countries|country|regions?|places?|nations?)\b", AnswerType.PLACE),
        (r"^\s*why\b|\bwhat (caused|causes|led to)\b|\bfor what reason\b", AnswerType.REASON),
        # A hypothetical ("what would happen if…", "…if the US withdraws") wants the
        # article's own hypotheticals, which it writes with would/could/might.
        (
            r"\b(would|if|unless|without)\b|\bwhat (happens|will happen)\b"
            r"|\b(consequences?|effects?|impacts?|implications?)\b",
            AnswerType.CONSEQUENCE,
        ),
        (r"^\s*how\b", AnswerType.MANNER),
    )
)

_NAME = r"[A-Z][a-z]+(?:[- ][A-Z][a-z]+)*"
_PASSAGE_TYPES: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.PERSON: re.compile(
        r"\b(President|Senator|Secretary|Advisor|Adviser|Minister|Chancellor|CEO|Director|"
        r"General|Ambassador|historian|journalist|agent|analyst|author|leader|spokesman|"
        rf"spokeswoman|official)s?\b(?: of [A-Z][a-z]+)*,? {_NAME}"
        rf"|(?<![.!?] )(?<!^)\b[A-Z][a-z]+ [A-Z][a-z]+(?: [A-Z][a-z]+)?\b"
    ),
    AnswerType.TIME: re.compile(
        r"\b(1[5-9]\d\d|20\d\d)s?\b|\b(January|February|March|April|May|June|July|August|"
        r"September|October|November|December)\b|\b(\d+|one|two|three|four|five|ten) "
        r"(years?|decades?|months?) (ago|later|earlier)\b|\b(century|decade)\b",
    ),
    AnswerType.QUANTITY: re.compile(
        r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"dozen|hundreds?|thousands?|millions?|billions?|trillions?)\b",
        re.IGNORECASE,
    ),
    AnswerType.PLACE: re.compile(
        r"\b(in|into|across|from|toward|towards|throughout|around|near|over) (the )?"
        r"(?:[A-Z][a-z]+)(?: [A-Z][a-z]+)*"
        r"|\b(Middle East|Europe|Asia|Africa|America|China|Russia|India|Ukraine|Japan)\b"
        # Places named by kind: "in developing countries", "across member nations".
        r"|\b(in|across|among|to|throughout) (the )?([a-z]+ ){0,2}"
        r"(countries|nations|regions|economies|markets|capitals)\b"
    ),
    AnswerType.REASON: re.compile(
        r"\b(because|due to|owing to|as a result|result of|driven by|caused by|stems? from|"
        r"reason|since the|thanks to|in order to|so that)\b",
        re.IGNORECASE,
    ),
    AnswerType.CONSEQUENCE: re.compile(
        r"\b(would|could|might|will likely|may well|risks?|consequences?|result(ing|s)? in)\b",
        re.IGNORECASE,
    ),
    AnswerType.MANNER: re.compile(
        r"\bby (\w+ing|means of)\b|\bthrough (\w+ing|the|a|its|his|her)\b|\bvia\b",
        re.IGNORECASE,
    ),
}


def answer_type(question: str) -> AnswerType | None:
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


# Capitalised pairs that name a place, not a person ("Nazi Germany", "Middle East").
_PLACE_WORDS = frozenset(CANONICAL_WORDS.values()) | frozenset(PHRASES.values())


def _names_a_person(match: re.Match[str]) -> bool:
    if match.group(1):  # a title before a name: "Senator Mike Lee"
        return True
    return not any(w in _PLACE_WORDS for w in words(match.group(0)))


def has_answer_type(text: str, kind: AnswerType, given: frozenset[str] = frozenset()) -> bool:
    """Whether `text` holds the kind of thing asked for, other than what the question
    itself names (`given`: its search terms, with their synonyms): "how many died in the
    1967 war" is not answered by a sentence's "1967", nor "which countries joined BRICS" by
    the founding members that BRICS stands for."""
    pattern = _PASSAGE_TYPES[kind]
    return any(
        (kind is not AnswerType.PERSON or _names_a_person(m)) and not _given(m, given)
        for m in pattern.finditer(text)
    )


def _given(match: re.Match[str], given: frozenset[str]) -> bool:
    if not given:
        return False
    own = terms(match.group(0))
    return bool(own) and set(own) <= given
