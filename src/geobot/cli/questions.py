"""`geobot questions ...` and `geobot db ...`: the question log for operators.

Operators act as bot admins: by default they see every guild and the DM questions;
``--guild ID`` restricts to one guild, ``--dms`` to DM questions.

Errors follow the rest of the CLI: one line on stderr starting with "geobot:", exit code 2
for bad input (a filter value, an unknown id) and 3 when the database cannot be used.
Values are parsed here rather than by Typer so that every bad value gets that one line.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from geobot.cli.main import EXIT_UNAVAILABLE, JsonOption, fail

questions_app = typer.Typer(
    help="Read the question log: list, show, export and statistics.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="The database: apply and inspect migrations.", no_args_is_help=True)

# The same codes as geobot.cli.main (not imported from there: main imports this module).

P = ParamSpec("P")
T = TypeVar("T")

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL [default: DATABASE_URL, or geobot.db in the state folder]",
        show_default=False,
    ),
]
GuildOption = Annotated[
    str | None, typer.Option("--guild", help="Only this guild's questions.", show_default=False)
]
DmsOption = Annotated[bool, typer.Option("--dms", help="Only questions asked in DMs.")]
StatusOption = Annotated[
    str | None, typer.Option("--status", help="open, answered or dismissed.", show_default=False)
]
FlaggedOption = Annotated[
    bool | None,
    typer.Option(
        "--flagged/--not-flagged",
        help="Only questions the bot could (not) answer.",
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Only this asker (user id).", show_default=False)
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Asked at or after: 2025-01-31, 2025-01-31T12:00 (UTC unless given) or 7d/24h/30m.",
        show_default=False,
    ),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Asked before (same forms).", show_default=False)
]
TextOption = Annotated[
    str | None,
    typer.Option("--text", help="Question contains this (any case).", show_default=False),
]


def guarded(func: Callable[P, T]) -> Callable[P, T]:
    """Turn every error we expect into one clear line and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        import pydantic
        import sqlalchemy as sa

        from geobot.questions.db import DatabaseError
        from geobot.questions.store import FaqNotFound, InvalidTransition, QuestionNotFound

        try:
            return func(*args, **kwargs)
        except (QuestionNotFound, FaqNotFound, InvalidTransition) as exc:
            fail(str(exc).strip("'\""))
        except DatabaseError as exc:
            fail(str(exc), EXIT_UNAVAILABLE)
        except sa.exc.ArgumentError as exc:
            fail(f"bad database URL: {exc}")
        except sa.exc.SQLAlchemyError as exc:
            fail(f"database error: {_first_line(exc)}", EXIT_UNAVAILABLE)
        except pydantic.ValidationError as exc:
            fail(f"bad setting: {_first_line(exc)}")
        except ValueError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))

    return wrapper


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _database_url(database_url: str | None) -> str:
    if database_url:
        return database_url
    from geobot.settings import get_settings

    return get_settings().database_url


def _open_store(database_url: str | None) -> Any:
    """A store on a reachable, migrated database, or one clear error."""
    import sqlalchemy as sa

    from geobot.questions.db import DatabaseError, ensure_current, make_engine, redact
    from geobot.questions.store import QuestionStore

    url = _database_url(database_url)
    engine = make_engine(url, connect_timeout=5.0)
    try:
        ensure_current(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open the database {redact(url)}: {_first_line(exc)}") from exc
    except Exception:
        engine.dispose()
        raise
    return QuestionStore(engine)


def _scope(guild: str | None, dms: bool) -> Any:
    from geobot.questions.store import Scope

    if guild is not None and dms:
        raise ValueError("--guild and --dms cannot be combined")
    if guild is not None:
        return Scope.bot_admin(_snowflake("--guild", guild))
    if dms:
        return Scope.bot_admin()
    return Scope.operator()


def _snowflake(option: str, value: str) -> int:
    value = value.strip()
    if not value.isdigit() or not value.isascii() or int(value) >= 2**63:
        raise ValueError(f"{option}: {value!r} is not a Discord id")
    return int(value)


_RELATIVE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")


def parse_when(option: str, value: str, now: datetime | None = None) -> datetime:
    """'7d', '24h', '30m', an ISO date (UTC midnight) or datetime (UTC unless it says)."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value)
    try:
        if match:
            amount, unit = int(match[1]), match[2]
            return now - {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
                unit, timedelta(minutes=amount)
            )
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{option}: cannot read {value!r}; use 2025-01-31, 2025-01-31T12:00 or 7d/24h/30m"
            ) from None
        # In UTC here, as the database compares it: a time just after 0001-01-01 in a zone
        # east of UTC has no UTC equivalent, and must fail here as bad input.
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{option}: {value!r} is outside the dates I can use") from None


def _filters(
    status: str | None,
    flagged: bool | None,
    user: str | None,
    since: str | None,
    until: str | None,
    text: str | None,
) -> Any:
    from geobot.questions.store import QuestionFilter

    return QuestionFilter(
        status=status.strip().lower() if status else None,
        flagged=flagged,
        user_id=_snowflake("--user", user) if user is not None else None,
        since=parse_when("--since", since) if since else None,
        until=parse_when("--until", until) if until else None,
        text=text or None,
    )


def _emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _one_line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _table(headers: list[str], rows: list[list[str]], flexible: int) -> str:
    """Aligned columns; column ``flexible`` (the question text) takes the remaining width."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    terminal = shutil.get_terminal_size((120, 24)).columns
    fixed = sum(w for i, w in enumerate(widths) if i != flexible) + 2 * (len(headers) - 1)
    widths[flexible] = max(20, min(widths[flexible], terminal - fixed))
    lines = []
    for row in [headers, *rows]:
        cells = [
            _one_line(cell, widths[i]).ljust(widths[i]) if i == flexible else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


# --- questions -----------------------------------------------------------------------------


@questions_app.command("list")
@guarded
def list_command(
    status: StatusOption = None,
    flagged: FlaggedOption = None,
    user: UserOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    text: TextOption = None,
    guild: GuildOption = None,
    dms: DmsOption = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (1-500).")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many first.")] = 0,
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Questions, newest first."""
    from geobot.questions.store import to_json_dict

    scope = _scope(guild, dms)
    filters = _filters(status, flagged, user, since, until, text)
    store = _open_store(database_url)
    try:
        page = store.list_questions(scope, filters, limit=limit, offset=offset)
    finally:
        store.close()
    if as_json:
        _emit(
            {
                "total": page.total,
                "limit": page.limit,
                "offset": page.offset,
                "items": [to_json_dict(q) for q in page.items],
            }
        )
        return
    if not page.items:
        typer.echo("No questions match." if page.total == 0 else f"No questions past {offset}.")
        return
    rows = [
        [
            str(q.id),
            _when(q.created_at),
            "DM" if q.guild_id is None else str(q.guild_id),
            str(q.user_id),
            q.status,
            "yes" if q.flagged else "",
            q.text,
        ]
        for q in page.items
    ]
    headers = ["ID", "ASKED (UTC)", "GUILD", "USER", "STATUS", "FLAGGED", "QUESTION"]
    typer.echo(_table(headers, rows, flexible=6))
    shown = f"{offset + 1}-{offset + len(page.items)}"
    typer.echo(f"\n{shown} of {page.total} question{'s' if page.total != 1 else ''}")


@questions_app.command("show")
@guarded
def show_command(
    question_id: Annotated[str, typer.Argument(metavar="ID", help="Question id.")],
    guild: GuildOption = None,
    dms: DmsOption = False,
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """One question in full: text, search results, moderation, votes."""
    from geobot.questions.store import QuestionNotFound, to_json_dict

    scope = _scope(guild, dms)
    qid = _question_id(question_id)
    store = _open_store(database_url)
    try:
        question = store.get_question(scope, qid)
        if question is None:
            raise QuestionNotFound(qid)
        votes = store.get_votes(scope, qid)
    finally:
        store.close()
    if as_json:
        data = to_json_dict(question)
        data.pop("client_key", None)
        data["votes"] = {"helpful": votes.helpful, "unhelpful": votes.unhelpful}
        _emit(data)
        return
    lines = [
        f"Question #{question.id}  ({question.status}{', flagged' if question.flagged else ''})",
        f"Asked:    {_when(question.created_at)} UTC by user {question.user_id} "
        f"via /{question.command}",
        "Where:    "
        + (
            "DM"
            if question.guild_id is None
            else f"guild {question.guild_id}, channel {question.channel_id}"
        ),
    ]
    if question.interaction_id is not None:
        lines.append(f"Interaction: {question.interaction_id}")
    if question.digest:
        lines.append(f"Documents: {question.digest}")
    lines += ["", question.text, ""]
    if question.results:
        lines.append("Search results:")
        lines += [
            f"  {r.get('passage_id')}  {r.get('score') if r.get('score') is not None else '-'}"
            for r in question.results
        ]
    else:
        lines.append("Search results: none")
    if question.status == "answered":
        lines += [
            "",
            f"Answered by {question.resolved_by} at {_when(question.resolved_at)} UTC:",
            question.answer_text or "",
        ]
    elif question.status == "dismissed":
        reason = f": {question.dismiss_reason}" if question.dismiss_reason else ""
        lines += [
            "",
            f"Dismissed by {question.resolved_by} at {_when(question.resolved_at)} UTC{reason}",
        ]
    lines += ["", f"Votes: {votes.helpful} helpful, {votes.unhelpful} not helpful"]
    typer.echo("\n".join(lines))


def _question_id(value: str) -> int:
    value = value.strip().lstrip("#")
    if not value.isdigit() or not value.isascii() or int(value) >= 2**63:
        raise ValueError(f"{value!r} is not a question id")
    return int(value)


@questions_app.command("export")
@guarded
def export_command(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file [default: stdout].", show_default=False
        ),
    ] = None,
    status: StatusOption = None,
    flagged: FlaggedOption = None,
    user: UserOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    text: TextOption = None,
    guild: GuildOption = None,
    dms: DmsOption = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --output file if it exists.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Questions as CSV (safe to open in a spreadsheet) or JSON lines."""
    fmt = format.strip().lower()
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"--format: expected csv or jsonl, not {format!r}")
    if output is not None and output.exists() and not force:
        # As `db backup`: an export never replaces a file by surprise.
        raise ValueError(f"{output} already exists: choose a new file, or add --force")
    scope = _scope(guild, dms)
    filters = _filters(status, flagged, user, since, until, text)
    store = _open_store(database_url)
    try:
        data = store.export(scope, filters, fmt)
    finally:
        store.close()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    _write_aside(output, data)
    typer.echo(f"wrote {len(data)} bytes to {output}", err=True)


def _write_aside(target: Path, data: bytes) -> None:
    """Write a whole file beside `target` and rename it into place: `target` is never
    left half-written (an export over the old one that fails midway keeps the old one)."""
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(data)
    part.replace(target)


@questions_app.command("stats")
@guarded
def stats_command(
    since: SinceOption = None,
    guild: GuildOption = None,
    dms: DmsOption = False,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Also write a questions-per-day PNG here (needs geobot[charts]).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Counts by status and by day, helpful rate, and the commonest unanswered themes."""
    from geobot.questions.charts import CHARTS_MISSING, png_available, questions_per_day_png

    if chart is not None and not png_available():
        raise ValueError(CHARTS_MISSING)
    scope = _scope(guild, dms)
    when = parse_when("--since", since) if since else None
    store = _open_store(database_url)
    try:
        stats = store.stats(scope, when)
    finally:
        store.close()
    if chart is not None:
        chart.write_bytes(questions_per_day_png(stats))
    if as_json:
        _emit(stats.to_dict())
        return
    rate = (
        "no votes yet"
        if stats.helpful_rate is None
        else (f"{stats.helpful_rate:.0%} of {stats.votes} votes")
    )
    lines = [
        f"Questions: {stats.total}" + (f" since {_when(stats.since)} UTC" if stats.since else ""),
        "  " + ", ".join(f"{n} {status}" for status, n in stats.by_status.items()),
        f"  {stats.waiting} waiting for a moderator (open and flagged)",
        f"Helpful:   {rate}",
    ]
    if stats.by_day:
        lines += ["", "Per day (UTC, last 14 days with the range):"]
        rows = [
            [
                d.day.isoformat(),
                str(d.total),
                str(d.open - d.waiting),
                str(d.waiting),
                str(d.answered),
                str(d.dismissed),
            ]
            for d in stats.by_day[-14:]
        ]
        headers = ["DAY", "TOTAL", "BOT", "WAITING", "ANSWERED", "DISMISSED"]
        lines.append(_table(headers, rows, flexible=0))
    if stats.themes:
        lines += ["", "Unanswered themes:"]
        rows = [[str(t.count), t.representative] for t in stats.themes]
        lines.append(_table(["COUNT", "EXAMPLE"], rows, flexible=1))
    if chart is not None:
        lines += ["", f"Chart written to {chart}"]
    typer.echo("\n".join(lines))


@questions_app.command("forget-user")
@guarded
def forget_user_command(
    user: Annotated[str, typer.Argument(metavar="USER_ID", help="The member's user id.")],
    guild: GuildOption = None,
    dms: DmsOption = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Delete a member's questions and votes (everywhere, or in --guild / --dms)."""
    scope = _scope(guild, dms)
    user_id = _snowflake("USER_ID", user)
    where = (
        "everywhere"
        if scope.all_guilds
        else (f"in guild {scope.guild_id}" if scope.guild_id is not None else "in DMs")
    )
    if not yes and not typer.confirm(f"Delete every question and vote of {user_id} {where}?"):
        fail("nothing deleted")
    store = _open_store(database_url)
    try:
        result = store.forget_user(scope, user_id)
    finally:
        store.close()
    typer.echo(f"deleted {result.questions} question(s) and {result.feedback} vote(s) {where}")


@questions_app.command("apply-retention")
@guarded
def retention_command(database_url: DatabaseUrlOption = None) -> None:
    """Delete questions older than each guild's retention_days (guilds without one keep all)."""
    store = _open_store(database_url)
    try:
        deleted = store.apply_retention()
    finally:
        store.close()
    if not deleted:
        typer.echo("nothing to delete")
    for guild_id, count in sorted(deleted.items()):
        typer.echo(f"guild {guild_id}: deleted {count} question(s)")


# --- db --------------------------------------------------------------------------------------


@db_app.command("upgrade")
@guarded
def upgrade_command(
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create or migrate the tables (safe to run again)."""
    import sqlalchemy as sa

    from geobot.questions.db import DatabaseError, current_revision, redact, upgrade

    url = _database_url(database_url)
    try:
        upgrade(url, revision)
        typer.echo(f"database {redact(url)} is at revision {current_revision(url)}")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database {redact(url)}: {_first_line(exc)}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("alembic"):
            raise ValueError(f"cannot migrate to {revision!r}: {_first_line(exc)}") from exc
        raise


@db_app.command("revision")
@guarded
def revision_command(
    message: Annotated[str, typer.Option("-m", "--message", help="What the change is.")],
) -> None:
    """Write a migration for a change to the models (see README, "Changing the schema")."""
    from geobot.questions.db import new_revision

    path = new_revision(message)
    if path is None:
        typer.echo("The models match the last migration: nothing to write.")
    else:
        typer.echo(f"Wrote {path}. Read it, then run: geobot db upgrade")


@db_app.command("current")
@guarded
def current_command(
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The database's migration revision, and whether it is the newest."""
    import sqlalchemy as sa

    from geobot.questions.db import DatabaseError, current_revision, head_revision, redact

    url = _database_url(database_url)
    try:
        current = current_revision(url)
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database {redact(url)}: {_first_line(exc)}") from exc
    head = head_revision()
    if as_json:
        _emit({"current": current, "head": head, "up_to_date": current == head})
    elif current is None:
        typer.echo(f"no revision (empty database); run `geobot db upgrade` to reach {head}")
    elif current == head:
        typer.echo(f"{current} (head)")
    else:
        typer.echo(f"{current} (head is {head}; run `geobot db upgrade`)")


@db_app.command("backup")
@guarded
def backup_command(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Copy a SQLite database while the bot runs (PostgreSQL: use pg_dump)."""
    from sqlalchemy.engine import make_url

    from geobot.questions.db import redact

    url = make_url(_database_url(database_url))
    if not url.get_backend_name().startswith("sqlite"):
        fail(
            f"{redact(url)} is "
            f"{url.get_backend_name()}: back it up with its own tools, e.g. "
            "`pg_dump --format=custom --file=geobot.dump DBNAME` (see README, 'Deployment')"
        )
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:":
        fail("an in-memory SQLite database has nothing to back up")
    if not source.is_file():
        fail(f"no database file at {source}")
    if path.exists():
        fail(f"{path} already exists: choose a new file (a backup never overwrites)")
    try:
        size, pages = _sqlite_backup(source, path)
    except sqlite3.Error as exc:
        # sqlite3 names no file: the one it could not open is the copy (the source was
        # checked above), e.g. a folder that cannot hold files such as /proc.
        fail(f"cannot write the backup to {path}: {exc}")
    typer.echo(
        f"backed up {source} to {path}: {pages} pages, {size / 1048576:.1f} MB, integrity ok"
    )


def _sqlite_backup(source: Path, target: Path) -> tuple[int, int]:
    """SQLite's online backup API: a consistent copy even while the bot writes.

    A plain file copy taken during a write (or with a -wal file beside it) can be torn;
    the backup API copies pages under SQLite's own locking and restarts if a writer
    changes a page it has already copied. The copy is written aside and renamed into
    place, so `target` is either absent or complete.
    """
    part = target.with_name(f".{target.name}.part")
    part.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mode=ro: never create or change the source (a typo must not make an empty database).
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(part)
        try:
            # 1,024 pages a step: writers get the database back between steps.
            src.backup(dst, pages=1024)
            (check,) = dst.execute("PRAGMA integrity_check").fetchone()
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        part.unlink(missing_ok=True)
        raise ValueError(f"the copy failed SQLite's integrity check: {check}")
    part.replace(target)
    return target.stat().st_size, pages
