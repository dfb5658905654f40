"""Alembic environment for the question log, configured from code (see geobot.questions.db).

``geobot.questions.db.upgrade()`` passes an open connection in ``config.attributes``; the
URL fallback is only there so that the plain ``alembic`` command can be pointed at this
directory during development (``alembic -x url=... revision --autogenerate``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

from geobot.questions import models
from geobot.questions.db import make_engine

# Any constant works; it only has to be the same in every process that migrates.
_PG_MIGRATION_LOCK = 0x6765_6F62_6F74  # "geobot"

config = context.config
target_metadata = SQLModel.metadata


def _include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
    # Other parts of geobot may add their own SQLModel tables later; autogenerate here
    # only ever looks at the question log's tables.
    if type_ == "table":
        return name in {t.name for t in models.TABLES}
    return True


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        # We emit BEGIN ourselves on SQLite (see db.py), which makes its DDL transactional.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Serialise shards that start at the same time; released at commit.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass -x url=DATABASE_URL")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn.execution_options(sqlite_begin="IMMEDIATE"))
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `geobot db upgrade`")
run_migrations_online()
