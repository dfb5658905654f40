"""Moderator and privacy operations on the question log.

Every operation takes a ``Scope``, and the scope is applied inside the SQL of every query,
so guild isolation cannot be forgotten by a caller:

* a guild moderator (``Scope.moderator(guild_id)``) sees only that guild's rows;
* a bot admin sees DM questions (``Scope.bot_admin()``) or any one guild
  (``Scope.bot_admin(guild_id)``);
* an operator at the command line (``Scope.operator()``) sees everything.

A question id outside the scope behaves exactly like an id that does not exist: the same
``None`` or the same ``QuestionNotFound`` with the same message, so a moderator cannot probe
another guild's ids.

The methods are synchronous (one short transaction each). From the bot's event loop, call
them with ``await asyncio.to_thread(store.method, ...)``; only the question writer is on the
hot path. Write transactions start with ``BEGIN IMMEDIATE`` on SQLite (see db.py).

Retention: ``apply_retention()`` deletes a guild's questions older than its
``retention_days``. Guilds without that setting, and DM questions, are kept until deleted by
``forget_user``/``delete_my_data``. FAQ entries survive the deletion of the question they
came from (their ``source_question_id`` becomes NULL): they are the moderators' published
text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session, select

from geobot.questions.db import dialect_insert, make_engine, ulower, utc_day, write_connection
from geobot.questions.faq import FaqEntry, normalise
from geobot.questions.models import (
    Faq,
    Feedback,
    GuildSettings,
    Question,
    QuestionStatus,
    Reload,
    utcnow,
)
from geobot.questions.writer import clean_text

Q = Question.__table__  # type: ignore[attr-defined]
F = Feedback.__table__  # type: ignore[attr-defined]
FAQ = Faq.__table__  # type: ignore[attr-defined]
G = GuildSettings.__table__  # type: ignore[attr-defined]
R = Reload.__table__  # type: ignore[attr-defined]

MAX_PAGE = 500
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
AUTOCOMPLETE_LABEL = 100  # and each choice name is at most 100 characters


# --- errors ----------------------------------------------------------------------------------


class QuestionNotFound(LookupError):
    """No such question in this scope (it may exist in another guild: we do not say)."""

    def __init__(self, question_id: int) -> None:
        super().__init__(f"no question #{question_id}")
        self.question_id = question_id


class FaqNotFound(LookupError):
    def __init__(self, faq_id: int) -> None:
        super().__init__(f"no FAQ entry #{faq_id}")
        self.faq_id = faq_id


class InvalidTransition(ValueError):
    """The question is not in a state that allows this (e.g. dismissing an answered one)."""

    def __init__(self, question_id: int, status: str, action: str) -> None:
        super().__init__(f"question #{question_id} is {status}; cannot {action} it")
        self.question_id = question_id
        self.status = status
        self.action = action


# --- scope and filters -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows an operation may see and change. See the module docstring."""

    guild_id: int | None
    is_bot_admin: bool = False
    # Operators (the CLI) see every guild and the DMs. Only meaningful for bot admins.
    all_guilds: bool = False

    def __post_init__(self) -> None:
        if self.all_guilds and (not self.is_bot_admin or self.guild_id is not None):
            raise ValueError("all_guilds is for bot admins without a guild")

    @classmethod
    def moderator(cls, guild_id: int) -> Scope:
        return cls(guild_id, is_bot_admin=False)

    @classmethod
    def bot_admin(cls, guild_id: int | None = None) -> Scope:
        """A bot admin acting on DM questions (no guild) or on one guild."""
        return cls(guild_id, is_bot_admin=True)

    @classmethod
    def operator(cls) -> Scope:
        return cls(None, is_bot_admin=True, all_guilds=True)

    def clause(self, guild_column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        if self.all_guilds:
            return sa.true()
        if self.guild_id is not None:
            return guild_column == self.guild_id
        if self.is_bot_admin:
            return guild_column.is_(None)  # DMs
        # A moderator without a guild (e.g. in a DM) sees nothing, rather than everything.
        return sa.false()

    def allows(self, guild_id: int | None) -> bool:
        if self.all_guilds:
            return True
        if self.guild_id is not None:
            return guild_id == self.guild_id
        return self.is_bot_admin and guild_id is None


@dataclass(frozen=True, slots=True)
class QuestionFilter:
    status: QuestionStatus | str | None = None
    flagged: bool | None = None
    user_id: int | None = None  # the asker
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    text: str | None = None  # case-insensitive substring of the question

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in {s.value for s in QuestionStatus}:
            allowed = ", ".join(s.value for s in QuestionStatus)
            raise ValueError(f"unknown status {self.status!r}; expected one of {allowed}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if self.status is not None:
            out.append(Q.c.status == str(self.status))
        if self.flagged is not None:
            out.append(Q.c.flagged == self.flagged)
        if self.user_id is not None:
            out.append(Q.c.user_id == self.user_id)
        if self.since is not None:
            out.append(Q.c.created_at >= self.since)
        if self.until is not None:
            out.append(Q.c.created_at < self.until)
        if self.text:
            out.append(ulower(Q.c.text).contains(self.text.lower(), autoescape=True))
        return out


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionPage:
    items: list[Question]
    total: int  # matching rows in scope, ignoring limit/offset
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class VoteCounts:
    helpful: int
    unhelpful: int


@dataclass(frozen=True, slots=True)
class AnswerResult:
    question: Question
    faq: FaqEntry | None


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    open: int = 0
    answered: int = 0
    dismissed: int = 0
    waiting: int = 0  # open and flagged: the moderators' queue (included in ``open``)

    @property
    def total(self) -> int:
        return self.open + self.answered + self.dismissed


@dataclass(frozen=True, slots=True)
class Theme:
    representative: str  # the most recent question of the group
    count: int
    question_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Stats:
    since: datetime | None
    total: int
    by_status: dict[str, int]
    waiting: int  # open and flagged
    by_day: list[DayCount]  # UTC days, oldest first, with empty days filled in
    votes: int
    helpful_votes: int
    helpful_rate: float | None  # helpful / all votes; None without votes
    themes: list[Theme]  # most frequent unanswered themes first

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "total": self.total,
            "by_status": self.by_status,
            "waiting": self.waiting,
            "by_day": [
                {
                    "day": d.day.isoformat(),
                    "open": d.open,
                    "answered": d.answered,
                    "dismissed": d.dismissed,
                    "waiting": d.waiting,
                }
                for d in self.by_day
            ],
            "votes": self.votes,
            "helpful_votes": self.helpful_votes,
            "helpful_rate": self.helpful_rate,
            "themes": [
                {
                    "representative": t.representative,
                    "count": t.count,
                    "question_ids": list(t.question_ids),
                }
                for t in self.themes
            ],
        }


@dataclass(frozen=True, slots=True)
class ForgetResult:
    questions: int
    feedback: int


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything the question log holds about one Discord user."""

    user_id: int
    questions: list[dict[str, Any]]
    feedback: list[dict[str, Any]]

    def to_json(self) -> bytes:
        body = {
            "user_id": str(self.user_id),
            "questions": self.questions,
            "feedback": self.feedback,
        }
        return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


_UNSET: Any = object()

ExportFormat = Literal["csv", "jsonl"]
EXPORT_COLUMNS = (
    "id",
    "interaction_id",
    "guild_id",
    "channel_id",
    "user_id",
    "created_at",
    "command",
    "text",
    "answered",
    "flagged",
    "status",
    "results",
    "digest",
    "answer_text",
    "resolved_by",
    "resolved_at",
    "dismiss_reason",
    "helpful_votes",
    "unhelpful_votes",
)
# Spreadsheets run a cell starting with one of these as a formula ("=HYPERLINK(...)"), and
# skip leading spaces and line breaks to find it (" =1+1" is a formula in LibreOffice and
# Excel alike); a tab or carriage return first is a formula start of its own (OWASP).
_FORMULA_START = ("=", "+", "-", "@")
_FORMULA_CONTROL = ("\t", "\r")


# --- the store -------------------------------------------------------------------------------


class QuestionStore:
    def __init__(self, database: str | URL | Engine) -> None:
        self._owns_engine = not isinstance(database, Engine)
        self.engine = database if isinstance(database, Engine) else make_engine(database)
        self._faq_listeners: list[Callable[[int | None], None]] = []

    @classmethod
    def from_settings(cls) -> QuestionStore:
        from geobot.settings import get_settings

        return cls(get_settings().database_url)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with (
            write_connection(self.engine) as conn,
            conn.begin(),
            Session(bind=conn, expire_on_commit=False) as session,
        ):
            yield session
            session.flush()

    # questions

    def list_questions(
        self,
        scope: Scope,
        filters: QuestionFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> QuestionPage:
        """Questions in scope matching ``filters``, newest first, with the total count."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        where = [scope.clause(Q.c.guild_id), *(filters or QuestionFilter()).clauses()]
        with self._read() as session:
            total = session.execute(sa.select(sa.func.count()).select_from(Q).where(*where))
            items = session.exec(
                select(Question)
                .where(*where)
                .order_by(Q.c.created_at.desc(), Q.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return QuestionPage(list(items), int(total.scalar_one()), limit, offset)

    def get_question(self, scope: Scope, question_id: int) -> Question | None:
        with self._read() as session:
            return self._get(session, scope, question_id)

    @staticmethod
    def _get(session: Session, scope: Scope, question_id: int) -> Question | None:
        return session.exec(
            select(Question).where(Q.c.id == question_id, scope.clause(Q.c.guild_id))
        ).first()

    def get_votes(self, scope: Scope, question_id: int) -> VoteCounts:
        with self._read() as session:
            if self._get(session, scope, question_id) is None:
                raise QuestionNotFound(question_id)
            rows = session.execute(
                sa.select(F.c.helpful, sa.func.count())
                .where(F.c.question_id == question_id)
                .group_by(F.c.helpful)
            ).all()
        counts = {bool(helpful): n for helpful, n in rows}
        return VoteCounts(counts.get(True, 0), counts.get(False, 0))

    def _apply_transition(
        self,
        session: Session,
        scope: Scope,
        question_id: int,
        action: str,
        allowed_from: Sequence[QuestionStatus],
        values: dict[str, Any],
    ) -> Question:
        # A conditional UPDATE, so that two moderators clicking at once cannot both win.
        result = session.execute(
            sa.update(Q)
            .where(
                Q.c.id == question_id,
                scope.clause(Q.c.guild_id),
                Q.c.status.in_([s.value for s in allowed_from]),
            )
            .values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            current = self._get(session, scope, question_id)
            if current is None:
                raise QuestionNotFound(question_id)
            raise InvalidTransition(question_id, current.status, action)
        question = self._get(session, scope, question_id)
        assert question is not None
        session.refresh(question)
        return question

    def answer_question(
        self,
        scope: Scope,
        question_id: int,
        text: str,
        moderator_id: int,
        add_to_faq: bool = False,
        *,
        now: datetime | None = None,
    ) -> AnswerResult:
        """Record a moderator's answer (open -> answered; answering again edits the answer).

        With ``add_to_faq`` the question and answer also become an FAQ entry of the
        question's guild (the DM FAQ for a DM question).
        """
        text = clean_text(text).strip()
        if not text:
            raise ValueError("the answer is empty")
        now = now or utcnow()
        faq_entry: FaqEntry | None = None
        with self._write() as session:
            question = self._apply_transition(
                session,
                scope,
                question_id,
                "answer",
                (QuestionStatus.OPEN, QuestionStatus.ANSWERED),
                {
                    "status": QuestionStatus.ANSWERED.value,
                    "answer_text": text,
                    "resolved_by": moderator_id,
                    "resolved_at": now,
                    "dismiss_reason": None,
                },
            )
            if add_to_faq:
                faq_entry = self._insert_faq(
                    session, question.guild_id, question.text, text, moderator_id, question.id, now
                )
        if faq_entry is not None:
            self._faq_changed(faq_entry.guild_id)
        return AnswerResult(question, faq_entry)

    def dismiss(
        self,
        scope: Scope,
        question_id: int,
        moderator_id: int,
        reason: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Question:
        """open -> dismissed (spam, off-topic, duplicate...)."""
        with self._write() as session:
            return self._apply_transition(
                session,
                scope,
                question_id,
                "dismiss",
                (QuestionStatus.OPEN,),
                {
                    "status": QuestionStatus.DISMISSED.value,
                    "resolved_by": moderator_id,
                    "resolved_at": now or utcnow(),
                    "dismiss_reason": (clean_text(reason).strip() or None) if reason else None,
                },
            )

    def reopen(self, scope: Scope, question_id: int) -> Question:
        """answered/dismissed -> open, clearing the resolution (an FAQ entry made from it stays)."""
        with self._write() as session:
            return self._apply_transition(
                session,
                scope,
                question_id,
                "reopen",
                (QuestionStatus.ANSWERED, QuestionStatus.DISMISSED),
                {
                    "status": QuestionStatus.OPEN.value,
                    "answer_text": None,
                    "resolved_by": None,
                    "resolved_at": None,
                    "dismiss_reason": None,
                },
            )

    # FAQ

    def add_faq_listener(self, listener: Callable[[int | None], None]) -> None:
        """Call ``listener(guild_id)`` after an FAQ entry of that guild is added or deleted."""
        self._faq_listeners.append(listener)

    def _faq_changed(self, guild_id: int | None) -> None:
        for listener in self._faq_listeners:
            listener(guild_id)

    @staticmethod
    def _insert_faq(
        session: Session,
        guild_id: int | None,
        question: str,
        answer: str,
        created_by: int | None,
        source_question_id: int | None,
        now: datetime,
    ) -> FaqEntry:
        row = Faq(
            guild_id=guild_id,
            question=question,
            answer=answer,
            source_question_id=source_question_id,
            created_by=created_by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return _faq_entry(row)

    def add_faq(
        self,
        scope: Scope,
        question: str,
        answer: str,
        created_by: int | None,
        *,
        source_question_id: int | None = None,
    ) -> FaqEntry:
        """Add an FAQ entry to the scope's guild (the DM FAQ for ``Scope.bot_admin()``)."""
        if scope.all_guilds:
            raise ValueError("say which guild the FAQ entry is for")
        if not scope.is_bot_admin and scope.guild_id is None:
            raise ValueError("a moderator scope needs a guild")
        question, answer = clean_text(question).strip(), clean_text(answer).strip()
        if not question or not answer:
            raise ValueError("an FAQ entry needs a question and an answer")
        with self._write() as session:
            if (
                source_question_id is not None
                and self._get(session, scope, source_question_id) is None
            ):
                raise QuestionNotFound(source_question_id)
            entry = self._insert_faq(
                session, scope.guild_id, question, answer, created_by, source_question_id, utcnow()
            )
        self._faq_changed(entry.guild_id)
        return entry

    def list_faq(self, scope: Scope) -> list[FaqEntry]:
        with self._read() as session:
            rows = session.exec(
                select(Faq).where(scope.clause(FAQ.c.guild_id)).order_by(FAQ.c.id)
            ).all()
        return [_faq_entry(r) for r in rows]

    def delete_faq(self, scope: Scope, faq_id: int) -> FaqEntry:
        with self._write() as session:
            row = session.exec(
                select(Faq).where(FAQ.c.id == faq_id, scope.clause(FAQ.c.guild_id))
            ).first()
            if row is None:
                raise FaqNotFound(faq_id)
            entry = _faq_entry(row)
            session.delete(row)
        self._faq_changed(entry.guild_id)
        return entry

    def faq_entries_for(self, guild_id: int | None) -> list[FaqEntry]:
        """All FAQ entries of one guild (None: the DM FAQ). For FaqMatcher."""
        cond = FAQ.c.guild_id.is_(None) if guild_id is None else FAQ.c.guild_id == guild_id
        with self._read() as session:
            return [_faq_entry(r) for r in session.exec(select(Faq).where(cond)).all()]

    def all_faq_entries(self) -> list[FaqEntry]:
        with self._read() as session:
            return [_faq_entry(r) for r in session.exec(select(Faq)).all()]

    # statistics

    def stats(self, scope: Scope, since: datetime | None = None, *, max_themes: int = 10) -> Stats:
        """Counts by status and by UTC day, the helpful rate, and unanswered themes."""
        if since is not None and since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        where = [scope.clause(Q.c.guild_id)]
        if since is not None:
            where.append(Q.c.created_at >= since)
        day = utc_day(Q.c.created_at)
        with self._read() as session:
            rows = session.execute(
                sa.select(day, Q.c.status, Q.c.flagged, sa.func.count())
                .where(*where)
                .group_by(day, Q.c.status, Q.c.flagged)
            ).all()
            votes = session.execute(
                sa.select(F.c.helpful, sa.func.count())
                .select_from(F.join(Q, F.c.question_id == Q.c.id))
                .where(*where)
                .group_by(F.c.helpful)
            ).all()
            unanswered = session.execute(
                sa.select(Q.c.id, Q.c.text)
                .where(*where, Q.c.status == QuestionStatus.OPEN.value, Q.c.flagged.is_(True))
                .order_by(Q.c.created_at.desc(), Q.c.id.desc())
                .limit(5000)  # themes are about recent trouble; bound the clustering work
            ).all()

        by_status = {s.value: 0 for s in QuestionStatus}
        days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        waiting = 0
        for day_text, status, flagged, count in rows:
            the_day = date.fromisoformat(str(day_text))
            by_status[status] = by_status.get(status, 0) + count
            days[the_day][status] += count
            if status == QuestionStatus.OPEN.value and flagged:
                days[the_day]["waiting"] += count
                waiting += count
        by_day: list[DayCount] = []
        if days:
            first, last = min(days), max(days)
            for offset in range((last - first).days + 1):
                d = first + timedelta(days=offset)
                c = days.get(d, {})
                by_day.append(
                    DayCount(
                        d,
                        c.get("open", 0),
                        c.get("answered", 0),
                        c.get("dismissed", 0),
                        c.get("waiting", 0),
                    )
                )
        vote_counts = {bool(h): n for h, n in votes}
        helpful, total_votes = vote_counts.get(True, 0), sum(vote_counts.values())
        return Stats(
            since=since,
            total=sum(by_status.values()),
            by_status=by_status,
            waiting=waiting,
            by_day=by_day,
            votes=total_votes,
            helpful_votes=helpful,
            helpful_rate=helpful / total_votes if total_votes else None,
            themes=cluster_themes([(i, t) for i, t in unanswered], limit=max_themes),
        )

    # export

    def export(
        self,
        scope: Scope,
        filters: QuestionFilter | None = None,
        format: ExportFormat = "csv",
    ) -> bytes:
        """Questions in scope as CSV (UTF-8 with BOM, for spreadsheets) or JSON lines.

        CSV cells that a spreadsheet would run as a formula get a leading single quote.
        """
        if format not in ("csv", "jsonl"):
            raise ValueError(f"unknown export format {format!r}; expected csv or jsonl")
        records = self._export_rows(scope, filters)
        if format == "jsonl":
            out = io.StringIO()
            for record in records:
                out.write(json.dumps(to_json_dict(record), ensure_ascii=False))
                out.write("\n")
            return out.getvalue().encode("utf-8")
        out = io.StringIO(newline="")
        writer = csv.writer(out)  # RFC 4180: quotes, commas and newlines inside cells round-trip
        writer.writerow(EXPORT_COLUMNS)
        for record in records:
            writer.writerow([_csv_cell(record[c]) for c in EXPORT_COLUMNS])
        # The BOM makes Excel read UTF-8 (emoji, Arabic, Hebrew...) instead of a code page.
        return out.getvalue().encode("utf-8-sig")

    def _export_rows(self, scope: Scope, filters: QuestionFilter | None) -> list[dict[str, Any]]:
        votes = (
            sa.select(
                F.c.question_id,
                sa.func.sum(sa.case((F.c.helpful.is_(True), 1), else_=0)).label("up"),
                sa.func.sum(sa.case((F.c.helpful.is_(False), 1), else_=0)).label("down"),
            )
            .group_by(F.c.question_id)
            .subquery()
        )
        stmt = (
            sa.select(Q, votes.c.up, votes.c.down)
            .select_from(Q.outerjoin(votes, votes.c.question_id == Q.c.id))
            .where(scope.clause(Q.c.guild_id), *(filters or QuestionFilter()).clauses())
            .order_by(Q.c.created_at, Q.c.id)
        )
        out: list[dict[str, Any]] = []
        with self._read() as session:
            for row in session.execute(stmt).mappings():
                record = {c: row[c] for c in EXPORT_COLUMNS[:-2]}
                record["helpful_votes"] = int(row["up"] or 0)
                record["unhelpful_votes"] = int(row["down"] or 0)
                out.append(record)
        return out

    # privacy

    def forget_user(self, scope: Scope, user_id: int) -> ForgetResult:
        """Delete a member's questions (with all votes on them) and the member's votes.

        A moderator deletes only what is in their guild; ``delete_my_data`` deletes
        everywhere.
        """
        in_scope = scope.clause(Q.c.guild_id)
        with self._write() as session:
            their_questions = sa.select(Q.c.id).where(Q.c.user_id == user_id, in_scope)
            their_votes = session.execute(
                sa.delete(F).where(
                    F.c.user_id == user_id,
                    F.c.question_id.in_(sa.select(Q.c.id).where(in_scope)),
                )
            ).rowcount  # type: ignore[attr-defined]
            # Other readers' votes on the deleted questions go with them.
            session.execute(sa.delete(F).where(F.c.question_id.in_(their_questions)))
            # FAQ entries are the moderators' text and stay; only the link goes.
            session.execute(
                sa.update(FAQ)
                .where(FAQ.c.source_question_id.in_(their_questions))
                .values(source_question_id=None)
            )
            questions = session.execute(
                sa.delete(Q).where(Q.c.user_id == user_id, in_scope)
            ).rowcount  # type: ignore[attr-defined]
        return ForgetResult(questions=questions, feedback=their_votes)

    def delete_my_data(self, user_id: int) -> ForgetResult:
        """A user deleting everything the log holds about them, in every guild and DM."""
        return self.forget_user(Scope.operator(), user_id)

    def my_data(self, user_id: int) -> MyData:
        """Everything stored about ``user_id``: their questions and their votes (/mydata)."""
        with self._read() as session:
            questions = session.execute(
                sa.select(Q).where(Q.c.user_id == user_id).order_by(Q.c.created_at, Q.c.id)
            ).mappings()
            q_rows = [
                to_json_dict({k: v for k, v in row.items() if k != "client_key"})
                for row in questions
            ]
            feedback = session.execute(
                sa.select(F, Q.c.guild_id)
                .select_from(F.join(Q, F.c.question_id == Q.c.id))
                .where(F.c.user_id == user_id)
                .order_by(F.c.created_at, F.c.id)
            ).mappings()
            f_rows = [
                to_json_dict(
                    {
                        "question_id": row["question_id"],
                        "guild_id": row["guild_id"],
                        "helpful": row["helpful"],
                        "created_at": row["created_at"],
                        "updated_at": row["updated_at"],
                    }
                )
                for row in feedback
            ]
        return MyData(user_id, q_rows, f_rows)

    # guild settings and retention

    def get_guild_settings(self, scope: Scope) -> GuildSettings | None:
        guild_id = _require_guild(scope)
        with self._read() as session:
            return session.get(GuildSettings, guild_id)

    def set_guild_settings(
        self,
        scope: Scope,
        *,
        moderator_role_id: int | None = _UNSET,
        notify_channel_id: int | None = _UNSET,
        retention_days: int | None = _UNSET,
    ) -> GuildSettings:
        """Change the given settings (pass None to clear one; omitted ones are kept)."""
        guild_id = _require_guild(scope)
        changes: dict[str, Any] = {
            k: v
            for k, v in (
                ("moderator_role_id", moderator_role_id),
                ("notify_channel_id", notify_channel_id),
                ("retention_days", retention_days),
            )
            if v is not _UNSET
        }
        if changes.get("retention_days") is not None and changes["retention_days"] < 1:
            raise ValueError("retention_days must be at least 1 (or None to keep everything)")
        changes["updated_at"] = utcnow()
        with self._write() as session:
            stmt = dialect_insert(session.get_bind().dialect.name, G).values(
                guild_id=guild_id, **changes
            )
            session.execute(stmt.on_conflict_do_update(index_elements=[G.c.guild_id], set_=changes))
            settings = session.get(GuildSettings, guild_id)
            assert settings is not None
            session.refresh(settings)
            return settings

    def apply_retention(self, now: datetime | None = None) -> dict[int, int]:
        """Delete questions older than their guild's ``retention_days``; {guild: deleted}.

        Guilds without retention_days, and DM questions, keep everything.
        """
        now = now or utcnow()
        deleted: dict[int, int] = {}
        with self._read() as session:
            policies = session.execute(
                sa.select(G.c.guild_id, G.c.retention_days).where(G.c.retention_days.is_not(None))
            ).all()
        for guild_id, days in policies:
            cutoff = now - timedelta(days=days)
            with self._write() as session:
                old = sa.select(Q.c.id).where(Q.c.guild_id == guild_id, Q.c.created_at < cutoff)
                session.execute(sa.delete(F).where(F.c.question_id.in_(old)))
                session.execute(
                    sa.update(FAQ)
                    .where(FAQ.c.source_question_id.in_(old))
                    .values(source_question_id=None)
                )
                count = session.execute(
                    sa.delete(Q).where(Q.c.guild_id == guild_id, Q.c.created_at < cutoff)
                ).rowcount  # type: ignore[attr-defined]
            if count:
                deleted[guild_id] = count
        return deleted

    # moderator conveniences

    def id_autocomplete(self, scope: Scope, prefix: str) -> list[tuple[int, str]]:
        """Up to 25 (id, label) choices for a question-id option, newest first.

        Digits match ids that start with them (as id ranges, so the primary key index is
        used); other text matches the question text; nothing lists the open questions.
        """
        prefix = prefix.strip().lstrip("#").strip()
        where: list[sa.ColumnElement[bool]] = [scope.clause(Q.c.guild_id)]
        order: list[Any] = [Q.c.id.desc()]
        with self._read() as session:
            if not prefix:
                where.append(Q.c.status == QuestionStatus.OPEN.value)
                order = [Q.c.created_at.desc(), Q.c.id.desc()]
            elif prefix.isdigit() and prefix.isascii():
                max_id = session.execute(sa.select(sa.func.max(Q.c.id))).scalar() or 0
                ranges = _id_ranges(prefix, max_id)
                if not ranges:
                    return []
                where.append(sa.or_(*(Q.c.id.between(lo, hi) for lo, hi in ranges)))
            else:
                where.append(ulower(Q.c.text).contains(prefix.lower(), autoescape=True))
            rows = session.execute(
                sa.select(Q.c.id, Q.c.status, Q.c.text)
                .where(*where)
                .order_by(*order)
                .limit(AUTOCOMPLETE_LIMIT)
            ).all()
        return [(row_id, _label(row_id, status, text)) for row_id, status, text in rows]

    # reloads: written by geobot.fleet (each process's answer to a reload request)

    def list_reloads(self, limit: int = 20) -> list[Reload]:
        with self._read() as session:
            return list(
                session.exec(
                    select(Reload).order_by(R.c.started_at.desc(), R.c.id.desc()).limit(limit)
                ).all()
            )


# --- helpers -----------------------------------------------------------------------------------


def _require_guild(scope: Scope) -> int:
    if scope.guild_id is None:
        raise ValueError("guild settings need a scope with a guild")
    return scope.guild_id


def _faq_entry(row: Faq) -> FaqEntry:
    assert row.id is not None
    return FaqEntry(
        id=row.id,
        guild_id=row.guild_id,
        question=row.question,
        answer=row.answer,
        source_question_id=row.source_question_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _id_ranges(digits: str, max_id: int) -> list[tuple[int, int]]:
    """Inclusive id ranges whose decimal form starts with ``digits``, up to ``max_id``."""
    if digits.startswith("0"):
        return []  # ids start at 1 and have no leading zeros
    prefix, scale = int(digits), 1
    ranges: list[tuple[int, int]] = []
    while prefix * scale <= max_id:
        ranges.append((prefix * scale, (prefix + 1) * scale - 1))
        scale *= 10
    return ranges


_SPACES = re.compile(r"\s+")


def _label(question_id: int, status: str, text: str) -> str:
    label = f"#{question_id} · {status} · {_SPACES.sub(' ', text).strip()}"
    if len(label) > AUTOCOMPLETE_LABEL:
        label = label[: AUTOCOMPLETE_LABEL - 1].rstrip() + "…"
    return label


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(_FORMULA_CONTROL) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


# Discord ids go out as strings in JSON, as Discord's own API does: they exceed the 2**53
# integers that JavaScript and jq can hold exactly.
SNOWFLAKE_FIELDS = frozenset(
    {"interaction_id", "guild_id", "channel_id", "user_id", "resolved_by", "created_by"}
)


def to_json_dict(row: Any) -> dict[str, Any]:
    """A question (model or row mapping) or any row as JSON-ready data, snowflakes as text."""
    data = row.model_dump() if hasattr(row, "model_dump") else dict(row)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in SNOWFLAKE_FIELDS and value is not None:
            value = str(value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        out[key] = value
    return out


# --- unanswered themes -------------------------------------------------------------------------

_STOPWORD_TEXT = """a an the is are was were be been being do does did doing what who whom
    whose which why
    how when where of in on at to for with by about from into over and or but not no nor so
    if than then this that these those it its as there their they them he she his her him i
    me my we our us you your will would can could should shall may might must has have had
    any some all more most such own same very just also s t"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _theme_key(text: str) -> str:
    words = normalise(text).split()
    content = [w for w in words if w not in _STOPWORDS]
    # "What is it?" has no content words; keep it comparable to itself at least.
    return " ".join(content or words)


def cluster_themes(
    questions: Sequence[tuple[int, str]], *, threshold: float = 70.0, limit: int = 10
) -> list[Theme]:
    """Greedy clustering of question texts, most recent first in, biggest groups out.

    Each question joins the first group whose representative scores ``token_set_ratio >=
    threshold`` against it (stop words removed, so "what is the..." does not make questions
    alike), else starts a group.
    """
    representatives: list[str] = []
    groups: list[tuple[str, list[int]]] = []
    for question_id, text in questions:
        key = _theme_key(text)
        found = None
        if key and representatives:
            found = process.extractOne(
                key, representatives, scorer=fuzz.token_set_ratio, score_cutoff=threshold
            )
        if found is not None:
            groups[found[2]][1].append(question_id)
        else:
            representatives.append(key)
            groups.append((text, [question_id]))
    ranked = sorted(groups, key=lambda g: len(g[1]), reverse=True)[:limit]
    return [Theme(text, len(ids), tuple(ids)) for text, ids in ranked]


__all__ = [
    "AnswerResult",
    "DayCount",
    "FaqNotFound",
    "ForgetResult",
    "InvalidTransition",
    "MyData",
    "QuestionFilter",
    "QuestionNotFound",
    "QuestionPage",
    "QuestionStore",
    "Scope",
    "Stats",
    "Theme",
    "VoteCounts",
    "cluster_themes",
]
