"""Values that used to crash the question-log commands, and files they used to overwrite.

Each bad value ends in one line on stderr and exit code 2 (bad input), never a traceback
or the "database unavailable" code 3; an export, like a backup, never replaces a file by
surprise; and a CSV cell a spreadsheet would run as a formula is neutralised however it
is disguised.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.questions.writer import QuestionLog

from .conftest import question
from .test_questions_cli import filled as filled
from .test_questions_cli import one_error_line, run


@pytest.mark.parametrize(
    ("command", "value"),
    [
        ("list", "99999999d"),
        ("list", "999999999999h"),
        ("stats", "99999999d"),
        ("export", "99999999d"),
        # Just after year 1 east of UTC: a valid date with no UTC equivalent.
        ("list", "0001-01-01T00:00+01:00"),
        ("stats", "0001-01-01T00:00+01:00"),
        ("export", "0001-01-01T00:00+01:00"),
    ],
)
def test_dates_out_of_range_are_bad_input(db_url: str, command: str, value: str) -> None:
    code, _, err = run("questions", command, "--since", value, "--database-url", db_url)
    assert code == 2
    assert one_error_line(err) == f"geobot: --since: {value!r} is outside the dates I can use"


def test_backup_into_a_place_that_takes_no_files(db_url: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL backups are refused as a whole")
    # A real process, as an operator runs it: no traceback, one line, exit 2.
    proc = subprocess.run(
        [sys.executable, "-m", "geobot", "db", "backup", "/proc/x.db", "--database-url", db_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert one_error_line(proc.stderr) == (
        "geobot: cannot write the backup to /proc/x.db: unable to open database file"
    )


def test_export_refuses_an_existing_file_unless_forced(
    db_url: str, filled: dict[str, int], tmp_path: Path
) -> None:
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "questions.csv"
    target.write_text("last week's export, still needed\n")
    code, _, err = run("questions", "export", "-o", str(target), "--database-url", db_url)
    assert code == 2
    assert "already exists" in one_error_line(err)
    assert target.read_text() == "last week's export, still needed\n"
    code, _, err = run(
        "questions", "export", "-o", str(target), "--force", "--database-url", db_url
    )
    assert code == 0, err
    assert len(list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))) == 4
    assert [p.name for p in target.parent.iterdir()] == ["questions.csv"]  # no .part left


DISGUISED = [
    ' =HYPERLINK("http://x")',
    "  +1+1",
    "\n-2+3",
    " @SUM(A1)",
    "\t=1",
    "\r=1",
    "\u00a0=1+1",
]


def test_csv_neutralises_formulas_behind_whitespace(
    db_url: str, spool_path: Path, tmp_path: Path
) -> None:
    with QuestionLog(db_url, spool_path=spool_path) as log:
        for text in DISGUISED:
            log.record_sync(question(text, guild_id=10, user_id=5))
        log.record_sync(question("What about the 2-state plan?", guild_id=10, user_id=5))
    target = tmp_path / "out.csv"
    code, _, err = run("questions", "export", "-o", str(target), "--database-url", db_url)
    assert code == 0, err
    cells = {
        row["text"]
        for row in csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"), newline=""))
    }
    assert cells == {"'" + text for text in DISGUISED} | {"What about the 2-state plan?"}
