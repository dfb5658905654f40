"""Fixtures for the question log tests: a real SQLite file always, real PostgreSQL on demand.

PostgreSQL runs when GEOBOT_TEST_POSTGRES_URL is set (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test session works in a fresh
schema of its own (dropped at the end), and every test starts from empty tables, so runs
never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from geobot.questions.db import upgrade
from geobot.questions.store import QuestionStore
from geobot.questions.writer import NewQuestion, QuestionLog

PG_ENV = "GEOBOT_TEST_POSTGRES_URL"
PG_URL = os.environ.get(PG_ENV, "").strip() or None
PG_SKIP_REASON = f"PostgreSQL variant skipped: set {PG_ENV}=postgresql+psycopg://user@host/db"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(PG_URL is None, reason=PG_SKIP_REASON)],
    ),
]
TABLES = (
    "feedback",
    "faq",
    "questions",
    "guild_settings",
    "reloads",
    "reload_requests",
    "bot_processes",
)


def pg_admin_conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq URI, for psycopg directly."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_search_path(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A new, empty schema; yields a database URL whose search_path is that schema."""
    import psycopg

    assert PG_URL is not None
    schema = f"geobot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        with psycopg.connect(pg_admin_conninfo(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    with fresh_pg_schema() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "questions.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the requested backend."""
    if backend == "sqlite":
        target = tmp_path / "db" / "questions.db"
        target.parent.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_session_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        # Fail loudly rather than hang if an earlier test leaked an open transaction.
        conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[QuestionStore]:
    s = QuestionStore(db_url)
    yield s
    s.close()


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "question-spool.jsonl"


@pytest.fixture
async def qlog(db_url: str, spool_path: Path) -> AsyncIterator[QuestionLog]:
    log = QuestionLog(db_url, spool_path=spool_path, retry_interval=0.2)
    log.start()
    yield log
    await log.aclose()


def question(
    text: str = "What did the article say about NATO?",
    *,
    guild_id: int | None = 111,
    user_id: int = 7,
    interaction_id: int | None = None,
    answered: bool = True,
    command: str = "ask",
    results: list[tuple[str, float]] | None = None,
    **extra: object,
) -> NewQuestion:
    return NewQuestion(
        interaction_id=interaction_id,
        guild_id=guild_id,
        channel_id=None if guild_id is None else 222,
        user_id=user_id,
        text=text,
        command=command,
        results=[("doc:1", 3.5)] if results is None else results,
        answered=answered,
        digest="sha256:abc",
        **extra,  # type: ignore[arg-type]
    )
