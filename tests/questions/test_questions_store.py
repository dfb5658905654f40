"""Moderator operations: guild isolation, transitions, FAQ, stats, export, privacy, retention."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from geobot.questions.charts import questions_per_day_png
from geobot.questions.export import export_filename
from geobot.questions.faq import FaqMatcher
from geobot.questions.store import (
    EXPORT_COLUMNS,
    FaqNotFound,
    InvalidTransition,
    QuestionFilter,
    QuestionNotFound,
    QuestionStore,
    Scope,
    cluster_themes,
)
from geobot.questions.writer import NewQuestion, QuestionLog

from .conftest import question

GUILD_A, GUILD_B = 1000, 2000
MOD_A, MOD_B = Scope.moderator(GUILD_A), Scope.moderator(GUILD_B)
DMS = Scope.bot_admin()
EVERYTHING = Scope.operator()
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def log_sync(db_url: str, spool: Path, *questions: NewQuestion) -> list[int]:
    with QuestionLog(db_url, spool_path=spool) as log:
        recorded = [log.record_sync(q) for q in questions]
    assert all(r.committed for r in recorded)
    return [r.id or 0 for r in recorded]


@pytest.fixture
def ids(db_url: str, spool_path: Path) -> dict[str, int]:
    """One question in guild A, one in guild B, one in a DM (plus a flagged one in A)."""
    a, b, dm, a_flagged = log_sync(
        db_url,
        spool_path,
        question("Guild A asks about NATO", guild_id=GUILD_A, user_id=1, asked_at=T0),
        question("Guild B asks about NATO", guild_id=GUILD_B, user_id=1, asked_at=T0),
        question("A DM about NATO", guild_id=None, user_id=1, asked_at=T0),
        question(
            "Who painted the Mona Lisa?",
            guild_id=GUILD_A,
            user_id=2,
            answered=False,
            asked_at=T0 + timedelta(days=1),
        ),
    )
    return {"a": a, "b": b, "dm": dm, "a_flagged": a_flagged}


# --- isolation ------------------------------------------------------------------------------


def test_listing_is_isolated_by_guild(store: QuestionStore, ids: dict[str, int]) -> None:
    assert {q.id for q in store.list_questions(MOD_A).items} == {ids["a"], ids["a_flagged"]}
    assert {q.id for q in store.list_questions(MOD_B).items} == {ids["b"]}
    assert {q.id for q in store.list_questions(DMS).items} == {ids["dm"]}
    assert store.list_questions(EVERYTHING).total == 4
    assert {q.id for q in store.list_questions(Scope.bot_admin(GUILD_B)).items} == {ids["b"]}
    # A moderator without a guild (e.g. a command run in a DM) sees nothing, not everything.
    assert store.list_questions(Scope(None, is_bot_admin=False)).total == 0


def test_other_guilds_ids_look_unknown_everywhere(
    store: QuestionStore, ids: dict[str, int]
) -> None:
    unknown = 999_999

    def outcome(call: Callable[[int], object], qid: int) -> tuple[str, object]:
        try:
            result = call(qid)
        except Exception as exc:  # the error must be the same, message included
            return (type(exc).__name__, str(exc).replace(str(qid), "N"))
        return ("ok", result)

    operations: dict[str, Callable[[int], object]] = {
        "get": lambda q: store.get_question(MOD_A, q),
        "votes": lambda q: store.get_votes(MOD_A, q),
        "answer": lambda q: store.answer_question(MOD_A, q, "text", 5, add_to_faq=True),
        "dismiss": lambda q: store.dismiss(MOD_A, q, 5, "spam"),
        "reopen": lambda q: store.reopen(MOD_A, q),
        "faq": lambda q: store.add_faq(MOD_A, "q", "a", 5, source_question_id=q),
    }
    for foreign in (ids["b"], ids["dm"]):
        for name, op in operations.items():
            assert outcome(op, foreign) == outcome(op, unknown), name
    assert outcome(operations["get"], unknown) == ("ok", None)
    assert outcome(operations["answer"], unknown) == ("QuestionNotFound", "no question #N")
    # Nothing in guild B or the DMs changed, and no FAQ entry leaked into guild A.
    b = store.get_question(MOD_B, ids["b"])
    dm = store.get_question(DMS, ids["dm"])
    assert b is not None
    assert b.status == "open"
    assert dm is not None
    assert dm.status == "open"
    assert store.list_faq(MOD_A) == []


def test_isolation_of_stats_export_autocomplete_forget(
    store: QuestionStore, ids: dict[str, int]
) -> None:
    assert store.stats(MOD_A).total == 2
    assert store.stats(MOD_B).total == 1
    assert store.stats(DMS).total == 1
    exported = store.export(MOD_A, format="jsonl").decode().splitlines()
    assert {json.loads(line)["id"] for line in exported} == {ids["a"], ids["a_flagged"]}
    assert {i for i, _ in store.id_autocomplete(MOD_B, "")} == {ids["b"]}
    assert {i for i, _ in store.id_autocomplete(MOD_B, str(ids["a"]))} == set()
    assert {i for i, _ in store.id_autocomplete(MOD_B, "NATO")} == {ids["b"]}
    # Forgetting user 1 in guild A leaves their questions in B and in DMs.
    result = store.forget_user(MOD_A, 1)
    assert result.questions == 1
    assert store.get_question(MOD_B, ids["b"]) is not None
    assert store.get_question(DMS, ids["dm"]) is not None
    assert store.get_question(MOD_A, ids["a"]) is None


def test_moderator_scope_rejects_guild_settings_without_guild(store: QuestionStore) -> None:
    with pytest.raises(ValueError, match="guild"):
        store.get_guild_settings(DMS)
    with pytest.raises(ValueError, match="all_guilds"):
        Scope(GUILD_A, is_bot_admin=True, all_guilds=True)


# --- filters -------------------------------------------------------------------------------------


def test_filters_and_paging(store: QuestionStore, ids: dict[str, int]) -> None:
    def found(**kw: object) -> set[int]:
        return {q.id or 0 for q in store.list_questions(EVERYTHING, QuestionFilter(**kw)).items}  # type: ignore[arg-type]

    assert found(flagged=True) == {ids["a_flagged"]}
    assert found(flagged=False) == {ids["a"], ids["b"], ids["dm"]}
    assert found(user_id=2) == {ids["a_flagged"]}
    assert found(since=T0 + timedelta(hours=1)) == {ids["a_flagged"]}
    assert found(until=T0 + timedelta(hours=1)) == {ids["a"], ids["b"], ids["dm"]}
    assert found(text="mona LISA") == {ids["a_flagged"]}
    assert found(text="%") == set()  # LIKE wildcards are literal
    assert found(status="open") == set(ids.values())
    assert found(status="answered") == set()
    page = store.list_questions(EVERYTHING, limit=2, offset=1)
    assert page.total == 4
    assert len(page.items) == 2
    assert page.items[0].id != store.list_questions(EVERYTHING, limit=1).items[0].id
    with pytest.raises(ValueError, match="unknown status"):
        QuestionFilter(status="closed")
    with pytest.raises(ValueError, match="limit"):
        store.list_questions(EVERYTHING, limit=0)
    with pytest.raises(ValueError, match="timezone"):
        QuestionFilter(since=datetime(2025, 1, 1))


def test_text_filter_is_unicode_case_insensitive(
    store: QuestionStore, db_url: str, spool_path: Path
) -> None:
    [qid] = log_sync(db_url, spool_path, question("ÉTATS-UNIS et ΡΩΣΊΑ: quelle alliance?"))
    page = store.list_questions(EVERYTHING, QuestionFilter(text="états-unis et ρωσία"))
    assert [q.id for q in page.items] == [qid]


# --- transitions ---------------------------------------------------------------------------------


def test_answer_dismiss_reopen(store: QuestionStore, ids: dict[str, int]) -> None:
    qid = ids["a_flagged"]
    answered = store.answer_question(MOD_A, qid, "  Leonardo da Vinci.  ", moderator_id=77).question
    assert answered.status == "answered"
    assert answered.answer_text == "Leonardo da Vinci."
    assert answered.resolved_by == 77
    assert answered.resolved_at is not None
    # Answering again edits the answer.
    edited = store.answer_question(MOD_A, qid, "Leonardo.", moderator_id=78).question
    assert (edited.answer_text, edited.resolved_by) == ("Leonardo.", 78)
    with pytest.raises(InvalidTransition, match="is answered; cannot dismiss"):
        store.dismiss(MOD_A, qid, 77)
    reopened = store.reopen(MOD_A, qid)
    assert reopened.status == "open"
    assert reopened.answer_text is None
    assert reopened.resolved_by is None
    with pytest.raises(InvalidTransition, match="is open; cannot reopen"):
        store.reopen(MOD_A, qid)
    dismissed = store.dismiss(MOD_A, qid, 79, "off-topic")
    assert (dismissed.status, dismissed.dismiss_reason, dismissed.resolved_by) == (
        "dismissed",
        "off-topic",
        79,
    )
    with pytest.raises(InvalidTransition, match="cannot answer"):
        store.answer_question(MOD_A, qid, "late", 77)
    with pytest.raises(InvalidTransition, match="cannot dismiss"):
        store.dismiss(MOD_A, qid, 77)
    assert store.reopen(MOD_A, qid).dismiss_reason is None
    with pytest.raises(ValueError, match="empty"):
        store.answer_question(MOD_A, qid, "   ", 77)
    with pytest.raises(QuestionNotFound, match="no question #424242"):
        store.dismiss(MOD_A, 424242, 77)


def test_dm_questions_are_handled_by_bot_admins(store: QuestionStore, ids: dict[str, int]) -> None:
    result = store.answer_question(DMS, ids["dm"], "In a DM.", 9, add_to_faq=True)
    assert result.faq is not None
    assert result.faq.guild_id is None  # the DM FAQ, not any guild's
    assert store.list_faq(MOD_A) == []
    assert [e.id for e in store.list_faq(DMS)] == [result.faq.id]


# --- FAQ -----------------------------------------------------------------------------------------


def test_answer_to_faq_and_match(store: QuestionStore, ids: dict[str, int]) -> None:
    matcher = FaqMatcher.from_store(store)
    assert matcher.match(GUILD_A, "Who painted the Mona Lisa?") is None
    result = store.answer_question(MOD_A, ids["a_flagged"], "Leonardo.", 77, add_to_faq=True)
    assert result.faq is not None
    assert result.faq.source_question_id == ids["a_flagged"]
    # The matcher was refreshed by the store: no reload needed.
    for asked in (
        "who painted the mona lisa",
        "Who  painted the Mona-Lisa ?!",
        "who paintd the mona lisa",
    ):
        found = matcher.match(GUILD_A, asked)
        assert found is not None, asked
        assert found.answer == "Leonardo."
    assert matcher.match(GUILD_A, "What is NATO doing in the Baltics?") is None
    assert matcher.match(GUILD_B, "who painted the mona lisa") is None  # guild isolation
    assert matcher.match(None, "who painted the mona lisa") is None  # DMs: no guild FAQ
    # Manual entries and deletion, with the same isolation.
    entry = store.add_faq(MOD_B, "What is the SCO?", "The Shanghai Cooperation Organisation.", 5)
    assert matcher.match(GUILD_B, "what is the sco") == entry
    with pytest.raises(FaqNotFound):
        store.delete_faq(MOD_A, entry.id)
    store.delete_faq(MOD_B, entry.id)
    assert matcher.match(GUILD_B, "what is the sco") is None
    # A second process's matcher sees entries after reload().
    other = FaqMatcher.from_store(QuestionStore(store.engine))
    assert other.match(GUILD_A, "who painted the mona lisa") is not None


# --- feedback, stats, chart ----------------------------------------------------------------------


async def test_stats_and_chart(
    store: QuestionStore, db_url: str, spool_path: Path, tmp_path: Path
) -> None:
    day = datetime(2025, 5, 10, 23, 30, tzinfo=UTC)
    asked = [
        question("What is NATO's role in the war?", guild_id=GUILD_A, asked_at=day),
        question(
            "what is the role of NATO in this war", guild_id=GUILD_A, answered=False, asked_at=day
        ),
        question(
            "NATO role in the war?",
            guild_id=GUILD_A,
            answered=False,
            asked_at=day + timedelta(hours=1),
        ),
        question(
            "Who won the 1998 World Cup?",
            guild_id=GUILD_A,
            answered=False,
            asked_at=day + timedelta(days=2),
        ),
        question(
            "who won the world cup in 1998",
            guild_id=GUILD_A,
            answered=False,
            asked_at=day + timedelta(days=2),
        ),
        question(
            "what is the EU's plan?",
            guild_id=GUILD_A,
            answered=False,
            asked_at=day + timedelta(days=2),
        ),
        question("Other guild", guild_id=GUILD_B, answered=False, asked_at=day),
    ]
    async with QuestionLog(db_url, spool_path=spool_path) as log:
        recorded = [await log.record(q) for q in asked]
        for voter, helpful in ((1, True), (2, True), (3, False)):
            await log.record_feedback(user_id=voter, helpful=helpful, question_id=recorded[0].id)
        await log.record_feedback(user_id=1, helpful=False, question_id=recorded[6].id)
    store.answer_question(MOD_A, recorded[2].id or 0, "See the FAQ.", 5)
    store.dismiss(MOD_A, recorded[5].id or 0, 5, "vague")

    stats = store.stats(MOD_A)
    assert stats.total == 6
    assert stats.by_status == {"open": 4, "answered": 1, "dismissed": 1}
    assert stats.waiting == 3
    assert (stats.votes, stats.helpful_votes) == (3, 2)
    assert stats.helpful_rate == pytest.approx(2 / 3)
    assert [d.day for d in stats.by_day] == [
        date(2025, 5, 10),
        date(2025, 5, 11),
        date(2025, 5, 12),
    ]
    first, gap, last = stats.by_day
    # 23:30 UTC + 1 hour is the next UTC day.
    assert (first.open, first.waiting, first.answered, first.dismissed) == (2, 1, 0, 0)
    assert (gap.open, gap.answered) == (0, 1)
    assert (last.open, last.waiting, last.dismissed) == (2, 2, 1)
    themes = {t.representative: t.count for t in stats.themes}
    assert themes == {"who won the world cup in 1998": 2, "what is the role of NATO in this war": 1}
    since = store.stats(MOD_A, since=day + timedelta(days=1))
    assert since.total == 3  # the three asked on May 12
    assert since.votes == 0
    assert since.helpful_rate is None
    assert json.loads(json.dumps(stats.to_dict()))["by_day"][0]["day"] == "2025-05-10"

    png = questions_per_day_png(stats)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5000
    empty = questions_per_day_png(store.stats(Scope.moderator(31337)))
    assert empty.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "chart.png").write_bytes(png)


def test_theme_clustering_ignores_stop_words() -> None:
    themes = cluster_themes(
        [
            (1, "What is NATO?"),
            (2, "what is the EU?"),
            (3, "What is NATO doing?"),
            (4, "what's nato"),
        ]
    )
    assert [(t.representative, t.count) for t in themes] == [
        ("What is NATO?", 3),
        ("what is the EU?", 1),
    ]
    assert themes[0].question_ids == (1, 3, 4)


# --- export --------------------------------------------------------------------------------------

NASTY = [
    'He said "stop", then left',
    "commas, everywhere, ,,",
    "two\nlines\r\nand CRLF",
    "emoji 🇺🇦👨‍👩‍👧 ok",
    "עברית ועוד مرحبا بالعالم",
    "=SUM(A1)",
    "+1 for this",
    "-2",
    "@everyone look",
    "\tstarts with a tab",
    "\rstarts with CR",
    "x" * 10_000,
    "'already quoted",
]


@pytest.fixture
def nasty_ids(db_url: str, spool_path: Path) -> list[int]:
    return log_sync(
        db_url,
        spool_path,
        *(
            question(text, guild_id=GUILD_A, asked_at=T0 + timedelta(seconds=i))
            for i, text in enumerate(NASTY)
        ),
    )


def _neutralised(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_export_csv_round_trips_and_defuses_formulas(
    store: QuestionStore, nasty_ids: list[int]
) -> None:
    store.answer_question(MOD_A, nasty_ids[5], '=HYPERLINK("http://evil")', 5)
    data = store.export(MOD_A, format="csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets then read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r["text"] for r in rows] == [_neutralised(t) for t in NASTY]
    assert [int(r["id"]) for r in rows] == nasty_ids
    assert rows[5]["answer_text"] == '\'=HYPERLINK("http://evil")'
    for row in rows:  # no cell at all can start a formula
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert json.loads(rows[0]["results"]) == [{"passage_id": "doc:1", "score": 3.5}]
    assert rows[0]["answered"] == "true"
    assert rows[0]["guild_id"] == str(GUILD_A)


def test_export_jsonl_round_trips(store: QuestionStore, nasty_ids: list[int]) -> None:
    data = store.export(MOD_A, QuestionFilter(), format="jsonl")
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""  # one object per line, newline-terminated
    records = [json.loads(line) for line in lines[:-1]]
    assert [r["text"] for r in records] == NASTY  # exact: JSON needs no defusing
    assert "🇺🇦".encode() in data  # ensure_ascii=False: readable, not \\ud83c escapes
    assert records[0]["guild_id"] == str(GUILD_A)  # snowflakes as strings, like Discord
    assert records[0]["created_at"] == (T0).isoformat()
    filtered = store.export(MOD_A, QuestionFilter(text="emoji"), format="jsonl")
    assert len(filtered.splitlines()) == 1
    with pytest.raises(ValueError, match="format"):
        store.export(MOD_A, format="xlsx")  # type: ignore[arg-type]
    assert export_filename(MOD_A, "csv", T0) == "questions-guild-1000-20250301T090000Z.csv"


# --- privacy -------------------------------------------------------------------------------------


async def test_my_data_and_delete_my_data(
    store: QuestionStore, db_url: str, spool_path: Path
) -> None:
    async with QuestionLog(db_url, spool_path=spool_path) as log:
        mine_a = await log.record(question("mine in A", guild_id=GUILD_A, user_id=50))
        mine_dm = await log.record(question("mine in a DM", guild_id=None, user_id=50))
        theirs = await log.record(question("someone else's", guild_id=GUILD_A, user_id=51))
        await log.record_feedback(user_id=50, helpful=True, question_id=theirs.id)
        await log.record_feedback(user_id=51, helpful=False, question_id=mine_a.id)
    faq = store.answer_question(MOD_A, mine_a.id or 0, "An answer.", 5, add_to_faq=True).faq

    mine = store.my_data(50)
    assert {q["text"] for q in mine.questions} == {"mine in A", "mine in a DM"}
    assert [(f["question_id"], f["helpful"]) for f in mine.feedback] == [(theirs.id, True)]
    assert "client_key" not in mine.questions[0]
    exported = json.loads(mine.to_json())
    assert exported["user_id"] == "50"
    assert {q["guild_id"] for q in exported["questions"]} == {str(GUILD_A), None}
    assert "someone else" not in mine.to_json().decode()

    result = store.delete_my_data(50)
    assert (result.questions, result.feedback) == (2, 1)
    assert store.my_data(50).questions == []
    assert store.my_data(50).feedback == []
    assert store.get_question(EVERYTHING, mine_dm.id or 0) is None
    # Others' rows stay; their vote on the deleted question went with it.
    assert store.get_question(EVERYTHING, theirs.id or 0) is not None
    assert store.my_data(51).feedback == []
    # The FAQ entry is the moderator's text: it stays, unlinked.
    [kept] = store.list_faq(MOD_A)
    assert faq is not None
    assert kept.id == faq.id
    assert kept.source_question_id is None


def test_forget_user_in_one_guild(store: QuestionStore, db_url: str, spool_path: Path) -> None:
    a1, a2, b1, dm = log_sync(
        db_url,
        spool_path,
        question("a1", guild_id=GUILD_A, user_id=60),
        question("a2", guild_id=GUILD_A, user_id=60),
        question("b1", guild_id=GUILD_B, user_id=60),
        question("dm", guild_id=None, user_id=60),
    )
    assert store.forget_user(MOD_B, 60).questions == 1
    assert store.forget_user(MOD_B, 60).questions == 0
    assert {q["id"] for q in store.my_data(60).questions} == {a1, a2, dm}
    assert store.forget_user(DMS, 60).questions == 1
    assert {q["id"] for q in store.my_data(60).questions} == {a1, a2}
    del b1


# --- retention, settings, autocomplete, reloads ----------------------------------------------


def test_retention(store: QuestionStore, db_url: str, spool_path: Path) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    old, recent, other_old, dm_old = log_sync(
        db_url,
        spool_path,
        question("old", guild_id=GUILD_A, asked_at=now - timedelta(days=31)),
        question("recent", guild_id=GUILD_A, asked_at=now - timedelta(days=29)),
        question(
            "old, guild without retention", guild_id=GUILD_B, asked_at=now - timedelta(days=400)
        ),
        question("old DM", guild_id=None, asked_at=now - timedelta(days=400)),
    )
    settings = store.set_guild_settings(MOD_A, retention_days=30)
    assert settings.retention_days == 30
    assert store.apply_retention(now) == {GUILD_A: 1}
    assert store.get_question(MOD_A, old) is None
    assert store.get_question(MOD_A, recent) is not None
    assert store.get_question(MOD_B, other_old) is not None  # no setting: kept
    assert store.get_question(DMS, dm_old) is not None  # DMs: kept
    assert store.apply_retention(now) == {}
    with pytest.raises(ValueError, match="at least 1"):
        store.set_guild_settings(MOD_A, retention_days=0)


def test_guild_settings(store: QuestionStore) -> None:
    assert store.get_guild_settings(MOD_A) is None
    store.set_guild_settings(MOD_A, moderator_role_id=5, notify_channel_id=6)
    store.set_guild_settings(MOD_A, retention_days=90)  # others are kept
    settings = store.get_guild_settings(MOD_A)
    assert settings is not None
    assert (settings.moderator_role_id, settings.notify_channel_id, settings.retention_days) == (
        5,
        6,
        90,
    )
    store.set_guild_settings(MOD_A, notify_channel_id=None)  # None clears
    cleared = store.get_guild_settings(MOD_A)
    assert cleared is not None
    assert cleared.notify_channel_id is None
    assert cleared.moderator_role_id == 5
    assert store.get_guild_settings(MOD_B) is None


def test_id_autocomplete(store: QuestionStore, db_url: str, spool_path: Path) -> None:
    texts = [f"question number {i}\nwith a second line" for i in range(1, 131)]
    ids = log_sync(db_url, spool_path, *(question(t, guild_id=GUILD_A) for t in texts))
    assert ids == list(range(1, 131))
    store.dismiss(MOD_A, 130, 5)
    recent = store.id_autocomplete(MOD_A, "")
    assert len(recent) == 25
    assert recent[0][0] == 129  # open questions, newest first
    by_prefix = [i for i, _ in store.id_autocomplete(MOD_A, "12")]
    assert by_prefix == [129, 128, 127, 126, 125, 124, 123, 122, 121, 120, 12]
    assert [i for i, _ in store.id_autocomplete(MOD_A, "#7")] == [
        79,
        78,
        77,
        76,
        75,
        74,
        73,
        72,
        71,
        70,
        7,
    ]
    assert store.id_autocomplete(MOD_A, "0") == []
    assert store.id_autocomplete(MOD_A, "99999") == []
    assert [i for i, _ in store.id_autocomplete(MOD_A, "NUMBER 11")][:2] == [119, 118]
    label = dict(store.id_autocomplete(MOD_A, "42"))[42]
    assert label == "#42 · open · question number 42 with a second line"
    long_id = log_sync(db_url, spool_path, question("y" * 500, guild_id=GUILD_A))[0]
    long_label = dict(store.id_autocomplete(MOD_A, str(long_id)))[long_id]
    assert len(long_label) == 100
    assert long_label.endswith("…")
    # Counted, not timed: digits are matched as id ranges, which the primary key answers,
    # never by turning every id into text (a scan of the whole table on every keystroke).
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.lower().split()))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        assert [i for i, _ in store.id_autocomplete(MOD_A, "1")][:3] == [131, 130, 129]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    queries = [s for s in statements if "questions" in s]
    assert len(queries) == 2, queries  # the highest id, then the matching rows
    assert "max(questions.id)" in queries[0]
    assert "between" in queries[1]
    assert "like" not in queries[1], queries[1]
    assert "cast" not in queries[1], queries[1]


def test_record_reload(store: QuestionStore) -> None:
    """The one writer of the reloads table (geobot.fleet) and the store's reader agree."""
    from geobot.documents.model import LoadIssue
    from geobot.fleet import Fleet
    from geobot.reload import ReloadReport

    started = datetime(2025, 1, 1, tzinfo=UTC)
    report = ReloadReport(
        False,
        "cli",
        started,
        2.0,
        "sha256:def",
        "sha256:def",
        errors=(LoadIssue("data/x.txt", "unknown heading", line=3),),
    )
    rid = Fleet(store.engine, "bot-1").record_result(None, report, 1234567890123456789)
    [row] = store.list_reloads()
    assert row.id == rid
    assert row.process == "bot-1"
    assert row.ok is False
    assert row.errors == [str(report.errors[0])]
    assert row.requested_by == 1234567890123456789
