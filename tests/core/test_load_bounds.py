"""Loading is linear in the size of what it is given, and what is over a limit is refused
by its file and line before it is parsed.

Sentence splitting (pysbd) is quadratic in the length of the text it sees: an article that
is one unbroken paragraph used to take minutes to load, and during a reload every other
reload was refused meanwhile. Real files on disk, the real loader and the real reload.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from geobot.documents import curation, loader
from geobot.documents.curation import MAX_FIELD_CHARS
from geobot.documents.loader import MAX_CURATED_BYTES, load_document_set
from geobot.library import Library
from geobot.reload import LibraryHolder
from geobot.text import segment

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "articles"
ALLIANCE = "trump-putin-alliance-unravels"


def one_paragraph(size: int) -> str:
    """`size` characters of real prose with no line break: the corpus, joined and repeated."""
    prose = " ".join(
        line.strip()
        for path in sorted(CORPUS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 200  # paragraphs, not headings
    )
    text = (prose + " ") * (size // len(prose) + 1)
    return text[: text.rindex(" ", 0, size)] + "."


@pytest.mark.slow
def test_a_one_paragraph_article_loads_in_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counted, not timed: the length of every text handed to pysbd, whose cost grows with
    # the square of that length. Windows of at most WINDOW characters, each starting past
    # the last one, keep the total linear in the article.
    size = 248 * 1024
    seen: list[int] = []
    pysbd_segment = segment._segment

    def counting(text: str) -> list[tuple[int, int]]:
        seen.append(len(text))
        return pysbd_segment(text)

    monkeypatch.setattr(segment, "_segment", counting)
    tmp_path.joinpath("run-on.txt").write_text("A Title\n\n" + one_paragraph(size) + "\n")
    loader._parse_cached.cache_clear()
    segment.sentence_spans.cache_clear()
    result = load_document_set(tmp_path)
    assert result.ok, [str(e) for e in result.errors]
    assert result.documents is not None
    assert len(result.documents.documents["run-on"].passages) > size // 1000
    assert seen
    assert max(seen) <= segment.WINDOW, max(seen)
    # A window overlaps the next by at most LOOKAHEAD plus a sentence, so the article is
    # seen well under twice; on the whole paragraph at once this fails on the first check.
    assert sum(seen) < 2 * size, (sum(seen), size)


def test_windows_split_a_long_paragraph_exactly_as_pysbd_does() -> None:
    # The windows are an implementation detail: the sentences must be pysbd's own.
    text = one_paragraph(3 * segment.WINDOW + 1234)
    assert len(text) > segment.WINDOW
    assert segment.sentence_spans(text) == tuple(segment._segment(text))


def test_a_run_on_sentence_without_full_stops_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * (4 * segment.WINDOW // 5))
    spans = segment.sentence_spans(text)
    assert len(spans) > 3
    assert all(end - start <= segment.WINDOW for start, end in spans)
    assert "".join(text[a:b] + " " for a, b in spans).strip() == text  # nothing lost


def bytes_read_by_this_process() -> int:
    """Every byte this process has read through read(2) so far (Linux's own count)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_fifty_megabyte_curated_file_is_refused_unread(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = data_copy / f"{ALLIANCE}.toml"
    with toml.open("ab") as out:
        out.truncate(50 * 1024 * 1024)  # real bytes on disk (a sparse tail of NULs)
    parsed: list[Path] = []
    read_curated = loader.read_curated

    def recording(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return read_curated(path, *args, **kwargs)

    monkeypatch.setattr(loader, "read_curated", recording)
    before = bytes_read_by_this_process()
    result = load_document_set(data_copy)
    # Counted, not timed: the whole folder but this file is well under a megabyte, so
    # reading the file, even only up to its limit, shows here; reading it all shows 50 MB.
    assert bytes_read_by_this_process() - before < MAX_CURATED_BYTES
    assert toml not in parsed
    (error,) = result.errors
    assert error.path == str(toml)
    assert error.message == (
        f"file is 50.0 MB; the limit is {MAX_CURATED_BYTES // 1048576} MB per curated file"
    )


def test_an_over_long_field_is_refused_with_its_line(data_copy: Path) -> None:
    toml = data_copy / f"{ALLIANCE}.toml"
    lines = toml.read_text().splitlines()
    line = len(lines) + 2
    lines += ["", "[[quotes]]", f'text = "{"x" * (MAX_FIELD_CHARS + 1)}"', 'kind = "term"']
    toml.write_text("\n".join(lines) + "\n")
    result = load_document_set(data_copy)
    (error,) = result.errors
    assert error.path == str(toml)
    assert error.line == line
    assert f"at most {MAX_FIELD_CHARS} characters" in error.message


class _Searched(str):
    """A curated file's text that counts the characters searched in it, by its own
    methods and (through `_CountingRe`) by regular expressions."""

    __slots__ = ()
    chars = 0  # on the class: every instance adds to one count, reset by the test

    @classmethod
    def add(cls, text: str, start: int | None = None, end: int | None = None) -> None:
        if isinstance(text, _Searched):
            _Searched.chars += len(range(*slice(start, end).indices(len(text))))

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:
        found = str.find(self, sub, start, end)
        # A search stops at what it finds: the characters up to it are the work.
        self.add(self, start, end if found < 0 else found + len(sub))
        return found

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:
        self.add(self, start, end)
        return str.rfind(self, sub, start, end)

    def index(self, sub: str, start: Any = None, end: Any = None) -> int:
        found = str.index(self, sub, start, end)
        self.add(self, start, found + len(sub))
        return found

    def count(self, sub: str, start: Any = None, end: Any = None) -> int:
        self.add(self, start, end)
        return str.count(self, sub, start, end)

    def splitlines(self, keepends: bool = False) -> list[str]:
        self.add(self)
        return str.splitlines(self, keepends)

    def __getitem__(self, key: Any) -> str:
        if isinstance(key, slice):
            self.add(self, key.start, key.stop)
        return str.__getitem__(self, key)


class _CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.pattern, name)
        if name not in ("search", "match", "fullmatch", "finditer", "findall", "split"):
            return method

        def counted(string: str, pos: int = 0, *args: Any) -> Any:
            found = method(string, pos, *args)
            stops = name in ("search", "match") and found is not None
            _Searched.add(string, pos, found.end() if stops else None)
            return found

        return counted


class _CountingRe:
    """The `re` module as curation.py sees it, counting what is searched in a file."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    def compile(self, pattern: str, flags: int = 0) -> _CountingPattern:
        return _CountingPattern(re.compile(pattern, flags))

    def search(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).search(string)

    def match(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).match(string)

    def finditer(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).finditer(string)

    def findall(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).findall(string)


def test_many_faulty_entries_are_reported_in_linear_time(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each error's line is looked up; looking each up by rescanning the file was quadratic.
    # Counted, not timed: the characters of the file searched to find the lines, by its
    # own methods and by regular expressions, must stay a small multiple of its length
    # (a rescan per error multiplies it by the number of errors).
    monkeypatch.setattr(curation, "re", _CountingRe())
    locator = curation.Locator
    monkeypatch.setattr(curation, "Locator", lambda path, raw: locator(path, _Searched(raw)))
    toml = data_copy / f"{ALLIANCE}.toml"
    original = toml.read_text()

    def searched(count: int) -> tuple[int, int]:
        entries = "".join(
            f'\n[[quotes]]\ntext = "nobody wrote {n}"\nkind = "quote"\n' for n in range(count)
        )
        toml.write_text(original + entries)
        _Searched.chars = 0
        result = load_document_set(data_copy)
        assert len(result.errors) == count
        # The line of the last entry's text, which the error quotes.
        assert result.errors[-1].line == original.count("\n") + 4 * count - 1
        return _Searched.chars, len(original + entries)

    for count in (2000, 8000):
        chars, size = searched(count)
        assert 0 < chars < 20 * size, (count, chars, size)


async def test_reloading_a_huge_curated_file_never_stalls_the_loop(data_copy: Path) -> None:
    holder = LibraryHolder(Library.load(data_copy), data_copy)
    before = holder.library
    toml = data_copy / f"{ALLIANCE}.toml"
    toml.write_text(toml.read_text() + "\n# padding\n" + ("# " + "x" * 98 + "\n") * 500_000)
    loop = asyncio.get_running_loop()
    stalls: list[float] = []

    async def ticker() -> None:
        while True:
            tick = loop.time()
            await asyncio.sleep(0.01)
            stalls.append(loop.time() - tick - 0.01)

    task = asyncio.create_task(ticker())
    try:
        report = await holder.reload("discord")
    finally:
        task.cancel()
    assert not report.ok
    assert holder.library is before
    assert any(str(toml) in str(e) and "limit is 1 MB" in e.message for e in report.errors)
    assert max(stalls, default=0.0) < 0.5
