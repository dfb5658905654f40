"""Who said a quotation, read from the article's own grammar.

Journalism attributes words in a handful of shapes: "X said …", "… said X", "X, the Y of Z,
said", "according to X", "as X put it", "X's statement that …", and pronouns ("he said")
that stand for the person named last. The speaker is the fullest name the article uses for
that person (a later bare surname resolves to it), or the body or office quoted ("the
Kremlin", "Iran's Foreign Minister"); an unnamed person ("one Senator") has no speaker.

No offline English parser is on PyPI with its model (spaCy's models are not, NLTK and Stanza
download data at run time), so these are rules over the sentence; `nameparser`'s list of
titles tells title words ("Prime Minister", "Admiral") from name parts. Every pattern is
bounded in length, and each quotation looks at one sentence-sized window.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from nameparser.config import CONSTANTS

__all__ = ["ANAPHOR", "Attribution", "SpeakerResolver"]

ANAPHOR = "<the source before>"  # "the report", "the department": the source quoted last
WINDOW = 300  # characters either side of a quotation that can hold its attribution

# Verbs of saying and writing that journalism uses to attribute words (general English).
_SPEECH_VERBS = (
    r"said|says|say|stated?|states|wr(?:o|i)tes?|written|told|tells|warn(?:s|ed)?|argu(?:es|ed)|"
    r"not(?:es|ed)|add(?:s|ed)|explain(?:s|ed)|conclud(?:es|ed)|proclaim(?:s|ed)|"
    r"declar(?:es|ed)|describ(?:es|ed)|call(?:s|ed)|assert(?:s|ed)|insist(?:s|ed)|"
    r"claim(?:s|ed)|repl(?:ies|ied)|respond(?:s|ed|ing)|characteri[sz](?:es|ed)|announc(?:es|ed)|post(?:s|ed)|tweet(?:s|ed)|"
    r"remark(?:s|ed)|surmis(?:es|ed)|express(?:es|ed)|indicat(?:es|ed)|posit(?:s|ed)|"
    r"object(?:s|ed)|worri(?:es|ed)|assess(?:es|ed)|maintain(?:s|ed)|acknowledg(?:es|ed)|"
    r"admit(?:s|ted)|urg(?:es|ed)|ask(?:s|ed)|recall(?:s|ed)|observ(?:es|ed)|predict(?:s|ed)|"
    r"suggest(?:s|ed)|vow(?:s|ed)|pledg(?:es|ed)|promis(?:es|ed)|threaten(?:s|ed)|"
    r"cautioned|complain(?:s|ed)|testifi(?:es|ed)|reported|wrote|put it|quipped|exclaimed|"
    # Participles: "…, warning that …" (the sentence's subject speaks)
    r"saying|warning|adding|noting|arguing|writing|telling|insisting|claiming|declaring|"
    r"stating|explaining|asserting|announcing|describing|calling|concluding"
)
_VERB = re.compile(rf"\b(?:{_SPEECH_VERBS})\b")
# Present forms that are also plural nouns ("the Arab states rejected"): verbs only when
# what follows is what follows a verb of saying.
_NOUN_LIKE = {"states", "notes", "reports", "claims", "calls", "posts", "remarks", "says"}
_AFTER_VERB = re.compile(
    r"\s*(?:that\b|,|“|\"|‘|'|in\b|on\b|to\b|of\b|the\b|its\b|he\b|she\b|they\b|it\b|we\b)"
)
# Words that may stand between a subject and its verb ("he also explained", "has noted").
_BETWEEN = {
    "has", "have", "had", "also", "then", "later", "once", "further", "reportedly", "publicly",
    "repeatedly", "previously", "recently", "first", "again", "would", "will", "is", "was",
    "did", "does", "not", "only", "himself", "herself", "themselves", "simply", "even",
}  # fmt: skip
# Cues that name the source before the words: "according to X", "per X", "as X put it".
_ACCORDING = re.compile(r"\b(?:[Aa]ccording to|[Pp]er|[Aa]s)\s+(?=\S)")
# Nouns for a body's written or spoken statements: "the DIA's 2025 statement" is the DIA's.
_STATEMENT_NOUNS = {
    "statement", "statements", "report", "reports", "assessment", "testimony", "strategy",
    "review", "letter", "memo", "memorandum", "message", "speech", "remarks", "release",
    "post", "interview", "briefing", "announcement", "communique", "declaration", "study",
    "analysis", "estimate", "address", "comments", "evaluation", "audit", "survey",
}  # fmt: skip
# People spoken of by their function: "a White House spokesperson" speaks for the White House.
_ROLE_NOUNS = {
    "spokesperson", "spokesman", "spokeswoman", "official", "officials", "source", "sources",
    "aide", "aides", "analyst", "analysts", "staffer", "historian", "expert", "experts",
    "representative", "representatives", "diplomat", "diplomats", "officer", "adviser",
    "advisor", "member", "members", "inspector", "general", "leader", "leaders",
}  # fmt: skip
# A person left unnamed: "one Senator", "an Iranian source", "another".
_UNNAMED = re.compile(
    r"\b(?:[Oo]ne|[Aa]n?|[Aa]nother|[Ss]ome|[Ss]everal|[Mm]any|[Oo]ther|[Tt]wo|[Tt]hree)"
    r"\s+(?:[\w.’'-]+\s+){0,2}?(?:[A-Z][a-z]+|official|source|analyst|observer|diplomat|expert|"
    r"member|lawmaker|legislator|aide|critic|commentator)\s*$"
)
# Plural people left unnamed: "Senior officials said", "Critics call it" (general English).
_UNNAMED_GROUPS = {
    "officials", "sources", "analysts", "experts", "critics", "observers", "diplomats",
    "lawmakers", "legislators", "residents", "protesters", "commentators", "scholars",
    "economists", "investors", "supporters", "opponents", "people", "aides", "advisers",
    "advisors", "insiders", "members", "leaders", "activists", "witnesses", "historians",
}  # fmt: skip
_PRONOUNS = {"he", "she", "they", "He", "She", "They"}
# Documents quote nobody in particular: a statute, a resolution, a policy paper.
_DOCUMENT_SUBJECTS = {
    "document", "resolution", "law", "act", "section", "provision", "bill", "treaty",
    "agreement", "text", "policy", "doctrine", "order", "directive", "statute", "decree",
}  # fmt: skip
# A definite "the report" or "the department" points back at the source quoted just before.
_ANAPHORS = {
    "report", "statement", "assessment", "testimony", "study", "review", "memo", "letter",
    "department", "ministry", "agency", "office", "government", "administration", "committee",
    "council", "commission",
}  # fmt: skip
# Function words that open sentences with a capital but are no part of a name.
_NOT_NAME_WORDS = {
    "The", "A", "An", "This", "That", "These", "Those", "While", "When", "Where", "Whereas",
    "After", "Before", "Although", "Though", "Because", "Since", "If", "In", "On", "At", "For",
    "By", "As", "From", "With", "Without", "Under", "Over", "During", "Yet", "But", "And", "Or",
    "So", "Then", "Thus", "However", "Meanwhile", "Instead", "Still", "Also", "Even", "Only",
    "Both", "Each", "Every", "Some", "Many", "Most", "Such", "Other", "Another", "Its", "His",
    "Her", "Their", "Our", "Finally", "Later", "Earlier", "Similarly", "According", "Per",
    "Despite", "Unlike", "Rather", "Perhaps", "Until", "Once", "Now", "Today", "Often",
    "Sometimes", "Widely", "Here", "There", "Yesterday", "Recently", "Long",
}  # fmt: skip
# Words of institutions and places: a capitalised phrase holding one is not a person.
_BODY_WORDS = {
    "union", "states", "nations", "kingdom", "republic", "house", "council", "department",
    "party", "congress", "senate", "court", "ministry", "agency", "office", "bureau",
    "committee", "commission", "organization", "organisation", "institute", "university",
    "conference", "treaty", "war", "army", "navy", "force", "forces", "command", "company",
    "corporation", "group", "fund", "forum", "bank", "government", "administration", "embassy",
    "division", "staff", "service", "services", "assembly", "parliament", "resolution", "act",
    "strait", "sea", "ocean", "river", "island", "islands", "gulf", "peninsula", "region",
    "province", "city", "street", "square", "center", "centre", "foundation", "network",
    "times", "post", "news", "press", "intelligence", "security", "affairs", "relations",
    "doctrine", "plan", "program", "programme", "project", "operation", "initiative",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][\w.’'-]*|\d+|[(),;:—–]")
_CONNECT = {"of", "the", "for", "and", "on", "de", "del", "van", "von", "bin", "al", "la", "le"}
_ACRONYM = re.compile(
    r"\b([A-Z][\w.’'-]*(?:\s+(?:of|the|for|and|on|[A-Z][\w.’'-]*)){1,8})\s+\(([A-Z]{2,8})\)"
)
# A run of capitalised words, initials and acronyms ending in a name-like word.
_CAPITALISED_RUN = re.compile(
    r"\b(?:(?:[A-Z][A-Za-zà-ÿ’'-]*[a-zà-ÿ]|[A-Z]\.(?:[A-Z]\.)*|[A-Z]{2,})\s+){1,6}[A-Z][A-Za-zà-ÿ’'-]*[a-zà-ÿ]"
)
# Name words: capitalised, inner capitals allowed (McCardle, DeSantis), ending in lower case.
_NAME_TOKEN = re.compile(r"\b[A-Z][A-Za-zà-ÿ’'-]*[a-zà-ÿ]\b")
_NAME_WORD = re.compile(r"^(?:[A-Z][A-Za-zà-ÿ’'-]*[a-zà-ÿ]|[A-Z]\.|[A-Z]{2})$")
_POSSESSIVE = ("’s", "'s")


# nameparser's title words ("president", "minister", "admiral"), read once: its own lookup
# lower-cases on every call.
_TITLES = frozenset(CONSTANTS.titles)


def _is_title(word: str) -> bool:
    return word.lower().rstrip(".") in _TITLES


def _nationality(word: str) -> bool:
    # "Israeli", "Pakistani", "Belarusian", "French": adjectives of a country before a title.
    return bool(re.fullmatch(r"[A-Z][a-z]+(?:i|ian|an|ese|ish|ch)", word))


@dataclass(slots=True)
class Attribution:
    speaker: str | None  # None: nobody named, or a document
    cue: bool  # some attribution was found (words someone said or wrote)


@dataclass(slots=True)
class SpeakerResolver:
    """Names, acronyms and the order of mentions in one article."""

    paragraphs: list[str]
    surnames: dict[str, str] = field(default_factory=dict)  # last word -> fullest name
    acronyms: dict[str, str] = field(default_factory=dict)  # DIA -> Defense Intelligence Agency
    # (paragraph, offset, name) of every person mention, in order, to resolve pronouns.
    mentions: list[tuple[int, int, str | None]] = field(default_factory=list)
    # (paragraph, offset, title word, name): "the President" is the last one so titled.
    titled: list[tuple[int, int, str, str]] = field(default_factory=list)
    subjects: set[tuple[int, int]] = field(default_factory=set)  # mentions that lead a verb

    def __post_init__(self) -> None:
        for index, text in enumerate(self.paragraphs):
            self._learn(index, text)
        self.__post_init_surnames()

    def _learn(self, index: int, text: str) -> None:
        for match in _ACRONYM.finditer(text):
            words = match.group(1).split()
            initials = match.group(2)
            capitals = [w for w in words if w[0].isupper()]
            keep = capitals[-len(initials) :] if len(capitals) >= len(initials) else capitals
            if keep and "".join(w[0] for w in keep) == initials:
                first = len(words) - words[::-1].index(keep[0]) - 1
                expansion = " ".join(words[first:])
                owner = _OWNER.search(text[max(0, match.start() - 80) : match.start()])
                if words[-1].lower() in _STATEMENT_NOUNS and owner:
                    # "the community's 2026 Annual Threat Assessment (ATA)": its author speaks.
                    expansion = _the(owner.group(1))
                self.acronyms.setdefault(initials, expansion)
        for match in _CAPITALISED_RUN.finditer(text):
            name = _person(match.group(0))
            if name is not None:
                last = name.split()[-1]
                if len(name) > len(self.surnames.get(last, "")):
                    self.surnames[last] = name
                self.mentions.append((index, match.end(), name))
                self._note_subject(index, text, match.start(), match.end())
                title = _title_before(match.group(0), name)
                if title:
                    self.titled.append((index, match.end(), title, name))
        for match in _UNNAMED_ANYWHERE.finditer(text):
            self.mentions.append((index, match.end(), None))
            self._note_subject(index, text, match.start(), match.end())
        self.mentions.sort(key=lambda m: (m[0], m[1], m[2] or ""))

    def __post_init_surnames(self) -> None:
        # A bare surname of a person named in full elsewhere is a mention of that person.
        confirmed = {name for *_, name in self.titled}
        for index, text in enumerate(self.paragraphs if self.surnames else ()):
            for match in _NAME_TOKEN.finditer(text):
                full = self.surnames.get(match.group(0).removesuffix("’s").removesuffix("'s"))
                if full is not None and full != match.group(0):
                    confirmed.add(full)
                    self.mentions.append((index, match.end(), full))
                    self._note_subject(index, text, match.start(), match.end())
        # Only a name given a title or later called by its last word alone is surely a
        # person's: "Great Britain" never becomes "he".
        self.mentions = [
            (index, end, self._fullest(name))
            for index, end, name in self.mentions
            if name is None or name in confirmed
        ]
        self.mentions.sort(key=lambda m: (m[0], m[1], m[2] or ""))
        # "President Trump" early and "Donald Trump" later are one person: a pronoun or a
        # title resolves to the fullest name the article uses, as a named speaker does.
        self.titled = [(i, e, t, self._fullest(n) or n) for i, e, t, n in self.titled]

    def _fullest(self, name: str | None) -> str | None:
        if name is None:
            return None
        return self.surnames.get(name.split()[-1], name)

    def last_person(self, paragraph: int, offset: int) -> str | None:
        # Bisect, not a scan: a long article has thousands of mentions and of quotations.
        at = bisect.bisect_right(self.mentions, (paragraph, offset), key=lambda m: m[:2])
        # Centering: a pronoun takes up the last subject, "Khrushchev sent Kennedy a
        # message … he said", over a name in an object or a subordinate clause nearby.
        for index, end, name in reversed(self.mentions[max(0, at - PRONOUN_REACH) : at]):
            if index < paragraph - 1:
                break
            if (index, end) in self.subjects:
                return name
        return self.mentions[at - 1][2] if at else None

    def former(self, paragraph: int, offset: int) -> str | None:
        """ "the former" of the last two people named."""
        at = bisect.bisect_right(self.mentions, (paragraph, offset), key=lambda m: m[:2])
        last = self.mentions[at - 1][2] if at else None
        for _index, _end, name in reversed(self.mentions[max(0, at - PRONOUN_REACH) : at]):
            if name is not None and name != last:
                return name
        return None

    def _note_subject(self, index: int, text: str, start: int, end: int) -> None:
        following = _NEXT_WORD.match(text, end)
        preceding = text[max(0, start - 12) : start].split()
        if preceding and preceding[-1].lower() in _SUBORDINATE:
            return
        if not preceding or preceding[-1].endswith((".", "!", "?")):
            self.subjects.add((index, end))  # it opens the sentence: "Trump, in …, wrote"
            return
        if following and following.group(1) not in _NOT_VERBS:
            self.subjects.add((index, end))

    def titled_person(self, title: str, paragraph: int, offset: int) -> str | None:
        at = bisect.bisect_right(self.titled, (paragraph, offset), key=lambda m: m[:2])
        for _index, _end, word, name in reversed(self.titled[max(0, at - TITLE_REACH) : at]):
            if word == title:
                return name
        return None

    def name(self, phrase: str) -> str | None:
        """The fullest form of a person's name, a body's name, or None for no one."""
        phrase = phrase.strip(" ,")
        for suffix in _POSSESSIVE:
            phrase = phrase.removesuffix(suffix)
        words = phrase.split()
        while words and words[0] in _NOT_NAME_WORDS:
            words = words[1:]  # "When Noble …": the sentence's opening word is no name part
        phrase = " ".join(words)
        if not words:
            return None
        if len(words) == 1 and words[0] in self.acronyms:
            return self.acronyms[words[0]]
        person = _person(phrase)
        if person is None and " of " in phrase:
            person = _person(phrase.split(" of ")[0])  # "Senator Mike Lee of Utah"
        if person is not None:
            return self._fullest(person)
        if len(words) == 1 and words[0] in self.surnames:
            return self.surnames[words[0]]
        expanded = [self.acronyms.get(w, w) for w in words]
        return " ".join(expanded)

    def attribute(
        self, paragraph: int, text: str, start: int, end: int, floor: int = 0
    ) -> Attribution:
        """Who the quotation text[start:end] (marks included) is attributed to. `floor`: where
        the quotation before it ends; that one's words attribute nothing."""
        before = text[max(0, floor, start - WINDOW) : start]
        before = _CLAUSE_BREAK.split(before)[-1]
        after = text[end : end + WINDOW]
        inner_end = text[max(start, end - 3) : end]
        finders = [self._before]
        if "," in inner_end or after[:1] == ",":  # “…,” he said: the sentence goes on
            finders.insert(0, self._after)
        for finder in finders:
            found = finder(paragraph, before, after, start)
            if found is not None:
                return found
        return Attribution(None, False)

    def _after(self, paragraph: int, before: str, after: str, start: int) -> Attribution | None:
        # "…,” he said / Johnson told X / said Johnson
        match = re.match(
            r"^[,\s]*((?:[A-Z][\w.’'-]*|he|she|they|the\s+[A-Z][\w.’'-]*)"
            r"(?:\s+[A-Z][\w.’'-]*){0,5})\s+"
            rf"(?:\w+\s+)?(?:{_SPEECH_VERBS})\b",
            after,
        )
        if match:
            return self._subject(paragraph, match.group(1), start)
        match = re.match(rf"^[,\s]*(?:{_SPEECH_VERBS})\s+((?:[A-Z][\w.’'-]*\s*){{1,5}})", after)
        if match and not before.strip():
            return self._subject(paragraph, match.group(1), start)
        return None

    def _before(self, paragraph: int, before: str, after: str, start: int) -> Attribution | None:
        statement = _POSSESSIVE_STATEMENT.search(before)
        if statement:  # "X's statement that …"
            return self._subject(paragraph, statement.group(1), start)
        verbs = [
            v
            for v in _VERB.finditer(before)
            if v.group(0) not in _NOUN_LIKE or _AFTER_VERB.match(before, v.end())
        ]
        according = list(_ACCORDING.finditer(before))
        if according and (not verbs or according[-1].start() > verbs[-1].start()):
            cue = according[-1]
            if cue.group(0).lower().startswith("as") and not re.search(
                r"\b(?:put it|not(?:ed|es)|said|says|wr(?:o|i)tes?)\b", before[cue.end() :]
            ):
                pass
            else:
                return self._source(paragraph, before[cue.end() :], start)
        if not verbs and before.rstrip().endswith(":"):
            return self._introduced(paragraph, before, start)
        if not verbs:
            owner = re.search(r"((?:[A-Z][\w.’'-]*\s+){0,4}[A-Z][\w.’'-]*)(?:’s|'s)\s*$", before)
            if owner:  # Roosevelt’s “hesitation”: the words are the owner's
                return Attribution(self.name(owner.group(1)), True)
            return None
        verb = verbs[-1]
        lead = before[: verb.start()].rstrip()
        if verb.group(0).endswith("ing") and lead.endswith(","):
            # "Musk, CEO of X, endorsed it, responding “…”": the sentence's subject speaks.
            opening = _CAPITALISED_RUN.match(before.lstrip())
            if opening is None:
                return Attribution(None, True)
            return self._subject(paragraph, opening.group(0), start)
        subject = _subject_phrase(lead)
        if subject is None:
            return Attribution(None, True)
        return self._subject(paragraph, subject, start - len(before) + verb.start())

    def _introduced(self, paragraph: int, before: str, start: int) -> Attribution | None:
        """Words after a colon, "Smith was blunt: “…”": the clause's owner of a statement,
        or its named subject, speaks."""
        statement = _OWNED_STATEMENT.search(before)
        if statement:
            return self._subject(paragraph, statement.group(1), start)
        opening = _CAPITALISED_RUN.match(before.lstrip()) or re.match(
            r"\s*([A-Z][A-Za-zà-ÿ’'-]*[a-zà-ÿ])\b", before
        )
        if opening is None:
            return None
        name = self.name(opening.group(0).strip())
        known = name is not None and (name in self.surnames.values() or name.startswith("the "))
        return Attribution(name, True) if known else None

    def _source(self, paragraph: int, phrase: str, start: int) -> Attribution:
        # "according to a 2025 DIA statement, …": the source is the body owning the statement.
        phrase = re.split(r",|\bthat\b|\bput it\b|\bnot(?:ed|es)\b|\bsaid\b", phrase)[0]
        if _UNNAMED.search(phrase):
            return Attribution(None, True)
        # "testimony of General X": the words are X's.
        phrase = _STATEMENT_OF.sub("", phrase)
        phrase = re.sub(r"\s*\([^()]{1,40}\)", "", phrase)
        words = [w for w in phrase.split() if not w.isdigit()]
        while words and words[0].lower() in ("a", "an", "its", "his", "her", "their"):
            words = words[1:]
        while words and words[-1].lower() in _STATEMENT_NOUNS | {"has", "have", "had"}:
            words = words[:-1]
        if not words:
            return Attribution(None, True)
        return self._subject(paragraph, " ".join(words), start)

    def _subject(self, paragraph: int, phrase: str, start: int) -> Attribution:
        phrase = re.sub(r"\s*\([^()]{1,40}\)", "", phrase.strip(" ,.;:"))
        if phrase in _PRONOUNS:
            return Attribution(self.last_person(paragraph, start), True)
        if phrase.lower() == "the latter":
            at = bisect.bisect_right(self.mentions, (paragraph, start), key=lambda m: m[:2])
            return Attribution(self.mentions[at - 1][2] if at else None, True)
        if phrase.lower() == "the former":
            return Attribution(self.former(paragraph, start), True)
        if _UNNAMED.search(phrase) or phrase.lower().startswith(("one ", "another", "some ")):
            return Attribution(None, True)
        words = phrase.split()
        while words and words[-1].isdigit():
            words.pop()
        head = words[-1].lower().rstrip(",") if words else ""
        if len(words) >= 2 and words[0].lower() == "the" and all(map(_is_title, words[1:])):
            # "the President", "the Prime Minister": the person last so titled, else the office
            found = self.titled_person(head, paragraph, start)
            return Attribution(found or _the(" ".join(words)), True)
        if len(words) == 1 and (words[0] in _NOT_NAME_WORDS or words[0].endswith("ly")):
            return Attribution(None, True)  # "Often described as …": no subject at all
        if words and words[-1].lower() in _UNNAMED_GROUPS:
            return Attribution(None, True)  # "US officials", "Critics": nobody named
        if len(words) <= 2 and head in _ANAPHORS and words[0].lower() == "the":
            return Attribution(ANAPHOR, True)
        if head in _DOCUMENT_SUBJECTS:
            return Attribution(None, True)
        speaker = _org_or_person(self, words)
        if speaker is not None and not any(c.isupper() for c in speaker):
            speaker = None  # "a", "some": no name at all
        return Attribution(speaker, True)


_STATEMENT_OF = re.compile(rf"^.*?\b(?:{'|'.join(sorted(_STATEMENT_NOUNS))})\s+(?:of|by|from)\s+")
# Where a sentence or clause ends: a stop after a word (not the initials of "U.S. Army"), or
# a semicolon.
_CLAUSE_BREAK = re.compile(r"(?<=[a-z0-9)\]…])[.!?][”\"’']?\s+(?=[A-Z“\"‘])|;\s*")
PRONOUN_REACH = 12  # mentions looked back over for a pronoun's subject
TITLE_REACH = 200  # titled mentions looked back over for "the President"
_NEXT_WORD = re.compile(r"(?:’s|'s)?\s+([a-z]+)\b")
# Words after a name that show it is not the subject of a verb (general English function
# words), and words before a name that put it in a subordinate or object position.
_NOT_VERBS = {
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "with", "by", "from",
    "as", "that", "who", "which", "whose", "its", "his", "her", "their", "this", "these",
    "administration", "government", "era", "years", "visit", "talks",
}  # fmt: skip
_SUBORDINATE = {
    "what", "that", "which", "who", "whom", "with", "by", "to", "of", "from", "for", "and",
    "told", "met", "asked", "urged", "than", "like",
}  # fmt: skip
# "the President’s remarks", "Smith’s reply" anywhere in a clause that ends in a colon.
_OWNED_STATEMENT = re.compile(
    r"((?:[Tt]he\s+)?(?:[A-Z][\w.’'-]*\s+){0,4}[A-Z][\w.’'-]*)(?:’s|'s)\s+(?:\w+\s+)?"
    r"(?:remarks|statement|words|message|speech|reply|response|answer|letter|warning|address)\b"
)
_POSSESSIVE_STATEMENT = re.compile(
    r"((?:[A-Z][\w.’'-]*\s+){0,4}[A-Z][\w.’'-]*)(?:’s|'s)\s+(?:\w+\s+)?"
    r"(?:statement|claim|remark|warning|assertion|words|argument|promise|pledge|vow|view)s?"
    r"\s+(?:that\s+)?$"
)
_OWNER = re.compile(r"((?:[Tt]he\s+)?(?:[\w.’'-]+\s+){0,4}[\w.’'-]+?)(?:’s|'s)\s+(?:\d{4}\s+)?$")


def _the(name: str) -> str:
    return "the " + name[4:] if name.startswith("The ") else name


def _title_before(phrase: str, name: str) -> str | None:
    head = phrase[: phrase.rfind(name)].split() if name in phrase else []
    return head[-1].lower() if head and _is_title(head[-1]) else None


_UNNAMED_ANYWHERE = re.compile(
    r"\b(?:[Oo]ne|[Aa]nother)\s+(?:[A-Z][a-z]+|official|source|analyst|diplomat|member)\b"
)


def _org_or_person(resolver: SpeakerResolver, words: list[str]) -> str | None:
    # Trailing role or statement nouns name who stands behind them: "a White House
    # spokesperson", "the Pentagon's 2026 National Defense Strategy".
    while words and (words[-1].lower() in _ROLE_NOUNS | _STATEMENT_NOUNS or words[-1].isdigit()):
        if words[-1].lower() == "general" and len(words) >= 2 and words[-2].lower() == "inspector":
            break  # "inspector general" is itself an office
        words = words[:-1]
    text = re.sub(r"\s*\([^()]{1,40}\)", "", " ".join(w for w in words if not w.isdigit()))
    owner = re.search(r"^(.*?)(?:’s|'s)\s+(?:\d{4}\s+)?(.+)$", text)
    if owner and not _is_office(owner.group(2)):
        text = owner.group(1)  # "the Pentagon's National Defense Strategy": the Pentagon
    text = re.sub(r"^(?:[Aa]n?|[Tt]he)\s+(?:\d{4}\s+)?", "the ", text).strip()
    text = re.sub(r"\s+\d{4}$", "", text)
    if not text or text == "the":
        return None
    bare = text.removeprefix("the ")
    if bare in resolver.acronyms:
        return "the " + resolver.acronyms[bare]
    if text.startswith("the "):
        person = _person(text[4:])  # "the Assistant Secretary … Carl McCardle"
        return resolver.name(person) if person else _expand(resolver, text)
    return resolver.name(text)


def _expand(resolver: SpeakerResolver, text: str) -> str:
    words = text.split()
    return " ".join(resolver.acronyms.get(w, w) for w in words)


def _is_office(phrase: str) -> bool:
    """ "Foreign Minister" after "Iran's": an office, which is who speaks."""
    words = phrase.split()
    return (
        bool(words) and all(_is_title(w) or w[0].isupper() for w in words) and _is_title(words[-1])
    )


def _person(phrase: str) -> str | None:
    """A person's name in a capitalised phrase, titles and nationality dropped; else None."""
    words = phrase.replace("(", " ").replace(")", " ").split()
    while words and words[-1].endswith(_POSSESSIVE):
        words[-1] = words[-1][:-2]
    tail: list[str] = []
    for word in reversed(words):
        if _is_title(word) or not _NAME_WORD.match(word) or word.lower() in _CONNECT:
            break
        tail.insert(0, word)
    while tail and tail[0] in _NOT_NAME_WORDS:
        tail = tail[1:]
    bodies = [k for k, w in enumerate(tail) if w.lower() in _BODY_WORDS]
    # "the French Foreign Ministry Renè Massigli": a body's name before a person's is like
    # a title; a phrase ending in a body's word is no person.
    had_body = bool(bodies)
    if bodies:
        tail = tail[bodies[-1] + 1 :]
        if len(tail) < 2:
            return None
    if not tail:
        return None
    had_title = had_body or (
        len(tail) < len(words) and _is_title(words[len(words) - len(tail) - 1])
    )
    if len(tail) == 1 and not had_title:
        return None
    if any(_nationality(w) for w in tail[:1]) and len(tail) > 1 and not had_title:
        tail = tail[1:]
    if len(tail) > 4:
        return None
    return " ".join(tail)


def _subject_phrase(text: str) -> str | None:
    """The noun phrase that ends just before a verb: skips auxiliaries and appositives."""
    text = text.rstrip()
    words = text.split()
    while words and words[-1] in _BETWEEN:
        words.pop()
    if len(words) > 1 and words[-1] == "who" and words[-2].endswith(","):
        words = words[:-1]  # "Senator Mike Lee of Utah, who has characterized": Mike Lee
        words[-1] = words[-1].rstrip(",")
    text = " ".join(words)
    for reference in ("the latter", "the former"):
        if text.lower().endswith(reference):
            return reference
    # "X, the Y of Z, said" and "X, in announcing it, wrote": the subject stands before.
    for _ in range(2):
        parenthetical = re.search(r",\s*([^,]{1,160}),?\s*$", text)
        if parenthetical and not parenthetical.group(1)[:1].isupper() and text.endswith(","):
            text = text[: parenthetical.start()].rstrip()
        elif text.endswith(","):
            text = text[:-1].rstrip()
    match = re.search(
        r"((?:\b(?:[Oo]ne|[Aa]n?|[Aa]nother|[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+)?"
        r"(?:[\w.’'()-]+\s+){0,7}?[\w.’'()-]+)$",
        text,
    )
    if not match:
        return None
    phrase = match.group(1)
    # Keep the subject from its last determiner or capital run on.
    tokens = phrase.split()
    keep: list[str] = []
    for word in reversed(tokens):
        if word in _PRONOUNS and not keep:
            return word
        bare = word.strip("()")
        if bare.endswith(_POSSESSIVE) and keep:
            keep.insert(0, word)  # "the community's 2026 Assessment": the owner goes on
            continue
        if keep and keep[0].endswith(_POSSESSIVE) and bare.islower() and len(keep) < 9:
            keep.insert(0, word)
            if bare in ("the", "a", "an"):
                break
            continue
        if (
            bare[:1].isupper()
            or bare.isdigit()
            or bare.lower() in _CONNECT
            or bare.lower() in _ROLE_NOUNS | _STATEMENT_NOUNS
            or _is_title(bare)
            or bare.lower() in ("one", "a", "an", "another", "the", "its")
        ):
            keep.insert(0, word)
            if bare.lower() in ("one", "a", "an", "another", "the"):
                break
            continue
        break
    while keep and keep[0].lower() in _CONNECT - {"the"}:
        keep = keep[1:]
    return " ".join(keep) or None
