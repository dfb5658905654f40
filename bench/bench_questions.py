"""Benchmark the question log writer: what logging a question costs the bot.

    python bench/bench_questions.py                      # SQLite (+ PostgreSQL if
                                                         #   GEOBOT_TEST_POSTGRES_URL is set)
    python bench/bench_questions.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

For each backend, on a fresh database (a temporary SQLite file; a temporary PostgreSQL
schema, dropped afterwards):

* latency: one asker logging questions one after the other through QuestionLog.record
  (p50, p99, max), i.e. what one reader's answer waits for;
* sustained rate: 50 concurrent asker coroutines for a few seconds;
* the longest event-loop stall meanwhile, measured by a ticker coroutine that sleeps 1 ms
  and records how late it wakes up.

Each backend runs twice: with CPython's default garbage collector, and with ``gc.freeze()``
called once start-up is over. The difference is the point: a full (generation 2) collection
walks every object the imports created (SQLAlchemy, pydantic, psycopg, ...), which takes
tens of milliseconds on a slow machine and stalls the event loop for that long whatever
the question log does. Freezing the start-up heap, as the bot should do once it has loaded
everything, takes those objects out of every later collection.

Targets: p99 <= 5 ms, >= 2,000 questions/s on SQLite and >= 1,000/s on PostgreSQL, no stall
over 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from geobot.questions.db import upgrade  # noqa: E402 - after the sys.path tweak above
from geobot.questions.writer import NewQuestion, QuestionLog  # noqa: E402

TARGET_P99_MS = 5.0
TARGET_RATE = {"sqlite": 2000.0, "postgresql": 1000.0}
TARGET_STALL_MS = 20.0
ASKERS = 50


@dataclass
class Result:
    backend: str
    gc_mode: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    rate: float
    questions: int
    stall_ms: float
    batches: int
    avg_batch: float

    def passes(self) -> dict[str, bool]:
        return {
            "p99": self.p99_ms <= TARGET_P99_MS,
            "rate": self.rate >= TARGET_RATE[self.backend],
            "stall": self.stall_ms <= TARGET_STALL_MS,
        }


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_question(n: int, worker: int = 0) -> NewQuestion:
    return NewQuestion(
        interaction_id=None,  # client_key keeps them unique; no id bookkeeping in the bench
        guild_id=1_000_000_000_000_000_000 + worker % 5,
        channel_id=2_000_000_000_000_000_000,
        user_id=3_000_000_000_000_000_000 + worker,
        text=f"What did the article say about NATO and the new world order? #{n}",
        command="ask",
        results=[("trump-putin:12", 7.25), ("trump-putin:13", 6.5), ("realignment:4", 5.0)],
        answered=n % 4 != 0,
        digest="sha256:" + "0" * 56,
    )


async def measure(
    backend: str, url: str, spool: Path, seconds: float, *, freeze: bool = False
) -> Result:
    async with QuestionLog(url, spool_path=spool) as log:
        for n in range(200):  # warm up: connection, statement cache, page cache
            await log.record(make_question(n))
        if freeze:
            gc.collect()
            gc.freeze()

        latencies = []
        for n in range(2000):
            start = time.perf_counter()
            recorded = await log.record(make_question(n))
            latencies.append(time.perf_counter() - start)
            assert recorded.committed, recorded

        batches_before = log.stats.batches
        done = 0
        stop = asyncio.Event()
        worst_stall = 0.0

        async def ticker() -> None:
            nonlocal worst_stall
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                worst_stall = max(worst_stall, time.perf_counter() - before - 0.001)

        async def asker(worker: int) -> None:
            nonlocal done
            n = 0
            while not stop.is_set():
                recorded = await log.record(make_question(n, worker))
                assert recorded.committed, recorded
                n += 1
                done += 1

        tick = asyncio.create_task(ticker())
        tasks = [asyncio.create_task(asker(w)) for w in range(ASKERS)]
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks, tick)
        elapsed = time.perf_counter() - started
        batches = log.stats.batches - batches_before
    if freeze:
        gc.unfreeze()
    return Result(
        backend=backend,
        gc_mode="gc.freeze()" if freeze else "default",
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        max_ms=max(latencies) * 1000,
        rate=done / elapsed,
        questions=done,
        stall_ms=worst_stall * 1000,
        batches=batches,
        avg_batch=done / batches if batches else 0.0,
    )


@contextmanager
def sqlite_database() -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="geobot-bench-") as folder:
        yield f"sqlite:///{folder}/questions.db", Path(folder) / "spool.jsonl"


@contextmanager
def postgres_database(url: str) -> Iterator[tuple[str, Path]]:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"geobot_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    scoped = (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        with tempfile.TemporaryDirectory(prefix="geobot-bench-") as folder:
            yield scoped, Path(folder) / "spool.jsonl"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run(backend: str, database: Any, seconds: float) -> list[Result]:
    with database as (url, spool):
        upgrade(url)
        return [
            asyncio.run(measure(backend, url, spool, seconds, freeze=freeze))
            for freeze in (False, True)
        ]


async def idle_stall(seconds: float) -> float:
    """The same ticker with nothing else running: the machine's own scheduling noise."""
    worst = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - before - 0.001)
    return worst


def table(results: list[Result]) -> str:
    headers = [
        "backend", "gc", "p50 ms", "p99 ms", "max ms", "questions/s", "in", "max stall ms",
        "commits", "per commit", "targets",
    ]  # fmt: skip
    rows = []
    for r in results:
        checks = r.passes()
        verdict = (
            "all met"
            if all(checks.values())
            else "MISSED: " + ", ".join(name for name, ok in checks.items() if not ok)
        )
        rows.append(
            [
                r.backend,
                r.gc_mode,
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{r.max_ms:.2f}",
                f"{r.rate:,.0f}",
                f"{r.questions:,}",
                f"{r.stall_ms:.1f}",
                f"{r.batches:,}",
                f"{r.avg_batch:.1f}",
                verdict,
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL URL [default: GEOBOT_TEST_POSTGRES_URL]")
    parser.add_argument("--seconds", type=float, default=3.0, help="sustained phase length")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    postgres = args.postgres or os.environ.get("GEOBOT_TEST_POSTGRES_URL") or None

    results = []
    if not args.no_sqlite:
        results += run("sqlite", sqlite_database(), args.seconds)
    if postgres:
        results += run("postgresql", postgres_database(postgres), args.seconds)
    else:
        print("PostgreSQL skipped: pass --postgres URL or set GEOBOT_TEST_POSTGRES_URL\n")
    print(
        f"QuestionLog.record: 2,000 sequential questions for latency; {ASKERS} concurrent "
        f"askers for {args.seconds:g} s for the rate; stall = worst lateness of a 1 ms ticker."
    )
    print(
        f"Targets: p99 <= {TARGET_P99_MS:g} ms; >= {TARGET_RATE['sqlite']:,.0f}/s SQLite, "
        f">= {TARGET_RATE['postgresql']:,.0f}/s PostgreSQL; stall <= {TARGET_STALL_MS:g} ms.\n"
    )
    print(table(results))
    baseline = asyncio.run(idle_stall(args.seconds)) * 1000
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nBaseline: the same ticker with no logging at all stalls up to {baseline:.1f} ms "
        f"on this machine ({os.cpu_count()} CPUs, load average {load})."
    )


if __name__ == "__main__":
    main()
