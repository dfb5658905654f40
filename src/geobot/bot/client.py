"""The Discord client: a thin adapter between interactions and the core.

Conventions follow discord.py's examples and RoboDanny: cogs per audience loaded in
`setup_hook`, a CommandTree subclass with one error handler, no privileged intents (slash
commands need none), and no mention parsing in anything the bot sends.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import discord
import yarl
from discord.ext import commands

from geobot.bot.executors import to_thread
from geobot.bot.observability import Metrics, log_interaction
from geobot.bot.tree import GeobotTree
from geobot.bot.views import Feedback
from geobot.fleet import Fleet, process_label
from geobot.library import Library
from geobot.questions.faq import FaqMatcher
from geobot.questions.store import QuestionStore
from geobot.questions.writer import QuestionLog
from geobot.reload import LibraryHolder, ReloadReport
from geobot.settings import Settings
from geobot.text import english

log = logging.getLogger("geobot.bot")

COGS = (
    "geobot.bot.cogs.readers",
    "geobot.bot.cogs.moderators",
    "geobot.bot.cogs.privacy",
    "geobot.bot.cogs.admin",
)


def point_discord_at(api_base: str | None, gateway: str | None) -> None:
    """Aim discord.py at another Discord API, for the test double. Production never sets it."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


class GeobotBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        library: Library,
        question_log: QuestionLog | None,
        *,
        store: QuestionStore | None = None,
        sync_commands: bool = True,
        process: str | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # roles and channels, for moderator permission checks
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=GeobotTree,
            # Nothing a reader types may ping anyone, in any message the bot sends.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            shard_count=settings.shard_count,
            # Only the auto-sharded client reads it; a plain one ignores it.
            **{"shard_ids": settings.shard_ids, **options},
        )
        self.settings = settings
        # None unless GEOBOT_METRICS_PORT is set; served from setup_hook.
        self.metrics = Metrics.for_settings(settings)
        if self.metrics is not None:
            self.metrics.serving(library)
        self.holder = LibraryHolder(
            library, settings.data_dir, on_swap=self._on_swap, on_report=self._on_reload
        )
        self.question_log = question_log
        self.store = store
        # The reload bus and heartbeats need the shared database; without a store (the
        # shell, some tests) this process reloads alone.
        self.fleet = (
            Fleet(store.engine, process or process_label(settings.shard_ids))
            if store is not None
            else None
        )
        self.faq: FaqMatcher | None = None
        self.sync_commands = sync_commands
        self.started_at = discord.utils.utcnow()
        self.admin_ids: set[int] = set(settings.admin_ids)

    @property
    def library(self) -> Library:
        # Commands read this once and keep the snapshot: a reload swaps the reference,
        # and a command already running finishes on the library it started with.
        return self.holder.library

    def _on_swap(self, old: Library, new: Library) -> None:
        # Everything derived from the data lives in the Library itself (search index,
        # autocomplete lists), so it follows the swap by construction.
        log.info(
            "now serving document set %s (was %s)",
            new.documents.digest[:12],
            old.documents.digest[:12],
        )
        if self.metrics is not None:
            self.metrics.serving(new)

    def _on_reload(self, report: ReloadReport) -> None:
        if self.metrics is not None:
            self.metrics.reloaded(report)

    async def setup_hook(self) -> None:
        if self.metrics is not None:
            assert self.settings.metrics_port is not None
            self.metrics.serve(self.settings.metrics_addr, self.settings.metrics_port)
            if self.question_log is not None:
                self.metrics.watch_question_log(self.question_log)
        if self.question_log is not None:
            self.question_log.start()
        if self.store is not None:
            self.faq = await to_thread(FaqMatcher.from_store, self.store)
        # Read the English word list now, off the loop, rather than on the first question
        # with a word the articles lack.
        await to_thread(english.warm)
        for extension in COGS:
            await self.load_extension(extension)
        # Feedback buttons answer for as long as their messages exist, across restarts and
        # after the answer's pager has timed out: one registration, as in discord.py's
        # persistent-views example, not one per message.
        self.add_dynamic_items(Feedback)
        if self.sync_commands:
            from geobot.bot.sync import sync_if_changed

            await sync_if_changed(self, self.settings)
        app = await self.application_info()
        if app.team:
            self.admin_ids |= {m.id for m in app.team.members}
        else:
            self.admin_ids.add(app.owner.id)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) to %d guild(s), shards %s",
            self.user,
            getattr(self.user, "id", "?"),
            len(self.guilds),
            getattr(self, "shard_ids", None) or "all",
        )

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        # The one log line of a command that succeeded (failures: GeobotTree.on_error).
        log_interaction(interaction, "ok")

    def is_bot_admin(self, user: discord.abc.User) -> bool:
        return user.id in self.admin_ids

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self.question_log is not None:
                await self.question_log.aclose()
            if self.metrics is not None:
                await self.metrics.aclose()


def make_bot(
    settings: Settings, library: Library, question_log: QuestionLog | None, **options: Any
) -> GeobotBot:
    point_discord_at(
        os.environ.get("GEOBOT_DISCORD_API_BASE"), os.environ.get("GEOBOT_DISCORD_GATEWAY")
    )
    if settings.shard_count:
        return _sharded(settings, library, question_log, **options)
    return GeobotBot(settings, library, question_log, **options)


def _sharded(
    settings: Settings, library: Library, question_log: QuestionLog | None, **options: Any
) -> GeobotBot:
    class ShardedGeobot(GeobotBot, commands.AutoShardedBot):
        pass

    return ShardedGeobot(settings, library, question_log, **options)


async def run(
    settings: Settings, library: Library, question_log: QuestionLog, store: QuestionStore
) -> None:
    """Log in and serve until stopped. Raises discord.LoginFailure on a rejected token."""
    assert settings.discord_token is not None
    bot = make_bot(settings, library, question_log, store=store)
    async with bot:
        await bot.start(settings.discord_token.get_secret_value())
