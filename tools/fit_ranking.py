"""Fit RankingConfig's score weights and verdict on the development questions only.

    .venv/bin/python tools/fit_ranking.py            # prints the fitted values

Development sets: tests/data questions/offtopic -dev, -extra, -readers on the bundled
articles, and tests/data/corpus (uncurated articles in other house styles). The held-out
sets (unseen, unseen2, holdout) are never read here. Step 1 grid-searches the score weights
(w_lexical, window_gain, w_perspective, against w_semantic = 1) for the sum over sets of
recall@1 and recall@3; step 2 fits the verdict's logistic regression (plain gradient descent on the
log-loss, numpy only) on the best span's features: answerable questions whose best span is
right are positives, off-topic questions negatives, each set weighted equally.

    .venv/bin/python tools/fit_ranking.py --verdict-only --cv   # 5-fold cross-validation

`--cv` also prints, per set, the share of answerable questions the verdict would accept and
of off-topic ones it would reject when each fold is judged by a model fitted on the others:
a verdict that holds only in-sample is fitted to these few questions, not to the task.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from geobot.library import Library
from geobot.search.evaluate import evaluate, read_jsonl
from geobot.text.normalize import fold

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
DEV_SETS = {
    "dev": (REPO / "data", DATA / "questions-dev.jsonl", DATA / "offtopic-dev.jsonl"),
    "extra": (REPO / "data", DATA / "questions-extra.jsonl", DATA / "offtopic-extra.jsonl"),
    "readers": (REPO / "data", DATA / "questions-readers.jsonl", DATA / "offtopic-readers.jsonl"),
    "corpus": (
        DATA / "corpus" / "articles",
        DATA / "corpus" / "questions.jsonl",
        DATA / "corpus" / "offtopic.jsonl",
    ),
}


def load() -> dict[str, tuple[Library, list[dict], list[dict]]]:
    libraries: dict[Path, Library] = {}
    sets = {}
    for name, (folder, questions, offtopic) in DEV_SETS.items():
        if folder not in libraries:
            libraries[folder] = Library.load(folder)
        sets[name] = (libraries[folder], read_jsonl(questions), read_jsonl(offtopic))
    return sets


def grid(sets: dict) -> dict[str, float]:
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for lexical, window, persp in itertools.product(
        (0.25, 0.35, 0.5), (0.015, 0.03, 0.05), (0.0, 0.1)
    ):
        values = {"w_lexical": lexical, "window_gain": window, "w_perspective": persp}
        total = 0.0
        for library, questions, _ in sets.values():
            library.search.config = replace(library.search.config, **values)
            report = evaluate(lambda q, lib=library: lib.ask(q, limit=3), questions, [])
            total += report.recall_at_1 + report.recall_at_3
        print(f"{values} -> {total:.3f}", file=sys.stderr)
        if total > best[0]:
            best = (total, values)
    return best[1]


def features(sets: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    rows, labels, weights, names = [], [], [], []
    for name, (library, questions, offtopic) in sets.items():
        items = [(q, 1.0) for q in questions] + [(q, 0.0) for q in offtopic]
        per_class = {1.0: len(questions), 0.0: max(1, len(offtopic))}
        for item, label in items:
            answer = library.ask(str(item["question"]), limit=1)
            if not answer.hits:
                continue
            hit = answer.hits[0]
            if label == 1.0:
                expected = [fold(str(e)) for e in item["expect_any"]]
                if not any(e in fold(hit.text) for e in expected):
                    continue  # a wrong best span says nothing about answerability
            e = answer.evidence
            if e is None:
                continue
            rows.append(
                (e.similarity, e.coverage, e.unknown_share, e.missing_share, e.missing_name)
            )
            labels.append(label)
            weights.append(1.0 / per_class[label])
            names.append(name)
    return np.array(rows), np.array(labels), np.array(weights), names


def logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    theta = np.zeros(x.shape[1] + 1)
    design = np.hstack([np.ones((len(x), 1)), x])
    w = w / w.sum()
    for _ in range(20000):
        p = 1.0 / (1.0 + np.exp(-design @ theta))
        theta -= 2.0 * (design.T @ (w * (p - y)) + 1e-3 * np.r_[0.0, theta[1:]])
    return theta


def cross_validate(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str], folds: int = 5
) -> None:
    """Out-of-fold accept/reject rates per set, over the spans `features` keeps."""
    order = np.random.default_rng(0).permutation(len(y))
    fold_of = np.empty(len(y), dtype=int)
    fold_of[order] = np.arange(len(y)) % folds
    accepted = np.zeros(len(y), dtype=bool)
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        theta = logistic(x[train], y[train], w[train])
        z = theta[0] + x[test] @ theta[1:]
        accepted[test] = z >= 0.0
    for name in dict.fromkeys(names):
        mine = np.array([n == name for n in names])
        positives, negatives = mine & (y == 1.0), mine & (y == 0.0)
        print(
            f"{name}: answerable accepted {accepted[positives].mean():.3f} "
            f"({positives.sum()}), off-topic rejected {1 - accepted[negatives].mean():.3f} "
            f"({negatives.sum()})"
        )


def main() -> None:
    sets = load()
    # --verdict-only keeps the score weights in RankingConfig and refits the verdict.
    values = {} if "--verdict-only" in sys.argv else grid(sets)
    for library, _, _ in sets.values():
        library.search.config = replace(library.search.config, **values)
    x, y, w, names = features(sets)
    if "--cv" in sys.argv:
        cross_validate(x, y, w, names)
    theta = logistic(x, y, w)
    print(values)
    names = (
        "verdict_bias",
        "verdict_similarity",
        "verdict_coverage",
        "verdict_unknown",
        "verdict_missing",
        "verdict_missing_name",
    )
    print(dict(zip(names, (round(float(t), 2) for t in theta), strict=True)))


if __name__ == "__main__":
    main()
