"""Common English words, to tell a word the documents lack from a typo.

Typo correction maps a question word the documents do not contain to the closest word they
do. Without a dictionary, "learning" became "leaving" and "home" became "some": real words,
just not the articles' words. pyspellchecker ships a word-frequency list of English built
from subtitles and books; the words above a frequency floor are common enough that a reader
typing one meant it. Rarer entries ("wat", "abut") stay correctable, as hurried typing
produces them far more often than readers mean them.

The list takes ~0.25 s to read, so it is read on first use, or ahead of time by `warm()`
(the bot calls it in a thread while starting), and only the common words are kept (~15,000
strings, not the library's 160,000-entry dictionary).
"""

from __future__ import annotations

from functools import lru_cache

MIN_FREQUENCY = 1e-6  # per word of the corpus: ~15,000 words, "overnight" in, "abut" out


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    from spellchecker import SpellChecker

    frequency = SpellChecker(language="en").word_frequency
    floor = MIN_FREQUENCY * frequency.total_words
    return frozenset(w for w, n in frequency.dictionary.items() if n >= floor and w.isalpha())


def is_common(word: str) -> bool:
    return word in common_words()


def warm() -> None:
    common_words()
