"""Deterministic synthetic articles shaped like the bundled ones, for reload tests and benches.

Each article has a title line, section headings, paragraphs of 2-5 sentences with the
things that make segmentation and parsing work hard in the real set: abbreviations
("U.S.", "Gen.", "Inc."), footnote numbers glued to words ("policy1."), curly-quoted
speech with a speaker, bullet lists, and years. The same (seed, index) always gives the
same article, so bench runs are comparable. bench/bench_reload.py imports this module.
"""

from __future__ import annotations

import random
from pathlib import Path

PLACES = [
    "Ukraine",
    "Russia",
    "Poland",
    "Estonia",
    "Latvia",
    "Finland",
    "Norway",
    "Turkey",
    "Iran",
    "China",
    "Taiwan",
    "Japan",
    "India",
    "Brazil",
    "the U.S.",
    "the U.K.",
    "Germany",
    "France",
    "the Baltic states",
    "the Black Sea region",
    "the Arctic",
    "the Strait of Hormuz",
    "the Sahel",
    "the South China Sea",
]
ACTORS = [
    "NATO",
    "the European Union",
    "the Kremlin",
    "Washington",
    "Beijing",
    "the Pentagon",
    "the U.N. Security Council",
    "the G7",
    "the African Union",
    "OPEC+",
    "Gazprom Inc.",
    "the State Department",
    "the Bundeswehr",
]
PEOPLE = [
    "Gen. Mark Holloway",
    "Anne Keller",
    "Dr. Ravi Menon",
    "Sen. Laura Brandt",
    "Yuri Petrenko",
    "Mei Lin",
    "Ambassador Tomás Ruiz",
    "Prof. Helga Sørensen",
    "Col. Ahmed Karimi",
    "Ingrid Dahl",
]
TOPICS = [
    "energy security",
    "defense spending",
    "sanctions",
    "grain exports",
    "deterrence",
    "arms control",
    "shipping lanes",
    "rare earths",
    "cyber operations",
    "refugee flows",
    "nuclear policy",
    "trade routes",
    "border fortifications",
    "air defense",
]
VERBS = [
    "raised",
    "cut",
    "doubled",
    "froze",
    "renegotiated",
    "expanded",
    "challenged",
    "redirected",
    "questioned",
    "secured",
    "postponed",
    "restructured",
]
OPENERS = [
    "In the last decade,",
    "Since 2014,",
    "By the end of 1991,",
    "According to analysts,",
    "Behind closed doors,",
    "For the first time since World War II,",
    "In practice,",
    "Officially,",
    "Within months,",
    "At the summit in Vilnius,",
]
CLOSERS = [
    "a shift few in Washington expected",
    "a move that unsettled its neighbours",
    "with consequences that are still unfolding",
    "despite pressure from its allies",
    "at a cost of roughly $4.5 billion",
    "in defiance of earlier commitments",
    "which critics called a strategic error",
    "as markets reacted within hours",
]
HEADINGS = [
    "Background",
    "The Strategic Picture",
    "Why It Matters",
    "Economic Consequences",
    "The View From {place}",
    "What Comes Next",
    "Risks and Uncertainties",
    "A Shifting Balance of Power",
    "Conclusion: {topic} After the Crisis",
]


def _sentence(rng: random.Random, note: int | None) -> str:
    text = (
        f"{rng.choice(OPENERS)} {rng.choice(ACTORS)} {rng.choice(VERBS)} its approach to "
        f"{rng.choice(TOPICS)} in {rng.choice(PLACES)}, {rng.choice(CLOSERS)}"
    )
    # Footnote numbers are glued to the last word, as in the bundled articles ("policy1.").
    return text + (f"{note}." if note else ".")


def _quote(rng: random.Random) -> str:
    speaker = rng.choice(PEOPLE)
    said = (
        f"{rng.choice(TOPICS).capitalize()} in {rng.choice(PLACES)} is no longer "
        f"a question of if, but of when"
    )
    if rng.random() < 0.5:
        return f"“{said},” said {speaker}."
    return f"{speaker} warned that “{said}.”"


def article(index: int, seed: int = 0, paragraphs: tuple[int, int] = (3, 6)) -> str:
    """One small article, 1-2.5 KB: a title, 2-4 sections, some notes and quotes."""
    rng = random.Random(f"{seed}:{index}")
    topic = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    lines = [f"{topic.capitalize()} and {place}: report {index}"]
    notes = rng.randint(0, 4)  # some articles cite nothing
    count = rng.randint(*paragraphs)
    headings = rng.sample(HEADINGS, k=min(len(HEADINGS), rng.randint(2, 4)))
    every = max(1, count // len(headings))
    for p in range(count):
        if p % every == 0 and headings:
            lines.append(
                headings.pop(0).format(place=place.removeprefix("the "), topic=topic.capitalize())
            )
        sentences = [
            _sentence(rng, rng.randint(1, notes) if notes and rng.random() < 0.3 else None)
            for _ in range(rng.randint(2, 4))
        ]
        if rng.random() < 0.35:
            sentences.insert(rng.randrange(len(sentences) + 1), _quote(rng))
        if rng.random() < 0.15:
            lines.append(" ".join(sentences[:1]))
            lines.extend(f"- {s}" for s in sentences[1:])
        else:
            lines.append(" ".join(sentences))
    return "\n".join(lines) + "\n"


def write_articles(
    folder: Path, count: int, seed: int = 0, paragraphs: tuple[int, int] = (3, 6)
) -> int:
    """Write `count` articles as folder/synthetic-NNNNN.txt; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for index in range(count):
        data = article(index, seed, paragraphs).encode("utf-8")
        (folder / f"synthetic-{index:05d}.txt").write_bytes(data)
        total += len(data)
    return total
