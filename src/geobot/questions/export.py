"""Exports of the question log, for moderators and operators.

The queries live in ``QuestionStore.export``; this module is the stable import point and
holds what a caller needs around it (file names, MIME types), so the bot and the CLI name
and label exports the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from geobot.questions.store import (
    EXPORT_COLUMNS,
    ExportFormat,
    QuestionFilter,
    QuestionStore,
    Scope,
)

MIME_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def export_questions(
    store: QuestionStore,
    scope: Scope,
    filters: QuestionFilter | None = None,
    format: ExportFormat = "csv",
) -> bytes:
    """CSV (formula-safe, UTF-8 with BOM) or JSON lines of the questions in scope."""
    return store.export(scope, filters, format)


def export_filename(scope: Scope, format: ExportFormat, now: datetime) -> str:
    """e.g. ``questions-guild-123-20250101T120000Z.csv``."""
    if scope.all_guilds:
        where = "all"
    elif scope.guild_id is not None:
        where = f"guild-{scope.guild_id}"
    else:
        where = "dms"
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"questions-{where}-{stamp}.{format}"


__all__ = ["EXPORT_COLUMNS", "MIME_TYPES", "export_filename", "export_questions"]
