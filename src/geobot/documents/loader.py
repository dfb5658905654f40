"""Load a document set from a folder: parse every article, apply and validate its curation.

Nothing is half-loaded: `load_document_set` either returns a complete, validated set or
every error it found, so a caller can keep serving the set it has (Red-DiscordBot's trivia
lists are validated the same way before they are used).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import multiprocessing
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from geobot.documents.curation import (
    CuratedFile,
    Locator,
    TodoMarker,
    marked_fields,
    read_curated,
    todo_markers,
)
from geobot.documents.model import (
    Argument,
    Document,
    DocumentSet,
    Evidence,
    LoadIssue,
    Passage,
    Quote,
    QuoteKind,
    Source,
)
from geobot.documents.parse import ParsedArticle, parse_article
from geobot.documents.summarize import Digest, digest
from geobot.text.footnotes import clean as strip_footnotes
from geobot.text.normalize import fold
from geobot.text.segment import sentence_spans

ARTICLE_SUFFIX = ".txt"
CURATED_SUFFIX = ".toml"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A curated file is written by hand and quotes only a part of its article, so one larger
# than this is not a curated file; refused by its size before any of it is parsed.
MAX_CURATED_BYTES = 1024 * 1024
log = logging.getLogger("geobot.documents")
_DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(slots=True)
class LoadResult:
    documents: DocumentSet | None
    errors: list[LoadIssue] = field(default_factory=list)
    warnings: list[LoadIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.documents is not None and not self.errors


class _Finder:
    """Finds curated passages in an article, whatever its quote marks and spacing."""

    def __init__(self, passages: list[Passage], notes: set[int]) -> None:
        self._notes = notes
        folded = [fold(p.text) for p in passages]
        self._text = " ".join(folded)
        self._starts: list[int] = []
        offset = 0
        for text in folded:
            self._starts.append(offset)
            offset += len(text) + 1

    def find(self, needle: str) -> tuple[int, ...] | None:
        """Ordinals of the passages a needle spans, or None when it is not in the text."""
        probe = fold(strip_footnotes(needle, self._notes)).strip()
        if not probe:
            return None
        start = self._text.find(probe)
        if start < 0:
            return None
        end = start + len(probe)
        return tuple(
            i
            for i, s in enumerate(self._starts)
            if s < end and (i + 1 == len(self._starts) or self._starts[i + 1] > start)
        )


def _bare(text: str) -> str:
    return fold(text).strip(" ,.;:")


V = TypeVar("V")


class _ByDigest(Generic[V]):
    """Results of work on an article, by (id, content digest): a reload redoes only the
    articles that changed.

    Bounded, least recently used first out. It must hold a whole large set: at 10,000
    articles the former 4,096-entry lru_cache missed on every article of every reload
    (a sorted sweep through an LRU smaller than the sweep never hits), so a reload of an
    unchanged set cost as much as a cold start. The key is the digest, not the text, so
    the cache holds no second copy of the articles; what it keeps is mostly what the
    served library holds anyway.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[str, str], V] = OrderedDict()
        self._lock = threading.Lock()  # the CLI, tests and reload threads may overlap

    def get(self, document_id: str, digest: str, compute: Callable[[], V]) -> V:
        key = (document_id, digest)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        found = compute()
        self.put(document_id, digest, found)
        return found

    def cache_clear(self) -> None:
        with self._lock:
            self._items.clear()

    def missing(self, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
        with self._lock:
            return [k for k in keys if k not in self._items]

    def put(self, document_id: str, digest: str, value: V) -> None:
        with self._lock:
            self._items[(document_id, digest)] = value
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)


class _ParseCache(_ByDigest[ParsedArticle]):
    """Parsed articles; the LexRank results ranked from them are dropped with them."""

    def __call__(self, document_id: str, digest: str, text: str) -> ParsedArticle:
        return self.get(document_id, digest, lambda: parse_article(document_id, text))

    def cache_clear(self) -> None:
        super().cache_clear()
        _digest_cached.cache_clear()  # ranked from what was parsed: a cold load clears both


_parse_cached = _ParseCache(maxsize=50_000)

# Parsing (pysbd, pure Python) is nearly all of a cold load, and in a thread it holds the
# GIL against the bot's event loop. With parse_workers, many new articles are parsed in
# worker processes instead: the loading thread only waits, and the load uses every core.
# Below this many articles to parse, starting the workers (spawned, ~0.3 s each) costs
# more than it saves.
PARALLEL_MIN_ARTICLES = 200
_CHUNK = 25  # articles per task: small results, unpickled in short steps


def default_parse_workers() -> int:
    """Worker processes for a reload inside the bot: every core, up to 4; none on one core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if (cores or 1) < 2 else min(cores or 1, 4)


# Worker processes run at the lowest CPU priority: on a machine with few cores the kernel
# would otherwise share a core between a worker and the event loop's thread, and the loop
# would wait for its turn (tens of milliseconds) while answering. At nice 10 a 10,000-
# document reload still left the loop unscheduled for 28-40 ms now and then
# (bench/bench_reload.py, 2 cores); at 19 less often, and the reload took no longer.
BACKGROUND_NICE = 19


def background_priority() -> None:
    """Lower this process's CPU priority (a worker's initializer); best effort."""
    with contextlib.suppress(OSError):  # not permitted here: the normal priority it is
        os.nice(BACKGROUND_NICE)


def _parse_chunk(items: list[tuple[str, str, bool]]) -> list[tuple[ParsedArticle, Digest | None]]:
    # The automatic summary is ranked here too, where it will be served (_needs_ranking):
    # it is the other costly step of a load.
    parsed = [(parse_article(document_id, text), rank) for document_id, text, rank in items]
    return [(p, digest(p.passages, p.quote_style) if rank else None) for p, rank in parsed]


def _parse_in_processes(articles: list[tuple[str, str, str, bool]], workers: int) -> None:
    """Parse the (id, digest, text, rank) articles not cached yet in worker processes, into
    the cache, ranking those whose `rank` is set. Best effort: on any failure the loader
    parses what is left itself, as before.

    The workers are spawned, not forked: the bot has threads (the question writer,
    executors), and a forked child can inherit a lock another thread held. Spawning
    imports the caller's main module again (multiprocessing's rule), so only callers
    whose main module is safe to import opt in: the bot's reloads (LibraryHolder).
    """
    if workers < 2:
        return
    todo_keys = set(_parse_cached.missing([(a[0], a[1]) for a in articles]))
    todo = [a for a in articles if (a[0], a[1]) in todo_keys]
    if len(todo) < PARALLEL_MIN_ARTICLES:
        return
    chunks = [todo[n : n + _CHUNK] for n in range(0, len(todo), _CHUNK)]
    started = time.perf_counter()
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=background_priority
        ) as pool:
            futures = {
                pool.submit(_parse_chunk, [(i, t, r) for i, _, t, r in chunk]): chunk
                for chunk in chunks
            }
            for future in as_completed(futures):
                for (document_id, sha256, *_), (parsed, ranked) in zip(
                    futures[future], future.result(), strict=True
                ):
                    _parse_cached.put(document_id, sha256, parsed)
                    if ranked is not None:
                        _digest_cached.put(document_id, sha256, ranked)
        log.info(
            "parsed %d articles in %d worker processes in %.1f s",
            len(todo),
            workers,
            time.perf_counter() - started,
        )
    except Exception as exc:  # a broken pool, a parse error: the serial path reports it
        log.warning(
            "parsing in worker processes failed (%s: %s); parsing here instead",
            type(exc).__name__,
            exc,
        )


def _title_from_id(document_id: str) -> str:
    words = re.split(r"[-_.\s]+", document_id)
    return " ".join(w.capitalize() for w in words if w) or document_id


@dataclass(slots=True)
class _Curating:
    """One article checked against its curated file: what the step functions below share."""

    document_id: str
    curated: CuratedFile
    locator: Locator
    parsed: ParsedArticle
    finder: _Finder
    todo: _Unconfirmed
    errors: list[LoadIssue]

    def ids(self, ordinals: Iterable[int]) -> tuple[str, ...]:
        return tuple(self.parsed.passages[i].id for i in ordinals)

    def cited(self, ordinals: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted({n for i in ordinals for n in self.parsed.passages[i].citations}))


@dataclass(slots=True)
class _Curated:
    """What a curated file contributes to its document once checked."""

    arguments: list[Argument] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # Kinds and speakers confirmed for quotes the parser found, by bare text.
    overrides: dict[str, tuple[QuoteKind, str | None]] = field(default_factory=dict)
    # Quotes the parser missed, located: (text, passage ordinal, kind, speaker).
    extra_quotes: list[tuple[str, int, QuoteKind, str | None]] = field(default_factory=list)
    todo_quotes: set[str] = field(default_factory=set)  # reported as TODO markers already


def _build_document(
    document_id: str,
    path: Path,
    raw: bytes,
    text: str,
    curated: CuratedFile | None,
    curated_sha256: str | None,
    locator: Locator | None,
    todo: _Unconfirmed,
    errors: list[LoadIssue],
    warnings: list[LoadIssue],
    display: str,
    strict: bool = False,
) -> Document | None:
    sha256 = hashlib.sha256(raw).hexdigest()
    parsed = _parse_cached(document_id, sha256, text)
    if not parsed.passages:
        errors.append(LoadIssue(display, "no article text found (only headings or boilerplate)"))
        return None
    own_errors: list[LoadIssue] = []
    found = _Curated()
    if curated is not None and locator is not None:
        _report_todo(todo, locator, errors if strict else warnings, strict)
        check = _Curating(
            document_id,
            curated,
            locator,
            parsed,
            _Finder(parsed.passages, parsed.notes),
            todo,
            own_errors,
        )
        found = _check_curated(check)
        noted = {item.note for item in curated.sources if item.note is not None}
        for note in sorted(parsed.notes - noted):
            warnings.append(
                LoadIssue(display, f"footnote {note} has no [[sources]] entry", severity="warning")
            )
    else:
        warnings.append(
            LoadIssue(
                display,
                "uncurated: no curated file; title, summary and quote speakers are guesses",
                severity="warning",
            )
        )
    sources = _with_note_sources(document_id, parsed, curated, todo, found.sources)
    quotes = _document_quotes(document_id, parsed, curated is not None, found, display, warnings)
    errors.extend(own_errors)
    if own_errors:
        return None
    built = _Built(document_id, path, raw, sha256, parsed, curated, curated_sha256, todo)
    return _document(built, quotes, found.arguments, sources)


def _report_todo(
    todo: _Unconfirmed, locator: Locator, issues: list[LoadIssue], strict: bool
) -> None:
    """A curated file's TODO markers: one warning for the file, which sums them up (an
    unedited draft holds dozens, and one line each buried every other warning), holding
    each marker's own warning for `index check --verbose`.

    With `strict`, each marker is an error of its own, not one summary: the admin must fix
    every one, and one `file:line: error:` each is what an editor jumps to, so that the
    count of errors is the count of things to fix."""
    each = [
        LoadIssue(
            locator.path,
            f"TODO marker left in ({marker.describe()}): served as automatic, "
            "not curated, until the marker is removed",
            marker.line,
            "error" if strict else "warning",
        )
        for marker in todo.markers
    ]
    if strict or len(each) < 2:
        issues.extend(each)
        return
    first = todo.markers[0].line
    issues.append(
        LoadIssue(
            locator.path,
            f"{len(each)} TODO markers left ({marked_fields(todo.markers)}; first at line "
            f"{first}): served as automatic, not curated, until each is removed; "
            "`geobot index check --verbose` lists each, `--strict` makes them errors",
            first,
            "warning",
            details=tuple(each),
        )
    )


def _check_curated(check: _Curating) -> _Curated:
    _check_summary(check)
    found = _Curated(arguments=_curated_arguments(check), sources=_curated_sources(check))
    found.overrides, found.extra_quotes, found.todo_quotes = _curated_quotes(check)
    _check_glossary(check)
    return found


def _check_summary(check: _Curating) -> None:
    meta = check.curated.document
    if meta.summary is not None and not check.todo.field("summary"):
        count = len(sentence_spans(meta.summary.strip()))
        if not 3 <= count <= 6:
            check.errors.append(
                check.locator.issue(
                    f"summary has {count} sentences; write 3 to 6",
                    "document",
                    value=meta.summary,
                )
            )


def _curated_arguments(check: _Curating) -> list[Argument]:
    passages = check.parsed.passages
    arguments: list[Argument] = []
    for index, item in enumerate(check.curated.arguments):
        evidence = []
        for passage_text in item.evidence:
            found = check.finder.find(passage_text)
            if found is None:
                check.errors.append(
                    check.locator.issue(
                        f"argument {item.id!r}: evidence not found in the article: "
                        f"{_shorten(passage_text)!r}",
                        "arguments",
                        index,
                        passage_text,
                    )
                )
                continue
            evidence.append(
                Evidence(
                    text=strip_footnotes(passage_text, check.parsed.notes).strip(),
                    passage_ids=check.ids(found),
                    section=passages[found[0]].section,
                    citations=check.cited(found),
                )
            )
        arguments.append(
            Argument(
                item.id,
                check.document_id,
                item.claim,
                tuple(evidence),
                tuple(item.topics),
                automatic=check.todo.entry("arguments", index),
            )
        )
    return arguments


def _curated_quotes(
    check: _Curating,
) -> tuple[
    dict[str, tuple[QuoteKind, str | None]], list[tuple[str, int, QuoteKind, str | None]], set[str]
]:
    """Kinds and speakers the curator confirmed for quotes the parser found (by bare
    text), the quotes it missed, located in the article, and the quotes left with a TODO."""
    overrides: dict[str, tuple[QuoteKind, str | None]] = {}
    extra: list[tuple[str, int, QuoteKind, str | None]] = []
    todo_quotes: set[str] = set()
    for index, quote in enumerate(check.curated.quotes):
        kind = QuoteKind(quote.kind)
        key = _bare(quote.text)
        matches = [q for q in check.parsed.quotes if _bare(q.text) == key]
        unconfirmed = check.todo.entry("quotes", index)
        if matches and unconfirmed:
            todo_quotes.add(key)
            continue  # served as found, not as curated
        if matches:
            overrides[key] = (kind, quote.speaker)
            continue
        found = check.finder.find(quote.text)
        if found is None:
            check.errors.append(
                check.locator.issue(
                    f"quote not found in the article: {_shorten(quote.text)!r}",
                    "quotes",
                    index,
                    quote.text,
                )
            )
            continue
        if not unconfirmed:
            extra.append((quote.text.strip(), found[0], kind, quote.speaker))
    return overrides, extra, todo_quotes


def _curated_sources(check: _Curating) -> list[Source]:
    passages = check.parsed.passages
    sources: list[Source] = []
    for index, item in enumerate(check.curated.sources):
        ordinals: set[int] = set()
        if item.note is not None:
            if item.note not in check.parsed.notes:
                check.errors.append(
                    check.locator.issue(
                        f"source {item.id!r}: the article has no footnote {item.note}",
                        "sources",
                        index,
                    )
                )
            ordinals |= {p.ordinal for p in passages if item.note in p.citations}
        for claim in item.claims:
            found = check.finder.find(claim)
            if found is None:
                check.errors.append(
                    check.locator.issue(
                        f"source {item.id!r}: claim not found in the article: {_shorten(claim)!r}",
                        "sources",
                        index,
                        claim,
                    )
                )
                continue
            ordinals |= set(found)
        if check.todo.entry("sources", index):
            continue  # the article's own notes stand in for it (_with_note_sources)
        sources.append(
            Source(
                item.id,
                check.document_id,
                item.label,
                item.kind,
                item.note,
                item.description,
                check.ids(sorted(ordinals)),
            )
        )
    return sources


def _check_glossary(check: _Curating) -> None:
    for term, targets in check.curated.glossary.items():
        if check.todo.field(term, "glossary"):
            continue
        for target in targets:
            if check.finder.find(target) is None:
                check.errors.append(
                    check.locator.issue(
                        f"glossary {term!r}: {_shorten(target)!r} is not in the article",
                        "glossary",
                        value=term,
                    )
                )


def _with_note_sources(
    document_id: str,
    parsed: ParsedArticle,
    curated: CuratedFile | None,
    todo: _Unconfirmed,
    sources: list[Source],
) -> list[Source]:
    if curated is None:
        return _note_sources(document_id, parsed)
    # Notes the curated layer does not describe are still the article's own sources,
    # and so are those it describes with a TODO left in.
    noted = {s.note for s in sources if s.note is not None}
    unconfirmed = {item.note for i, item in enumerate(curated.sources) if todo.entry("sources", i)}
    return sources + [
        s
        for s in _note_sources(document_id, parsed)
        if s.note is not None
        and s.note not in noted
        and (s.origin == "notes" or s.note in unconfirmed)
    ]


def _document_quotes(
    document_id: str,
    parsed: ParsedArticle,
    is_curated: bool,
    found: _Curated,
    display: str,
    warnings: list[LoadIssue],
) -> list[Quote]:
    passages = parsed.passages
    quotes: list[Quote] = []
    unconfirmed: set[str] = set()
    for found_quote in parsed.quotes:
        key = _bare(found_quote.text)
        override = found.overrides.get(key)
        kind, speaker = override if override else (found_quote.kind, found_quote.speaker)
        if override is None and is_curated and key not in found.todo_quotes:
            unconfirmed.add(found_quote.text)
        passage = passages[found_quote.passage]
        quotes.append(
            _quote(
                document_id,
                len(quotes),
                found_quote.text,
                kind,
                speaker,
                passage,
                override is not None,
            )
        )
    for text_, ordinal, kind, speaker in found.extra_quotes:
        quotes.append(
            _quote(document_id, len(quotes), text_, kind, speaker, passages[ordinal], True)
        )
    for text_ in sorted(unconfirmed):
        warnings.append(
            LoadIssue(
                display,
                f"quote {_shorten(text_)!r} is not in the curated "
                "file; its kind and speaker are guesses",
                severity="warning",
            )
        )
    return quotes


@dataclass(slots=True)
class _Built:
    """An article read, parsed and checked: what its Document is made of, besides lists."""

    document_id: str
    path: Path
    raw: bytes
    sha256: str
    parsed: ParsedArticle
    curated: CuratedFile | None
    curated_sha256: str | None
    todo: _Unconfirmed


def _document(
    built: _Built, quotes: list[Quote], arguments: list[Argument], sources: list[Source]
) -> Document:
    parsed, curated, todo = built.parsed, built.curated, built.todo
    meta = curated.document if curated is not None else None

    def confirmed(key: str) -> bool:
        return meta is not None and getattr(meta, key) is not None and not todo.field(key)

    summary = meta.summary.strip() if confirmed("summary") and meta and meta.summary else None
    automatic = (
        _digest_cached.get(
            built.document_id, built.sha256, lambda: digest(parsed.passages, parsed.quote_style)
        )
        if _needs_ranking(curated, todo)
        else Digest((), ())
    )
    if all(a.automatic for a in arguments):
        arguments = [a for a in arguments if a.automatic] or _automatic_arguments(
            built.document_id, parsed, automatic
        )
    auto_title = parsed.title_guess or _title_from_id(built.document_id)
    return Document(
        id=built.document_id,
        title=meta.title if meta and confirmed("title") else auto_title,
        path=built.path,
        sha256=built.sha256,
        size=len(built.raw),
        curated=curated is not None,
        passages=tuple(parsed.passages),
        sections=tuple(parsed.sections),
        quotes=tuple(quotes),
        arguments=tuple(arguments),
        sources=tuple(sources),
        summary=summary or _automatic_summary(parsed, automatic),
        summary_automatic=summary is None,
        todo_markers=len(todo.markers),
        # An uncurated article is known by its own byline and date line; a curated one by
        # what the curator confirmed only, so that nothing automatic passes for curated.
        author=meta.author if meta and confirmed("author") else None if meta else parsed.author,
        publication=meta.publication if meta and confirmed("publication") else None,
        date=meta.date if meta and confirmed("date") else None if meta else parsed.date,
        url=meta.url if meta and confirmed("url") else None,
        topics=tuple(meta.topics) if meta and not todo.field("topics") else (),
        glossary={k: tuple(v) for k, v in curated.glossary.items() if not todo.field(k, "glossary")}
        if curated
        else {},
        curated_sha256=built.curated_sha256,
        headings=tuple(parsed.headings),
        footnotes=dict(parsed.note_texts),
        dateline=parsed.dateline,
    )


def _needs_ranking(curated: CuratedFile | None, todo: _Unconfirmed) -> bool:
    """Whether an article's LexRank digest is served: its summary or its key claims are
    automatic (no confirmed summary, or no confirmed argument). A fully curated set costs
    nothing. Decided from the curated file alone, so the parse workers decide it too."""
    if curated is None:
        return True
    summary_confirmed = bool(curated.document.summary) and not todo.field("summary")
    arguments = range(len(curated.arguments))
    return not summary_confirmed or all(todo.entry("arguments", i) for i in arguments)


class _Unconfirmed:
    """What the TODO markers of a curated file leave unconfirmed: served as automatic."""

    def __init__(self, markers: list[TodoMarker]) -> None:
        self.markers = markers
        self._fields = {(m.table, m.key) for m in markers if m.index is None}
        self._entries = {(m.table, m.index) for m in markers if m.index is not None}

    def field(self, key: str, table: str = "document") -> bool:
        return (table, key) in self._fields or (table, None) in self._fields

    def entry(self, table: str, index: int) -> bool:
        return (table, index) in self._entries


# LexRank results, beside the parse cache: a reload ranks only the articles that changed.
_digest_cached: _ByDigest[Digest] = _ByDigest(maxsize=50_000)


def _automatic_summary(parsed: ParsedArticle, automatic: Digest) -> str | None:
    return " ".join(parsed.passages[i].text for i in automatic.summary) or None


def _automatic_arguments(
    document_id: str, parsed: ParsedArticle, automatic: Digest
) -> list[Argument]:
    """Key claims found by LexRank, each resting on the sentences that share most with it."""
    arguments = []
    for number, claim in enumerate(automatic.claims, start=1):
        evidence = tuple(
            Evidence(
                text=parsed.passages[i].text,
                passage_ids=(parsed.passages[i].id,),
                section=parsed.passages[i].section,
                citations=parsed.passages[i].citations,
            )
            for i in claim.evidence
        )
        text = parsed.passages[claim.passage].text
        arguments.append(
            Argument(f"auto-{number}", document_id, text, evidence, (), automatic=True)
        )
    return arguments


def _note_sources(document_id: str, parsed: ParsedArticle) -> list[Source]:
    """An uncurated article's sources: its notes, with their text where its notes list
    gives it, each with the sentences that cite it."""
    cited: dict[int, list[str]] = {}
    for passage in parsed.passages:
        for note in passage.citations:
            cited.setdefault(note, []).append(passage.id)
    listed = parsed.note_texts
    # An unnumbered reference list (author-date style) cites no sentence, but is what the
    # article rests on all the same.
    references = [
        Source(
            f"reference-{i}", document_id, f"reference {i}", "reference", None, text, origin="notes"
        )
        for i, text in enumerate(parsed.references, start=1)
    ]
    return [
        Source(
            f"note-{n}",
            document_id,
            f"note {n}",
            "footnote",
            n,
            listed.get(n),
            tuple(cited.get(n, ())),
            origin="notes" if n in listed else "marker",
        )
        for n in sorted(parsed.notes | set(listed))
    ] + references


def _quote(
    document_id: str,
    index: int,
    text: str,
    kind: QuoteKind,
    speaker: str | None,
    passage: Passage,
    curated: bool,
) -> Quote:
    return Quote(
        id=f"{document_id}:q{index}",
        document_id=document_id,
        text=text.strip().rstrip(","),
        kind=kind,
        # Titles, terms and scare quotes are nobody's words, whatever a guess said.
        speaker=speaker if kind is QuoteKind.QUOTE else None,
        passage_id=passage.id,
        section=passage.section,
        context=passage.text,
        citations=passage.citations,
        curated=curated,
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Refused(Exception):
    """A file that is not read, and why (the message names no path: the caller does)."""


def _limit_text(size: int, limit: int, what: str) -> str:
    return f"file is {size / 1048576:.1f} MB; the limit is {limit // 1048576} MB per {what}"


def _read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or _Refused.

    Opened without following a symlink and without blocking, then checked on the open
    file: a file swapped for a symlink or a FIFO after `_check_entry` looked at it is
    refused here rather than followed or waited on.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _Refused(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("not a regular file")
        if info.st_size > limit:
            raise _Refused(_limit_text(info.st_size, limit, what))
        try:
            raw = file.read(limit + 1)
        except OSError as exc:
            raise _Refused(f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > limit:  # it grew after fstat
        raise _Refused(_limit_text(len(raw), limit, what))
    return raw


def _read_article(path: Path, display: str, errors: list[LoadIssue]) -> tuple[bytes, str] | None:
    try:
        raw = _read_bounded(path, MAX_DOCUMENT_BYTES, "article")
    except _Refused as exc:
        errors.append(LoadIssue(display, str(exc)))
        return None
    if not raw.strip():
        errors.append(LoadIssue(display, "file is empty"))
        return None
    if b"\x00" in raw:
        errors.append(LoadIssue(display, "binary file (contains NUL bytes), not an article"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(LoadIssue(display, f"not UTF-8 text (byte {exc.start})", line))
        return None
    return raw, text.removeprefix("\ufeff")


def _is_candidate(path: Path) -> bool:
    # Editors and half-finished copies leave hidden and backup files beside the real ones.
    name = path.name
    return (
        path.suffix in (ARTICLE_SUFFIX, CURATED_SUFFIX)
        and not name.startswith((".", "~", "#"))
        and not name.endswith("~")
    )


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder, not a file"),
    (stat.S_ISFIFO, "a FIFO (named pipe), not a file"),
    (stat.S_ISCHR, "a character device, not a file"),
    (stat.S_ISBLK, "a block device, not a file"),
    (stat.S_ISSOCK, "a socket, not a file"),
)


def _check_entry(path: Path, root: Path) -> tuple[Path | None, str | None]:
    """The real file to read for a data folder entry, or why it is refused.

    A symlink is followed only to a file inside the data folder: whoever can write to the
    folder could otherwise publish any file the bot can read (an .env with the token) to
    every reader, and a symlink survives a git pull. Dangling links, link loops, folders
    and special files named like articles are reported, never skipped in silence.
    """
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(path)
            try:
                real = path.resolve(strict=True)
            except FileNotFoundError:
                return None, f"dangling symlink: its target {target} does not exist"
            except (RuntimeError, OSError) as exc:  # a loop: RuntimeError up to 3.12
                if isinstance(exc, OSError) and exc.errno != errno.ELOOP:
                    raise
                return None, "symlink loop: it never reaches a file"
            if not real.is_relative_to(root):
                return None, (
                    f"symlink to {target}, outside the data folder: refused (only files "
                    "inside the data folder are loaded)"
                )
            info = real.stat()
        else:
            real = path
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    for is_kind, reason in _FILE_KINDS:
        if is_kind(info.st_mode):
            return None, reason
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    return real, None


def _scan(folder: Path, errors: list[LoadIssue]) -> dict[Path, Path]:
    """The folder's article and curated entries, each with the real file to read."""
    root = folder.resolve()
    found: dict[Path, Path] = {}
    for path in sorted(p for p in folder.iterdir() if _is_candidate(p)):
        real, problem = _check_entry(path, root)
        if real is None:
            errors.append(LoadIssue(str(path), problem or "not a regular file"))
        else:
            found[path] = real
    return found


@dataclass(frozen=True, slots=True)
class _CuratedRead:
    """A curated file as read: parsed (None when it cannot be), with its problems."""

    curated: CuratedFile | None
    locator: Locator | None
    raw: bytes
    issues: list[LoadIssue]
    # Its TODO markers, scanned once here for both the parse workers' ranking decision
    # and the document's build.
    todo: _Unconfirmed


def _ranked(read: _CuratedRead | None) -> bool:
    """Whether the article of this curated file (None: it has none) serves its LexRank
    digest; one whose curated file cannot be read is not loaded at all."""
    if read is None:
        return _needs_ranking(None, _Unconfirmed([]))
    if read.curated is None or read.locator is None:
        return False
    return _needs_ranking(read.curated, read.todo)


def _read_curated_file(path: Path, real_files: dict[Path, Path]) -> _CuratedRead:
    try:
        # Read once: what is validated is exactly what the digest describes.
        raw = _read_bounded(real_files[path], MAX_CURATED_BYTES, "curated file")
    except _Refused as exc:
        return _CuratedRead(None, None, b"", [LoadIssue(str(path), str(exc))], _Unconfirmed([]))
    curated, locator, issues = read_curated(path, str(path), raw)
    todo = _Unconfirmed(todo_markers(locator.raw) if locator is not None else [])
    return _CuratedRead(curated, locator, raw, issues, todo)


def load_document_set(
    folder: Path | str, *, parse_workers: int = 0, strict: bool = False
) -> LoadResult:
    """Load and validate a whole set; `parse_workers` >= 2 parses many new articles in that
    many worker processes (see _parse_in_processes). `strict` refuses a curated file
    that still holds TODO markers (`geobot index check --strict`); otherwise they are
    warnings, and the values they mark are served as automatic."""
    folder = Path(folder)
    errors: list[LoadIssue] = []
    warnings: list[LoadIssue] = []
    if not folder.exists():
        return LoadResult(None, [LoadIssue(str(folder), "data folder not found")])
    if not folder.is_dir():
        return LoadResult(None, [LoadIssue(str(folder), "not a folder")])
    try:
        real_files = _scan(folder, errors)
    except OSError as exc:
        return LoadResult(None, [LoadIssue(str(folder), f"cannot list folder: {exc}")])
    entries = list(real_files)
    articles = {p.stem: p for p in entries if p.suffix == ARTICLE_SUFFIX}
    curated_files = {p.stem: p for p in entries if p.suffix == CURATED_SUFFIX}
    if not articles:
        errors.append(
            LoadIssue(str(folder), f"no articles (*{ARTICLE_SUFFIX} files) in the folder")
        )
    for stem in sorted(set(curated_files) - set(articles)):
        errors.append(
            LoadIssue(
                str(curated_files[stem]),
                f"curated file for unknown document {stem!r}: there is no {stem}{ARTICLE_SUFFIX}",
            )
        )
    # Every article and curated file is read once, up front, so that the articles not
    # parsed before can be parsed (and ranked where that is served) together in worker
    # processes; their errors are reported in the usual order.
    contents: dict[str, tuple[bytes, str] | None] = {}
    read_errors: dict[str, list[LoadIssue]] = {}
    curated_read: dict[str, _CuratedRead] = {}
    for stem, path in articles.items():
        if _DOCUMENT_ID.match(stem):
            read_errors[stem] = []
            contents[stem] = _read_article(real_files[path], str(path), read_errors[stem])
            if stem in curated_files:
                curated_read[stem] = _read_curated_file(curated_files[stem], real_files)
    _parse_in_processes(
        [
            (stem, hashlib.sha256(c[0]).hexdigest(), c[1], _ranked(curated_read.get(stem)))
            for stem, c in contents.items()
            if c is not None
        ],
        parse_workers,
    )
    digest = hashlib.sha256()
    documents: dict[str, Document] = {}
    for stem, path in articles.items():
        display = str(path)
        if not _DOCUMENT_ID.match(stem):
            errors.append(
                LoadIssue(
                    display,
                    "file name must be letters, digits, '-', '_' or '.'"
                    " (it becomes the document id)",
                )
            )
            continue
        article = contents[stem]
        errors.extend(read_errors[stem])
        curated = locator = None
        curated_sha256 = None
        todo = _Unconfirmed([])
        if stem in curated_files:
            read = curated_read[stem]
            errors.extend(read.issues)
            if read.curated is None:
                continue
            curated, locator, todo = read.curated, read.locator, read.todo
            curated_sha256 = hashlib.sha256(read.raw).hexdigest()
            digest.update(curated_files[stem].name.encode() + b"\0" + read.raw)
        if article is None:
            continue
        raw, text = article
        digest.update(path.name.encode() + b"\0" + raw)
        document = _build_document(
            stem,
            path,
            raw,
            text,
            curated,
            curated_sha256,
            locator,
            todo,
            errors,
            warnings,
            display,
            strict,
        )
        if document is not None:
            documents[stem] = document
    if errors:
        return LoadResult(None, errors, warnings)
    return LoadResult(
        DocumentSet(
            path=folder,
            documents=documents,
            digest=digest.hexdigest(),
            loaded_at=datetime.now(UTC),
            warnings=tuple(warnings),
        ),
        [],
        warnings,
    )
