"""The shell's commands beyond the readers': the question log, /mydata, /reload, /status.

Each one calls the same store and renderers as the bot's cogs (geobot.bot.cogs.*), for the
shell's local server; what Discord does around them (a form, a confirm button, a notice to
the asker) the shell does in its own plain way: text comes as an option, a deletion is done
at once, and the asker is the person at the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord

import geobot
from geobot.bot.cogs.moderators import (
    LIST_LIMIT,
    STATS_DEFAULT_DAYS,
    describe_filters,
    faq_pages,
    list_pages,
    not_found,
    parse_question_id,
    parse_since,
    question_embed,
    refusals,
    stats_embed,
)
from geobot.bot.cogs.privacy import mydata_pages
from geobot.bot.tree import UserFacingError
from geobot.library import Library
from geobot.questions.export import export_filename, export_questions
from geobot.questions.models import utcnow
from geobot.questions.store import (
    FaqNotFound,
    QuestionFilter,
    QuestionStore,
    Scope,
)
from geobot.questions.writer import NewQuestion
from geobot.search.passages import Answer
from geobot.shell import LOCAL_CHANNEL, LOCAL_USER, Session

Reply = list[discord.Embed] | str
WHERE = "this shell's server"
NO_LOG = "The question log is not open in this shell (start it with `geobot shell`)."
LOGGED_RESULTS = 5  # as the bot logs (geobot.bot.cogs.readers)


def log_question(session: Session, answer: Answer, library: Library) -> None:
    """Log a question asked in the shell as the bot logs one asked in a server."""
    assert session.question_log is not None
    session.question_log.record_sync(
        NewQuestion(
            interaction_id=session.next_interaction_id(),
            guild_id=session.guild_id,
            channel_id=LOCAL_CHANNEL,
            user_id=session.user_id,
            text=answer.question,
            command="shell",
            results=[(hit.id, hit.score) for hit in answer.hits[:LOGGED_RESULTS]],
            answered=answer.answered,
            digest=library.documents.digest,
        )
    )


def _store(session: Session) -> QuestionStore:
    if session.store is None:
        raise UserFacingError(NO_LOG)
    return session.store


def _scope(session: Session) -> Scope:
    if session.role == "admin":
        return Scope.bot_admin(session.guild_id)
    return Scope.moderator(session.guild_id)


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "yes", "1"):
        return True
    if value.lower() in ("false", "no", "0"):
        return False
    raise UserFacingError(f"“{value}” is not true or false.")


def _number(value: str | None) -> int | None:
    """An id (a user, a role, a channel: typed as a number, or `me`) or a count of days."""
    if value is None:
        return None
    digits = value.strip("<@!&#> ")
    if value.strip().lower() in ("me", "you"):
        return LOCAL_USER
    if not (digits.isascii() and digits.isdigit() and int(digits) < 2**63):
        raise UserFacingError(f"“{value}” is not a number (or `me`, for yourself).")
    return int(digits)


def _filters(options: dict[str, str]) -> QuestionFilter:
    since = options.get("since")
    try:
        return QuestionFilter(
            status=options.get("status"),
            flagged=_flag(options.get("flagged")),
            user_id=_number(options.get("asker")),
            since=parse_since(since, utcnow()) if since else None,
            text=options.get("text") or None,
        )
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None


# -- reading ------------------------------------------------------------------------------


def questions_list(session: Session, options: dict[str, str]) -> Reply:
    filters = _filters(options)
    page = _store(session).list_questions(_scope(session), filters, limit=LIST_LIMIT)
    heading = f"Questions in {WHERE}"
    return list_pages(
        page.items, page.total, heading, describe_filters(filters, options.get("since"))
    )


def questions_show(session: Session, options: dict[str, str]) -> Reply:
    store, scope = _store(session), _scope(session)
    qid = parse_question_id(options.get("id", ""))
    question = store.get_question(scope, qid)
    if question is None:
        raise not_found(qid)
    votes = store.get_votes(scope, qid)
    return [question_embed(question, votes.helpful, votes.unhelpful)]


def questions_stats(session: Session, options: dict[str, str]) -> Reply:
    since = options.get("since") or f"{STATS_DEFAULT_DAYS}d"
    start = parse_since(since, utcnow())
    stats = _store(session).stats(_scope(session), start)
    period = "All time" if start is None else f"Since {discord.utils.format_dt(start, 'D')}"
    return [stats_embed(stats, WHERE, period, chart=False)]


def questions_export(session: Session, options: dict[str, str]) -> Reply:
    fmt = options.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise UserFacingError(f"format:{fmt} is not csv or jsonl.")
    store, scope, filters = _store(session), _scope(session), _filters(options)
    count = store.list_questions(scope, filters, limit=1).total
    if count == 0:
        return f"No questions match ({describe_filters(filters, options.get('since'))})."
    target = Path(export_filename(scope, fmt, utcnow()))  # type: ignore[arg-type]
    if target.exists():
        raise UserFacingError(f"{target} exists already: move it away first.")
    target.write_bytes(export_questions(store, scope, filters, fmt))  # type: ignore[arg-type]
    return f"{count} question(s) written to {target.resolve()}."


def faq_list(session: Session, options: dict[str, str]) -> Reply:
    entries = list(reversed(_store(session).list_faq(_scope(session))))
    return faq_pages(entries, f"FAQ of {WHERE}")


# -- acting -------------------------------------------------------------------------------


def questions_answer(session: Session, options: dict[str, str]) -> Reply:
    qid = parse_question_id(options.get("id", ""))
    text = options.get("text")
    if not text:
        raise UserFacingError("Give the answer as text: `/questions answer 3 text:…`.")
    add = bool(_flag(options.get("add_to_faq")))
    with refusals(qid, "answer"):
        result = _store(session).answer_question(_scope(session), qid, text, session.user_id, add)
    lines = [f"Answered question #{qid}. In Discord, the asker is told where they asked."]
    if result.faq is not None:
        lines.append(f"Added to the FAQ (entry {result.faq.id}).")
    return "\n".join(lines)


def questions_dismiss(session: Session, options: dict[str, str]) -> Reply:
    qid = parse_question_id(options.get("id", ""))
    reason = options.get("reason")
    with refusals(qid, "dismiss"):
        _store(session).dismiss(_scope(session), qid, session.user_id, reason)
    return f"Dismissed question #{qid}. The asker is not told."


def questions_reopen(session: Session, options: dict[str, str]) -> Reply:
    qid = parse_question_id(options.get("id", ""))
    with refusals(qid, "reopen"):
        _store(session).reopen(_scope(session), qid)
    return f"Reopened question #{qid}."


def questions_forget(session: Session, options: dict[str, str]) -> Reply:
    user_id = _number(options.get("user"))
    if user_id is None:
        raise UserFacingError("Whose data? `/questions forget user:<id>`.")
    result = _store(session).forget_user(_scope(session), user_id)
    return f"Deleted {result.questions} question(s) and {result.feedback} vote(s) of {user_id}."


def faq_delete(session: Session, options: dict[str, str]) -> Reply:
    fid = parse_question_id(options.get("id", ""))
    try:
        _store(session).delete_faq(_scope(session), fid)
    except FaqNotFound:
        raise UserFacingError(f"There is no FAQ entry #{fid} here.") from None
    return f"Deleted FAQ entry #{fid}."


def questions_settings(session: Session, options: dict[str, str]) -> Reply:
    changes: dict[str, int | None] = {}
    for option, column in (
        ("moderator_role", "moderator_role_id"),
        ("notify_channel", "notify_channel_id"),
        ("retention_days", "retention_days"),
    ):
        if option in options:
            changes[column] = _number(options[option])
    if "clear" in options:
        key = options["clear"]
        changes[key if key == "retention_days" else f"{key}_id"] = None
    store, scope = _store(session), Scope.moderator(session.guild_id)
    try:
        current = store.set_guild_settings(scope, **changes) if changes else None
    except TypeError:
        raise UserFacingError(
            "clear: takes moderator_role, notify_channel or retention_days."
        ) from None
    current = current or store.get_guild_settings(scope)
    if current is None:
        return "No settings yet."
    return (
        f"Moderator role: {current.moderator_role_id or 'not set'}\n"
        f"Notify channel: {current.notify_channel_id or 'not set'}\n"
        f"Retention: {current.retention_days or 'not set'} day(s)"
    )


class _NoGuilds:
    """The shell knows no Discord servers: /mydata names them by id."""

    def get_guild(self, guild_id: int) -> None:
        return None


def mydata(session: Session, options: dict[str, str]) -> Reply:
    data = _store(session).my_data(session.user_id)
    if not data.questions and not data.feedback:
        return "geobot stores nothing about you: no questions and no votes."
    return mydata_pages(_NoGuilds(), data)  # type: ignore[arg-type]


# -- admins -------------------------------------------------------------------------------


def reload(session: Session, options: dict[str, str]) -> Reply:
    """Reload here and, with a shared database, ask every running bot process to follow."""
    if session.holder is None:
        raise UserFacingError("This shell was started without a document folder to reload.")
    request_id = None
    if session.fleet is not None:
        request_id = session.fleet.request_reload("shell", session.user_id)
    report = session.run(session.holder.reload("shell"))
    if session.fleet is not None:
        session.fleet.record_result(request_id, report, session.user_id)  # type: ignore[arg-type]
    lines = report.lines()  # type: ignore[attr-defined]
    if session.fleet is not None:
        lines.append("Running bot processes follow within a few seconds (see /status).")
    return "\n".join(lines)


def status(session: Session, options: dict[str, str]) -> Reply:
    library = session.library
    stats = library.stats()
    uptime = str(datetime.now(UTC) - session.started_at).split(".")[0]
    lines = [
        f"geobot {geobot.__version__}, shell up {uptime}",
        f"Documents: {stats['documents']} ({stats['curated']} curated), "
        f"{stats['passages']} passages; set {library.documents.digest[:12]}",
        # As /status in Discord: whether answers use meaning or fall back to words only.
        f"Semantic index: {'on' if library.semantic else 'off (lexical search only)'}",
    ]
    if session.store is not None:
        counts = session.store.stats(Scope.operator(), max_themes=0).by_status
        backend = session.store.engine.dialect.name
        lines.append(f"Questions ({backend}): " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    if session.fleet is not None:
        live = session.fleet.live(timedelta(minutes=2))
        lines.append(f"Bot processes: {', '.join(p.label for p in live) or 'none running'}")
    return "\n".join(lines)


HANDLERS: dict[str, Callable[[Session, dict[str, str]], Reply]] = {
    "mydata": mydata,
    "questions list": questions_list,
    "questions show": questions_show,
    "questions answer": questions_answer,
    "questions dismiss": questions_dismiss,
    "questions reopen": questions_reopen,
    "questions stats": questions_stats,
    "questions export": questions_export,
    "questions settings": questions_settings,
    "questions forget": questions_forget,
    "questions faq list": faq_list,
    "questions faq delete": faq_delete,
    "reload": reload,
    "status": status,
}
