"""Reloading the document set while serving: build aside, validate fully, swap atomically.

A reload never changes what is served until the new set has loaded and validated whole;
on any error the old library keeps serving and the report lists every error. Reloads are
serialised: a second request while one runs waits for it (or is refused, if the caller
prefers). A small set builds in a worker thread; a large one builds whole (parse, validate,
index) in a builder process and comes back in short steps (see ship and receive), so the
event loop keeps answering either way.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import io
import logging
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from geobot.documents.loader import (
    ARTICLE_SUFFIX,
    LoadResult,
    background_priority,
    default_parse_workers,
    load_document_set,
)
from geobot.documents.model import LoadIssue
from geobot.gil import Steps
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


# A set of at least this many articles builds in a builder process. Built in a thread, a
# large set holds the GIL against the event loop in long single steps that no switch
# interval can cut short (sorting a million title and quote words in one C call: 70-180 ms
# at 10,000 articles); below this the thread build is short and so are its steps.
PROCESS_MIN_ARTICLES = 500
SHIP_CHUNK = 500  # elements per step when a large container comes back from the builder
SHIP_ARRAY_BYTES = 2 * 1024 * 1024  # bytes per step of a large numpy array


class LibraryHolder:
    """Holds the library being served and replaces it, one reload at a time."""

    def __init__(
        self,
        library: Library,
        folder: Path,
        on_swap: Callable[[Library, Library], None] | None = None,
        on_report: Callable[[ReloadReport], None] | None = None,
        parse_workers: int | None = None,
        build_in_process: bool | None = None,
    ) -> None:
        self._library = library
        self.folder = folder
        # New articles are parsed in worker processes, so that a big reload does not hold
        # the GIL against the event loop (bench/bench_reload.py); 0 parses in the thread.
        self.parse_workers = default_parse_workers() if parse_workers is None else parse_workers
        # Large sets build whole in a builder process (by default wherever parsing may use
        # processes); the builder lives on between reloads, so its parse cache stays warm.
        self.build_in_process = (
            self.parse_workers >= 1 if build_in_process is None else build_in_process
        )
        self._builder: Builder | None = None
        self._release: asyncio.Task[None] | None = None  # the last large set replaced
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

    async def _builder_for(self, folder: Path) -> Builder | None:
        """The builder process for a large set; None (and any builder stopped) otherwise."""
        if not self.build_in_process:
            return None
        # Listing a large folder takes milliseconds: not on the loop.
        if await asyncio.to_thread(_count_articles, folder) >= PROCESS_MIN_ARTICLES:
            if self._builder is None:
                self._builder = Builder(self.parse_workers)
            return self._builder
        self.close()
        return None

    async def settled(self) -> None:
        """Wait until the last large set replaced has been freed (tests, benches)."""
        if self._release is not None:
            await self._release

    def close(self) -> None:
        """Stop the builder process, if one runs (it also stops when the process exits)."""
        if self._builder is not None:
            self._builder.close()
            self._builder = None

    async def reload(self, source: str, *, wait: bool = True) -> ReloadReport:
        if not wait and self._lock.locked():
            raise ReloadBusyError("A reload is already running; try again when it finishes.")
        async with self._lock:
            builder = await self._builder_for(self.folder)
            report, library = await asyncio.to_thread(
                _build_quietly, self.folder, self._library, source, self.parse_workers, builder
            )
            if builder is not None and builder.broken:
                self.close()  # the next large reload starts a fresh one
            if library is not None:
                old, self._library = self._library, library
                if self._on_swap is not None:
                    self._on_swap(old, library)
                if len(old) >= PROCESS_MIN_ARTICLES:
                    # Dropped here, a large set would be freed in one step on the loop.
                    box = [old]
                    del old
                    self._release = asyncio.create_task(asyncio.to_thread(_release, box))
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


RELEASE_WAIT_S = 30.0


def _release(box: list[Library]) -> None:
    """Free a replaced library a little at a time, so that no step holds the GIL long.

    Freed at once, a 10,000-document set goes in one cascade of deallocations (150 ms)
    wherever its last reference drops. So, once the commands still reading it are done
    (it is only ours, or RELEASE_WAIT_S passed), everything in it is listed innermost
    first and the list is dropped from its end: each step frees SHIP_CHUNK objects whose
    contents are still listed, so it frees them and no further. All of it in turns
    (geobot.gil), as searches run beside it.
    """
    deadline = time.monotonic() + RELEASE_WAIT_S
    # References: the box, and getrefcount's argument.
    while sys.getrefcount(box[0]) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with Steps() as steps:
        holders = _holders(box.pop(), steps.tick)
        while holders:
            del holders[-SHIP_CHUNK:]
            steps.tick()


def _count_articles(folder: Path) -> int:
    try:
        with os.scandir(folder) as entries:
            return sum(1 for e in entries if e.name.endswith(ARTICLE_SUFFIX))
    except OSError:
        return 0  # the build reports it, file by file


def _build_quietly(
    folder: Path,
    current: Library | None,
    source: str,
    parse_workers: int,
    builder: Builder | None = None,
) -> tuple[ReloadReport, Library | None]:
    """build(), without garbage collections of the set being built, in a process that
    freezes its long-lived objects (the bot: geobot.bot.client.run).

    A 10,000-document build allocates ~400,000 objects that all survive. Collected while
    they pile up, they cost a 114 ms generation-1 pass and 7-10 ms young passes, each
    holding the GIL against the event loop; once served, every full collection walks them
    again (155 ms). So collections pause during the build (it makes no cyclic garbage:
    a dropped library frees by reference counting alone), and the new set is then frozen
    with everything else alive, as the bot froze its first set at start. Frozen objects
    are still freed when their last reference goes; only cyclic garbage made elsewhere
    during the build stays, once per reload. Processes that do not freeze (tests, the
    CLI) are left alone. The same holds for a set received from the builder process.
    """
    if not process_freezes() or not gc.isenabled():
        return build(folder, current, source, parse_workers, builder)
    gc.disable()
    try:
        return build(folder, current, source, parse_workers, builder)
    finally:
        gc.freeze()
        gc.enable()


@functools.cache
def process_freezes() -> bool:
    """Whether this process froze its long-lived objects (the bot does, before serving).

    Asked once, and by the bot first right after it freezes (bot.runtime.tune_collector):
    gc.get_freeze_count() walks every frozen object in one C loop. Asked by the first
    reload instead, that walk (12 ms over the ~130,000 objects frozen at start) held the
    GIL against the event loop; once a 10,000-document set had been frozen, 30 ms.
    """
    return gc.get_freeze_count() > 0


def build(
    folder: Path,
    current: Library | None,
    source: str,
    parse_workers: int = 0,
    builder: Builder | None = None,
) -> tuple[ReloadReport, Library | None]:
    """Load and index a document set aside; the library only if everything validated.

    With a builder, the set loads and indexes in the builder process and comes back here;
    should the builder fail (not the set: a crash, a broken pool), it builds here instead.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    previous = current.documents.digest if current else None
    result: LoadResult | None = None
    library: Library | None = None
    if builder is not None:
        try:
            result, library = builder.build(folder)
        except Exception as exc:
            # Strings, not the exception: a log record that is kept (a test's capture, a
            # buffering handler) would keep its traceback, this frame, and through it the
            # library being replaced, which _release then waits for in vain.
            log.warning(
                "building in the builder process failed (%s: %s); building here instead",
                type(exc).__name__,
                str(exc),
            )
            builder.broken = True
    if result is None:
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
    if library is None:
        # Indexing here runs beside searches: in turns, a document at a time.
        with Steps() as steps:
            library = Library(result.documents, steps.tick)
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


# -- building in a builder process ----------------------------------------------------------


class Builder:
    """A long-lived process that loads and indexes a set, and ships the library back.

    Spawned, not forked (the bot has threads; see loader._parse_in_processes), once, and
    kept: its parse cache is what makes the next reload of a large set cheap. It parses
    with `parse_workers` processes of its own, as the bot would have.
    """

    def __init__(self, parse_workers: int) -> None:
        self.parse_workers = parse_workers
        self.broken = False
        # At a lower CPU priority than the bot, as the parse workers (loader.BACKGROUND_NICE);
        # the parse workers it starts inherit it.
        self._pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=background_priority
        )

    def build(self, folder: Path) -> tuple[LoadResult, Library | None]:
        path, result = self._pool.submit(
            _build_for_shipping,
            folder,
            self.parse_workers,
        ).result()
        if path is None:
            return result, None
        try:
            with open(path, "rb") as f:
                library = receive(f)
        finally:
            os.unlink(path)
        if not isinstance(library, Library):
            raise TypeError(f"the builder sent a {type(library).__name__}, not a Library")
        result.documents = library.documents
        return result, library

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _build_for_shipping(folder: Path, parse_workers: int) -> tuple[str | None, LoadResult]:
    """In the builder: load and index; the library goes to a file, errors come back whole."""
    gc.disable()  # a build makes no cyclic garbage; collecting it mid-build is wasted work
    try:
        result = load_document_set(folder, parse_workers=parse_workers)
        if not result.ok or result.documents is None:
            return None, result
        library = Library(result.documents)
        fd, path = tempfile.mkstemp(prefix="geobot-library-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                ship(library, f)
        except BaseException:
            os.unlink(path)
            raise
        return path, LoadResult(None, [], result.warnings)
    finally:
        gc.enable()


# A library pickled in one piece unpickles in one C call: at 10,000 articles that holds the
# GIL for 50-130 ms at a time (a list of a million word tuples is built without a pause),
# and freeing the unpickler's memo (a reference to every object) takes 80 ms more. So it is
# shipped as a stream of small pickles, each with its own memo: every object that holds
# others, innermost first, SHIP_CHUNK to a pickle, large containers in parts; each pickle
# refers to objects sent before by number (pickle's persistent ids), so shared objects stay
# shared. Receiving it is a Python loop of short unpickling steps, and the GIL can change
# hands between any two.
_CHUNKED: dict[type, str] = {
    list: "list",
    tuple: "tuple",
    set: "set",
    frozenset: "frozenset",
    dict: "dict",
    Counter: "counter",
    defaultdict: "defaultdict",
}
# What a chunked container is rebuilt in while its parts arrive (tuples and frozensets
# are made from it at the end).
_FILLED_AS: dict[str, type] = {
    "list": list,
    "tuple": list,
    "set": set,
    "frozenset": set,
    "dict": dict,
    "counter": Counter,
}
_LEAVES = (str, bytes, int, float, complex, bool, type(None))


def _children(obj: Any) -> list[Any] | None:
    """What a container or one of our objects holds; None for a leaf (we do not look
    into numpy arrays, enums, paths, dates: they pickle in one cheap step)."""
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    cls = type(obj)
    if not cls.__module__.startswith("geobot."):
        return None
    values = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                values.append(getattr(obj, name))
    return values


_SEEN_SHARDS = 256


def _holders(root: Any, tick: Callable[[], None] | None = None) -> list[Any]:
    """Every container and object of ours under root (root included), innermost first;
    `tick` is called every few hundred objects (`Steps.tick`)."""
    # The ids seen, in many small sets rather than one: one set of 600,000 ids at 10,000
    # articles rehashes in a single C call each time it doubles, 50-80 ms without a pause.
    seen: list[set[int]] = [set() for _ in range(_SEEN_SHARDS)]
    found: list[Any] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    visited = 0
    while stack:
        visited += 1
        if tick is not None and not visited & 255:
            tick()
        obj, done = stack.pop()
        if done:
            found.append(obj)
            continue
        key = id(obj)
        shard = seen[(key >> 4) % _SEEN_SHARDS]  # ids are addresses, 16-byte aligned
        if key in shard:
            continue
        shard.add(key)
        children = _children(obj)
        if children is None:
            if isinstance(obj, np.ndarray) and obj.nbytes > SHIP_ARRAY_BYTES:
                found.append(obj)
            continue
        stack.append((obj, True))
        stack.extend((child, False) for child in children if not isinstance(child, _LEAVES))
    while seen:  # 600,000 ids dropped at once would be one long step as well
        seen.pop()
        if tick is not None:
            tick()
    return found


class _Shipper(pickle.Pickler):
    def __init__(self, file: io.BufferedIOBase) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.keys: dict[int, int] = {}  # id of an object sent -> its number
        self.sent: list[Any] = []  # keeps them alive, so that ids stay theirs

    def persistent_id(self, obj: Any) -> int | None:
        return None if isinstance(obj, _LEAVES) else self.keys.get(id(obj))

    def send(self, record: tuple[Any, ...]) -> None:
        self.dump(record)
        self.clear_memo()

    def sent_as(self, obj: Any) -> None:
        self.keys[id(obj)] = len(self.sent)
        self.sent.append(obj)


def ship(obj: Any, file: io.BufferedIOBase) -> None:
    """Write obj to file as a stream of small pickles, for receive()."""
    shipper = _Shipper(file)
    batch: list[Any] = []

    def flush() -> None:
        if batch:
            shipper.send(("objects", batch))
            for item in batch:
                shipper.sent_as(item)
            batch.clear()

    for item in _holders(obj):
        if isinstance(item, np.ndarray):
            flush()
            data = memoryview(np.ascontiguousarray(item)).cast("B")
            shipper.send(("array", item.dtype.str, item.shape))
            for start in range(0, len(data), SHIP_ARRAY_BYTES):
                shipper.send(("part", bytes(data[start : start + SHIP_ARRAY_BYTES])))
            shipper.send(("end",))
            shipper.sent_as(item)
            continue
        if type(item) not in _CHUNKED or len(item) <= SHIP_CHUNK:
            batch.append(item)
            if len(batch) >= SHIP_CHUNK:
                flush()
            continue
        flush()  # what the container holds goes first
        kind = _CHUNKED[type(item)]
        factory = item.default_factory if isinstance(item, defaultdict) else None
        shipper.send(("begin", kind, factory))
        elements = list(item.items()) if isinstance(item, dict) else list(item)
        for start in range(0, len(elements), SHIP_CHUNK):
            shipper.send(("part", elements[start : start + SHIP_CHUNK]))
        shipper.send(("end",))
        shipper.sent_as(item)
    flush()
    shipper.send(("done", obj))


def receive(file: io.BufferedIOBase) -> Any:
    """Read what ship() wrote, one short step at a time; the GIL may pass between steps."""
    objects: list[Any] = []
    kind: str = ""
    into: Any = None
    filled = 0  # bytes of an array received so far
    with Steps() as steps:  # in turns (geobot.gil), as searches run beside it
        while True:
            steps.tick()
            # One unpickler a record, as each record has its own memo (a pickler's cleared
            # memo numbers from 0 again; an unpickler's would go on counting).
            unpickler = pickle.Unpickler(file)
            unpickler.persistent_load = objects.__getitem__  # type: ignore[method-assign]
            record = unpickler.load()
            del unpickler
            tag = record[0]
            if tag == "objects":
                objects.extend(record[1])
            elif tag == "part":
                if isinstance(into, np.ndarray):
                    part = np.frombuffer(record[1], np.uint8)
                    into.reshape(-1).view(np.uint8)[filled : filled + len(part)] = part
                    filled += len(part)
                elif isinstance(into, list):
                    into.extend(record[1])
                elif isinstance(into, set):
                    into.update(record[1])
                else:
                    dict.update(into, record[1])  # not Counter.update, which adds
            elif tag == "begin":
                kind, factory = record[1], record[2]
                into = defaultdict(factory) if kind == "defaultdict" else _FILLED_AS[kind]()
            elif tag == "array":
                kind, into, filled = "array", np.empty(record[2], np.dtype(record[1])), 0
            elif tag == "end":
                objects.append(
                    tuple(into)
                    if kind == "tuple"
                    else frozenset(into)
                    if kind == "frozenset"
                    else into
                )
                kind, into = "", None
            elif tag == "done":
                result = record[1]
                del record
                # Dropping millions of references at once would be one long step.
                while objects:
                    del objects[-SHIP_CHUNK:]
                    steps.tick()
                return result
            else:
                raise ValueError(f"unexpected record {tag!r} in a shipped library")
