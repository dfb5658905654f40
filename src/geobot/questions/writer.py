"""The question log's writer: durable, group-committed, and never blocking the event loop.

``QuestionLog.record()`` is what the bot awaits for every question a reader asks. The
coroutine only builds a row and hands it to a queue; one writer thread owns one database
connection, takes everything queued, inserts it in ONE transaction, commits, and then
resolves every waiting caller's future. So:

* the event loop never waits for the database, and
* when ``record()`` returns, the question is committed: the bot sends its answer after that,
  so an answer a reader saw always has its question in the log (even across ``kill -9``).

Many concurrent askers share one commit, which is what makes hundreds of questions per
second cheap on SQLite.

When the database is locked for longer than ``lock_timeout`` or unreachable, the writer
appends the batch to a spool file (JSON lines, flushed and fsynced before anyone is told)
and the callers get ``status == "spooled"``. New records then go to the spool too (keeping
their order) until a retry every ``retry_interval`` seconds manages to replay the spool
into the database. The replay is idempotent: every record carries a client-generated
``client_key`` (and usually a unique Discord ``interaction_id``), inserted with
``ON CONFLICT DO NOTHING``, so a crash between committing a replay and truncating the spool
inserts nothing twice. The spool is also replayed at start.

Known limits: the spool is shared by every process using the same ``state_dir`` (an
``flock`` keeps their appends and replays apart) and is replayed into whichever database
the replaying process uses.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import json
import logging
import math
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geobot.questions.db import (
    SqliteSynchronous,
    dialect_insert,
    make_engine,
    redact,
    sqlite_path,
    write_connection,
)
from geobot.questions.models import Feedback, Question, QuestionStatus

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per spool is assumed
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("geobot.questions")

QUESTIONS = Question.__table__  # type: ignore[attr-defined]
FEEDBACK = Feedback.__table__  # type: ignore[attr-defined]

SPOOL_NAME = "question-spool.jsonl"
_SPOOL_VERSION = 1


# --- public data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewQuestion:
    """A question as the bot saw it, before it is logged."""

    interaction_id: int | None  # the Discord interaction; None for the CLI and tests
    guild_id: int | None  # None: asked in a DM
    channel_id: int | None
    user_id: int
    text: str  # exactly as typed
    command: str  # "ask", "context-menu", "cli", ...
    results: Sequence[tuple[str, float]]  # (passage id, score), best first
    answered: bool  # the search's verdict; False flags the question for moderators
    digest: str | None = None  # the document set the answer came from
    asked_at: datetime | None = None  # defaults to the moment record() is called


RecordStatus = Literal["committed", "spooled"]


@dataclass(frozen=True, slots=True)
class RecordedQuestion:
    status: RecordStatus
    id: int | None  # None while spooled: the row id is only known once it is in the database
    interaction_id: int | None
    client_key: str
    created_at: datetime
    # True when this interaction id had already been logged: ``id`` is the existing row's.
    duplicate: bool = False

    @property
    def committed(self) -> bool:
        return self.status == "committed"


FeedbackStatus = Literal["recorded", "changed", "unchanged", "unknown_question", "spooled"]


@dataclass(frozen=True, slots=True)
class RecordedFeedback:
    status: FeedbackStatus
    question_id: int | None


class QuestionLogError(Exception):
    """A record could be neither committed nor spooled (both the database and the disk failed),
    or the database rejected it outright (a bug). The bot should still answer the reader."""


@dataclass(slots=True)
class WriterStats:
    committed: int = 0
    spooled: int = 0
    replayed: int = 0
    rejected: int = 0
    batches: int = 0
    largest_batch: int = 0


# --- rows ----------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Text that every backend and the spool can store, changed as little as possible.

    PostgreSQL refuses NUL characters, and lone UTF-16 surrogates (which Discord's JSON can
    carry) cannot be encoded as UTF-8; both become U+FFFD. Everything else is kept as typed.
    """
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Re-pair valid surrogate pairs, replace lone ones.
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _score(value: float) -> float | None:
    # NaN/inf are not JSON (PostgreSQL's jsonb rejects them).
    value = float(value)
    return value if math.isfinite(value) else None


def _aware_utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise ValueError("asked_at must be timezone-aware")
    return value.astimezone(UTC)


def _question_row(q: NewQuestion) -> dict[str, Any]:
    if not q.command:
        raise ValueError("command must not be empty")
    return {
        "interaction_id": q.interaction_id,
        "client_key": str(uuid.uuid4()),
        "guild_id": q.guild_id,
        "channel_id": q.channel_id,
        "user_id": q.user_id,
        "text": clean_text(q.text),
        "command": clean_text(q.command)[:64],
        "results": [
            {"passage_id": clean_text(str(pid)), "score": _score(score)} for pid, score in q.results
        ],
        "answered": bool(q.answered),
        "flagged": not q.answered,
        "status": QuestionStatus.OPEN.value,
        "created_at": _aware_utc(q.asked_at),
        "digest": None if q.digest is None else clean_text(q.digest)[:128],
    }


def _to_json_line(kind: str, row: dict[str, Any]) -> bytes:
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    line = json.dumps({"v": _SPOOL_VERSION, "kind": kind, "row": data}, ensure_ascii=False)
    return line.encode("utf-8") + b"\n"


_DATETIME_KEYS = ("created_at", "at")


def _from_json_line(line: bytes) -> tuple[str, dict[str, Any]]:
    data = json.loads(line)
    if data.get("v") != _SPOOL_VERSION or data.get("kind") not in ("question", "feedback"):
        raise ValueError("unknown spool record")
    row = dict(data["row"])
    for key in _DATETIME_KEYS:
        if isinstance(row.get(key), str):
            row[key] = datetime.fromisoformat(row[key])
    return data["kind"], row


# --- waiters -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    kind: Literal["question", "feedback"]
    row: dict[str, Any]
    # An asyncio future with its loop, a concurrent future (record_sync), or None (replay).
    future: asyncio.Future[Any] | cf.Future[Any] | None = None
    loop: asyncio.AbstractEventLoop | None = None


def _settle(items: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for fut, result, exc in items:
        if fut.done():  # the caller was cancelled; its record was still written
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)


class _Resolver:
    """Collects a batch's outcomes and wakes each event loop once per batch, not per record."""

    def __init__(self) -> None:
        self._by_loop: dict[
            asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]
        ] = {}

    def add(self, item: _Pending, result: Any, exc: BaseException | None = None) -> None:
        fut = item.future
        if fut is None:
            return
        if isinstance(fut, cf.Future):
            if not fut.done():
                if exc is not None:
                    fut.set_exception(exc)
                else:
                    fut.set_result(result)
            return
        assert item.loop is not None
        self._by_loop.setdefault(item.loop, []).append((fut, result, exc))

    def flush(self) -> None:
        for loop, items in self._by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
                loop.call_soon_threadsafe(_settle, items)
        self._by_loop.clear()


# --- the spool -----------------------------------------------------------------------------


class Spool:
    """An append-only JSON-lines file of records waiting for the database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[IO[bytes]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        with open(self.path, "a+b") as fh:
            if fcntl is not None:
                # Other processes with the same state_dir append and replay too.
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            if created:
                _fsync_dir(self.path.parent)  # make the new file's name durable as well
            yield fh

    def append(self, lines: list[bytes]) -> None:
        with self._locked() as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    # A process died mid-append: end its torn line so ours stays readable.
                    fh.write(b"\n")
            fh.write(b"".join(lines))
            fh.flush()
            os.fsync(fh.fileno())

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    @contextlib.contextmanager
    def replaying(self) -> Iterator[tuple[list[tuple[str, dict[str, Any]]], Callable[[], None]]]:
        """Yield the spooled records and a function that empties the spool once they are in."""
        with self._locked() as fh:
            fh.seek(0)
            records: list[tuple[str, dict[str, Any]]] = []
            for number, line in enumerate(fh.read().splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    records.append(_from_json_line(line))
                except (ValueError, KeyError, TypeError):
                    # Only a torn last line from a crash mid-append can look like this, and
                    # its caller was never told "spooled" (that happens after the fsync).
                    log.warning("skipping unreadable line %d of %s", number, self.path)

            def clear() -> None:
                fh.truncate(0)
                fh.flush()
                os.fsync(fh.fileno())

            yield records, clear


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- the database side ---------------------------------------------------------------------


def _is_unavailable(exc: BaseException) -> bool:
    """Errors that say "the database cannot take writes right now", not "this row is bad".

    Such batches are spooled and replayed later. ProgrammingError is included because our
    SQL is fixed: "relation does not exist" means an unmigrated database, not a bad row.
    """
    if isinstance(
        exc,
        sa.exc.OperationalError
        | sa.exc.InterfaceError
        | sa.exc.ProgrammingError
        | sa.exc.TimeoutError
        | sa.exc.DisconnectionError
        | OSError,
    ):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


def _write_questions(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    """Insert (idempotently); return (row id, duplicate) for each row, in order."""
    stmt = (
        dialect_insert(conn.dialect.name, QUESTIONS)
        .on_conflict_do_nothing()
        .returning(QUESTIONS.c.id, QUESTIONS.c.client_key)
    )
    ids = {key: row_id for row_id, key in conn.execute(stmt, rows)}
    missing = [row for row in rows if row["client_key"] not in ids]
    by_interaction: dict[int, int] = {}
    if missing:
        # Already there: a replayed spool record (same client_key) or an interaction logged
        # twice by the bot (same interaction_id, new client_key).
        keys = [row["client_key"] for row in missing]
        interactions = [row["interaction_id"] for row in missing if row["interaction_id"]]
        query = sa.select(QUESTIONS.c.id, QUESTIONS.c.client_key, QUESTIONS.c.interaction_id)
        cond = QUESTIONS.c.client_key.in_(keys)
        if interactions:
            cond = cond | QUESTIONS.c.interaction_id.in_(interactions)
        for row_id, key, interaction_id in conn.execute(query.where(cond)):
            ids.setdefault(key, row_id)
            if interaction_id is not None:
                by_interaction[interaction_id] = row_id
    out: list[tuple[int, bool]] = []
    for row in rows:
        if row["client_key"] in ids:
            out.append((ids[row["client_key"]], False))
        elif row["interaction_id"] in by_interaction:
            out.append((by_interaction[row["interaction_id"]], True))
        else:  # pragma: no cover - a conflict on a row that then vanished
            raise RuntimeError("question conflicted but could not be found")
    return out


def _write_feedback(conn: sa.Connection, row: dict[str, Any]) -> RecordedFeedback:
    question_id = row.get("question_id")
    if question_id is None:
        question_id = conn.execute(
            sa.select(QUESTIONS.c.id).where(QUESTIONS.c.interaction_id == row["interaction_id"])
        ).scalar()
    else:
        question_id = conn.execute(
            sa.select(QUESTIONS.c.id).where(QUESTIONS.c.id == question_id)
        ).scalar()
    if question_id is None:
        return RecordedFeedback("unknown_question", None)
    previous = conn.execute(
        sa.select(FEEDBACK.c.helpful).where(
            FEEDBACK.c.question_id == question_id, FEEDBACK.c.user_id == row["user_id"]
        )
    ).scalar()
    if previous is not None and bool(previous) == row["helpful"]:
        return RecordedFeedback("unchanged", question_id)
    at = row["at"]
    stmt = dialect_insert(conn.dialect.name, FEEDBACK).values(
        question_id=question_id,
        user_id=row["user_id"],
        helpful=row["helpful"],
        created_at=at,
        updated_at=at,
    )
    # An upsert rather than insert-or-update: another process may vote in between.
    stmt = stmt.on_conflict_do_update(
        index_elements=[FEEDBACK.c.question_id, FEEDBACK.c.user_id],
        set_={"helpful": stmt.excluded.helpful, "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(stmt)
    return RecordedFeedback("recorded" if previous is None else "changed", question_id)


def _write_batch(conn: sa.Connection, batch: Sequence[_Pending]) -> list[Any]:
    """Write a batch in the connection's current transaction; one result per item."""
    results: list[Any] = [None] * len(batch)
    questions = [(i, p) for i, p in enumerate(batch) if p.kind == "question"]
    if questions:
        written = _write_questions(conn, [p.row for _, p in questions])
        for (i, p), (row_id, duplicate) in zip(questions, written, strict=True):
            results[i] = RecordedQuestion(
                "committed",
                row_id,
                p.row["interaction_id"],
                p.row["client_key"],
                p.row["created_at"],
                duplicate,
            )
    # Feedback after questions: a vote may refer to a question in the same batch.
    for i, p in enumerate(batch):
        if p.kind == "feedback":
            results[i] = _write_feedback(conn, p.row)
    return results


def _spooled_result(item: _Pending) -> Any:
    if item.kind == "question":
        row = item.row
        return RecordedQuestion(
            "spooled", None, row["interaction_id"], row["client_key"], row["created_at"]
        )
    return RecordedFeedback("spooled", item.row.get("question_id"))


# --- the log -------------------------------------------------------------------------------

_STOP = object()


@dataclass(slots=True)
class _State:
    degraded: bool = False  # the spool holds records: new ones queue up behind them
    next_retry: float = 0.0
    stats: WriterStats = field(default_factory=WriterStats)


class QuestionLog:
    """The durable question logger. One per process; share it between shards.

    Lifecycle: ``start()`` (or ``async with`` / ``with``), then ``await record(...)`` and
    ``await record_feedback(...)`` from the event loop (``record_sync`` from plain threads),
    and ``await aclose()`` (or ``close()``) at shutdown, which commits everything pending.
    The schema must exist: call ``geobot.questions.db.upgrade(url)`` at start. (If it does
    not, records are spooled and replayed once it does.)
    """

    def __init__(
        self,
        database_url: str,
        *,
        spool_path: Path | str | None = None,
        lock_timeout: float = 1.0,
        connect_timeout: float = 3.0,
        retry_interval: float = 5.0,
        max_batch: int = 2000,
        sqlite_synchronous: SqliteSynchronous = "NORMAL",
    ) -> None:
        if spool_path is None:
            from geobot.settings import get_settings

            spool_path = get_settings().state_dir / SPOOL_NAME
        self.database_url = database_url
        self.spool = Spool(Path(spool_path))
        self.retry_interval = retry_interval
        self.max_batch = max_batch
        self.idle_check_interval = 60.0
        self._lock_timeout = lock_timeout
        self._connect_timeout = connect_timeout
        self._synchronous: SqliteSynchronous = sqlite_synchronous
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._checkpointer: _Checkpointer | None = None
        self.checkpoint_interval = 1.0
        self._closed = False
        self._engine: Engine | None = None
        self._conn: sa.Connection | None = None
        self._state = _State()

    @classmethod
    def from_settings(cls, **kwargs: Any) -> QuestionLog:
        from geobot.settings import get_settings

        settings = get_settings()
        return cls(settings.database_url, spool_path=settings.state_dir / SPOOL_NAME, **kwargs)

    @property
    def stats(self) -> WriterStats:
        return self._state.stats

    # lifecycle

    def start(self) -> None:
        """Start the writer thread; it replays any spooled records first. Does not block."""
        if self._closed:
            raise RuntimeError("this QuestionLog is closed")
        if self._thread is not None:
            return
        path = sqlite_path(self.database_url)
        if path is not None:
            self._checkpointer = _Checkpointer(path, self.checkpoint_interval)
            self._checkpointer.start()
        self._thread = threading.Thread(
            target=self._run, name="geobot-question-writer", daemon=True
        )
        self._thread.start()

    async def aclose(self) -> None:
        """Commit (or spool) everything pending and stop the writer."""
        if self._stop():
            await asyncio.to_thread(self._join)

    def close(self) -> None:
        if self._stop():
            self._join()

    def _stop(self) -> bool:
        if self._closed:
            return False
        self._closed = True
        if self._thread is None:
            return False
        self._queue.put(_STOP)
        return True

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._checkpointer is not None:
            self._checkpointer.stop()

    async def __aenter__(self) -> QuestionLog:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> QuestionLog:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the API

    async def record(self, question: NewQuestion) -> RecordedQuestion:
        """Log a question; returns once it is committed (or, if the database is down, spooled).

        Never blocks the event loop. Raises QuestionLogError only if the record could be
        neither committed nor spooled.
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[RecordedQuestion] = loop.create_future()
        self._submit(_Pending("question", _question_row(question), fut, loop))
        return await fut

    def record_sync(self, question: NewQuestion, timeout: float | None = None) -> RecordedQuestion:
        """``record()`` for threads without an event loop (the CLI)."""
        self._refuse_on_event_loop("record")
        fut: cf.Future[RecordedQuestion] = cf.Future()
        self._submit(_Pending("question", _question_row(question), fut))
        return fut.result(timeout)

    async def record_feedback(
        self,
        *,
        user_id: int,
        helpful: bool,
        interaction_id: int | None = None,
        question_id: int | None = None,
    ) -> RecordedFeedback:
        """Record a reader's vote on a question (by interaction id or question id).

        One vote per reader per question: voting again changes the vote.
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[RecordedFeedback] = loop.create_future()
        self._submit(
            _Pending(
                "feedback", _feedback_row(user_id, helpful, interaction_id, question_id), fut, loop
            )
        )
        return await fut

    def record_feedback_sync(
        self,
        *,
        user_id: int,
        helpful: bool,
        interaction_id: int | None = None,
        question_id: int | None = None,
        timeout: float | None = None,
    ) -> RecordedFeedback:
        self._refuse_on_event_loop("record_feedback")
        fut: cf.Future[RecordedFeedback] = cf.Future()
        self._submit(
            _Pending("feedback", _feedback_row(user_id, helpful, interaction_id, question_id), fut)
        )
        return fut.result(timeout)

    @staticmethod
    def _refuse_on_event_loop(name: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        raise RuntimeError(f"{name}_sync() would block the event loop: await {name}() instead")

    def _submit(self, item: _Pending) -> None:
        if self._closed:
            raise RuntimeError("this QuestionLog is closed")
        if self._thread is None:
            raise RuntimeError("call QuestionLog.start() first")
        self._queue.put(item)

    # the writer thread

    def _run(self) -> None:
        state = self._state
        if self.spool.size() > 0:
            self._replay_spool()
        stopping = False
        while not stopping:
            if state.degraded:
                timeout = max(0.0, state.next_retry - time.monotonic())
            else:
                timeout = self.idle_check_interval
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                first = None
                if not state.degraded and self.spool.size() > 0:
                    # Another process (same state_dir) spooled while we were idle.
                    state.degraded = True
            batch: list[_Pending] = []
            for item in self._take(first):
                if item is _STOP:
                    stopping = True
                else:
                    assert isinstance(item, _Pending)
                    batch.append(item)
            if state.degraded and time.monotonic() >= state.next_retry:
                self._replay_spool()
            if batch:
                try:
                    self._process(batch)
                except Exception as exc:  # a bug: keep the writer alive, tell the callers
                    log.exception("the question writer failed on a batch of %d", len(batch))
                    resolver = _Resolver()
                    for item in batch:
                        resolver.add(item, None, QuestionLogError(f"writer failed: {exc}"))
                    resolver.flush()
        if state.degraded:
            self._replay_spool()  # one last try, so a clean shutdown leaves no spool behind
        self._discard_connection(invalidate=False)
        if self._engine is not None:
            self._engine.dispose()

    def _take(self, first: object | None) -> Iterator[object]:
        if first is None:
            return
        yield first
        for _ in range(self.max_batch - 1):
            try:
                yield self._queue.get_nowait()
            except queue.Empty:
                return

    def _connection(self) -> sa.Connection:
        if self._engine is None:
            # Built here, in the writer thread, so that a database that cannot even be
            # opened (e.g. its folder cannot be created) is an outage to spool through,
            # not an error in start().
            self._engine = make_engine(
                self.database_url,
                busy_timeout=self._lock_timeout,
                sqlite_synchronous=self._synchronous,
                connect_timeout=self._connect_timeout,
                pg_lock_timeout=self._lock_timeout,
                # A hung server must not hang every asker forever.
                pg_statement_timeout=max(10.0, self._lock_timeout * 4),
                pool_size=1,
                # WAL checkpoints fsync the database file: done on the commit path they
                # are the slowest commits by far, so the checkpointer thread does them.
                sqlite_autocheckpoint=False,
            )
        if self._conn is None:
            self._conn = write_connection(self._engine)
        return self._conn

    def _discard_connection(self, *, invalidate: bool = True) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if invalidate:
                conn.invalidate()
            conn.close()

    def _commit(self, batch: Sequence[_Pending]) -> list[Any]:
        conn = self._connection()
        with conn.begin():
            return _write_batch(conn, batch)

    def _process(self, batch: list[_Pending]) -> None:
        stats = self._state.stats
        stats.batches += 1
        stats.largest_batch = max(stats.largest_batch, len(batch))
        resolver = _Resolver()
        try:
            if self._state.degraded:
                self._spool(batch, resolver)
                return
            try:
                results = self._commit(batch)
            except Exception as exc:
                if _is_unavailable(exc):
                    self._go_degraded(exc)
                    self._spool(batch, resolver)
                else:
                    self._one_by_one(batch, resolver, exc)
                return
            for item, result in zip(batch, results, strict=True):
                resolver.add(item, result)
            stats.committed += sum(1 for item in batch if item.kind == "question")
        finally:
            resolver.flush()

    def _one_by_one(self, batch: list[_Pending], resolver: _Resolver, exc: Exception) -> None:
        """A batch failed on its data: commit what can be, so one bad record sinks only itself."""
        log.error("question batch of %d failed (%s); retrying one by one", len(batch), exc)
        for index, item in enumerate(batch):
            try:
                [result] = self._commit([item])
            except Exception as item_exc:
                if _is_unavailable(item_exc):
                    self._go_degraded(item_exc)
                    self._spool(batch[index:], resolver)
                    return
                self._reject([item], item_exc)
                resolver.add(item, None, QuestionLogError(f"the database rejected it: {item_exc}"))
                continue
            resolver.add(item, result)
            if item.kind == "question":
                self._state.stats.committed += 1

    def _go_degraded(self, exc: BaseException) -> None:
        self._discard_connection()
        state = self._state
        if not state.degraded:
            log.error(
                "question log database %s unavailable (%s); spooling to %s",
                redact(self.database_url),
                _short(exc),
                self.spool.path,
            )
        state.degraded = True
        state.next_retry = time.monotonic() + self.retry_interval

    def _spool(self, batch: Sequence[_Pending], resolver: _Resolver) -> None:
        lines = [_to_json_line(item.kind, item.row) for item in batch]
        try:
            self.spool.append(lines)
        except OSError as exc:
            log.critical("cannot write the question spool %s: %s", self.spool.path, exc)
            error = QuestionLogError(f"database unavailable and spool failed: {exc}")
            for item in batch:
                resolver.add(item, None, error)
            return
        self._state.degraded = True
        if self._state.next_retry <= time.monotonic():
            self._state.next_retry = time.monotonic() + self.retry_interval
        self._state.stats.spooled += sum(1 for item in batch if item.kind == "question")
        for item in batch:
            resolver.add(item, _spooled_result(item))

    def _reject(self, batch: Sequence[_Pending], exc: BaseException) -> None:
        """Keep records the database refuses in a side file for a human rather than drop them."""
        self._state.stats.rejected += len(batch)
        path = self.spool.path.with_name(self.spool.path.stem + ".rejected.jsonl")
        log.error(
            "the database rejected %d question log record(s): %s; kept in %s",
            len(batch),
            _short(exc),
            path,
        )
        with contextlib.suppress(OSError):
            Spool(path).append([_to_json_line(item.kind, item.row) for item in batch])

    def _replay_spool(self) -> None:
        """Move spooled records into the database; on failure, try again later."""
        state = self._state
        try:
            with self.spool.replaying() as (records, clear):
                if records:
                    pending = [_Pending(kind, row) for kind, row in records]  # type: ignore[arg-type]
                    # Questions first, so that votes spooled later find their question.
                    pending.sort(key=lambda p: p.kind != "question")
                    self._replay(pending)
                clear()
        except Exception as exc:
            if _is_unavailable(exc):
                # Still down: the outage was logged when it started; retries stay quiet.
                log.debug("question spool replay failed: %s", _short(exc))
            else:
                log.exception("replaying the question spool failed")
            self._discard_connection()
            state.degraded = True
            state.next_retry = time.monotonic() + self.retry_interval
            return
        if state.degraded or records:
            log.info("question log database is back; replayed %d spooled record(s)", len(records))
        state.degraded = False
        state.stats.replayed += sum(1 for kind, _ in records if kind == "question")

    def _replay(self, pending: list[_Pending]) -> None:
        chunk = 500
        for start in range(0, len(pending), chunk):
            part = pending[start : start + chunk]
            try:
                self._commit(part)
            except Exception as exc:
                if _is_unavailable(exc):
                    raise
                # A record the database refuses must not block the spool forever.
                for item in part:
                    try:
                        self._commit([item])
                    except Exception as item_exc:
                        if _is_unavailable(item_exc):
                            raise
                        self._reject([item], item_exc)


class _Checkpointer:
    """Checkpoints the SQLite WAL from its own thread and connection, off the commit path.

    A passive checkpoint never blocks the writer; it copies what it can and the writer
    restarts the WAL from the top once everything was copied, which keeps the WAL small.
    """

    def __init__(self, path: Path, interval: float) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="geobot-question-checkpointer", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                stopping = self._stop.wait(self.interval)
                conn = self._checkpoint(conn)
                if stopping:
                    return
        finally:
            if conn is not None:
                conn.close()

    def _checkpoint(self, conn: sqlite3.Connection | None) -> sqlite3.Connection | None:
        try:
            if conn is None:
                # mode=rw: never create the database; the writer or a migration does that.
                uri = f"{self.path.resolve().as_uri()}?mode=rw".replace("file://", "file:", 1)
                conn = sqlite3.connect(uri, uri=True, timeout=1.0, check_same_thread=False)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return conn
        except sqlite3.Error as exc:
            log.debug("WAL checkpoint of %s skipped: %s", self.path, exc)
            if conn is not None:
                conn.close()
            return None


def _feedback_row(
    user_id: int, helpful: bool, interaction_id: int | None, question_id: int | None
) -> dict[str, Any]:
    if (interaction_id is None) == (question_id is None):
        raise ValueError("pass exactly one of interaction_id and question_id")
    return {
        "interaction_id": interaction_id,
        "question_id": question_id,
        "user_id": user_id,
        "helpful": bool(helpful),
        "at": datetime.now(UTC),
    }


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
