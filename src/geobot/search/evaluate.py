"""Retrieval quality over labelled questions: recall@1, recall@3, MRR, off-topic flagged.

A hit is a passage that contains one of the question's `expect_any` strings once case,
curly quotes and whitespace are folded. Used by `geobot eval` and by the test suite.
"""

from __future__ import annotations

import json
import shutil
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
    offtopic: Path | None  # None: the set has no off-topic questions
    # The folders whose articles it asks about: none, the set being served (--data); more
    # than one, all of them together (combined_folder).
    articles: tuple[Path, ...] = ()

    @property
    def held_out(self) -> bool:
        """A set only ever measured: its misses are never shown, or they would be tuned on."""
        return any(word in self.name for word in ("unseen", "holdout", "heldout"))


ARTICLE_SUFFIXES = (".txt", ".toml")  # an article and its curated file


def _articles_in(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.txt")}


def labelled_documents(questions: Path) -> set[str]:
    """The documents a set's questions name as holding their answers (`document`)."""
    return {str(item["document"]) for item in read_jsonl(questions) if item.get("document")}


def folders_for(questions: Path, served: Path, corpus: Path) -> tuple[Path, ...]:
    """Where a set's questions are asked: the served set when every document its labels
    name is there (or they name none), the corpus when every one is there, else both."""
    named = labelled_documents(questions)
    for folders in ((), (corpus,), (served, corpus)):
        held = set().union(*(_articles_in(f) for f in folders or (served,)))
        if named <= held:
            return folders
    raise ValueError(f"{questions} names documents in neither {served} nor {corpus}")


def suite(tests_data: Path, served: Path) -> list[EvalSet]:
    """Every labelled set in tests/data, each asked on the articles its labels name (see
    folders_for; `served`: the document set being served): questions-NAME.jsonl with
    offtopic-NAME.jsonl, the corpus of uncurated articles' own set in tests/data/corpus,
    and the held-out sets of tests/data/corpus-heldout."""
    corpus = tests_data / "corpus"
    articles = corpus / "articles"
    found: list[tuple[str, Path, Path | None]] = []
    for questions in sorted(tests_data.glob("questions-*.jsonl")):
        name = questions.stem.removeprefix("questions-")
        offtopic = tests_data / f"offtopic-{name}.jsonl"
        if offtopic.exists():
            found.append((name, questions, offtopic))
    if (corpus / "questions.jsonl").exists():
        found.append(("corpus", corpus / "questions.jsonl", corpus / "offtopic.jsonl"))
    heldout = tests_data / "corpus-heldout"
    for questions in sorted(heldout.glob("questions-*.jsonl")):
        name = questions.stem.removeprefix("questions-")
        offtopic = heldout / f"offtopic-{name}.jsonl"
        found.append((f"corpus-heldout-{name}", questions, offtopic if offtopic.exists() else None))
    return [
        EvalSet(name, questions, offtopic, folders_for(questions, served, articles))
        for name, questions, offtopic in found
    ]


def combined_folder(folders: tuple[Path, ...], into: Path) -> Path:
    """One document set of the articles (and curated files) of several folders, copied
    into `into` as real files: the loader refuses links. Two articles of one name are an
    error, not one silently shadowing the other."""
    into.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix not in ARTICLE_SUFFIXES or not path.is_file():
                continue
            target = into / path.name
            if target.exists():
                raise ValueError(f"{path.name} is in more than one of the folders combined")
            shutil.copyfile(path, target)
    return into


def table(report: EvalReport) -> str:
    rows = [
        ("questions", f"{report.questions}"),
        ("recall@1", f"{report.recall_at_1:.3f}"),
        ("recall@3", f"{report.recall_at_3:.3f}"),
        ("MRR", f"{report.mrr:.3f}"),
        ("answered (on-topic)", f"{report.answered_share:.3f}"),
        ("off-topic questions", f"{report.offtopic}"),
        ("off-topic flagged", f"{report.offtopic_flagged:.3f}" if report.offtopic else "-"),
    ]
    lines = [f"| {'metric':<20} | {'value':>8} |", f"|{'-' * 22}|{'-' * 10}|"]
    lines += [f"| {name:<20} | {value:>8} |" for name, value in rows]
    return "\n".join(lines)
