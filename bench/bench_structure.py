"""Structure of the development corpus: titles, headings and resolved footnotes per article.

Loads tests/data/corpus/articles as an uncurated document set (as an admin dropping the
files in would) and compares with the hand labels in tests/data/corpus/structure.jsonl:

- title: the document's title equals the labelled title exactly;
- headings: labelled headings found, in order, and headings found that are not labelled;
- markers: labelled notes whose marker lands on a passage as a citation;
- footnotes: labelled notes whose marker lands on a passage AND whose citation, as readers
  see it, carries the labelled reference text (whitespace and quote marks folded).

Run: .venv/bin/python bench/bench_structure.py
"""

from __future__ import annotations

import json
import re
import sys
from difflib import SequenceMatcher
from pathlib import Path

from geobot.documents.loader import load_document_set
from geobot.documents.model import Document

# Digits where a footnote marker would stand: glued to a word, after a clause's stop,
# bracketed or superscript.
MARKER_LEFT = re.compile(r"[a-z]{2}[1-9]\d?[.,;:]?(\s|$)|[.,][1-9]\d?\s+[A-Z]|\[\d+\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]")
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"


def folded(text: str) -> str:
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split()).lower()


def headings_of(document: Document) -> list[str]:
    every = getattr(document, "headings", None)
    if every is not None:
        return list(every)
    return [s.heading for s in document.sections if s.heading]


def heading_score(found: list[str], wanted: list[str]) -> tuple[int, int]:
    """(labelled headings matched in order, headings found that match no label)."""
    blocks = SequenceMatcher(a=wanted, b=found, autojunk=False).get_matching_blocks()
    matched = sum(b.size for b in blocks)
    return matched, len(found) - matched


def footnotes_resolved(document: Document, footnotes: list[dict[str, str]]) -> tuple[int, int]:
    """(labelled notes cited by some passage, those also shown with their reference)."""
    cited = {n for p in document.passages for n in p.citations}
    landed = resolved = 0
    for note in footnotes:
        number = int(note["marker"])
        label = document.citation_labels((number,))[0]
        landed += number in cited
        resolved += number in cited and folded(note["reference"]) in folded(label)
    return landed, resolved


def main() -> int:
    result = load_document_set(CORPUS / "articles")
    if result.documents is None:
        print("\n".join(str(e) for e in result.errors))
        return 1
    labels = [json.loads(line) for line in (CORPUS / "structure.jsonl").open(encoding="utf-8")]
    print(
        f"{'article':40} {'title':>5} {'headings':>12} {'extra':>5} {'markers':>9} "
        f"{'footnotes':>10}"
    )
    totals = [0, 0, 0, 0, 0, 0, 0]
    for label in labels:
        document = result.documents.documents[label["document"]]
        title_ok = document.title == label["title"]
        matched, extra = heading_score(headings_of(document), label["headings"])
        landed, resolved = footnotes_resolved(document, label["footnotes"])
        wanted_h, wanted_f = len(label["headings"]), len(label["footnotes"])
        values = (title_ok, 1, matched, wanted_h + extra, resolved, wanted_f, landed)
        for i, value in enumerate(values):
            totals[i] += int(value)
        print(
            f"{label['document']:40} {'yes' if title_ok else 'NO':>5} "
            f"{matched:>5}/{wanted_h:<6} {extra:>5} {landed:>4}/{wanted_f:<4} "
            f"{resolved:>4}/{wanted_f:<5}"
        )
        if not title_ok:
            print(f"    title: {document.title!r}")
    left = sum(1 for d in result.documents for p in d.passages if MARKER_LEFT.search(p.text))
    t = totals
    print(
        f"{'all':40} {t[0]}/{t[1]:<3} {t[2]:>5}/{t[3]:<6} {'':>5} {t[6]:>4}/{t[5]:<4} "
        f"{t[4]:>4}/{t[5]:<5}"
    )
    print(
        f"headings exact {t[2] / t[3]:.1%} (extras count as misses); "
        f"footnotes resolved {t[4] / max(t[5], 1):.1%}; titles {t[0]}/{t[1]}; "
        f"passages with a marker-like digit left: {left}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
