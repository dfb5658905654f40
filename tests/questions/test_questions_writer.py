"""QuestionLog: group commit, feedback, and the spool when the database is locked or gone."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geobot.questions.db import make_engine, upgrade
from geobot.questions.store import QuestionFilter, QuestionStore, Scope
from geobot.questions.writer import QuestionLog, clean_text

from .conftest import BACKENDS, PG_URL, question


def count_questions(url: str, where: str = "") -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(sa.text(f"SELECT count(*) FROM questions {where}")).scalar_one()
            )
    finally:
        engine.dispose()


async def test_group_commit_of_500_concurrent_questions(qlog: QuestionLog, db_url: str) -> None:
    results = await asyncio.gather(
        *(qlog.record(question(f"q{i}", interaction_id=10_000 + i)) for i in range(500))
    )
    assert all(r.committed for r in results)
    assert len({r.id for r in results}) == 500
    assert [r.interaction_id for r in results] == [10_000 + i for i in range(500)]
    assert count_questions(db_url) == 500
    # Grouped: far fewer transactions than questions.
    assert qlog.stats.batches < 100


async def test_record_returns_after_commit(qlog: QuestionLog, db_url: str) -> None:
    recorded = await qlog.record(question("committed before the answer is sent"))
    # Another connection sees the row at once: it was committed, not merely queued.
    store = QuestionStore(db_url)
    try:
        q = store.get_question(Scope.moderator(111), recorded.id or 0)
    finally:
        store.close()
    assert q is not None
    assert q.text == "committed before the answer is sent"
    assert q.flagged is False
    assert q.status == "open"
    assert q.results == [{"passage_id": "doc:1", "score": 3.5}]


async def test_flagged_is_not_answered(qlog: QuestionLog, db_url: str) -> None:
    recorded = await qlog.record(question("who painted the mona lisa", answered=False))
    store = QuestionStore(db_url)
    try:
        q = store.get_question(Scope.moderator(111), recorded.id or 0)
    finally:
        store.close()
    assert q is not None
    assert q.answered is False
    assert q.flagged is True


async def test_same_interaction_twice_is_one_question(qlog: QuestionLog, db_url: str) -> None:
    first = await qlog.record(question("once", interaction_id=42))
    second = await qlog.record(question("once", interaction_id=42))
    assert second.id == first.id
    assert second.duplicate is True
    assert first.duplicate is False
    assert count_questions(db_url) == 1


async def test_feedback_one_vote_per_reader(qlog: QuestionLog, db_url: str) -> None:
    q = await qlog.record(question(interaction_id=900))
    assert (await qlog.record_feedback(user_id=1, helpful=True, interaction_id=900)).status == (
        "recorded"
    )
    again = await qlog.record_feedback(user_id=1, helpful=True, question_id=q.id)
    assert again.status == "unchanged"
    changed = await qlog.record_feedback(user_id=1, helpful=False, interaction_id=900)
    assert changed.status == "changed"
    assert changed.question_id == q.id
    other = await qlog.record_feedback(user_id=2, helpful=True, interaction_id=900)
    assert other.status == "recorded"
    unknown = await qlog.record_feedback(user_id=1, helpful=True, interaction_id=12345)
    assert unknown.status == "unknown_question"
    store = QuestionStore(db_url)
    try:
        votes = store.get_votes(Scope.moderator(111), q.id or 0)
    finally:
        store.close()
    assert (votes.helpful, votes.unhelpful) == (1, 1)
    with pytest.raises(ValueError, match="exactly one"):
        await qlog.record_feedback(user_id=1, helpful=True)


async def test_text_is_kept_as_typed(qlog: QuestionLog, db_url: str) -> None:
    texts = [
        "line one\nline two\r\n\ttabbed",
        "מה אמר פוטין על נאט״ו?",  # Hebrew (RTL)
        "ما رأي الكاتب في الناتو؟",  # Arabic (RTL)
        "🇺🇦 🇷🇺 what now? 👀🔥",
        "quotes \" and ' and ,commas,",
        "x" * 10_000,
        "",
    ]
    recorded = await asyncio.gather(*(qlog.record(question(t)) for t in texts))
    store = QuestionStore(db_url)
    try:
        stored = [store.get_question(Scope.operator(), r.id or 0) for r in recorded]
    finally:
        store.close()
    assert [q.text if q else None for q in stored] == texts


async def test_unstorable_characters_are_replaced_not_fatal(qlog: QuestionLog) -> None:
    # PostgreSQL refuses NUL; a lone surrogate cannot be UTF-8. Neither may sink a batch.
    recorded = await qlog.record(question("nul\x00 and lone \ud800 surrogate"))
    assert recorded.committed
    assert clean_text("nul\x00 and lone \ud800 surrogate") == "nul\ufffd and lone \ufffd surrogate"
    assert clean_text("pair \ud83d\ude00") == "pair 😀"


async def test_record_sync_and_misuse(db_url: str, spool_path: Path) -> None:
    log = QuestionLog(db_url, spool_path=spool_path)
    with pytest.raises(RuntimeError, match="start"):
        await log.record(question())
    log.start()
    with pytest.raises(RuntimeError, match="await record"):
        log.record_sync(question())  # would block this event loop
    recorded = await asyncio.to_thread(log.record_sync, question("from the CLI", command="cli"))
    assert recorded.committed
    await log.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await log.record(question())


def test_record_sync_without_event_loop(db_url: str, spool_path: Path) -> None:
    with QuestionLog(db_url, spool_path=spool_path) as log:
        recorded = log.record_sync(question("plain thread", command="cli"))
        vote = log.record_feedback_sync(user_id=3, helpful=True, question_id=recorded.id)
    assert recorded.committed
    assert vote.status == "recorded"


async def test_aclose_commits_everything_pending(db_url: str, spool_path: Path) -> None:
    log = QuestionLog(db_url, spool_path=spool_path)
    log.start()
    tasks = [asyncio.create_task(log.record(question(f"late {i}"))) for i in range(200)]
    await asyncio.sleep(0)  # let them enqueue, then shut down at once
    await log.aclose()
    results = await asyncio.gather(*tasks)
    assert all(r.committed for r in results)
    assert count_questions(db_url) == 200


async def test_cancelled_caller_still_logged(qlog: QuestionLog, db_url: str) -> None:
    task = asyncio.create_task(qlog.record(question("the reader left", interaction_id=77)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await qlog.record(question("flush"))  # one more round trip through the writer
    assert count_questions(db_url, "WHERE interaction_id = 77") == 1


# --- the database is locked or unreachable ------------------------------------------------------


class _SqliteLock:
    """Holds SQLite's write lock from another connection, like a long admin transaction."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


class _PgLock:
    """Holds an ACCESS EXCLUSIVE lock on the questions table from another session."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)
        self.conn = self.engine.connect()
        self.tx = self.conn.begin()
        self.conn.exec_driver_sql("LOCK TABLE questions IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.tx.rollback()
        self.conn.close()
        self.engine.dispose()


def _lock(url: str) -> _SqliteLock | _PgLock:
    if url.startswith("sqlite"):
        return _SqliteLock(url.removeprefix("sqlite:///"))
    return _PgLock(url)


async def _wait_for(predicate, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def _spooled_lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


async def test_locked_database_spools_then_drains_exactly_once(
    db_url: str, spool_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = QuestionLog(db_url, spool_path=spool_path, lock_timeout=0.5, retry_interval=0.2)
    log.start()
    lock = _lock(db_url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    try:
        tick = asyncio.create_task(ticker())
        started = time.monotonic()
        results = await asyncio.gather(
            *(log.record(question(f"while locked {i}", interaction_id=500 + i)) for i in range(20))
        )
        elapsed = time.monotonic() - started
        tick.cancel()
        assert {r.status for r in results} == {"spooled"}
        assert all(r.id is None for r in results)
        assert elapsed < 3.0  # a bounded wait (lock_timeout), not a hang
        # The event loop kept running while the writer waited for the lock (~100 ticks of
        # 5 ms in 0.5 s; a blocked loop would manage none).
        assert ticks >= 20
        # Votes are spooled too, behind their questions.
        vote = await log.record_feedback(user_id=5, helpful=True, interaction_id=500)
        assert vote.status == "spooled"
        lines = _spooled_lines(spool_path)
        assert [line["row"]["interaction_id"] for line in lines[:20]] == list(range(500, 520))  # type: ignore[index]
        assert "spooling" in caplog.text
    finally:
        lock.release()
    await _wait_for(lambda: spool_path.stat().st_size == 0)
    assert count_questions(db_url) == 20
    after = await log.record(question("after the lock"))
    assert after.committed
    await log.aclose()
    assert count_questions(db_url) == 21
    store = QuestionStore(db_url)
    try:
        [first] = store.list_questions(Scope.moderator(111), QuestionFilter(text="locked 0")).items
        assert store.get_votes(Scope.moderator(111), first.id or 0).helpful == 1
    finally:
        store.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_unreachable_database_spools_quickly_and_replays(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        # A database path under a regular file cannot be opened: SQLite is "unreachable".
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        down_url = f"sqlite:///{blocker / 'q.db'}"
    else:
        assert PG_URL is not None
        down_url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere"
    spool = tmp_path / "state" / "question-spool.jsonl"
    log = QuestionLog(down_url, spool_path=spool, retry_interval=30)
    log.start()
    started = time.monotonic()
    results = [await log.record(question(f"down {i}", interaction_id=700 + i)) for i in range(5)]
    results += await asyncio.gather(
        *(log.record(question(f"no interaction {i}")) for i in range(5))
    )
    assert time.monotonic() - started < 3.0
    assert {r.status for r in results} == {"spooled"}
    await log.aclose()
    assert len(_spooled_lines(spool)) == 10

    # The database comes back (here: the real one); a new process replays the spool at start.
    up_url: str = request.getfixturevalue("db_url")
    for _ in range(2):  # a second replay of the same spool must not duplicate anything
        snapshot = spool.read_bytes()
        async with QuestionLog(up_url, spool_path=spool) as log2:
            await log2.record(question("first after restart"))
        assert spool.stat().st_size == 0
        spool.write_bytes(snapshot)
    assert count_questions(up_url, "WHERE text LIKE 'down %'") == 5
    assert count_questions(up_url, "WHERE text LIKE 'no interaction %'") == 5
    assert count_questions(up_url) == 12


def test_spool_survives_a_torn_last_line(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    spool_file = tmp_path / "spool.jsonl"
    down = f"sqlite:///{tmp_path / 'missing' / 'q.db'}"
    (tmp_path / "missing").write_text("")  # a file where the folder should be
    with QuestionLog(down, spool_path=spool_file) as log:
        assert log.record_sync(question("before the crash", interaction_id=1)).status == "spooled"
    # A process killed mid-append leaves half a line without its newline (its caller was
    # never told "spooled": that happens after the fsync)...
    with open(spool_file, "ab") as fh:
        fh.write(b'{"v": 1, "kind": "question", "row": {"interac')
    # ...and the next append must not glue its record onto it.
    with QuestionLog(down, spool_path=spool_file) as log:
        assert log.record_sync(question("after the crash", interaction_id=2)).status == "spooled"
    with QuestionLog(db_url, spool_path=spool_file) as log:
        log.record_sync(question("live"))
    assert count_questions(db_url, "WHERE interaction_id IN (1, 2)") == 2
    assert count_questions(db_url) == 3
    assert "unreadable line 2" in caplog.text


async def test_unmigrated_database_spools_instead_of_losing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    spool = tmp_path / "spool.jsonl"
    async with QuestionLog(url, spool_path=spool, retry_interval=0.1) as log:
        first = await log.record(question("before the migration"))
        assert first.status == "spooled"
        upgrade(url)
        await _wait_for(lambda: spool.stat().st_size == 0)
    store = QuestionStore(url)
    try:
        page = store.list_questions(Scope.operator(), QuestionFilter(text="BEFORE THE"))
    finally:
        store.close()
    assert page.total == 1


async def test_spool_written_by_another_process_is_picked_up(
    qlog: QuestionLog, spool_path: Path, db_url: str
) -> None:
    (spool_path.parent / "blocked").parent.mkdir(parents=True, exist_ok=True)
    (spool_path.parent / "blocked").write_text("")
    other = QuestionLog(
        f"sqlite:///{spool_path.parent / 'blocked' / 'q.db'}", spool_path=spool_path
    )
    other.start()
    try:
        assert (await other.record(question("from a sibling process"))).status == "spooled"
    finally:
        await other.aclose()
    qlog.idle_check_interval = 0.05  # normally a minute
    await qlog.record(question("wake the writer"))  # restarts the idle wait with the new value
    await _wait_for(lambda: count_questions(db_url) == 2)


def test_writer_thread_is_named_and_daemon(db_url: str, spool_path: Path) -> None:
    with QuestionLog(db_url, spool_path=spool_path):
        names = {t.name: t.daemon for t in threading.enumerate()}
    assert names.get("geobot-question-writer") is True


async def test_sqlite_checkpoints_happen_off_the_commit_path(
    tmp_path: Path, spool_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ckpt.db'}"
    upgrade(url)
    db_file = tmp_path / "ckpt.db"
    before = db_file.stat().st_size
    log = QuestionLog(url, spool_path=spool_path)
    log.checkpoint_interval = 0.05
    log.start()
    try:
        await asyncio.gather(*(log.record(question("x" * 1000)) for _ in range(2000)))
        assert log._conn is not None
        # The writer's own connection never checkpoints (that would stall a commit)...
        assert log._conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        log._conn.rollback()
        # ...yet the rows reach the database file while the log is running.
        await _wait_for(lambda: db_file.stat().st_size > before + 1_000_000)
    finally:
        await log.aclose()
    names = {t.name for t in threading.enumerate()}
    assert "geobot-question-checkpointer" not in names
