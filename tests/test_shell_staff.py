"""The shell does everything the bot does: moderators' and admins' commands included.

Rule exercised (#17.4): `geobot shell` takes every slash command, as a local user whose
role is chosen with --as, and logs questions to the same database as the bot, so the
moderators' workflow can be tried with no token. Real SQLite files, real migrations, the
real document set and the real `geobot` process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot.library import Library
from geobot.questions.db import upgrade
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import QuestionLog
from geobot.reload import LibraryHolder
from geobot.shell import LOCAL_GUILD, Session, plain, respond

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
ASKED = "What did Senator Mike Lee say about NATO?"


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'geobot.db'}"
    upgrade(url)
    return url


@pytest.fixture
def session_for(database: str, tmp_path: Path) -> Iterator[object]:
    opened: list[tuple[QuestionStore, QuestionLog, Session]] = []

    def make(role: str, data: Path = DATA) -> Session:
        store = QuestionStore(database)
        log = QuestionLog(database, spool_path=tmp_path / "spool.jsonl")
        log.start()
        library = Library.load(data)
        session = Session(
            lambda: library,
            role=role,  # type: ignore[arg-type]
            store=store,
            question_log=log,
            holder=LibraryHolder(library, data),
        )
        opened.append((store, log, session))
        return session

    yield make
    for store, log, session in opened:
        session.close()
        log.close()
        store.close()


def test_a_moderator_answers_a_question_asked_in_the_shell(
    session_for: object, database: str
) -> None:
    """A reader's question, logged from the shell, is listed, shown and answered by a
    moderator; the store then holds the answer, as it would for one asked in Discord."""
    reader = session_for("reader")  # type: ignore[operator]
    assert "a great deal for Europe" in respond(reader, f"/ask {ASKED}")
    moderator = session_for("moderator")  # type: ignore[operator]
    listed = respond(moderator, "/questions list")
    assert ASKED in listed
    assert "<@" not in listed
    assert "<t:" not in listed
    store = QuestionStore(database)
    try:
        (question,) = store.list_questions(Scope.moderator(LOCAL_GUILD)).items
        assert respond(moderator, f"/questions show {question.id}").startswith(
            f"Question #{question.id}"
        )
        said = respond(moderator, f"/questions answer {question.id} text:He said it, twice.")
        assert said.startswith(f"Answered question #{question.id}.")
        answered = store.get_question(Scope.moderator(LOCAL_GUILD), question.id)
        assert answered is not None
        assert answered.status == "answered"
        assert answered.answer_text == "He said it, twice."
    finally:
        store.close()


def test_roles_decide_what_the_local_user_may_run(session_for: object) -> None:
    """--as reader cannot review questions; --as moderator cannot reload."""
    reader = session_for("reader")  # type: ignore[operator]
    assert respond(reader, "/questions list").startswith(
        "/questions list is for moderators: start the shell with --as moderator"
    )
    moderator = session_for("moderator")  # type: ignore[operator]
    assert respond(moderator, "/reload").startswith("/reload is for admins")
    assert "geobot stores nothing about you" in respond(moderator, "/mydata")


def test_an_admin_reloads_from_the_shell(session_for: object, tmp_path: Path) -> None:
    """/reload builds the changed folder, swaps it in, and reports the change; the next
    question is answered from the new set."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    admin = session_for("admin", data)  # type: ignore[operator]
    before = admin.library.documents.digest
    article = next(p for p in sorted(data.glob("*.txt")))
    article.write_text(
        article.read_text(encoding="utf-8") + "\n\nA new closing paragraph about shipping.\n",
        encoding="utf-8",
    )
    report = respond(admin, "/reload")
    assert report.startswith("Reloaded in ")
    assert f"Changed: {article.stem}" in report
    assert admin.library.documents.digest != before
    status = respond(admin, "/status")
    assert "geobot" in status
    # As in Discord's /status: the operator can tell meaning-based answers from a fallback.
    assert f"Semantic index: {'on' if admin.library.semantic else 'off'}" in status


def test_markup_is_shown_as_text() -> None:
    """<t:…:R> becomes a date; mentions become words; escapes are dropped."""
    assert plain("**asked** <t:0:R> by <@42> in <#7>, \\*really\\*") == (
        "asked 1970-01-01 00:00 UTC by user 42 in #7, *really*"
    )


def test_geobot_shell_as_moderator_reads_the_log_of_another_run(tmp_path: Path) -> None:
    """Two `geobot shell` processes on one state folder: the reader's question is in the
    moderator's list, so the database is the bot's, migrated on start."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env["GEOBOT_STATE_DIR"] = str(tmp_path)

    def shell(role: str, stdin: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "geobot", "shell", "--as", role, "--data", str(DATA)],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    shell("reader", f"{ASKED}\n")
    assert ASKED in shell("moderator", "/questions list\n")
