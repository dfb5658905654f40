"""`geobot reload` and `geobot doctor`: operators' commands that talk to a deployment."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from geobot.cli.main import EXIT_UNAVAILABLE, DataOption, data_folder, emit, fail

if TYPE_CHECKING:
    from geobot.settings import Settings

RELOAD_WAIT_SECONDS = 8.0


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `geobot doctor`. A note is something not set up yet that geobot copes
    with (no token: the shell; no database yet: created on first start): never a failure."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    note: bool = False


def _database_url(url: str | None) -> str:
    from geobot.settings import get_settings

    return url or get_settings().database_url


def run_checks(data: Path | None, database_url: str | None) -> list[Check]:
    """Every check, reading only: doctor never creates a file, a folder or a database."""
    from pydantic import ValidationError

    try:
        from geobot.settings import Settings

        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        return [
            Check(
                "settings",
                False,
                f"{first['loc'][0]}: {first['msg']}",
                "correct that variable in the environment or .env (see .env.example)",
            )
        ]
    checks = [
        Check("settings", True, "environment and .env parse"),
        _token(settings),
        _documents(data or settings.data_dir),
        _database(database_url or settings.database_url),
        _state(settings.state_dir),
    ]
    if settings.metrics_port:
        checks.append(_metrics(settings.metrics_port))
    return checks


def _token(settings: Settings) -> Check:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        return Check(
            "token",
            True,
            "DISCORD_TOKEN is not set: `geobot start` opens the local "
            "shell; put the bot token in .env to run the bot",
            note=True,
        )
    if token.count(".") != 2:
        return Check(
            "token",
            False,
            "DISCORD_TOKEN does not look like a bot token",
            "copy it again from the developer portal (Bot → Reset Token)",
        )
    return Check("token", True, "DISCORD_TOKEN is set (not shown)")


def _documents(folder: Path) -> Check:
    from geobot.documents.loader import load_document_set

    result = load_document_set(folder)
    if result.ok and result.documents is not None:
        uncurated = sum(1 for d in result.documents if not d.curated)
        return Check(
            "documents",
            True,
            f"{folder}: {len(result.documents)} documents, "
            f"{uncurated} uncurated, {len(result.warnings)} warning(s)",
        )
    return Check(
        "documents",
        False,
        f"{folder}: {len(result.errors)} error(s), first: {result.errors[0]}",
        f"run `geobot index check {folder}` and fix every error",
    )


def _database(url: str) -> Check:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from geobot.questions.db import current_revision, head_revision

    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        return Check(
            "database",
            False,
            f"DATABASE_URL is not a database URL: {exc}",
            "correct DATABASE_URL (see .env.example)",
        )
    safe = parsed.render_as_string(hide_password=True)
    sqlite_file = _sqlite_file(parsed)
    if sqlite_file is not None and not sqlite_file.exists():
        return _not_created(safe, sqlite_file.parent)
    try:
        # A SQLite file is opened read-only: connecting must not create or change it.
        engine = (
            sa.create_engine(f"sqlite:///file:{sqlite_file.resolve()}?mode=ro&uri=true")
            if sqlite_file is not None
            else url
        )
        current = current_revision(engine)
        if isinstance(engine, sa.Engine):
            engine.dispose()
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return Check(
            "database",
            False,
            f"{safe}: {type(exc).__name__}: {reason[0] if reason else ''}",
            "check DATABASE_URL and that the server is running",
        )
    head = head_revision()
    if current == head:
        return Check("database", True, f"{safe}: reachable, migrations at {head}")
    return Check(
        "database",
        True,
        f"{safe}: reachable, at {current or 'no revision'}; the "
        f"bot migrates it to {head} at start (or run `geobot db upgrade`)",
        note=True,
    )


def _sqlite_file(url: Any) -> Path | None:
    if not url.get_backend_name().startswith("sqlite"):
        return None
    name = url.database or ""
    return None if name in ("", ":memory:") or name.startswith("file:") else Path(name)


def _not_created(safe: str, folder: Path) -> Check:
    if _can_create_in(folder):
        return Check(
            "database", True, f"{safe}: not created yet: created on first start", note=True
        )
    return Check(
        "database",
        False,
        f"{safe}: not created yet, and {_nearest(folder)} is not writable",
        "set DATABASE_URL or GEOBOT_STATE_DIR to a writable place",
    )


def _state(state: Path) -> Check:
    if state.is_dir():
        if os.access(state, os.W_OK | os.X_OK):
            return Check("state folder", True, f"{state} is writable")
        return Check(
            "state folder",
            False,
            f"{state} is not writable",
            "set GEOBOT_STATE_DIR to a writable folder",
        )
    if state.exists():
        return Check(
            "state folder", False, f"{state} is not a folder", "set GEOBOT_STATE_DIR to a folder"
        )
    if _can_create_in(state.parent):
        return Check("state folder", True, f"{state}: created on first start", note=True)
    return Check(
        "state folder",
        False,
        f"{state} does not exist and {_nearest(state)} is not writable",
        "set GEOBOT_STATE_DIR to a writable folder",
    )


def _nearest(path: Path) -> Path:
    """The nearest folder of `path` (itself or an ancestor) that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _can_create_in(folder: Path) -> bool:
    # Folders are created with parents, so the nearest existing one must take new entries.
    nearest = _nearest(folder)
    return nearest.is_dir() and os.access(nearest, os.W_OK | os.X_OK)


def _metrics(port: int) -> Check:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return Check(
            "metrics",
            False,
            "GEOBOT_METRICS_PORT is set but prometheus-client is not installed",
            "pip install 'geobot[metrics]', or unset the port",
        )
    return Check("metrics", True, f"will serve on port {port}")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
    app.command("reload")(reload)


def doctor(
    data: DataOption = None,
    database_url: Annotated[str | None, typer.Option(help="Check this database.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check the configuration, the token's presence, the database and the documents."""
    checks = run_checks(data, database_url)
    if as_json:
        emit(
            {
                "ok": all(c.ok for c in checks),
                "checks": [
                    {"name": c.name, "ok": c.ok, "note": c.note, "detail": c.detail, "fix": c.fix}
                    for c in checks
                ],
            }
        )
    else:
        for check in checks:
            mark = "note" if check.note else "ok " if check.ok else "FAIL"
            typer.echo(f"[{mark}] {check.name}: {check.detail}")
            if check.fix:
                typer.echo(f"       fix: {check.fix}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def reload(
    data: DataOption = None,
    database_url: Annotated[str | None, typer.Option(help="The bot's database.")] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the bots.")
    ] = RELOAD_WAIT_SECONDS,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ask every running bot process to reload the document set, and show their answers."""
    from geobot.documents.loader import load_document_set
    from geobot.fleet import Fleet, process_label

    folder = data_folder(data)
    result = load_document_set(folder)
    if not result.ok:
        lines = [f"the document set in {folder} would be refused; nothing was sent:"]
        lines += [f"  {e}" for e in result.errors]
        fail("\n".join(lines), 1)
    url = _database_url(database_url)
    try:
        fleet = Fleet(url, f"cli:{process_label()}")
        live = [p.label for p in fleet.live()]
        request = fleet.request_reload("cli") if live else None
    except Exception as exc:
        fail(f"cannot reach the database: {type(exc).__name__}", EXIT_UNAVAILABLE)
    if request is None:
        fail(
            "no running bot process found (no heartbeat in the last 15 s); the set "
            "validates, so a bot started now will serve it",
            EXIT_UNAVAILABLE,
        )
    rows = _answers(fleet, request, live, wait)
    if as_json:
        typer.echo(json.dumps({"request": request, "processes": rows}, indent=2))
    else:
        _print_answers(rows, wait)
    if any(r["ok"] is None for r in rows):
        raise typer.Exit(EXIT_UNAVAILABLE)
    if any(r["ok"] is False for r in rows):
        raise typer.Exit(1)


def _answers(fleet: Any, request: int, live: list[str], wait: float) -> list[dict[str, Any]]:
    """Each live process's answer to the reload request, waiting up to `wait` seconds."""
    deadline = time.monotonic() + wait
    results = fleet.results(request)
    while len({r.process for r in results} & set(live)) < len(live) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.25)
        results = fleet.results(request)
    fleet.close()
    answered = {r.process: r for r in results}
    return [
        {
            "process": label,
            "ok": answered[label].ok if label in answered else None,
            "digest": answered[label].digest if label in answered else None,
            "errors": answered[label].errors if label in answered else [],
        }
        for label in live
    ]


def _print_answers(rows: list[dict[str, Any]], wait: float) -> None:
    for row in rows:
        if row["ok"] is None:
            state = f"no answer within {wait:.0f} s"
        elif row["ok"]:
            state = f"took the new set {str(row['digest'])[:12]}"
        else:
            state = f"refused it ({len(row['errors'])} error(s)); kept the old set"
        typer.echo(f"{row['process']}: {state}")
        for error in row["errors"]:
            typer.echo(f"   {error}")
