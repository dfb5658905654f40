"""kill -9 in the middle of a burst of /ask: no answer a reader saw is lost.

A real `python -m geobot run` process (SQLite DATABASE_URL in tmp) plays against the
Discord double, which runs in this test's event loop on a real port (as in
test_multiprocess.py). The test injects a burst of /ask interactions from distinct readers
and, as soon as at least MIN_ANSWERED have their final answer (the deferred "thinking…"
message replaced by the answer, as recorded by the double), SIGKILLs the process.

What it proves (the QuestionLog promise: the answer is sent only after the question is
committed or fsynced to the spool):
- every interaction whose answer reached the reader before the kill is in the log
  (questions.interaction_id), once;
- the SQLite database opens cleanly after the kill (PRAGMA integrity_check == 'ok') and
  QuestionStore can list the questions;
- the spool, if any, replays: a new QuestionLog on the same database and state folder,
  started and closed, leaves every answered question present exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from discord_double import DiscordDouble, InteractionHandle
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import QuestionLog

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
# Import, load and embed the set, migrate, connect: generous, for a busy machine.
START_TIMEOUT = 30.0
BURST = 60
MIN_ANSWERED = 10
QUESTIONS = (
    "What did Mike Lee say about NATO?",
    "Why does the Strait of Hormuz matter?",
    "Who controls the Suez Canal?",
    "What is the situation in the South China Sea?",
)

pytestmark = pytest.mark.e2e


def _env(double: DiscordDouble, database_url: str, state: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GEOBOT_") and k not in ("DATABASE_URL", "DISCORD_TOKEN")
    }
    env.update(double.env())
    env.update(
        {
            "DATABASE_URL": database_url,
            "GEOBOT_DATA": str(DATA),
            "GEOBOT_STATE_DIR": str(state),
            "GEOBOT_LOG_LEVEL": "INFO",
            "GEOBOT_ASK_RATE": "1000",  # the cooldown is tested elsewhere
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _answered(handle: InteractionHandle) -> bool:
    return any(not m.loading for m in handle.messages)


def _tail(log: Path, lines: int = 40) -> str:
    text = log.read_text("utf-8", "replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _interaction_ids(database_url: str) -> list[int]:
    store = QuestionStore(database_url)
    try:
        page = store.list_questions(Scope.operator(), limit=500)
        assert page.total == len(page.items) <= 500
        return [q.interaction_id for q in page.items if q.interaction_id is not None]
    finally:
        store.close()


async def test_kill9_mid_burst_loses_no_answered_question(tmp_path: Path) -> None:
    db_path = tmp_path / "geobot.db"
    database_url = f"sqlite:///{db_path}"
    state = tmp_path / "state"
    log = tmp_path / "bot.log"

    double = DiscordDouble()
    await double.start()
    proc: asyncio.subprocess.Process | None = None
    try:
        guild = double.add_guild("Readers")
        channel = double.add_text_channel(guild, "general")
        readers = [double.add_user(f"reader{n}") for n in range(BURST + 1)]
        for reader in readers:
            guild.add_member(reader)

        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "geobot",
                "run",
                cwd=tmp_path,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                env=_env(double, database_url, state),
            )

        # Ready: connected, and a first /ask answered end to end.
        deadline = time.monotonic() + START_TIMEOUT
        while not any(s.connected for s in double._live_sessions()):
            if proc.returncode is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the bot did not connect (exit {proc.returncode})\n{_tail(log)}", pytrace=False
                )
            await asyncio.sleep(0.05)
        await double.wait_for_commands()
        warmup = await double.slash(
            "ask", {"question": QUESTIONS[0]}, user=readers[-1], channel=channel
        )
        await warmup.reply(timeout=max(deadline - time.monotonic(), 1.0))
        if sys.platform != "win32":  # `geobot run` serves on uvloop, a dependency there
            assert "event loop: uvloop" in log.read_text(encoding="utf-8"), _tail(log)

        # The burst: every reader asks once, back to back, while the bot answers; kill -9
        # as soon as MIN_ANSWERED have their answer, whatever is still in flight.
        handles: list[InteractionHandle] = []

        async def burst() -> None:
            for n in range(BURST):
                handles.append(
                    await double.slash(
                        "ask",
                        {"question": QUESTIONS[n % len(QUESTIONS)]},
                        user=readers[n],
                        channel=channel,
                    )
                )
                await asyncio.sleep(0.002)

        injector = asyncio.create_task(burst())
        try:
            kill_deadline = time.monotonic() + 10
            while sum(_answered(h) for h in handles) < MIN_ANSWERED:
                if proc.returncode is not None or time.monotonic() > kill_deadline:
                    pytest.fail(
                        f"fewer than {MIN_ANSWERED} answers before the kill\n{_tail(log)}",
                        pytrace=False,
                    )
                await asyncio.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
        finally:
            injector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await injector
        # What the double recorded up to now may include answers sent just before the
        # signal landed; anything recorded after the process is reaped came before it died.
        await proc.wait()
        assert proc.returncode == -signal.SIGKILL
        answered_at_kill = {h.id for h in [warmup, *handles] if _answered(h)}
        unanswered = {h.id for h in handles} - answered_at_kill
        assert len(answered_at_kill) >= MIN_ANSWERED + 1

        # The database opens cleanly after the kill.
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = await asyncio.to_thread(_interaction_ids, database_url)
        spool = state / "question-spool.jsonl"
        spooled = spool.exists() and spool.stat().st_size > 0
        if not spooled:
            missing = answered_at_kill - set(logged)
            assert not missing, f"answered but not logged: {sorted(missing)}"

        # Replaying the spool (if any) leaves every answered question there exactly once.
        question_log = QuestionLog(database_url, spool_path=spool)
        question_log.start()
        await asyncio.to_thread(question_log.close)
        logged = await asyncio.to_thread(_interaction_ids, database_url)
        assert len(logged) == len(set(logged)), "a question was logged twice"
        missing = answered_at_kill - set(logged)
        assert not missing, f"answered but not logged after replay: {sorted(missing)}"
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        # The killed bot never answered the rest: the double flags those, and only those.
        await double.settle(timeout=0.2)
        violations = double.take_violations()
        stray = [str(v) for v in violations if v.interaction_id not in unanswered]
        assert not stray, "violations for answered interactions:\n" + "\n".join(stray)
        assert not double.take_errors()
        print(
            f"burst {len(handles)}, answered {len(answered_at_kill)}, "
            f"unanswered {len(unanswered)}, logged {len(logged)}, spooled {spooled}"
        )
    finally:
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if proc is not None:
            print(f"--- bot (exit {proc.returncode}) ---\n{_tail(log)}")
        await double.settle(timeout=0.2)
        await double.stop()
    problems = double.problems()
    assert not problems, "the Discord double recorded problems:\n" + "\n".join(problems)
