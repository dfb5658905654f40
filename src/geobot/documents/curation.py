"""The curated layer: one TOML file per article, read with tomllib, checked with pydantic.

The schema is documented in docs/curation.md. Errors carry the file and, where the file has
one, the line of the offending entry, because admins fix these files by hand.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from geobot.documents.model import LoadIssue

# The longest text a curated value may hold: ten times a long paragraph (2,300 characters
# in the articles and the house-style corpus). Anything longer is not a summary, claim or
# quoted passage, and is refused with its line before it is searched for in the article.
MAX_FIELD_CHARS = 25_000

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
NonEmpty = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FIELD_CHARS)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentMeta(_Strict):
    title: NonEmpty
    author: NonEmpty | None = None
    publication: NonEmpty | None = None
    date: NonEmpty | None = None
    url: NonEmpty | None = None
    summary: NonEmpty | None = None
    topics: list[NonEmpty] = Field(default_factory=list)


class CuratedArgument(_Strict):
    id: Id
    claim: NonEmpty
    evidence: list[NonEmpty] = Field(min_length=1)
    topics: list[NonEmpty] = Field(default_factory=list)


class CuratedQuote(_Strict):
    text: NonEmpty
    kind: Literal["quote", "title", "term", "scare"]
    speaker: NonEmpty | None = None
    note: str | None = None


class CuratedSource(_Strict):
    id: Id
    label: NonEmpty
    kind: Literal[
        "footnote",
        "book",
        "investigation",
        "journalist",
        "person",
        "publication",
        "organisation",
        "organization",
        "report",
        "document",
        "post",
    ]
    note: Annotated[int, Field(ge=1, le=99)] | None = None
    description: NonEmpty | None = None
    claims: list[NonEmpty] = Field(default_factory=list)


class _Glossary(_Strict):
    entries: dict[NonEmpty, list[NonEmpty]]


class CuratedFile(_Strict):
    document: DocumentMeta
    glossary: dict[NonEmpty, list[NonEmpty]] = Field(default_factory=dict)
    arguments: list[CuratedArgument] = Field(default_factory=list)
    quotes: list[CuratedQuote] = Field(default_factory=list)
    sources: list[CuratedSource] = Field(default_factory=list)


@dataclass(slots=True)
class Locator:
    """Finds the line of an entry in a TOML file, which tomllib does not report.

    The headers and line starts are found once per file: a file with thousands of faulty
    entries gets thousands of lookups, and scanning the whole file for each was quadratic.
    """

    path: str
    raw: str
    _headers: dict[str, list[int]] = field(default_factory=dict)
    _line_starts: list[int] | None = None

    def _header_offsets(self, table: str) -> list[int]:
        if table not in self._headers:
            # [ \t]*, not \s*: a header is on one line, and \s* at every start of a long run
            # of blank lines rescans the whole run.
            pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(table)}[ \t]*\]\]", re.MULTILINE)
            self._headers[table] = [m.start() for m in pattern.finditer(self.raw)]
        return self._headers[table]

    def _line_at(self, offset: int) -> int:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.raw)]
        return bisect.bisect_right(self._line_starts, offset)

    def line_of(
        self, table: str | None, index: int | None = None, value: str | None = None
    ) -> int | None:
        start = 0
        if table is not None:
            if index is not None:
                headers = self._header_offsets(table)
                if index < len(headers):
                    start = headers[index]
            else:
                match = re.search(
                    rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", self.raw, re.MULTILINE
                )
                if match:
                    start = match.start()
        if value:
            probe = value.strip()[:40]
            found = self.raw.find(probe, start)
            if found < 0:
                found = self.raw.find(probe.replace('"', '\\"'), start)
            if found >= 0:
                start = found
        if start == 0 and table is None and not value:
            return None
        return self._line_at(start)

    def issue(
        self,
        message: str,
        table: str | None = None,
        index: int | None = None,
        value: str | None = None,
        severity: str = "error",
    ) -> LoadIssue:
        return LoadIssue(self.path, message, self.line_of(table, index, value), severity)


def _pydantic_issues(
    error: ValidationError, locator: Locator, prefix: tuple[object, ...] = ()
) -> list[LoadIssue]:
    issues = []
    for item in error.errors():
        loc = prefix + tuple(item["loc"])
        table = str(loc[0]) if loc else None
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        field = ".".join(str(part) for part in loc)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif item["type"] == "missing":
            message = f"missing required key {loc[-1]!r}"
        if table in ("arguments", "quotes", "sources"):
            issues.append(locator.issue(f"{field}: {message}", table, index))
        else:
            issues.append(locator.issue(f"{field}: {message}", table))
    return issues


def read_curated(
    path: Path, display: str, data: bytes | None = None
) -> tuple[CuratedFile | None, Locator | None, list[LoadIssue]]:
    """Parse one curated file (or its bytes, already read); return every problem in it."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return None, None, [LoadIssue(display, f"cannot read file: {exc.strerror or exc}")]
    if not data.strip():
        return None, None, [LoadIssue(display, "file is empty")]
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte_line = data[: exc.start].count(b"\n") + 1
        return None, None, [LoadIssue(display, f"not UTF-8 text (byte {exc.start})", byte_line)]
    locator = Locator(display, raw)
    try:
        parsed = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line: int | None = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, locator, [LoadIssue(display, f"invalid TOML: {reason}", line)]
    # Each entry is validated on its own, so that one typo does not hide the next error.
    issues: list[LoadIssue] = []
    for key in sorted(set(parsed) - set(CuratedFile.model_fields)):
        issues.append(locator.issue(f"unknown table or key {key!r}", value=key))

    def check(model: type[BaseModel], value: object, loc: tuple[object, ...]) -> Any:
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            issues.extend(_pydantic_issues(exc, locator, loc))
            return None

    document = None
    if "document" not in parsed:
        issues.append(locator.issue("missing the [document] table (title is required)"))
    else:
        document = check(DocumentMeta, parsed["document"], ("document",))
    glossary = check(_Glossary, {"entries": parsed.get("glossary", {})}, ("glossary",))
    entries: dict[str, list[Any]] = {}
    for table, model in (
        ("arguments", CuratedArgument),
        ("quotes", CuratedQuote),
        ("sources", CuratedSource),
    ):
        raw_items = parsed.get(table, [])
        if not isinstance(raw_items, list):
            issues.append(locator.issue(f"{table} must be a list of [[{table}]] tables", table))
            raw_items = []
        entries[table] = [
            item
            for index, value in enumerate(raw_items)
            if (item := check(model, value, (table, index))) is not None
        ]
    if document is None or glossary is None:
        return None, locator, issues
    curated = CuratedFile.model_construct(
        document=document,
        glossary=glossary.entries,
        arguments=entries["arguments"],
        quotes=entries["quotes"],
        sources=entries["sources"],
    )
    for table, ids in (
        ("arguments", [item.id for item in curated.arguments]),
        ("sources", [item.id for item in curated.sources]),
    ):
        seen: set[str] = set()
        for index, item_id in enumerate(ids):
            if item_id in seen:
                issues.append(locator.issue(f"duplicate {table[:-1]} id {item_id!r}", table, index))
            seen.add(item_id)
    for index, quote in enumerate(curated.quotes):
        if quote.speaker and quote.kind != "quote":
            issues.append(
                locator.issue(
                    f"quote {quote.text!r} is a {quote.kind}, which has no speaker;"
                    ' only kind = "quote" is someone\'s words',
                    "quotes",
                    index,
                )
            )
    # Problems within entries do not stop the checks against the text: the caller reports
    # them all and refuses the set.
    return curated, locator, issues


# A curator's marker for "still a guess": the draft puts one beside every guessed value.
_TODO = re.compile(r"\bTODO\b")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z_-]+)\s*\]\s*(?:#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_-]+)\s*\]\]\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


@dataclass(frozen=True, slots=True)
class TodoMarker:
    """A TODO left in a curated file, and the value it marks as unconfirmed."""

    line: int  # 1-based
    table: str | None  # "document", "quotes", ...; None for a note about the whole file
    index: int | None  # the entry of a [[table]] list
    key: str | None  # the key it marks; None for the whole entry (or file)
    text: str  # the marker's line, for the report

    def describe(self) -> str:
        if self.table is None:
            return "a note on the file"
        where = f"[[{self.table}]] entry {self.index + 1}" if self.index is not None else ""
        where = where or f"[{self.table}]"
        return f"{where} {self.key}" if self.key else where


def todo_markers(raw: str) -> list[TodoMarker]:
    """Every TODO in a curated file, each tied to the value it marks.

    A TODO on a key's line marks that key; a TODO comment on a line of its own marks the
    key after it (and after the rest of the comment), or, when no key follows, the file
    as a whole (a reminder such as "add the arguments"). Inside a multi-line value it
    marks the key that value belongs to.
    """
    lines = raw.splitlines()
    markers: list[TodoMarker] = []
    table: str | None = None
    index: int | None = None
    counts: dict[str, int] = {}
    last_key: str | None = None
    for number, line in enumerate(lines, start=1):
        if match := _ARRAY_HEADER.match(line):
            table = match.group(1)
            index = counts[table] = counts.get(table, -1) + 1
            last_key = None
        elif match := _TABLE_HEADER.match(line):
            table, index, last_key = match.group(1), None, None
        elif match := _KEY.match(line):
            last_key = match.group(1).strip("\"'")
        if not _TODO.search(line):
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            following = number  # the index of the next line
            while following < len(lines) and lines[following].strip().startswith("#"):
                following += 1  # the marker's comment may run on over several lines
            key = _KEY.match(lines[following]) if following < len(lines) else None
            if key is None or table is None:
                markers.append(TodoMarker(number, None, None, None, stripped))
                continue
            markers.append(TodoMarker(number, table, index, key.group(1).strip("\"'"), stripped))
        else:
            markers.append(TodoMarker(number, table, index, last_key, stripped))
    return markers


# The longest list of marked fields a summary names: enough for every table of the schema
# and the document's keys; anything past it (unknown tables, long names) is cut with "…".
_MAX_MARKED_CHARS = 80


def marked_fields(markers: list[TodoMarker]) -> str:
    """What the markers mark, compactly, in the order of the file: the document's keys by
    name, the entries of a [[table]] and the glossary's terms by count ("12 quotes"), and
    the notes on the file."""
    # label -> (singular, plural, what is counted); nothing counted: a key, named as it is
    groups: dict[str, tuple[str, str, set[object]]] = {}
    item: object
    for marker in markers:
        if marker.table is None:
            label, one, many, item = "note", "note on the file", "notes on the file", marker.line
        elif marker.index is not None:
            table = marker.table
            one, many = (table[:-1], table) if table.endswith("s") else (table, table)
            label, item = f"[[{table}]]", marker.index
        elif marker.table == "glossary" and marker.key:
            label, one, many, item = "glossary", "glossary term", "glossary terms", marker.key
        else:
            one = many = marker.key or marker.table
            label, item = f"{marker.table}.{one}", None
        entry = groups.setdefault(label, (one, many, set()))
        if item is not None:
            entry[2].add(item)
    parts = []
    for one, many, items in groups.values():
        if not items:
            parts.append(one)
        else:
            parts.append(f"1 {one}" if len(items) == 1 else f"{len(items)} {many}")
    text = ", ".join(parts)
    if len(text) > _MAX_MARKED_CHARS:
        cut = text[: _MAX_MARKED_CHARS - 1]
        text = cut.rsplit(", ", 1)[0] + ", …" if ", " in cut else cut + "…"
    return text
