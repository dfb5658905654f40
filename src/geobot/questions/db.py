"""Engines, SQLite pragmas and the Alembic migration runner.

SQLite settings, and why:

* ``journal_mode=WAL``: readers (moderator commands, exports) never block the question writer
  and the writer never blocks them.
* ``synchronous=NORMAL``: in WAL mode a committed transaction is in the WAL file before
  ``COMMIT`` returns, so it survives the process being killed (``kill -9``, OOM, crash). Only
  an operating-system crash or power loss can drop the last few transactions, which FULL
  would prevent at the cost of an fsync per commit. The bot's requirement is surviving
  process crashes; pass ``sqlite_synchronous="FULL"`` for power-loss durability too.
* ``busy_timeout``: wait for a competing writer instead of failing at once.
* ``foreign_keys=ON``: SQLite ignores ``ON DELETE`` clauses without it.
* SQLAlchemy, not the ``sqlite3`` module, emits ``BEGIN`` (the documented recipe), so reads
  are transactional and write transactions can start with ``BEGIN IMMEDIATE``: taking the
  write lock up front means a busy database is waited for with ``busy_timeout`` rather than
  failing mid-transaction with an unrecoverable ``SQLITE_BUSY``.

Migrations live inside the package (``geobot/questions/migrations``) and Alembic is configured
in code, so an installed geobot can migrate without an ``alembic.ini``.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


class DatabaseError(Exception):
    """A database problem worth one clear line to an operator (not a bug)."""


class SchemaOutOfDate(DatabaseError):
    pass


def redact(url: str | URL) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_lower(value: str | None) -> str | None:
    # SQLite's own lower()/LIKE only fold ASCII; Python's str.lower folds all of Unicode,
    # like PostgreSQL's lower() does under a UTF-8 locale.
    return None if value is None else value.lower()


def make_engine(
    database_url: str | URL,
    *,
    busy_timeout: float = 5.0,
    sqlite_synchronous: SqliteSynchronous = "NORMAL",
    connect_timeout: float = 5.0,
    pg_lock_timeout: float | None = None,
    pg_statement_timeout: float | None = None,
    pool_size: int = 5,
    sqlite_autocheckpoint: bool = True,
) -> Engine:
    """An engine for the question log, with the pragmas/options described above.

    ``busy_timeout`` (SQLite) and ``pg_lock_timeout`` (PostgreSQL) bound how long a write
    waits for a lock held by someone else; ``connect_timeout`` bounds a connection attempt
    to an unreachable PostgreSQL server. ``sqlite_autocheckpoint=False`` leaves WAL
    checkpoints to someone else (the question writer's checkpointer thread), so that no
    commit on this engine pays for one.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(
            url, busy_timeout, sqlite_synchronous, pool_size, sqlite_autocheckpoint
        )
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = max(1, round(connect_timeout))
        from_url = url.query.get("options")
        options: list[str] = [from_url] if isinstance(from_url, str) else []
        if pg_lock_timeout is not None:
            options.append(f"-c lock_timeout={int(pg_lock_timeout * 1000)}")
        if pg_statement_timeout is not None:
            options.append(f"-c statement_timeout={int(pg_statement_timeout * 1000)}")
        if options:
            # Replaces any "options" from the URL, which is why they are merged in above.
            connect_args["options"] = " ".join(options)
    return sa.create_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,  # the bot lives for weeks; servers restart
        pool_size=pool_size,
        max_overflow=pool_size,
    )


def _sqlite_engine(
    url: URL,
    busy_timeout: float,
    synchronous: SqliteSynchronous,
    pool_size: int,
    autocheckpoint: bool,
) -> Engine:
    database = url.database
    in_memory = database in (None, "", ":memory:") or (database or "").startswith("file:")
    if not in_memory:
        assert database is not None
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"bad SQLite synchronous mode {synchronous!r}")
    # The writer thread and asyncio.to_thread() callers share the pool.
    pool_args: dict[str, Any] = (
        {} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size}
    )
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **pool_args
    )
    busy_ms = int(busy_timeout * 1000)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Take BEGIN away from the sqlite3 module (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not autocheckpoint:
                cursor.execute("PRAGMA wal_autocheckpoint = 0")
        finally:
            cursor.close()
        dbapi_connection.create_function("geobot_lower", 1, _sqlite_lower, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"bad sqlite_begin {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for other backends and in-memory databases."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    assert database is not None
    return None if database.startswith("file:") else Path(database).expanduser()


def write_connection(engine: Engine) -> sa.Connection:
    """A connection whose transactions take the write lock at BEGIN on SQLite."""
    return engine.connect().execution_options(sqlite_begin="IMMEDIATE")


# --- portable SQL helpers ------------------------------------------------------------------


class ulower(FunctionElement[str]):
    """Unicode-aware lower() on both backends."""

    type = sa.Text()
    inherit_cache = True


@compiles(ulower)
def _ulower_default(element: ulower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(ulower, "sqlite")
def _ulower_sqlite(element: ulower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"geobot_lower({compiler.process(element.clauses, **kw)})"


class utc_day(FunctionElement[str]):
    """The UTC calendar day of a ``UTCDateTime`` column, as 'YYYY-MM-DD' text."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"to_char(({arg}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (see UTCDateTime).
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


# --- migrations ----------------------------------------------------------------------------


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py migrates this connection instead of building its own engine from a URL.
    config.attributes["connection"] = connection
    return config


def new_revision(message: str, versions: Path | None = None) -> Path | None:
    """Write a migration for what the models changed (Alembic autogenerate); its path, or
    None when the models match the last migration.

    The models are compared with a scratch SQLite database migrated to head, so no real
    database is needed or touched. Numbered like the others (0003_…), into ``versions``
    (default: the package's own migrations).
    """
    import tempfile

    if not message.strip():
        raise ValueError('describe the change: geobot db revision -m "add a column …"')
    folder = versions or MIGRATIONS_DIR / "versions"
    number = 1 + max((int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py")), default=0)
    written: list[Path] = []

    def skip_empty(context: Any, revision: Any, directives: list[Any]) -> None:
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []  # nothing changed: no empty migration

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade(engine)
            with _UPGRADE_LOCK, write_connection(engine) as conn:
                config = _alembic_config(conn)
                config.set_main_option("path_separator", "os")
                config.set_main_option("version_locations", str(folder))
                script = command.revision(
                    config,
                    message=message.strip(),
                    autogenerate=True,
                    rev_id=f"{number:04d}",
                    version_path=str(folder),
                    process_revision_directives=skip_empty,
                )
                scripts = script if isinstance(script, list) else [script]
                written.extend(Path(s.path) for s in scripts if s is not None)
        finally:
            engine.dispose()
    return written[0] if written else None


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


# Alembic keeps the running migration's context in module globals, so two threads of one
# process must not migrate at the same time.
_UPGRADE_LOCK = threading.Lock()


def upgrade(database_url: str | URL | Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to call at every start, from many processes.

    Concurrent callers are serialised (a lock within the process; ``BEGIN IMMEDIATE`` on
    SQLite and an advisory lock on PostgreSQL across processes), so shards starting together
    do not race to create the tables.
    """
    engine = database_url if isinstance(database_url, Engine) else make_engine(database_url)
    try:
        with _UPGRADE_LOCK, write_connection(engine) as conn:
            command.upgrade(_alembic_config(conn), revision)
            if conn.in_transaction():
                conn.commit()
    finally:
        if engine is not database_url:
            engine.dispose()


def current_revision(database_url: str | URL | Engine) -> str | None:
    """The revision the database is at; None for a database that was never migrated."""
    engine = database_url if isinstance(database_url, Engine) else make_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if engine is not database_url:
            engine.dispose()


def ensure_current(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is not None and not _known_revision(current):
        raise SchemaOutOfDate(
            f"the database is at revision {current}, newer than this geobot ({head}): "
            "upgrade geobot"
        )
    where = "has no question tables" if current is None else f"is at revision {current}"
    raise SchemaOutOfDate(
        f"the database {where}, this geobot needs {head}: run `geobot db upgrade`"
    )


def _known_revision(revision: str) -> bool:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False


def dialect_insert(dialect_name: str, table: sa.Table) -> Any:
    """An INSERT that supports ON CONFLICT (both backends spell it the same way)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect_name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(
        f"the question log supports SQLite and PostgreSQL, not {dialect_name}"
    )
