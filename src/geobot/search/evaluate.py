"""Retrieval quality over labelled questions: recall@1, recall@3, MRR, off-topic flagged.

A hit is a passage that contains one of the question's `expect_any` strings once case,
curly quotes and whitespace are folded. Used by `geobot eval` and by the test suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geobot.search.passages import Answer
from geobot.text.normalize import fold


@dataclass(slots=True)
class EvalReport:
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr: float = 0.0
    answered_share: float = 0.0  # on-topic questions given answered=true
    offtopic: int = 0
    offtopic_flagged: float = 0.0
    misses: list[dict[str, object]] = field(default_factory=list)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(
    ask: Callable[[str], Answer],
    questions: list[dict[str, Any]],
    offtopic: list[dict[str, Any]],
) -> EvalReport:
    report = EvalReport(questions=len(questions), offtopic=len(offtopic))
    r1 = r3 = rr = answered = 0.0
    for item in questions:
        answer = ask(str(item["question"]))
        expected = [fold(str(e)) for e in item["expect_any"]]
        rank = next(
            (
                i
                for i, hit in enumerate(answer.hits, 1)
                if any(e in fold(hit.text) for e in expected)
            ),
            None,
        )
        answered += answer.answered
        if rank == 1:
            r1 += 1
        if rank is not None and rank <= 3:
            r3 += 1
        if rank is not None:
            rr += 1 / rank
        if rank != 1 or not answer.answered:
            report.misses.append(
                {
                    "id": item.get("id"),
                    "question": item["question"],
                    "rank": rank,
                    "answered": answer.answered,
                    "coverage": answer.coverage,
                    "top": answer.hits[0].text[:160] if answer.hits else None,
                }
            )
    flagged = 0
    for item in offtopic:
        answer = ask(str(item["question"]))
        if not answer.answered:
            flagged += 1
        else:
            report.misses.append(
                {
                    "id": item.get("id"),
                    "question": item["question"],
                    "offtopic_answered": True,
                    "coverage": answer.coverage,
                    "top": answer.hits[0].text[:160] if answer.hits else None,
                }
            )
    n = max(1, len(questions))
    report.recall_at_1, report.recall_at_3, report.mrr = r1 / n, r3 / n, rr / n
    report.answered_share = answered / n
    report.offtopic_flagged = flagged / max(1, len(offtopic))
    return report


@dataclass(frozen=True, slots=True)
class EvalSet:
    name: str
    questions: Path
    offtopic: Path
    articles: Path | None = None  # None: the document set being served (--data)

    @property
    def held_out(self) -> bool:
        """A set only ever measured: its misses are never shown, or they would be tuned on."""
        return any(word in self.name for word in ("unseen", "holdout"))


def suite(tests_data: Path) -> list[EvalSet]:
    """Every labelled set in tests/data: the bundled articles' sets (questions-NAME.jsonl
    with offtopic-NAME.jsonl), then the corpus of uncurated articles in tests/data/corpus."""
    sets = []
    for questions in sorted(tests_data.glob("questions-*.jsonl")):
        name = questions.stem.removeprefix("questions-")
        offtopic = tests_data / f"offtopic-{name}.jsonl"
        if offtopic.exists():
            sets.append(EvalSet(name, questions, offtopic))
    corpus = tests_data / "corpus"
    if (corpus / "questions.jsonl").exists():
        sets.append(
            EvalSet(
                "corpus", corpus / "questions.jsonl", corpus / "offtopic.jsonl", corpus / "articles"
            )
        )
    return sets


def table(report: EvalReport) -> str:
    rows = [
        ("questions", f"{report.questions}"),
        ("recall@1", f"{report.recall_at_1:.3f}"),
        ("recall@3", f"{report.recall_at_3:.3f}"),
        ("MRR", f"{report.mrr:.3f}"),
        ("answered (on-topic)", f"{report.answered_share:.3f}"),
        ("off-topic questions", f"{report.offtopic}"),
        ("off-topic flagged", f"{report.offtopic_flagged:.3f}"),
    ]
    lines = [f"| {'metric':<20} | {'value':>8} |", f"|{'-' * 22}|{'-' * 10}|"]
    lines += [f"| {name:<20} | {value:>8} |" for name, value in rows]
    return "\n".join(lines)
