"""The question chart in text, the fallback without matplotlib, on a real store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geobot.questions.charts import TEXT_WIDTH, questions_per_day_text
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import QuestionLog

from .conftest import question
from .test_questions_cli import one_error_line, run


def test_text_chart_scales_to_the_busiest_day(db_url: str, spool_path: Path) -> None:
    start = datetime(2025, 5, 10, 12, tzinfo=UTC)
    with QuestionLog(db_url, spool_path=spool_path) as log:
        for day, count, unanswered in ((0, 4, 1), (2, 2, 0), (3, 1, 1)):
            for n in range(count):
                log.record_sync(
                    question(
                        f"Question {day}-{n}?",
                        guild_id=10,
                        answered=n >= unanswered,
                        asked_at=start + timedelta(days=day),
                    )
                )
    store = QuestionStore(db_url)
    try:
        stats = store.stats(Scope.moderator(10))
        empty = store.stats(Scope.moderator(11))
    finally:
        store.close()
    lines = questions_per_day_text(stats).splitlines()
    assert [line[:6] for line in lines] == ["10 May", "11 May", "12 May", "13 May"]
    assert lines[0].endswith(" 4 (1 waiting)")
    assert lines[0][7 : 7 + TEXT_WIDTH] == "█" * 15 + "▒" * 5
    assert lines[1].split() == ["11", "May", "0"]  # an empty day stays in the row of days
    assert lines[2][7 : 7 + TEXT_WIDTH].rstrip() == "█" * 10
    assert lines[3][7 : 7 + TEXT_WIDTH].rstrip() == "▒" * 5
    assert questions_per_day_text(empty) == "No questions in this period."


def test_cli_chart_without_matplotlib_says_what_to_install(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run(
        "questions", "stats", "--chart", str(tmp_path / "c.png"), "--database-url", db_url
    )
    assert code == 2
    assert one_error_line(err) == (
        "geobot: the chart needs matplotlib: pip install 'geobot[charts]'"
    )
    assert not (tmp_path / "c.png").exists()
