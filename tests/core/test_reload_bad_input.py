"""Reloading bad input: every case either loads or is refused with a report that names the
file, and while refused the holder keeps serving the set it had.

The cases are what operators really leave in a data folder: a curated file with a typo, a
folder that moved, a file caught half-written (an editor saving in place, an rsync in
progress), thousands of documents, a huge export, binary junk saved with a .txt name.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from synthetic_articles import write_articles

from geobot.documents.loader import MAX_DOCUMENT_BYTES
from geobot.library import Library
from geobot.reload import LibraryHolder, ReloadReport

ALLIANCE = "trump-putin-alliance-unravels"
REALIGNMENT = "trump-russia-realignment-new-world-order"
KNOWN_QUESTION = "What did Mike Lee say about NATO?"


@pytest.fixture
def holder(data_copy: Path) -> LibraryHolder:
    return LibraryHolder(Library.load(data_copy), data_copy)


def assert_refused_and_still_serving(
    report: ReloadReport, holder: LibraryHolder, before: Library, *names: str
) -> None:
    """Refused, every error says where, and the old set is what is served."""
    assert not report.ok
    assert holder.library is before
    assert report.digest == before.documents.digest
    lines = report.lines()
    assert lines[0].startswith(f"Reload refused: {len(report.errors)} error(s). Nothing changed")
    for name in names:
        assert any(name in str(e) for e in report.errors), (name, lines)
    for error in report.errors:
        assert error.path  # every error names a file or the folder
    assert holder.library.ask(KNOWN_QUESTION).answered


async def assert_recovers(holder: LibraryHolder) -> None:
    """Once the input is fixed, the next reload succeeds."""
    report = await holder.reload("cli")
    assert report.ok, report.lines()


async def test_broken_curated_file(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    toml = data_copy / f"{ALLIANCE}.toml"
    good = toml.read_bytes()
    # A typo an editor leaves: an unterminated string on line 3.
    lines = good.decode("utf-8").splitlines(keepends=True)
    lines[2] = 'title = "The alliance\n'
    toml.write_text("".join(lines), "utf-8")
    report = await holder.reload("discord")
    assert_refused_and_still_serving(report, holder, before, f"{ALLIANCE}.toml:3")
    assert "invalid TOML" in str(report.errors[0])
    toml.write_bytes(good)
    await assert_recovers(holder)


async def test_curated_evidence_not_in_the_article(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    toml = data_copy / f"{ALLIANCE}.toml"
    text = toml.read_text("utf-8")
    toml.write_text(
        text + '\n[[quotes]]\ntext = "words nobody ever wrote"\nkind = "term"\n', "utf-8"
    )
    report = await holder.reload("discord")
    assert_refused_and_still_serving(report, holder, before, f"{ALLIANCE}.toml:")
    assert "quote not found in the article" in str(report.errors[0])


async def test_missing_folder(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    moved = data_copy.with_name("moved-away")
    data_copy.rename(moved)  # noqa: ASYNC240 (test setup; nothing else runs on the loop)
    report = await holder.reload("signal")
    assert_refused_and_still_serving(report, holder, before, str(data_copy))
    assert "data folder not found" in str(report.errors[0])
    moved.rename(data_copy)
    await assert_recovers(holder)


async def test_empty_folder(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    for path in data_copy.iterdir():  # noqa: ASYNC240 (test setup, as above)
        path.unlink()
    report = await holder.reload("signal")
    assert_refused_and_still_serving(report, holder, before, str(data_copy))
    assert "no articles" in str(report.errors[0])


async def test_truncated_curated_file(holder: LibraryHolder, data_copy: Path) -> None:
    """A curated file caught half-written: cut inside a table and inside a string."""
    toml = data_copy / f"{REALIGNMENT}.toml"
    good = toml.read_bytes()
    for cut in (len(good) // 3, len(good) // 2, len(good) - 7):
        before = holder.library
        toml.write_bytes(good[:cut])
        report = await holder.reload("discord")
        if report.ok:
            # A cut can land between two whole entries: then it is a smaller valid file,
            # and the set really is what was read (no half-parsed entry).
            assert (
                holder.library.get(REALIGNMENT).curated_sha256
                == hashlib.sha256(good[:cut]).hexdigest()
            )
        else:
            assert_refused_and_still_serving(report, holder, before, f"{REALIGNMENT}.toml")
    toml.write_bytes(good)
    await assert_recovers(holder)


async def test_article_rewritten_in_place_during_reloads(
    holder: LibraryHolder, data_copy: Path
) -> None:
    """An editor saving in place (truncate, then write in pieces) while reloads run.

    Whatever moment a reload reads the file at, it either refuses (an empty file, a
    multi-byte character cut in two) or serves exactly the bytes it read: the document's
    digest matches one state the file really had. It never serves a mix of two reads.
    """
    article = data_copy / "live-notes.txt"
    versions = [
        (
            "Live Notes\n\n"
            + " ".join(
                f"“Version {v}” of this article says the Baltic fleet moved {n} ships "
                f"to Tallinn in {1990 + n}."
                for n in range(60)
            )
            + "\n"
        ).encode("utf-8")
        for v in range(3)
    ]
    article.write_bytes(versions[0])
    await holder.reload("cli")
    states = {hashlib.sha256(v[:n]).hexdigest() for v in versions for n in range(len(v) + 1)}
    stop = threading.Event()

    def editor() -> None:
        # Non-atomic saves, 256 bytes at a time, as a slow editor or a network copy does.
        n = 0
        while not stop.is_set():
            data = versions[n % len(versions)]
            with article.open("wb") as out:
                for start in range(0, len(data), 256):
                    out.write(data[start : start + 256])
                    out.flush()
                    time.sleep(0.0005)
            n += 1

    thread = threading.Thread(target=editor, daemon=True)
    thread.start()
    outcomes = {"ok": 0, "refused": 0}
    try:
        for _ in range(25):
            before = holder.library
            report = await holder.reload("cli")
            if report.ok:
                outcomes["ok"] += 1
                served = holder.library.get("live-notes")
                assert served.sha256 in states  # exactly bytes the file held at one time
            else:
                outcomes["refused"] += 1
                assert holder.library is before
                assert all("live-notes.txt" in str(e) for e in report.errors), report.lines()
                assert all(
                    any(
                        reason in e.message
                        for reason in ("file is empty", "not UTF-8", "no article text")
                    )
                    for e in report.errors
                ), report.lines()
            assert holder.library.ask(KNOWN_QUESTION).answered
    finally:
        stop.set()
        thread.join()
    assert outcomes["ok"] > 0
    # The file at rest (written whole, as the README asks) loads.
    article.write_bytes(versions[1])
    report = await holder.reload("cli")
    assert report.ok
    assert holder.library.get("live-notes").sha256 == hashlib.sha256(versions[1]).hexdigest()


async def test_article_replaced_by_rename_is_seen_whole(
    holder: LibraryHolder, data_copy: Path
) -> None:
    """The README's way (write aside, rename into place) never shows a partial file."""
    article = data_copy / "renamed-notes.txt"
    full = ("Renamed Notes\n\n" + "Finland bought sixty-four F-35 jets. " * 200).encode()
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            tmp = data_copy / f".renamed-notes.{n}.part"  # hidden: the loader skips it
            tmp.write_bytes(full)
            os.replace(tmp, article)
            n += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for _ in range(10):
            report = await holder.reload("cli")
            if "renamed-notes" in holder.library.documents.documents:
                assert report.ok, report.lines()
                assert holder.library.get("renamed-notes").size == len(full)
    finally:
        stop.set()
        thread.join()


async def test_fifty_megabyte_file_is_refused(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    huge = data_copy / "huge-export.txt"
    line = b"The committee heard testimony on pipeline security for six hours.\n"
    with huge.open("wb") as out:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            out.write(line)
    assert huge.stat().st_size > 10 * MAX_DOCUMENT_BYTES
    report = await holder.reload("discord")
    assert_refused_and_still_serving(report, holder, before, "huge-export.txt")
    (error,) = report.errors
    assert "file is 50.0 MB; the limit is 5 MB per article" in str(error)
    huge.unlink()
    await assert_recovers(holder)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("junk.txt", bytes(range(256)) * 8, "binary file (contains NUL bytes)"),
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n" + os.urandom(2048).replace(b"\0", b"\1") + b"\0",
            "binary file",
        ),
        ("latin1.txt", "Gdańsk and Kraków: café policy.\n".encode("cp1250"), "not UTF-8 text"),
        ("utf16.txt", "NATO summit notes\n".encode("utf-16"), "binary file"),
        ("blank.txt", b"   \n\n\t\n", "file is empty"),
        ("only-headings.txt", b"Contents\nShare this\n", ""),
        (f"{ALLIANCE}.toml", b"\xff\xfe\x00junk", "not UTF-8"),
    ],
)
async def test_junk_is_refused_or_loaded(
    holder: LibraryHolder, data_copy: Path, name: str, content: bytes, reason: str
) -> None:
    before = holder.library
    path = data_copy / name
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(content)
    report = await holder.reload("discord")
    if report.ok:
        # Loading is allowed only for something that really is a (short) article.
        assert not reason, report.lines()
        assert holder.library.get(path.stem) is not None
    else:
        assert_refused_and_still_serving(report, holder, before, name)
        assert any(reason in e.message for e in report.errors), report.lines()
    if original is None:
        path.unlink()
    else:
        path.write_bytes(original)
    await assert_recovers(holder)


async def test_bad_file_name_and_orphan_curated_file(
    holder: LibraryHolder, data_copy: Path
) -> None:
    before = holder.library
    (data_copy / "notes (copy).txt").write_text("Copied Notes\nA copy.\n", "utf-8")
    (data_copy / "orphan.toml").write_text('[document]\ntitle = "Orphan"\n', "utf-8")
    report = await holder.reload("discord")
    assert_refused_and_still_serving(report, holder, before, "notes (copy).txt", "orphan.toml")
    assert len(report.errors) == 2


@pytest.mark.slow
async def test_two_thousand_documents_load(tmp_path: Path, library: Library) -> None:
    """Thousands of small articles load (how long they take is bench/bench_reload.py's job).

    The ticker shows the event loop keeps running while the set builds in its thread.
    """
    folder = tmp_path / "many"
    write_articles(folder, 2000, paragraphs=(2, 3))
    holder = LibraryHolder(library, folder)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.create_task(ticker())
    report = await holder.reload("cli")
    done.set()
    await tick_task
    assert report.ok, report.lines()[:5]
    assert report.counts["documents"] == 2000
    assert len(report.added) == 2000
    assert len(report.removed) == len(library.documents)
    assert ticks > 10  # the loop was not blocked for the whole build
    hits = holder.library.ask("Why did the Kremlin freeze its approach to grain exports?").hits
    assert hits
    assert hits[0].document_id.startswith("synthetic-")
