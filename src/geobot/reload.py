"""Reloading the document set while serving: build aside, validate fully, swap atomically.

A reload never changes what is served until the new set has loaded and validated whole;
on any error the old library keeps serving and the report lists every error. Reloads are
serialised: a second request while one runs waits for it (or is refused, if the caller
prefers). The new set builds in a worker thread (`asyncio.to_thread`), so the event loop
keeps answering meanwhile; the loader parses new articles in worker processes of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geobot.documents.loader import default_parse_workers, load_document_set
from geobot.documents.model import LoadIssue
from geobot.library import Library

log = logging.getLogger("geobot.reload")


@dataclass(frozen=True, slots=True)
class ReloadReport:
    ok: bool
    source: str  # "discord", "cli", "signal", "peer"
    started_at: datetime
    seconds: float
    digest: str | None  # of the set now served (the old one when the reload failed)
    previous_digest: str | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[LoadIssue, ...] = ()
    warnings: tuple[LoadIssue, ...] = ()

    @property
    def unchanged(self) -> bool:
        return self.ok and self.digest == self.previous_digest

    def summary(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
            "counts": self.counts,
            "warnings": [str(w) for w in self.warnings],
            "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """A readable report, one fact a line, for Discord and the CLI alike."""
        if not self.ok:
            head = (
                f"Reload refused: {len(self.errors)} error(s). Nothing changed; the "
                "documents loaded before keep serving."
            )
            return [head, *(f"• {e}" for e in self.errors)]
        if self.unchanged:
            return [f"Reloaded in {self.seconds:.2f} s: no document changed."]
        out = [f"Reloaded in {self.seconds:.2f} s."]
        for label, ids in (
            ("Added", self.added),
            ("Removed", self.removed),
            ("Changed", self.changed),
        ):
            if ids:
                out.append(f"{label}: {', '.join(ids)}")
        c = self.counts
        if c:
            out.append(
                f"Now {c.get('documents', 0)} documents, {c.get('passages', 0)} passages, "
                f"{c.get('quotes', 0)} quotes, {c.get('arguments', 0)} arguments, "
                f"{c.get('sources', 0)} sources."
            )
        out.extend(f"⚠ {w}" for w in self.warnings)
        return out


class ReloadBusyError(RuntimeError):
    pass


def diff(old: Library | None, new: Library) -> tuple[tuple[str, ...], ...]:
    before = {d.id: d.fingerprint for d in old.documents} if old else {}
    after = {d.id: d.fingerprint for d in new.documents}
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    changed = tuple(sorted(k for k in set(after) & set(before) if after[k] != before[k]))
    return added, removed, changed


class LibraryHolder:
    """Holds the library being served and replaces it, one reload at a time."""

    def __init__(
        self,
        library: Library,
        folder: Path,
        on_swap: Callable[[Library, Library], None] | None = None,
        on_report: Callable[[ReloadReport], None] | None = None,
        parse_workers: int | None = None,
    ) -> None:
        self._library = library
        self.folder = folder
        # New articles are parsed in worker processes (0: in the building thread).
        self.parse_workers = default_parse_workers() if parse_workers is None else parse_workers
        self._lock = asyncio.Lock()
        self._on_swap = on_swap
        self._on_report = on_report  # every finished reload, refused ones too (metrics)
        self.last_report: ReloadReport | None = None

    @property
    def library(self) -> Library:
        return self._library

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def reload(self, source: str, *, wait: bool = True) -> ReloadReport:
        if not wait and self._lock.locked():
            raise ReloadBusyError("A reload is already running; try again when it finishes.")
        async with self._lock:
            report, library = await asyncio.to_thread(
                build, self.folder, self._library, source, self.parse_workers
            )
            if library is not None:
                old, self._library = self._library, library
                if self._on_swap is not None:
                    self._on_swap(old, library)
            self.last_report = report
            if self._on_report is not None:
                self._on_report(report)
            log.info(
                "reload source=%s ok=%s digest=%s seconds=%.3f errors=%d",
                source,
                report.ok,
                (report.digest or "")[:12],
                report.seconds,
                len(report.errors),
            )
            return report


def build(
    folder: Path, current: Library | None, source: str, parse_workers: int = 0
) -> tuple[ReloadReport, Library | None]:
    """Load and index a document set aside; the library only if everything validated."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    previous = current.documents.digest if current else None
    result = load_document_set(folder, parse_workers=parse_workers)
    if not result.ok or result.documents is None:
        return ReloadReport(
            False,
            source,
            started,
            time.perf_counter() - clock,
            previous,
            previous,
            errors=tuple(result.errors),
            warnings=tuple(result.warnings),
        ), None
    library = Library(result.documents)
    added, removed, changed = diff(current, library)
    report = ReloadReport(
        True,
        source,
        started,
        time.perf_counter() - clock,
        library.documents.digest,
        previous,
        added,
        removed,
        changed,
        library.stats(),
        warnings=tuple(result.warnings),
    )
    return report, library
