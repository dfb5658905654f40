"""kill -9 in the middle of a burst: every question whose record() returned is in the database.

The child process prints an interaction id only after ``record()`` returned for it, which is
the moment the bot would send the answer. Whatever it printed before SIGKILL must be found
afterwards, and the database must open cleanly.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geobot.questions.writer import QuestionLog

from .conftest import BACKENDS, question

CHILD = r"""
import asyncio, sys
from geobot.questions.writer import NewQuestion, QuestionLog

url, spool = sys.argv[1], sys.argv[2]

async def asker(log, worker):
    n = 0
    while True:
        interaction = worker * 1_000_000 + n
        recorded = await log.record(NewQuestion(
            interaction_id=interaction, guild_id=1, channel_id=2, user_id=worker,
            text=f"burst question {interaction} " + "x" * (n % 300), command="ask",
            results=[("doc:1", 1.0)], answered=n % 3 != 0, digest="d",
        ))
        # Only now would the bot answer the reader.
        sys.stdout.write(f"{recorded.status} {interaction}\n")
        sys.stdout.flush()
        n += 1

async def main():
    log = QuestionLog(url, spool_path=spool)
    log.start()
    await asyncio.gather(*(asker(log, w) for w in range(1, 21)))

asyncio.run(main())
"""


def _kill_mid_burst(url: str, spool: Path, after_lines: int = 400) -> list[tuple[str, int]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(spool)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    enough = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line)
            if len(lines) >= after_lines:
                enough.set()
        enough.set()  # EOF: the child died by itself

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert enough.wait(60), "the child never got going"
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reader.join(10)  # what it printed before dying is still in the pipe
    assert child.returncode == -signal.SIGKILL
    acknowledged = []
    for line in lines:
        if line.endswith("\n"):  # a line cut by the kill was never fully "sent"
            status, interaction = line.split()
            acknowledged.append((status, int(interaction)))
    return acknowledged


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_loses_no_acknowledged_question(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url: str = request.getfixturevalue("db_url")
    spool = tmp_path / "spool.jsonl"
    acknowledged = _kill_mid_burst(url, spool)
    assert len(acknowledged) >= 400
    assert {status for status, _ in acknowledged} == {"committed"}

    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        # Open it the way an operator would after a crash: plain sqlite3, WAL recovery.
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = {row[0] for row in conn.execute("SELECT interaction_id FROM questions")}
        finally:
            conn.close()
    else:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                stored = set(
                    conn.execute(sa.text("SELECT interaction_id FROM questions")).scalars()
                )
        finally:
            engine.dispose()
    missing = {i for _, i in acknowledged} - stored
    assert missing == set()
    # The log keeps working after the crash (a new process, same database).
    started = time.monotonic()
    with QuestionLog(url, spool_path=spool) as log:
        assert log.record_sync(question("after the crash")).committed
    assert time.monotonic() - started < 10
