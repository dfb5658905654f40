"""What the loader refuses in a data folder, on real files: symlinks that leave the folder,
dangling links, link loops, folders and special files named like articles.

Whoever can write to `data/` must not be able to publish any other file the bot can read
(an `.env` beside the folder holds the token): a symlink is followed only to a file inside
the folder. Everything refused is reported with its file and reason, by the loader, by
`geobot index check` (exit 1) and by a reload, which keeps serving the set it had.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.documents.loader import load_document_set
from geobot.library import Library
from geobot.reload import LibraryHolder

TOKEN = "MTIzNDU2Nzg5.secret.token-not-for-readers"
SECRET = f"DISCORD_TOKEN={TOKEN}"
ALLIANCE = "trump-putin-alliance-unravels"


@pytest.fixture
def env_beside(data_copy: Path) -> Path:
    """An env file next to the data folder, as a deployment keeps one."""
    env = data_copy.parent / ".env"
    env.write_text(SECRET + "\n" + "The secret is written in plain words for a reader. " * 5)
    return env


def errors_for(folder: Path, name: str) -> list[str]:
    result = load_document_set(folder)
    assert not result.ok
    return [e.message for e in result.errors if Path(e.path).name == name]


def test_symlink_outside_the_folder_is_refused(data_copy: Path, env_beside: Path) -> None:
    os.symlink(env_beside, data_copy / "notes.txt")
    (message,) = errors_for(data_copy, "notes.txt")
    assert "outside the data folder" in message
    assert str(env_beside) in message  # the admin sees where it points


def test_relative_symlink_climbing_out_is_refused(data_copy: Path, env_beside: Path) -> None:
    os.symlink("../.env", data_copy / "notes.txt")
    (message,) = errors_for(data_copy, "notes.txt")
    assert "outside the data folder" in message


def test_symlinked_curated_file_outside_is_refused(data_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    (data_copy / f"{ALLIANCE}.toml").rename(outside)
    os.symlink(outside, data_copy / f"{ALLIANCE}.toml")
    (message,) = errors_for(data_copy, f"{ALLIANCE}.toml")
    assert "outside the data folder" in message


def test_symlink_inside_the_folder_still_loads(data_copy: Path) -> None:
    # An alias kept in the folder itself publishes nothing new.
    os.mkdir(data_copy / "archive")
    (data_copy / f"{ALLIANCE}.txt").rename(data_copy / "archive" / "alliance.txt")
    os.symlink("archive/alliance.txt", data_copy / f"{ALLIANCE}.txt")
    result = load_document_set(data_copy)
    assert result.ok, [str(e) for e in result.errors]
    assert result.documents is not None
    assert ALLIANCE in result.documents.documents


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: os.symlink(d / "gone.txt.orig", d / "notes.txt"), "dangling symlink"),
        (lambda d: os.symlink(d / "notes.txt", d / "notes.txt"), "symlink loop"),
        (
            lambda d: (
                os.symlink(d / "b.txt", d / "notes.txt"),
                os.symlink(d / "notes.txt", d / "b.txt"),
            ),
            "symlink loop",
        ),
        (lambda d: os.mkdir(d / "notes.txt"), "a folder, not a file"),
        (lambda d: os.mkfifo(d / "notes.txt"), "FIFO"),
        (lambda d: os.symlink("/dev/zero", d / "notes.txt"), "outside the data folder"),
    ],
    ids=["dangling", "self-loop", "two-link-loop", "folder", "fifo", "device"],
)
def test_entries_that_are_not_files_are_reported(data_copy: Path, make, reason: str) -> None:
    make(data_copy)
    messages = errors_for(data_copy, "notes.txt")
    assert messages, "skipped in silence"
    assert reason in messages[0]


def test_a_fifo_never_blocks_the_load(data_copy: Path) -> None:
    # Opening a FIFO for reading waits for a writer: the loader must not even open it.
    os.mkfifo(data_copy / "notes.txt")
    os.mkfifo(data_copy / f"{ALLIANCE}.toml.part")  # not a candidate name: ignored
    assert errors_for(data_copy, "notes.txt")


def test_index_check_fails_with_file_and_reason(data_copy: Path, env_beside: Path) -> None:
    os.symlink(env_beside, data_copy / "notes.txt")
    run = subprocess.run(
        [sys.executable, "-m", "geobot", "index", "check", str(data_copy), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert not report["ok"]
    (error,) = [e for e in report["errors"] if e["file"].endswith("notes.txt")]
    assert "outside the data folder" in error["message"]
    assert TOKEN not in run.stdout


async def test_reload_refuses_and_nothing_reaches_readers(
    data_copy: Path, env_beside: Path
) -> None:
    holder = LibraryHolder(Library.load(data_copy), data_copy)
    before = holder.library
    os.symlink(env_beside, data_copy / "notes.txt")
    report = await holder.reload("discord")
    assert not report.ok
    assert holder.library is before
    assert any(
        "notes.txt" in str(e) and "outside the data folder" in str(e) for e in report.errors
    ), report.lines()
    answer = holder.library.ask("what is the secret token")
    assert all(TOKEN not in hit.text for hit in answer.hits)
    assert "notes" not in holder.library.documents.documents
