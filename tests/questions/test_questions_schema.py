"""Migrations, column types, and the SQLite settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from geobot.questions import models
from geobot.questions.db import (
    SchemaOutOfDate,
    current_revision,
    ensure_current,
    head_revision,
    make_engine,
    upgrade,
)
from geobot.questions.store import QuestionFilter, QuestionStore, Scope
from geobot.questions.writer import QuestionLog

from .conftest import BACKENDS, PG_URL, fresh_pg_schema, question

BIG = 1234567890123456789  # a real-looking 64-bit snowflake, far above 2**31


def _empty_database(backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        from contextlib import nullcontext

        # The parent folder does not exist yet: make_engine must create it.
        return nullcontext(f"sqlite:///{tmp_path / 'new' / 'folder' / 'geobot.db'}")
    assert PG_URL is not None
    return fresh_pg_schema()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_from_empty_reach_head_and_match_models(backend: str, tmp_path: Path) -> None:
    with _empty_database(backend, tmp_path) as url:
        assert current_revision(url) is None
        engine = make_engine(url)
        with pytest.raises(SchemaOutOfDate, match="geobot db upgrade"):
            ensure_current(engine)
        upgrade(url)
        upgrade(url)  # a second start is a no-op
        assert current_revision(url) == head_revision()
        ensure_current(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            table_names = {t.name for t in models.TABLES}
            diff = [
                d
                for d in compare_metadata(context, SQLModel.metadata)
                if not (d[0] == "add_table" and d[1].name not in table_names)
            ]
            assert diff == []  # the migration creates exactly what the models describe
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_upgrades_do_not_race(backend: str, tmp_path: Path) -> None:
    # Shards starting together all call upgrade(), as threads of one process or as
    # processes; they must serialise, not collide on CREATE TABLE.
    with _empty_database(backend, tmp_path) as url:
        code = "import sys; from geobot.questions.db import upgrade; upgrade(sys.argv[1])"
        procs = [
            subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        errors: list[BaseException] = []

        def run() -> None:
            try:
                upgrade(url)
            except BaseException as exc:  # pragma: no cover - the failure we test for
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes = [(p.wait(timeout=60), p.stderr.read() if p.stderr else b"") for p in procs]
        assert errors == []
        assert [rc for rc, _ in outcomes] == [0, 0, 0], outcomes
        assert current_revision(url) == head_revision()


async def test_64_bit_ids_round_trip(db_url: str, spool_path: Path) -> None:
    async with QuestionLog(db_url, spool_path=spool_path) as log:
        recorded = await log.record(question(guild_id=BIG, user_id=BIG + 1, interaction_id=BIG + 2))
        vote = await log.record_feedback(user_id=BIG + 3, helpful=True, interaction_id=BIG + 2)
    assert recorded.committed
    assert vote.status == "recorded"
    store = QuestionStore(db_url)
    try:
        q = store.get_question(Scope.moderator(BIG), recorded.id or 0)
        assert q is not None
        assert (q.guild_id, q.user_id, q.interaction_id, q.channel_id) == (
            BIG,
            BIG + 1,
            BIG + 2,
            222,
        )
        store.answer_question(Scope.moderator(BIG), q.id or 0, "Yes.", moderator_id=2**63 - 1)
        settings = store.set_guild_settings(
            Scope.moderator(BIG), moderator_role_id=BIG + 4, notify_channel_id=BIG + 5
        )
        assert settings.guild_id == BIG
        assert settings.moderator_role_id == BIG + 4
        again = store.get_question(Scope.moderator(BIG), q.id or 0)
        assert again is not None
        assert again.resolved_by == 2**63 - 1
        assert store.my_data(BIG + 3).feedback[0]["question_id"] == q.id
    finally:
        store.close()


async def test_datetimes_are_aware_utc(db_url: str, spool_path: Path) -> None:
    paris = timezone(timedelta(hours=2))
    asked = datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=paris)
    async with QuestionLog(db_url, spool_path=spool_path) as log:
        recorded = await log.record(question(asked_at=asked))
    store = QuestionStore(db_url)
    try:
        q = store.get_question(Scope.operator(), recorded.id or 0)
        assert q is not None
        assert q.created_at.tzinfo is not None
        assert q.created_at.utcoffset() == timedelta(0)
        assert q.created_at == asked  # the same instant
        assert q.created_at.hour == 10
        answered = store.answer_question(Scope.operator(), q.id or 0, "ok", 1).question
        assert answered.resolved_at is not None
        assert answered.resolved_at.tzinfo is not None
        # Filtering compares instants, whatever zone the caller uses.
        page = store.list_questions(
            Scope.operator(),
            QuestionFilter(since=datetime(2025, 6, 1, 10, 30, tzinfo=UTC)),
        )
        assert page.total == 1
    finally:
        store.close()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        models.UTCDateTime().process_bind_param(
            datetime(2025, 1, 1), sa.create_engine("sqlite://").dialect
        )


def test_sqlite_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
    full = make_engine(url, sqlite_synchronous="FULL", busy_timeout=0.25)
    with full.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    full.dispose()
    # The file is a plain SQLite database other tools can open.
    assert sqlite3.connect(tmp_path / "p.db").execute("PRAGMA integrity_check").fetchone() == (
        "ok",
    )
