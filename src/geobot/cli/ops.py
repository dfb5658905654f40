"""`geobot reload` and `geobot doctor`: operators' commands that talk to a deployment."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from geobot.cli.main import EXIT_UNAVAILABLE, DataOption, data_folder, emit, fail

RELOAD_WAIT_SECONDS = 8.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _database_url(url: str | None) -> str:
    from geobot.settings import get_settings

    return url or get_settings().database_url


def run_checks(data: Path | None, database_url: str | None) -> list[Check]:
    from pydantic import ValidationError

    checks: list[Check] = []
    try:
        from geobot.settings import Settings

        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        return [Check("settings", False, f"{first['loc'][0]}: {first['msg']}",
                      "correct that variable in the environment or .env (see .env.example)")]
    checks.append(Check("settings", True, "environment and .env parse"))
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        checks.append(Check("token", False, "DISCORD_TOKEN is not set",
                            "put the bot token in .env; `geobot start` opens the shell "
                            "without one"))
    elif token.count(".") != 2:
        checks.append(Check("token", False, "DISCORD_TOKEN does not look like a bot token",
                            "copy it again from the developer portal (Bot → Reset Token)"))
    else:
        checks.append(Check("token", True, "DISCORD_TOKEN is set (not shown)"))

    from geobot.documents.loader import load_document_set

    folder = data or settings.data_dir
    result = load_document_set(folder)
    if result.ok and result.documents is not None:
        uncurated = sum(1 for d in result.documents if not d.curated)
        detail = f"{folder}: {len(result.documents)} documents, {uncurated} uncurated, " \
                 f"{len(result.warnings)} warning(s)"
        checks.append(Check("documents", True, detail))
    else:
        checks.append(Check("documents", False,
                            f"{folder}: {len(result.errors)} error(s), first: {result.errors[0]}",
                            f"run `geobot index check {folder}` and fix every error"))

    url = database_url or settings.database_url
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    try:
        from geobot.questions.db import current_revision, head_revision

        current = current_revision(url)
        head = head_revision()
    except Exception as exc:
        checks.append(Check("database", False, f"{safe}: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}",
                            "check DATABASE_URL and that the server is running"))
    else:
        if current == head:
            checks.append(Check("database", True, f"{safe}: reachable, migrations at {head}"))
        else:
            checks.append(Check("database", False,
                                f"{safe}: reachable, at {current or 'no revision'}; "
                                f"code expects {head}",
                                "run `geobot db upgrade` (the bot also upgrades at start)"))

    state = settings.state_dir
    try:
        state.mkdir(parents=True, exist_ok=True)
        probe = state / f".doctor-{os.getpid()}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
        checks.append(Check("state folder", True, f"{state} is writable"))
    except OSError as exc:
        checks.append(Check("state folder", False, f"{state}: {exc.strerror or exc}",
                            "set GEOBOT_STATE_DIR to a writable folder"))
    if settings.metrics_port:
        try:
            import prometheus_client  # noqa: F401
        except ImportError:
            checks.append(Check("metrics", False, "GEOBOT_METRICS_PORT is set but "
                                "prometheus-client is not installed",
                                "pip install 'geobot[metrics]', or unset the port"))
        else:
            checks.append(Check("metrics", True, f"will serve on port {settings.metrics_port}"))
    return checks


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(data: DataOption = None,
               database_url: Annotated[str | None, typer.Option(help="Check this database.")]
               = None,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Check the configuration, the token's presence, the database and the documents."""
        checks = run_checks(data, database_url)
        if as_json:
            emit({"ok": all(c.ok for c in checks),
                  "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix}
                             for c in checks]})
        else:
            for check in checks:
                mark = "ok " if check.ok else "FAIL"
                typer.echo(f"[{mark}] {check.name}: {check.detail}")
                if check.fix:
                    typer.echo(f"       fix: {check.fix}")
        if not all(c.ok for c in checks):
            raise typer.Exit(1)

    @app.command()
    def reload(data: DataOption = None,
               database_url: Annotated[str | None, typer.Option(help="The bot's database.")]
               = None,
               wait: Annotated[float, typer.Option(help="Seconds to wait for the bots.")]
               = RELOAD_WAIT_SECONDS,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
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
            fail("no running bot process found (no heartbeat in the last 15 s); the set "
                 "validates, so a bot started now will serve it", EXIT_UNAVAILABLE)
        deadline = time.monotonic() + wait
        results = fleet.results(request)
        while len({r.process for r in results} & set(live)) < len(live) \
                and time.monotonic() < deadline:
            time.sleep(0.25)
            results = fleet.results(request)
        fleet.close()
        answered = {r.process: r for r in results}
        rows = [{"process": label, "ok": answered[label].ok if label in answered else None,
                 "digest": answered[label].digest if label in answered else None,
                 "errors": answered[label].errors if label in answered else []}
                for label in live]
        if as_json:
            typer.echo(json.dumps({"request": request, "processes": rows}, indent=2))
        else:
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
        if any(r["ok"] is None for r in rows):
            raise typer.Exit(EXIT_UNAVAILABLE)
        if any(r["ok"] is False for r in rows):
            raise typer.Exit(1)
