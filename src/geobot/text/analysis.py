"""Turning text into search terms: the same analysis for the articles and for questions.

Words are folded, acronyms written with dots are joined ("U.S." is "usa"), nationality
adjectives are mapped to their country ("Russian" matches "Russia"), a few multi-word names
become one term ("United Nations" is "un"), common phrasal verbs become the verb they mean
("come back" is "return"), stop words are dropped and the rest is stemmed
with the Snowball English stemmer (PyStemmer, a C extension: fast enough for a million
passages). These tables are general English and geopolitics vocabulary, not tuned to any
question; per-document names belong in the curated glossary.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import cast

import Stemmer

from geobot.text.english import is_common
from geobot.text.normalize import straighten, strip_accents

# The last lines are contractions typed without their apostrophe, as in chat ("whats").
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also am among an and any are aren't as at
    be because been before being below between both but by can cannot could couldn't did
    didn't do does doesn't doing don't down during each either else ever every few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here here's
    hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't
    it it's its itself just let's many may me might more most much must mustn't my myself
    neither no nor not now of off often on once one only or other ought our ours ourselves
    out over own per rather really same say says said shall shan't she she'd she'll she's
    should shouldn't since so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those though through
    thus to too under until up upon us very was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's whether which while who who's whom whose
    why why's will with within without won't would wouldn't yet you you'd you'll you're
    you've your yours yourself yourselves tell told explain explained describe described
    please know think mean meant get gets getting got gotten give gives gave like
    whats whos hows wheres whens whys thats theres dont doesnt didnt isnt wasnt arent
    werent cant couldnt wouldnt shouldnt wont im ive youre theyre hes shes lets
    """.split()
)

# Nationality and place adjectives, so that "Russian" finds "Russia" and back.
CANONICAL_WORDS = {
    "american": "usa",
    "americans": "usa",
    "america": "usa",
    "usa": "usa",
    "russian": "russia",
    "russians": "russia",
    "chinese": "china",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "european": "europe",
    "europeans": "europe",
    "indian": "india",
    "indians": "india",
    "japanese": "japan",
    "korean": "korea",
    "koreans": "korea",
    "iranian": "iran",
    "israeli": "israel",
    "israelis": "israel",
    "syrian": "syria",
    "turkish": "turkey",
    "german": "germany",
    "germans": "germany",
    "french": "france",
    "british": "uk",
    "britain": "uk",
    "soviet": "ussr",
    "soviets": "ussr",
    "taiwanese": "taiwan",
    "african": "africa",
    "asian": "asia",
    "nato's": "nato",
    "brazilian": "brazil",
}
# Chat shorthand, as readers type it in Discord.
SHORTHAND = {
    "ppl": "people",
    "govt": "government",
    "gov": "government",
    "admin": "administration",
    "prez": "president",
    "potus": "president",
    "intl": "international",
    "econ": "economy",
    "bc": "because",
    "cuz": "because",
    "abt": "about",
    "w": "with",
    "thru": "through",
    "tho": "though",
    "ur": "your",
    "u": "you",
    "r": "are",
}
# Irregular verb forms the stemmer cannot join to their base form ("led" and "lead").
IRREGULAR = {
    form: base
    for base, forms in {
        "arise": "arose arisen",
        "become": "became",
        "begin": "began begun",
        "break": "broke broken",
        "bring": "brought",
        "build": "built",
        "buy": "bought",
        "catch": "caught",
        "choose": "chose chosen",
        "come": "came",
        "deal": "dealt",
        "draw": "drew drawn",
        "drive": "drove driven",
        "fall": "fell fallen",
        "feel": "felt",
        "fight": "fought",
        "fly": "flew flown",
        "forbid": "forbade forbidden",
        "forget": "forgot forgotten",
        "forgive": "forgave",
        "freeze": "froze frozen",
        "grow": "grew grown",
        "hide": "hid hidden",
        "hold": "held",
        "keep": "kept",
        "lead": "led",
        "leave": "left",
        "lend": "lent",
        "lose": "lost",
        "make": "made",
        "meet": "met",
        "pay": "paid",
        "rise": "rose risen",
        "run": "ran",
        "see": "saw seen",
        "seek": "sought",
        "sell": "sold",
        "send": "sent",
        "shake": "shook shaken",
        "shoot": "shot",
        "sink": "sank sunk",
        "speak": "spoke spoken",
        "spend": "spent",
        "stand": "stood",
        "steal": "stole stolen",
        "strike": "struck",
        "swear": "swore sworn",
        "take": "took taken",
        "teach": "taught",
        "tear": "tore torn",
        "think": "thought",
        "throw": "threw thrown",
        "understand": "understood",
        "win": "won",
        "withdraw": "withdrew withdrawn",
        "write": "wrote written",
        "go": "went gone",
        "do": "did done",
    }.items()
    for form in forms.split()
}
# Multi-word names that mean one thing, joined into one term.
PHRASES = {
    ("united", "states"): "usa",
    ("united", "nations"): "un",
    ("european", "union"): "eu",
    ("united", "kingdom"): "uk",
    ("soviet", "union"): "ussr",
    ("north", "korea"): "northkorea",
    ("south", "korea"): "southkorea",
    ("middle", "east"): "middleeast",
    ("cold", "war"): "coldwar",
    ("world", "war"): "worldwar",
}
# Phrasal verbs, read as the one verb that means the same, so that "coming back from
# Moscow" finds "returning from Moscow". Keyed by the verb's stem, so every form of it
# counts ("pulled out", "pulling out"); the particle must follow the verb directly. Only
# verbs with one everyday sense: not "get out", which is "leave" or "gain" ("what did
# Putin get out of it").
PHRASAL_VERBS = {
    ("come", "back"): "return",
    ("go", "back"): "return",
    ("give", "back"): "return",
    ("bring", "back"): "restore",
    ("pull", "out"): "withdraw",
    ("pull", "back"): "withdraw",
    ("back", "out"): "withdraw",
    ("drop", "out"): "withdraw",
    ("get", "back"): "return",
    ("walk", "away"): "abandon",
    ("give", "up"): "abandon",
    ("set", "up"): "establish",
    ("carry", "out"): "conduct",
    ("find", "out"): "discover",
    ("look", "into"): "investigate",
    ("point", "out"): "note",
    ("break", "down"): "collapse",
    ("fall", "apart"): "collapse",
    ("break", "up"): "dissolve",
    ("step", "down"): "resign",
    ("back", "down"): "retreat",
    ("take", "over"): "seize",
    ("turn", "down"): "reject",
    ("call", "off"): "cancel",
    ("cut", "off"): "sever",
    ("hand", "over"): "transfer",
    ("prop", "up"): "support",
    ("shore", "up"): "strengthen",
    ("side", "with"): "support",
    ("team", "up"): "cooperate",
    ("wind", "down"): "end",
    ("sign", "up"): "join",
    ("cut", "back"): "reduce",
    ("work", "with"): "cooperate",
    ("go", "south"): "deteriorate",
    ("turn", "sour"): "deteriorate",
}
# Acronyms that collide with an English word once lower-cased: written "US", they are the
# country; written "us", the pronoun. Decided before case is folded.
CASE_SENSITIVE = {"US": "usa", "USA": "usa", "UN": "un", "EU": "eu", "UK": "uk", "IT": "it"}


def _canonical(word: str) -> str:
    word = SHORTHAND.get(word, word)
    return CANONICAL_WORDS.get(word) or IRREGULAR.get(word, word)


# Every word the tables above change, to what it becomes: one lookup per word of a text.
_CANONICAL = {w: _canonical(w) for w in (*SHORTHAND, *CANONICAL_WORDS, *IRREGULAR)}

_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}(?![A-Za-z])")
_RAW_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")
_VOWELS = frozenset("aeiouy")
_DECADE = re.compile(r"\d0s")
_stemmer = Stemmer.Stemmer("english")


def _join_acronym(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "").upper() + " "


# Each raw word's folded form, made once: a million sentences repeat a few tens of
# thousands of words, and folding one is most of what `words` costs. Bounded, so that a
# stream of distinct tokens cannot grow it without end.
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 500_000


def _remember(raw: str) -> str:
    known = _fold(raw)
    if len(_FOLDED) < _FOLDED_MAX:
        _FOLDED[raw] = known
    return known


def _fold(raw: str) -> str:
    """One raw word, folded and made canonical."""
    if raw in CASE_SENSITIVE:
        return CASE_SENSITIVE[raw]
    word = raw.lower()
    if (
        raw[-1] == "s"
        and len(raw) > 2
        and (
            _ACRONYM_PLURAL.fullmatch(raw)
            or (raw.isalpha() and not _VOWELS.intersection(word[:-1]))
        )
    ):
        # The plural of an acronym, which the stemmer leaves alone: "TVs", "NGOs", and
        # in lower case where no vowel comes before the s ("tvs", "mps").
        word = word[:-1]
    if word.endswith("'s"):
        word = word[:-2]
    elif word.endswith("'"):
        word = word[:-1]
    if word[0].isdigit() and _DECADE.fullmatch(word):
        word = ("20" if word[0] in "01" else "19") + word  # "80s" is "1980s"
    return _CANONICAL.get(word, word)


def raw_words(text: str) -> list[str]:
    """A text's words as written, case kept: quote marks and dashes straightened, dotted
    acronyms joined ("U.S." is "US"), accents stripped."""
    if not text.isascii():
        text = strip_accents(straighten(text))
    # Two dots at least make a dotted acronym: most sentences have one, and skip the scan.
    if text.count(".") > 1:
        text = _DOTTED_ACRONYM.sub(_join_acronym, text)
    return _RAW_WORD.findall(text)


def words(text: str) -> list[str]:
    """Surface words, folded, with acronyms and nationality adjectives made canonical."""
    return merge_phrases(fold_each(raw_words(text)))


def capitals(raws: list[str]) -> tuple[list[str], list[str]]:
    """Of a sentence's words as found by `raw_words`: those written with a capital, and
    those of them after the first word (an opening capital says nothing of whether a word
    is a name)."""
    found = [raw for raw in raws if raw[0].isupper()]
    if found and found[0] is raws[0]:
        return found, found[1:]
    return found, found


def folded(raw: str) -> str:
    """One word found by `raw_words`, as `fold_each` folds it."""
    return _FOLDED.get(raw) or _remember(raw)


def fold_each(raws: list[str]) -> list[str]:
    """Each word found by `raw_words`, folded and made canonical, one for one."""
    known = list(map(_FOLDED.get, raws))  # in C: most words are known
    if None in known:
        out = [word or _remember(raw) for word, raw in zip(known, raws, strict=True)]
    else:
        out = cast(list[str], known)
    # Only a word written "us" folds to "us": no table makes it, and "US" is "usa".
    if "us" in out:
        for i in range(1, len(out)):
            if out[i] == "us" and out[i - 1] == "the":
                out[i] = "usa"  # "the us" is never the pronoun
    return out


def merge_phrases(out: list[str]) -> list[str]:
    """Folded words with the phrases and phrasal verbs of the tables made one word."""
    if len(out) < 2 or (_PHRASE_FIRSTS.isdisjoint(out) and _PARTICLES.isdisjoint(out)):
        return out
    # Where a phrase can start: a word that opens one, or the word before a particle.
    # Particles are common words, so only these places are looked at.
    starts = [
        i for i in range(len(out) - 1) if out[i] in _PHRASE_FIRSTS or out[i + 1] in _PARTICLES
    ]
    merged: list[str] = []
    done = 0  # out[:done] is in merged
    for i in starts:
        if i < done:
            continue  # the second word of a phrase just merged
        pair = (out[i], out[i + 1])
        if pair in PHRASES:
            one = PHRASES[pair]
        elif pair[1] in _PARTICLES and (stem(pair[0]), pair[1]) in _PHRASAL_STEMS:
            one = _PHRASAL_STEMS[stem(pair[0]), pair[1]]
        else:
            continue
        merged += out[done:i]
        merged.append(one)
        done = i + 2
    merged += out[done:]
    return merged


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


_PHRASAL_STEMS = {(stem(verb), particle): word for (verb, particle), word in PHRASAL_VERBS.items()}
# Checked first, as a set lookup, so that most words never reach the stemmer here.
_PARTICLES = frozenset(particle for _, particle in PHRASAL_VERBS)
_PHRASE_FIRSTS = frozenset(first for first, _ in PHRASES)


def terms(text: str) -> list[str]:
    """Search terms of a text: canonical words, stop words removed, stemmed."""
    return terms_of_words(words(text))


def terms_of_words(folded: list[str]) -> list[str]:
    """`terms` for words already produced by `words`, to tokenise a text only once."""
    found = list(map(_TERM_OF.get, folded))  # in C: most words are known
    if None in found:
        found = [t if t is not None else _term_of(w) for t, w in zip(found, folded, strict=True)]
    return [term for term in found if term]


# Each folded word's term, "" for a stop word: made once, like _FOLDED, and bounded.
_TERM_OF: dict[str, str] = {}


def _term_of(word: str) -> str:
    term = stem(word) if (word not in STOP_WORDS and len(word) > 1) or word.isdigit() else ""
    if len(_TERM_OF) < _FOLDED_MAX:
        _TERM_OF[word] = term
    return term


def _thesaurus_lines() -> list[list[str]]:
    text = (Path(__file__).with_name("thesaurus.txt")).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [words(line) for line in lines if line]


_THESAURUS_LINES = _thesaurus_lines()


def _load_thesaurus() -> dict[str, frozenset[str]]:
    sets: dict[str, set[str]] = {}
    for line in _THESAURUS_LINES:
        members = {stem(w) for w in line if w not in STOP_WORDS}
        for member in members:
            sets.setdefault(member, set()).update(members - {member})
    return {k: frozenset(v) for k, v in sets.items()}


_THESAURUS = _load_thesaurus()


_KNOWN_WORDS = frozenset(
    {stem(w) for line in _THESAURUS_LINES for w in line}
    | {stem(w) for w in IRREGULAR}
    | {stem(w) for w in IRREGULAR.values()}
)


def is_known_word(word: str) -> bool:
    """Whether a word is an English word for sure, even when no document uses it: in the
    general vocabulary tables here, or a common word of English (geobot.text.english)."""
    return stem(word) in _KNOWN_WORDS or is_common(word)


def synonyms(term: str) -> frozenset[str]:
    """Stemmed words used interchangeably with a stemmed term (thesaurus.txt)."""
    return _THESAURUS.get(term, frozenset())
