"""Benchmark the core: loading, index build, `ask` latency and fuzzy lookups at scale.

    python bench/bench_search.py            # bundled set + 1,000,000 passages + 100,000 names
    python bench/bench_search.py --passages 100000 --names 20000 --articles 200  # quicker

The bundled set is measured with the semantic index on (passage vectors cached on disk, the
question embedded at every ask); the synthetic million passages are past
RankingConfig.semantic_max_passages and served lexically, as a set that large would be.

Each scale runs in its own child process so that its peak RSS is its own. The synthetic
corpus is generated deterministically (a seeded Zipf vocabulary), so runs are comparable.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_bundled() -> dict[str, float]:
    from geobot.documents import loader
    from geobot.library import Library
    from geobot.text import segment

    timings = []
    cache = Path(tempfile.mkdtemp(prefix="geobot-bench-vectors-"))
    start = time.perf_counter()
    Library.load(REPO / "data", cache_dir=cache)  # embeds every passage, opens the model
    embed_s = time.perf_counter() - start
    for _ in range(5):
        loader._parse_cached.cache_clear()  # measure a cold load, not the reload cache
        segment.sentence_spans.cache_clear()
        start = time.perf_counter()
        library = Library.load(REPO / "data", cache_dir=cache)
        timings.append(time.perf_counter() - start)
    shutil.rmtree(cache)
    # Once per process, on first need; the bot reads it while starting (see geobot.text.english).
    from geobot.text import english

    start = time.perf_counter()
    english.warm()
    words_s = time.perf_counter() - start
    questions = [
        json.loads(line)["question"]
        for line in (REPO / "tests/data/questions-dev.jsonl").read_text().splitlines()
    ]
    latencies = []
    for _ in range(20):
        for question in questions:
            t = time.perf_counter()
            library.ask(question)
            latencies.append(time.perf_counter() - t)
    return {
        "load_s": min(timings),
        "load_median_s": sorted(timings)[2],
        "words_s": words_s,
        "embed_load_s": embed_s,
        "semantic": library.semantic,
        "ask_p50_ms": percentile(latencies, 50) * 1000,
        "ask_p99_ms": percentile(latencies, 99) * 1000,
        "rss_mb": peak_rss_mb(),
    }


def bench_cold_start(cache: str) -> dict[str, float]:
    """A fresh process to a library ready to answer, its vectors cached: what a restart
    costs (imports, the model's session, parsing, the index)."""
    start = time.perf_counter()
    from geobot.library import Library

    library = Library.load(REPO / "data", cache_dir=Path(cache))
    library.ask("what did putin want from trump")
    stats = library.search.vector_stats
    return {"cold_start_s": time.perf_counter() - start, "embedded": stats.misses if stats else -1}


def bench_articles(count: int) -> dict[str, float]:
    """A set of `count` synthetic articles (tests/core/synthetic_articles.py) built with
    embeddings from nothing, then again with one article edited."""
    sys.path.insert(0, str(REPO / "tests" / "core"))
    from synthetic_articles import write_articles

    from geobot.library import Library

    with tempfile.TemporaryDirectory() as scratch:
        folder, cache = Path(scratch) / "data", Path(scratch) / "vectors"
        folder.mkdir()
        write_articles(folder, count)
        start = time.perf_counter()
        library = Library.load(folder, cache_dir=cache)
        cold = time.perf_counter() - start
        article = sorted(folder.glob("*.txt"))[0]
        with article.open("a", encoding="utf-8") as handle:
            handle.write("\nA closing paragraph the editors added later.\n")
        start = time.perf_counter()
        edited = Library.load(folder, cache_dir=cache)
        stats = edited.search.vector_stats
        return {
            "articles": count,
            "passages": len(library.search.passages),
            "cold_s": cold,
            "edit_s": time.perf_counter() - start,
            "edit_embedded": stats.misses if stats else -1,
        }


def synthetic_vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ran",
        "te",
        "vos",
        "du",
        "shi",
        "per",
        "gal",
        "nor",
        "tek",
        "bri",
        "zan",
        "ol",
        "ur",
        "fen",
        "dra",
        "qui",
        "mon",
    ]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    return sorted(words)


def bench_passages(count: int, queries: int = 300) -> dict[str, float]:
    from geobot.documents.model import Document, DocumentSet, Passage
    from geobot.search.passages import PassageSearch
    from geobot.search.vectors import VectorCache

    rng = random.Random(1234)
    vocabulary = synthetic_vocabulary(rng, 60_000)
    # Zipf-like weights: a few words are everywhere, most are rare, as in real text.
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    per_document = 1000
    documents = {}
    start = time.perf_counter()
    for d in range(max(1, count // per_document)):
        doc_id = f"doc{d:06d}"
        passages = []
        for n in range(per_document):
            words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(12, 28))
            text = " ".join(words).capitalize() + "."
            passages.append(Passage(f"{doc_id}:{n}", doc_id, n, n // 5, None, text))
        documents[doc_id] = Document(
            id=doc_id,
            title=f"Synthetic document {d}",
            path=Path(doc_id),
            sha256="",
            size=0,
            curated=False,
            passages=tuple(passages),
            sections=(),
            quotes=(),
            arguments=(),
            sources=(),
        )
    generated = time.perf_counter() - start
    docset = DocumentSet(Path("synthetic"), documents, "", datetime.now(UTC))
    start = time.perf_counter()
    # Past RankingConfig.semantic_max_passages the vectors are never computed: the set is
    # served by the lexical path alone.
    search = PassageSearch(docset, vectors=VectorCache(None))
    build = time.perf_counter() - start
    questions = []
    for _ in range(queries):
        words = rng.choices(vocabulary[:20_000], k=rng.randint(3, 7))
        if rng.random() < 0.3:  # a typo in one word
            i = rng.randrange(len(words))
            w = words[i]
            j = rng.randrange(len(w))
            words[i] = w[:j] + w[j + 1 :]
        questions.append(" ".join(words))
    from geobot.text import english

    english.warm()  # as the bot does while starting
    latencies = []
    for question in questions:
        t = time.perf_counter()
        search.ask(question)
        latencies.append(time.perf_counter() - t)
    return {
        "passages": len(search.passages),
        "generate_s": generated,
        "build_s": build,
        "semantic": search.semantic,
        "ask_p50_ms": percentile(latencies, 50) * 1000,
        "ask_p99_ms": percentile(latencies, 99) * 1000,
        "rss_mb": peak_rss_mb(),
    }


def bench_names(count: int, queries: int = 500) -> dict[str, float]:
    from geobot.search.fuzzy import FuzzyIndex

    rng = random.Random(99)
    vocabulary = synthetic_vocabulary(rng, 30_000)
    names = sorted({" ".join(rng.choices(vocabulary, k=rng.randint(2, 6))) for _ in range(count)})
    start = time.perf_counter()
    index = FuzzyIndex((name, i) for i, name in enumerate(names))
    build = time.perf_counter() - start
    latencies = []
    found = 0
    for _ in range(queries):
        target = rng.randrange(len(names))
        name = names[target]
        j = rng.randrange(len(name))
        typo = name[:j] + name[j + 1 :]  # drop one character
        t = time.perf_counter()
        matches = index.search(typo, limit=25)
        latencies.append(time.perf_counter() - t)
        found += any(m.value == target for m in matches)
    return {
        "entries": len(names),
        "build_s": build,
        "lookup_p50_ms": percentile(latencies, 50) * 1000,
        "lookup_p99_ms": percentile(latencies, 99) * 1000,
        "found_in_top25": found / queries,
        "rss_mb": peak_rss_mb(),
    }


def child(kind: str, size: int, cache: str = "") -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--size", str(size), "--cache", cache],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--child", choices=["bundled", "passages", "names", "cold", "articles"])
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--cache", default="")
    args = parser.parse_args()
    if args.child:
        result = {
            "bundled": lambda: bench_bundled(),
            "passages": lambda: bench_passages(args.size),
            "names": lambda: bench_names(args.size),
            "cold": lambda: bench_cold_start(args.cache),
            "articles": lambda: bench_articles(args.size),
        }[args.child]()
        print(json.dumps(result))
        return
    bundled = child("bundled", 0)
    with tempfile.TemporaryDirectory() as cache:
        child("cold", 0, cache)  # fills the cache
        cold = child("cold", 0, cache)
    articles = child("articles", args.articles)
    passages = child("passages", args.passages)
    names = child("names", args.names)
    rows = [
        ("load bundled set, embedding every passage", f"{bundled['embed_load_s']:.3f} s", ""),
        ("load bundled set (cold, vectors cached)", f"{bundled['load_s']:.3f} s", "<= 0.5 s"),
        ("cold start, new process, vectors cached", f"{cold['cold_start_s']:.3f} s", "<= 1 s"),
        (
            f"build {articles['articles']:,} articles with embeddings",
            f"{articles['cold_s']:.1f} s",
            "<= 60 s",
        ),
        (
            "rebuild after one edit (articles embedded)",
            f"{articles['edit_s']:.1f} s ({articles['edit_embedded']})",
            "1",
        ),
        ("read English word list (once)", f"{bundled['words_s']:.3f} s", ""),
        (
            "ask p50 / p99, bundled (semantic on)",
            f"{bundled['ask_p50_ms']:.2f} / {bundled['ask_p99_ms']:.2f} ms",
            "p99 <= 30 ms",
        ),
        (
            f"build index, {passages['passages']:,} passages",
            f"{passages['build_s']:.1f} s",
            "<= 120 s",
        ),
        ("semantic index at that size", "on" if passages["semantic"] else "off", "off"),
        ("peak RSS at that size", f"{passages['rss_mb']:.0f} MB", "<= 1500 MB"),
        (
            "ask p50 / p99 at that size",
            f"{passages['ask_p50_ms']:.2f} / {passages['ask_p99_ms']:.2f} ms",
            "p99 <= 20 ms",
        ),
        (
            f"fuzzy lookup p50 / p99, {names['entries']:,} names",
            f"{names['lookup_p50_ms']:.2f} / {names['lookup_p99_ms']:.2f} ms",
            "p99 <= 10 ms",
        ),
        ("typo'd name found in top 25", f"{names['found_in_top25']:.1%}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | {'result':>22} | {'target':>12} |")
    print(f"|{'-' * (width + 2)}|{'-' * 24}|{'-' * 14}|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value:>22} | {target:>12} |")


if __name__ == "__main__":
    main()
