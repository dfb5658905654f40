"""Benchmark the core: loading, index build, `ask` latency and fuzzy lookups at scale.

    python bench/bench_search.py            # bundled set + 1,000,000 passages + 100,000 names
    python bench/bench_search.py --passages 100000 --names 20000 --articles 200  # quicker
    python bench/bench_search.py --engines-only   # the engine table alone

With the `bench` extra installed (pip install -e '.[bench]'), tantivy on raw text and bm25s
run on the same English-like corpus and questions in the same run, and the table gives
geobot's p99 as a ratio to tantivy's.

The bundled set is measured with the semantic index on (passage vectors cached on disk, the
question embedded at every ask); the synthetic million passages are past
RankingConfig.semantic_max_passages and served lexically, as a set that large would be.

Each scale runs in its own child process so that its peak RSS is its own. The synthetic
corpus is generated deterministically (EnglishCorpus), so runs are comparable.
"""

from __future__ import annotations

import argparse
import itertools
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
    # For the fuzzy-name bench only: invented names, as a catalogue of titles holds.
    syllables = "ka lo mi ran te vos du shi per gal nor tek bri zan ol ur fen dra qui mon".split()
    words = set()
    while len(words) < size:
        words.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    return sorted(words)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


QUESTION_OPENINGS = ["What", "Why", "How", "Who", "When did", "What does", "How many"]


class EnglishCorpus:
    """Passages of English words: drawn from pyspellchecker's English frequency list (the
    one geobot.text.english reads) by their frequency, mixed with the bundled articles'
    own words, in sentences as long as the bundled articles' sentences. Seeded, so every
    engine and every run sees the same text and the same questions."""

    def __init__(self, count: int, per_document: int = 100, seed: int = 1234) -> None:
        from spellchecker import SpellChecker

        from geobot.documents.loader import load_document_set

        rng = random.Random(seed)
        frequency = SpellChecker(language="en").word_frequency.dictionary
        ranked = sorted(
            ((n, w) for w, n in frequency.items() if w.isalpha() and len(w) > 1), reverse=True
        )[:60_000]
        bundled = load_document_set(REPO / "data").documents
        assert bundled is not None
        texts = [p.text for d in bundled for p in d.passages]
        self.lengths = [len(t.split()) for t in texts]
        article_words = sorted({w.strip(".,;:“”\"'()").lower() for t in texts for w in t.split()})
        self.words = [w for _, w in ranked] + [w for w in article_words if w.isalpha()]
        counts = [n for n, _ in ranked] + [ranked[2_000][0]] * (len(self.words) - len(ranked))
        self.cumulative = list(itertools.accumulate(counts))
        self.rng = rng
        self.count = count
        self.per_document = per_document

    def sentence(self) -> str:
        words = self.rng.choices(
            self.words, cum_weights=self.cumulative, k=self.rng.choice(self.lengths)
        )
        return " ".join(words).capitalize() + "."

    def passages(self) -> list[str]:
        return [self.sentence() for _ in range(self.count)]

    def questions(self, texts: list[str], count: int = 200) -> list[str]:
        """Reader-style questions made from a passage's rarer words, a third with a typo."""
        rng = random.Random(99)
        questions = []
        for _ in range(count):
            text = texts[rng.randrange(len(texts))]
            words = [w.strip(".").lower() for w in text.split()]
            words = sorted(set(words), key=lambda w: (-len(w), w))[: rng.randint(2, 5)]
            rng.shuffle(words)
            if rng.random() < 0.3:
                i = rng.randrange(len(words))
                w = words[i]
                if len(w) > 4:
                    j = rng.randrange(1, len(w) - 1)
                    words[i] = w[:j] + w[j + 1 :]
            questions.append(f"{rng.choice(QUESTION_OPENINGS)} {' '.join(words)}?")
        return questions


def documents_of(texts: list[str], per_document: int, edit: int | None = None):  # type: ignore[no-untyped-def]
    from geobot.documents.model import Document, DocumentSet, Passage

    documents = {}
    for d in range(0, len(texts), per_document):
        doc_id = f"doc{d // per_document:06d}"
        chunk = texts[d : d + per_document]
        if edit is not None and d // per_document == edit:
            chunk = [*chunk[:-1], "The editors added a closing sentence about the treaty."]
        passages = tuple(
            Passage(f"{doc_id}:{n}", doc_id, n, n // 4, None, text) for n, text in enumerate(chunk)
        )
        documents[doc_id] = Document(
            id=doc_id,
            title=f"Document {d // per_document}",
            path=Path(doc_id),
            sha256=f"{doc_id}-{'edited' if edit == d // per_document else 'v1'}",
            size=0,
            curated=False,
            passages=passages,
            sections=(),
            quotes=(),
            arguments=(),
            sources=(),
        )
    return DocumentSet(Path("/bench/english"), documents, "", datetime.now(UTC))


def latencies(ask, questions: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for question in questions[:20]:
        ask(question)  # warm caches as a running bot has them
    samples = []
    for question in questions:
        t = time.perf_counter()
        ask(question)
        samples.append(time.perf_counter() - t)
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "max_ms": max(samples) * 1000,
    }


def bench_engine(kind: str, count: int) -> dict[str, float]:
    """One engine on the English-like corpus, in its own process so its memory is its own:
    "geobot" (PassageSearch on its engine, persisted), "tantivy" (alone on the raw text,
    en_stem, OR of the question's words) or "bm25s"."""
    corpus = EnglishCorpus(count)
    texts = corpus.passages()
    questions = corpus.questions(texts)
    result: dict[str, float] = {"passages": len(texts)}
    if kind == "geobot":
        from geobot.search.passages import PassageSearch
        from geobot.text import english

        english.warm()  # as the bot does while starting
        documents = documents_of(texts, corpus.per_document)
        del texts
        with tempfile.TemporaryDirectory() as scratch:
            index_dir = Path(scratch)
            before = rss_mb()
            start = time.perf_counter()
            search = PassageSearch(documents, index_dir=index_dir)
            result["build_s"] = time.perf_counter() - start
            result["memory_mb"] = rss_mb() - before  # where the peers are measured
            # The first question is timed alone: work put off until it (anything the
            # build left undone) is build time in disguise, and a reader waits for it.
            start = time.perf_counter()
            search.ask(questions[0])
            result["first_ms"] = (time.perf_counter() - start) * 1000
            result.update(latencies(search.ask, questions))
            result["serving_mb"] = rss_mb() - before
            del search
            start = time.perf_counter()
            search = PassageSearch(documents, index_dir=index_dir)
            result["warm_s"] = time.perf_counter() - start
            edited = documents_of(
                [p.text for d in documents for p in d.passages], corpus.per_document, 7
            )
            start = time.perf_counter()
            search = PassageSearch(edited, index_dir=index_dir)
            result["reload_s"] = time.perf_counter() - start
            result["reindexed"] = search.store.reindexed
            result["documents"] = len(documents)
        return result
    if kind == "tantivy":
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="en_stem")
        schema = builder.build()
        with tempfile.TemporaryDirectory() as scratch:
            before = rss_mb()
            start = time.perf_counter()
            index = tantivy.Index(schema, path=scratch)
            writer = index.writer()
            for text in texts:
                writer.add_document(tantivy.Document(body=text))
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            searcher = index.searcher()
            result["build_s"] = time.perf_counter() - start
            result["memory_mb"] = rss_mb() - before

            def ask(question: str) -> None:
                query = index.parse_query_lenient(question.replace("?", ""), ["body"])[0]
                searcher.search(query, 10)

            result.update(latencies(ask, questions))
        return result
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    before = rss_mb()
    start = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(backend="numba" if _has_numba() else "numpy")
    retriever.index(tokens, show_progress=False)
    del tokens
    result["build_s"] = time.perf_counter() - start
    result["memory_mb"] = rss_mb() - before

    def ask_bm25s(question: str) -> None:
        query = bm25s.tokenize(
            [question], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False
        )
        retriever.retrieve(query, k=10, show_progress=False, n_threads=1)

    result.update(latencies(ask_bm25s, questions))
    result["numba"] = _has_numba()
    return result


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def engines_available() -> bool:
    try:
        import bm25s  # noqa: F401
    except ImportError:
        return False
    return True


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


def child(kind: str, size: int, cache: str = "", engine: str = "") -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--size", str(size), "--cache", cache]
        + (["--engine", engine] if engine else []),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | {'result':>24} | {'target':>16} |")
    print(f"|{'-' * (width + 2)}|{'-' * 26}|{'-' * 18}|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value:>24} | {target:>16} |")


def met(value: float, limit: float) -> str:
    return f"<= {limit:g} {'met' if value <= limit else 'NOT met'}"


def engine_rows(count: int) -> list[tuple[str, str, str]]:
    """The engines side by side on one corpus and one set of questions, in one run (this
    machine is noisy: compare within a run), and geobot's targets at that size."""
    kinds = ["geobot"]
    if engines_available():
        kinds += ["tantivy", "bm25s"]
    else:
        print("(pip install -e '.[bench]' to measure tantivy and bm25s beside geobot)")
    results = {kind: child("engine", count, engine=kind) for kind in kinds}
    print(f"\n{count:,} English-like passages, 200 questions (top 10):\n")
    print("| engine | build | memory added | query p50 | query p99 | p99 ratio to tantivy |")
    print("|---|---|---|---|---|---|")
    tantivy_p99 = results.get("tantivy", {}).get("p99_ms")
    for kind, r in results.items():
        ratio = f"{r['p99_ms'] / tantivy_p99:.2f}" if tantivy_p99 else "-"
        print(
            f"| {kind} | {r['build_s']:.1f} s | {r['memory_mb']:.0f} MB | "
            f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {ratio} |"
        )
    print()
    g = results["geobot"]
    rows = [
        (f"build, {g['passages']:,.0f} passages", f"{g['build_s']:.1f} s", met(g["build_s"], 30)),
        ("memory added", f"{g['memory_mb']:.0f} MB", met(g["memory_mb"], 300)),
        ("memory added after 200 questions", f"{g['serving_mb']:.0f} MB", "(no target)"),
        ("first ask after the build", f"{g['first_ms']:.1f} ms", "(no target)"),
        ("ask p99 (lexical, re-ranked)", f"{g['p99_ms']:.2f} ms", met(g["p99_ms"], 10)),
        ("slowest ask of the 200", f"{g['max_ms']:.1f} ms", "(no target)"),
        ("warm start, unchanged set", f"{g['warm_s']:.2f} s", met(g["warm_s"], 2)),
        (
            f"reload one article of {g['documents']:,.0f}",
            f"{g['reload_s']:.2f} s ({g['reindexed']:.0f} indexed)",
            met(g["reload_s"], 1),
        ),
    ]
    if tantivy_p99:
        ratio = g["p99_ms"] / tantivy_p99
        rows.append(("p99 ratio to tantivy, same run", f"{ratio:.2f}", met(ratio, 2)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--engines-only", action="store_true", help="only the engine table")
    parser.add_argument("--child", choices=["bundled", "engine", "names", "cold", "articles"])
    parser.add_argument("--engine", default="geobot")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--cache", default="")
    args = parser.parse_args()
    if args.child:
        result = {
            "bundled": lambda: bench_bundled(),
            "engine": lambda: bench_engine(args.engine, args.size),
            "names": lambda: bench_names(args.size),
            "cold": lambda: bench_cold_start(args.cache),
            "articles": lambda: bench_articles(args.size),
        }[args.child]()
        print(json.dumps(result))
        return
    rows = engine_rows(args.passages)
    if args.engines_only:
        print_table(rows)
        return
    bundled = child("bundled", 0)
    with tempfile.TemporaryDirectory() as cache:
        child("cold", 0, cache)  # fills the cache
        cold = child("cold", 0, cache)
    articles = child("articles", args.articles)
    names = child("names", args.names)
    rows += [
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
            f"fuzzy lookup p50 / p99, {names['entries']:,} names",
            f"{names['lookup_p50_ms']:.2f} / {names['lookup_p99_ms']:.2f} ms",
            "p99 <= 10 ms",
        ),
        ("typo'd name found in top 25", f"{names['found_in_top25']:.1%}", ""),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
