"""Reloading: build aside, validate whole, swap atomically; a bad set changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from geobot.library import Library
from geobot.reload import LibraryHolder, ReloadBusyError

ALLIANCE = "trump-putin-alliance-unravels"


@pytest.fixture
def holder(data_copy: Path) -> LibraryHolder:
    return LibraryHolder(Library.load(data_copy), data_copy)


async def test_unchanged_set_reports_no_change(holder: LibraryHolder) -> None:
    before = holder.library
    report = await holder.reload("cli")
    assert report.ok
    assert report.unchanged
    assert holder.library is not before  # a fresh snapshot, the same content
    assert holder.library.documents.digest == before.documents.digest


async def test_added_removed_changed(holder: LibraryHolder, data_copy: Path) -> None:
    (data_copy / "new-one.txt").write_text("A New One\nNATO met in Brussels.\n", "utf-8")
    (data_copy / f"{ALLIANCE}.txt").unlink()
    (data_copy / f"{ALLIANCE}.toml").unlink()
    toml = data_copy / "trump-russia-realignment-new-world-order.toml"
    toml.write_text(toml.read_text("utf-8") + "\n# edited\n", "utf-8")
    report = await holder.reload("discord")
    assert report.ok
    assert report.added == ("new-one",)
    assert report.removed == (ALLIANCE,)
    # Only the curated layer changed: to readers that is a changed document all the same.
    assert report.changed == ("trump-russia-realignment-new-world-order",)
    assert report.counts["documents"] == 2
    assert any("uncurated" in str(w) for w in report.warnings)
    assert "Added: new-one" in report.lines()
    assert holder.library.get("new-one").title == "A New One"


async def test_bad_set_keeps_the_old_one(holder: LibraryHolder, data_copy: Path) -> None:
    before = holder.library
    (data_copy / f"{ALLIANCE}.toml").write_text("[document\n", "utf-8")
    (data_copy / "junk.txt").write_bytes(b"\x00\xff")
    report = await holder.reload("discord")
    assert not report.ok
    assert holder.library is before
    assert report.digest == before.documents.digest
    assert len(report.errors) == 2
    assert report.lines()[0].startswith("Reload refused: 2 error(s). Nothing changed")
    assert before.ask("What did Mike Lee say about NATO?").answered


async def test_reloads_are_serialised(holder: LibraryHolder) -> None:
    first = asyncio.create_task(holder.reload("cli"))
    await asyncio.sleep(0)  # let the first take the lock
    assert holder.busy
    with pytest.raises(ReloadBusyError):
        await holder.reload("discord", wait=False)
    second = await holder.reload("signal")  # waits its turn
    assert (await first).ok
    assert second.ok


async def test_running_work_keeps_its_snapshot(holder: LibraryHolder, data_copy: Path) -> None:
    snapshot = holder.library
    (data_copy / f"{ALLIANCE}.txt").unlink()
    (data_copy / f"{ALLIANCE}.toml").unlink()
    await holder.reload("cli")
    # A command that read the library before the swap still answers from its snapshot.
    assert snapshot.document("alliance unraveled").id == ALLIANCE
    assert ALLIANCE not in holder.library.documents.documents


async def test_swap_callback_sees_old_and_new(data_copy: Path) -> None:
    seen: list[tuple[str, str]] = []
    holder = LibraryHolder(
        Library.load(data_copy),
        data_copy,
        on_swap=lambda old, new: seen.append((old.documents.digest, new.documents.digest)),
    )
    (data_copy / "x.txt").write_text("Title X\nSome text here.\n", "utf-8")
    await holder.reload("cli")
    assert len(seen) == 1
    assert seen[0][0] != seen[0][1]
