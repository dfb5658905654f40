"""`geobot run`, `geobot start`, `geobot shell` and `geobot sync`: the bot's commands."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from geobot.cli.main import EXIT_UNAVAILABLE, DataOption, data_folder, fail, open_library

if TYPE_CHECKING:
    from geobot.questions.store import QuestionStore
    from geobot.questions.writer import QuestionLog
    from geobot.settings import Settings

log = logging.getLogger("geobot")


def _settings(data: Path | None) -> Settings:
    from geobot.settings import get_settings

    settings = get_settings()
    if data is not None:
        settings = settings.model_copy(update={"data_dir": data})
    return settings


def _token(settings: Settings) -> str | None:
    """The bot token, or None when unset or blank: `.env.example` ships `DISCORD_TOKEN=`,
    and a copied template must open the shell, not try to log in with an empty token."""
    token = settings.discord_token
    if token is None or not token.get_secret_value().strip():
        return None
    return str(token.get_secret_value().strip())


def setup_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """discord.py's logging setup (coloured on a terminal, plain or JSON lines otherwise),
    with the token redacted from every line."""
    from geobot.bot.observability import setup_logging as setup

    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    try:
        return setup(settings.log_level, settings.log_format, [token], stream)
    except ValueError as exc:  # GEOBOT_LOG_LEVEL is not a level
        fail(str(exc))


def _question_log(settings: Settings) -> tuple[QuestionStore, QuestionLog]:
    """The question log the bot and the shell share: migrated first, then opened for
    moderators' reads (the store) and readers' writes (the log, with its outage spool)."""
    from geobot.questions.db import upgrade
    from geobot.questions.store import QuestionStore
    from geobot.questions.writer import QuestionLog

    try:
        upgrade(settings.database_url)
    except Exception as exc:
        fail(
            f"cannot prepare the database {_safe_url(settings.database_url)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0]}",
            EXIT_UNAVAILABLE,
        )
    store = QuestionStore(settings.database_url)
    question_log = QuestionLog(
        settings.database_url, spool_path=settings.state_dir / "question-spool.jsonl"
    )
    return store, question_log


def _serve(data: Path | None) -> None:
    import discord

    from geobot.bot.client import run
    from geobot.bot.observability import MetricsUnavailableError, require_metrics
    from geobot.bot.runtime import run_event_loop

    settings = _settings(data)
    setup_logging(settings)
    try:
        require_metrics(settings)
    except MetricsUnavailableError as exc:
        fail(str(exc), EXIT_UNAVAILABLE)
    library = open_library(data_folder(data))
    store, question_log = _question_log(settings)
    try:
        run_event_loop(run(settings, library, question_log, store))
    except discord.LoginFailure:
        fail(
            "Discord rejected the token in DISCORD_TOKEN: reset it in the developer portal "
            "and set it again.",
            EXIT_UNAVAILABLE,
        )
    except MetricsUnavailableError as exc:  # the port is taken or not ours to bind
        fail(str(exc), EXIT_UNAVAILABLE)
    except discord.PrivilegedIntentsRequired:
        fail("Discord refused an intent this bot does not need; this is a bug.", EXIT_UNAVAILABLE)
    except (OSError, discord.GatewayNotFound, discord.ConnectionClosed) as exc:
        fail(f"cannot reach Discord: {exc}", EXIT_UNAVAILABLE)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


def _shell(settings: Settings, folder: Path, role: str) -> None:
    """The shell on the bot's own database (migrated first), so questions asked here reach
    the moderators' commands, and a /reload here reaches running bot processes."""
    from geobot.fleet import Fleet
    from geobot.reload import LibraryHolder
    from geobot.shell import Session, loop

    library = open_library(folder)
    store, question_log = _question_log(settings)
    question_log.start()
    session = Session(
        lambda: library,
        role=role,  # type: ignore[arg-type]
        store=store,
        question_log=question_log,
        holder=LibraryHolder(library, folder),
        fleet=Fleet(store.engine, "shell"),
    )
    try:
        loop(session, interactive=sys.stdin.isatty())
    finally:
        question_log.close()
        store.close()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(DATABASE_URL)"


def bot_commands(app: typer.Typer) -> None:
    @app.command()
    def run(data: DataOption = None) -> None:
        """Start the Discord bot (needs DISCORD_TOKEN)."""
        if _token(_settings(data)) is None:
            fail(
                "DISCORD_TOKEN is not set: put the bot token in the environment or .env "
                "(see .env.example).",
                EXIT_UNAVAILABLE,
            )
        _serve(data)

    @app.command()
    def start(data: DataOption = None) -> None:
        """The bot when a token is configured; otherwise the local shell."""
        if _token(_settings(data)) is None:
            typer.echo(
                "No DISCORD_TOKEN configured: opening the local shell instead "
                "(see README, 'Running the bot').",
                err=True,
            )
            shell(data)
            return
        _serve(data)

    @app.command()
    def shell(
        data: DataOption = None,
        role: Annotated[
            str, typer.Option("--as", help="Act as a reader, moderator or admin.")
        ] = "admin",
    ) -> None:
        """Every slash command, locally: /ask, /questions list, /reload, /help …"""
        if role not in ("reader", "moderator", "admin"):
            fail(f"--as {role}: choose reader, moderator or admin.")
        _shell(_settings(data), data_folder(data), role)

    @app.command()
    def sync(
        data: DataOption = None,
        force: Annotated[bool, typer.Option(help="Sync even if unchanged.")] = True,
    ) -> None:
        """Register the slash commands with Discord now."""
        # A running bot may hold the metrics port; this short login must not try to.
        settings = _settings(data).model_copy(update={"metrics_port": None})
        token = _token(settings)
        if token is None:
            fail("DISCORD_TOKEN is not set.", EXIT_UNAVAILABLE)
        import discord

        from geobot.bot.client import make_bot
        from geobot.bot.sync import sync_if_changed

        library = open_library(data_folder(data))

        async def go() -> bool:
            bot = make_bot(settings, library, None, sync_commands=False)
            async with bot:
                await bot.login(token)
                return await sync_if_changed(bot, settings, force=force)

        try:
            changed = asyncio.run(go())
        except discord.LoginFailure:
            fail("Discord rejected the token in DISCORD_TOKEN.", EXIT_UNAVAILABLE)
        typer.echo("Commands synced." if changed else "Commands unchanged; nothing to sync.")
