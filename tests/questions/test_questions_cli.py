"""`geobot questions ...` and `geobot db ...`: readable output, stable JSON, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geobot.cli.questions import db_app, parse_when, questions_app
from geobot.questions.db import head_revision
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import QuestionLog
from geobot.settings import get_settings

from .conftest import question

app = typer.Typer(pretty_exceptions_enable=False)
app.add_typer(questions_app, name="questions")
app.add_typer(db_app, name="db")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    get_settings.cache_clear()
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("geobot: ")
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def filled(db_url: str, spool_path: Path) -> dict[str, int]:
    with QuestionLog(db_url, spool_path=spool_path) as log:
        a = log.record_sync(question("Guild question about NATO, =SUM(A1)", guild_id=10, user_id=5))
        b = log.record_sync(question("Unanswered one", guild_id=10, user_id=6, answered=False))
        dm = log.record_sync(question("DM question", guild_id=None, user_id=5))
        other = log.record_sync(question("Other guild", guild_id=20, user_id=7))
        log.record_feedback_sync(user_id=9, helpful=True, question_id=a.id)
    return {"a": a.id or 0, "b": b.id or 0, "dm": dm.id or 0, "other": other.id or 0}


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'geobot.db'}"
    code, out, _ = run("db", "current", "--database-url", url)
    assert code == 0
    assert "no revision" in out
    code, out, err = run("db", "upgrade", "--database-url", url)
    assert code == 0, err
    head = head_revision()
    assert head in out
    code, out, _ = run("db", "current", "--database-url", url)
    assert out.strip() == f"{head} (head)"
    code, out, _ = run("db", "current", "--json", "--database-url", url)
    assert json.loads(out) == {"current": head, "head": head, "up_to_date": True}
    # DATABASE_URL from the environment, as settings read it.
    code, out, _ = run("db", "current", env={"DATABASE_URL": url})
    assert out.strip() == f"{head} (head)"


def test_list_table_and_json(db_url: str, filled: dict[str, int]) -> None:
    code, out, err = run("questions", "list", "--database-url", db_url)
    assert code == 0, err
    assert out.splitlines()[0].split() == [
        "ID",
        "ASKED",
        "(UTC)",
        "GUILD",
        "USER",
        "STATUS",
        "FLAGGED",
        "QUESTION",
    ]
    assert "DM question" in out
    assert "1-4 of 4 questions" in out
    code, out, _ = run("questions", "list", "--guild", "10", "--json", "--database-url", db_url)
    data = json.loads(out)
    assert data["total"] == 2
    assert {item["id"] for item in data["items"]} == {filled["a"], filled["b"]}
    assert data["items"][0]["guild_id"] == "10"  # snowflakes as strings
    code, out, _ = run("questions", "list", "--dms", "--json", "--database-url", db_url)
    assert [item["id"] for item in json.loads(out)["items"]] == [filled["dm"]]
    code, out, _ = run(
        "questions",
        "list",
        "--flagged",
        "--since",
        "1d",
        "--text",
        "UNANSWERED",
        "--status",
        "open",
        "--user",
        "6",
        "--json",
        "--database-url",
        db_url,
    )
    assert [item["id"] for item in json.loads(out)["items"]] == [filled["b"]]
    code, out, _ = run("questions", "list", "--text", "nothing like this", "--database-url", db_url)
    assert out.strip() == "No questions match."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "closed"], "unknown status 'closed'"),
        (["--since", "last tuesday"], "--since: cannot read 'last tuesday'"),
        (["--user", "bob"], "--user: 'bob' is not a Discord id"),
        (["--guild", "-1"], "--guild: '-1' is not a Discord id"),
        (["--guild", "1", "--dms"], "cannot be combined"),
        (["--limit", "0"], "limit must be between 1 and 500"),
    ],
)
def test_bad_filter_values(db_url: str, args: list[str], message: str) -> None:
    code, _, err = run("questions", "list", *args, "--database-url", db_url)
    assert code == 2
    assert message in one_error_line(err)


def test_show(db_url: str, filled: dict[str, int]) -> None:
    code, out, err = run("questions", "show", str(filled["a"]), "--database-url", db_url)
    assert code == 0, err
    assert "Guild question about NATO" in out
    assert "Votes: 1 helpful, 0 not helpful" in out
    code, out, _ = run("questions", "show", f"#{filled['a']}", "--json", "--database-url", db_url)
    data = json.loads(out)
    assert data["votes"] == {"helpful": 1, "unhelpful": 0}
    assert "client_key" not in data
    # Unknown, and from another guild: the same answer.
    _, _, unknown = run("questions", "show", "999", "--guild", "10", "--database-url", db_url)
    code, _, foreign = run(
        "questions", "show", str(filled["other"]), "--guild", "10", "--database-url", db_url
    )
    assert code == 2
    assert one_error_line(foreign).replace(str(filled["other"]), "N") == one_error_line(
        unknown
    ).replace("999", "N")
    code, _, err = run("questions", "show", "abc", "--database-url", db_url)
    assert "'abc' is not a question id" in one_error_line(err)


def test_export(db_url: str, filled: dict[str, int], tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, _, err = run("questions", "export", "-o", str(target), "--database-url", db_url)
    assert code == 0, err
    assert f"to {target}" in err
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 4
    code, out, _ = run(
        "questions", "export", "--format", "jsonl", "--guild", "10", "--database-url", db_url
    )
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["id"] for r in records} == {filled["a"], filled["b"]}
    code, _, err = run("questions", "export", "--format", "xls", "--database-url", db_url)
    assert code == 2
    assert "expected csv or jsonl" in one_error_line(err)


def test_stats(db_url: str, filled: dict[str, int], tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    code, out, err = run("questions", "stats", "--chart", str(chart), "--database-url", db_url)
    assert code == 0, err
    assert "Questions: 4" in out
    assert "1 waiting for a moderator" in out
    assert "100% of 1 votes" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run("questions", "stats", "--json", "--dms", "--database-url", db_url)
    assert json.loads(out)["total"] == 1


def test_forget_user(db_url: str, filled: dict[str, int]) -> None:
    code, out, _ = run(
        "questions", "forget-user", "5", "--guild", "10", "--yes", "--database-url", db_url
    )
    assert code == 0
    assert "deleted 1 question(s)" in out
    store = QuestionStore(db_url)
    try:
        assert store.get_question(Scope.bot_admin(), filled["dm"]) is not None
    finally:
        store.close()
    code, out, _ = run("questions", "apply-retention", "--database-url", db_url)
    assert out.strip() == "nothing to delete"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_and_unmigrated_databases(tmp_path: Path) -> None:
    down = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/x"
    for args in (["questions", "list"], ["db", "upgrade"], ["db", "current"]):
        code, _, err = run(*args, "--database-url", down)
        assert code == 3
        assert "cannot open the database" in one_error_line(err)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _, err = run("questions", "stats", "--database-url", empty)
    assert code == 3
    assert "run `geobot db upgrade`" in one_error_line(err)
    code, _, err = run("questions", "list", "--database-url", "nonsense://")
    assert code == 2
    one_error_line(err)


def test_real_process_prints_no_traceback() -> None:
    code = (
        "import typer; from geobot.cli.questions import questions_app; "
        "app = typer.Typer(); app.add_typer(questions_app, name='questions'); app()"
    )
    down = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/x"
    proc = subprocess.run(
        [sys.executable, "-c", code, "questions", "list", "--database-url", down],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert proc.stdout == ""
    one_error_line(proc.stderr)


def test_parse_when() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2025, 1, 10, 12, tzinfo=UTC)
    assert parse_when("--since", "7d", now) == now - timedelta(days=7)
    assert parse_when("--since", "24h", now) == now - timedelta(hours=24)
    assert parse_when("--since", "30m", now) == now - timedelta(minutes=30)
    assert parse_when("--since", "2025-01-02") == datetime(2025, 1, 2, tzinfo=UTC)
    assert parse_when("--since", "2025-01-02T03:04+02:00") == datetime(2025, 1, 2, 1, 4, tzinfo=UTC)
