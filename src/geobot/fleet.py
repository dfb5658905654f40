"""The processes serving one deployment, as seen through the shared database.

Several bot processes (each running some shards) share one database. Each writes a
heartbeat every few seconds, and polls for reload requests: a reload asked of any process
(or of `geobot reload`) is a row in `reload_requests`, which every other process sees
within one poll interval, reloads on its own (each validates for itself), and answers with
a row in `reloads`. Polling a tiny table works the same on SQLite and PostgreSQL, needs no
extra connection per process, and is well inside the 5-second budget at a 2-second poll.

All methods are blocking database calls: from the event loop, run them in a thread.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geobot.questions.db import make_engine
from geobot.questions.models import BotProcess, Reload, ReloadRequest
from geobot.reload import ReloadReport

POLL_SECONDS = 2.0
LIVE_WITHIN = timedelta(seconds=15)


def process_label(shard_ids: Sequence[int] | None = None) -> str:
    shards = f"/shards:{','.join(map(str, shard_ids))}" if shard_ids else ""
    return f"{socket.gethostname()}:{os.getpid()}{shards}"


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    label: str
    shard_ids: str | None
    digest: str | None
    started_at: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class ReloadResult:
    process: str | None
    ok: bool | None
    digest: str | None
    errors: list[str]
    finished_at: datetime | None


class Fleet:
    def __init__(self, database: str | Engine, label: str) -> None:
        self._owns_engine = not isinstance(database, Engine)
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.label = label
        self.started_at = datetime.now(UTC)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    # -- heartbeats ---------------------------------------------------------------------

    def heartbeat(self, digest: str | None, shard_ids: Sequence[int] | None = None) -> None:
        table = BotProcess.__table__  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        shards = ",".join(map(str, shard_ids)) if shard_ids else None
        with self.engine.begin() as conn:
            updated = conn.execute(
                table.update()
                .where(table.c.label == self.label)
                .values(digest=digest, shard_ids=shards, last_seen=now)
            ).rowcount
            if not updated:
                conn.execute(
                    table.insert().values(
                        label=self.label,
                        digest=digest,
                        shard_ids=shards,
                        started_at=self.started_at,
                        last_seen=now,
                    )
                )

    def leave(self) -> None:
        table = BotProcess.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.label == self.label))

    def live(self, within: timedelta = LIVE_WITHIN) -> list[ProcessInfo]:
        table = BotProcess.__table__  # type: ignore[attr-defined]
        since = datetime.now(UTC) - within
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(table).where(table.c.last_seen >= since).order_by(table.c.label)
                )
                .mappings()
                .all()
            )
        return [
            ProcessInfo(r["label"], r["shard_ids"], r["digest"], r["started_at"], r["last_seen"])
            for r in rows
        ]

    # -- the reload bus -------------------------------------------------------------------

    def request_reload(self, source: str, requested_by: int | None = None) -> int:
        table = ReloadRequest.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            result = conn.execute(
                table.insert().values(
                    source=source,
                    requested_by=requested_by,
                    process=self.label,
                    created_at=datetime.now(UTC),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def latest_request(self) -> int:
        table = ReloadRequest.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0)

    def requests_after(self, after: int) -> list[int]:
        """Ids of reload requests newer than `after` made by other processes."""
        table = ReloadRequest.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.id, table.c.process)
                .where(table.c.id > after)
                .order_by(table.c.id)
            ).all()
        return [r.id for r in rows if r.process != self.label]

    def record_result(
        self, request_id: int | None, report: ReloadReport, requested_by: int | None = None
    ) -> int:
        table = Reload.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            result = conn.execute(
                table.insert().values(
                    source=report.source,
                    requested_by=requested_by,
                    started_at=report.started_at,
                    finished_at=datetime.now(UTC),
                    ok=report.ok,
                    digest=report.digest,
                    summary=report.summary(),
                    errors=[str(e) for e in report.errors],
                    process=self.label,
                    request_id=request_id,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def results(self, request_id: int) -> list[ReloadResult]:
        table = Reload.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(table).where(table.c.request_id == request_id).order_by(table.c.id)
                )
                .mappings()
                .all()
            )
        return [
            ReloadResult(
                r["process"], r["ok"], r["digest"], list(r["errors"] or []), r["finished_at"]
            )
            for r in rows
        ]
