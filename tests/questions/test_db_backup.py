"""`geobot db backup PATH`: a consistent SQLite copy while the bot writes; pg_dump advice."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geobot.cli.questions import db_app
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import QuestionLog
from geobot.settings import get_settings

from .conftest import question

app = typer.Typer(pretty_exceptions_enable=False)
app.add_typer(db_app, name="db")


def run(*args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_backup_of_sqlite_while_writing(
    db_url: str, backend: str, spool_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "geobot-backup.db"
    if backend != "sqlite":
        code, _, err = run("db", "backup", str(target), "--database-url", db_url)
        assert code == 2
        assert "pg_dump" in err
        assert len(err.strip().splitlines()) == 1
        assert not target.exists()
        return
    with QuestionLog(db_url, spool_path=spool_path) as log:
        for n in range(50):
            log.record_sync(question(f"Question {n} about the Baltic", guild_id=10))
        stop = threading.Event()

        def writer() -> None:  # the bot keeps logging during the backup
            n = 0
            while not stop.is_set():
                log.record_sync(question(f"Concurrent question {n}", guild_id=10))
                n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            code, out, err = run("db", "backup", str(target), "--database-url", db_url)
        finally:
            stop.set()
            thread.join()
    assert code == 0, err
    assert "integrity ok" in out
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The copy is a working geobot database: the store opens it, the questions are there.
    copy = QuestionStore(f"sqlite:///{target}")
    try:
        page = copy.list_questions(Scope.operator(), limit=500)
        assert page.total >= 50
    finally:
        copy.close()
    assert not list(target.parent.glob(".*.part"))


def test_backup_refuses_to_overwrite_or_invent(db_url: str, backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL is refused as a whole (test above)")
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"keep me")
    code, _, err = run("db", "backup", str(existing), "--database-url", db_url)
    assert code == 2
    assert "already exists" in err
    assert existing.read_bytes() == b"keep me"
    missing = tmp_path / "nowhere" / "geobot.db"
    code, _, err = run(
        "db", "backup", str(tmp_path / "b.db"), "--database-url", f"sqlite:///{missing}"
    )
    assert code == 2
    assert "no database file" in err
    assert not missing.exists()  # a typo never creates an empty database
