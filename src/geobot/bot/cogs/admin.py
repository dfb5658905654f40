"""Admin commands: /reload and /status, plus the reload bus that keeps processes in step.

Only the bot's admins (the application owner or team, and GEOBOT_ADMIN_IDS) may use these,
whatever a guild's permission settings say: default_permissions only hides the commands
from non-administrators, and guild admins can change that, so every command checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

import geobot
from geobot.bot import render
from geobot.bot.executors import to_thread
from geobot.bot.replies import reply
from geobot.bot.tree import NotPermitted
from geobot.bot.views import Pages
from geobot.fleet import POLL_SECONDS, Fleet, ReloadResult
from geobot.questions.store import Scope
from geobot.reload import ReloadBusyError, ReloadReport

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.admin")

PEER_WAIT_SECONDS = 6.0  # how long /reload waits for the other processes to answer
LINES_PER_PAGE = 15


def only_bot_admins(interaction: discord.Interaction) -> bool:
    bot: GeobotBot = interaction.client  # type: ignore[assignment]
    if not bot.is_bot_admin(interaction.user):
        raise NotPermitted("Only the bot's admins can do this.")
    return True


class Admin(commands.Cog):
    def __init__(self, bot: GeobotBot) -> None:
        self.bot = bot
        self.fleet: Fleet | None = bot.fleet
        self._last_request = 0
        self._signal_installed = False
        self._tasks: set[asyncio.Task[object]] = set()
        self.bus_loop = tasks.loop(seconds=POLL_SECONDS)(self._bus_tick)

    async def cog_load(self) -> None:
        if self.fleet is not None:
            self._last_request = await to_thread(self.fleet.latest_request)
            # The first beat before any command can arrive, not at the loop's first tick in
            # a thread: /status and /reload must count this process from the start.
            await self._beat()
            self.bus_loop.start()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            # Unix only; SIGHUP is the operator's "reload" for a daemon.
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
            self._signal_installed = True

    async def cog_unload(self) -> None:
        self.bus_loop.cancel()
        if self._signal_installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self.fleet is not None:
            with contextlib.suppress(Exception):
                await to_thread(self.fleet.leave)

    # -- the bus -------------------------------------------------------------------------

    async def _beat(self) -> bool:
        assert self.fleet is not None
        try:
            await to_thread(
                self.fleet.heartbeat,
                self.bot.library.documents.digest,
                getattr(self.bot, "shard_ids", None),
            )
        except Exception as exc:
            log.warning("reload bus heartbeat failed: %s", exc)
            return False
        return True

    async def _bus_tick(self) -> None:
        assert self.fleet is not None
        fleet = self.fleet
        if not await self._beat():
            return
        try:
            requests = await to_thread(fleet.requests_after, self._last_request)
        except Exception as exc:
            log.warning("reload bus poll failed: %s", exc)
            return
        for request_id in requests:
            self._last_request = max(self._last_request, request_id)
            report = await self.bot.holder.reload("peer")
            await to_thread(fleet.record_result, request_id, report)

    def _on_sighup(self) -> None:
        log.info("SIGHUP: reloading the document set")
        task = self.bot.loop.create_task(self._reload_for_signal())
        self._tasks.add(task)  # the loop keeps only a weak reference to tasks
        task.add_done_callback(self._tasks.discard)

    async def _reload_for_signal(self) -> None:
        try:
            report, _, silent = await self.reload_everywhere("signal", None)
        except ReloadBusyError:
            log.warning("SIGHUP ignored: a reload is already running")
            return
        for line in report.lines():
            log.info("reload: %s", line)
        if silent:
            log.warning("reload: no answer from %s", ", ".join(silent))

    async def reload_everywhere(
        self,
        source: str,
        requested_by: int | None,
    ) -> tuple[ReloadReport, list[ReloadResult], list[str]]:
        """Reload here, ask every other process to follow, and collect their answers."""
        request_id = None
        if self.fleet is not None:
            request_id = await to_thread(self.fleet.request_reload, source, requested_by)
            self._last_request = max(self._last_request, request_id)
        report = await self.bot.holder.reload(source, wait=False)
        if self.fleet is None or request_id is None:
            return report, [], []
        await to_thread(self.fleet.record_result, request_id, report, requested_by)
        others = [p.label for p in await to_thread(self.fleet.live) if p.label != self.fleet.label]
        results: list[ReloadResult] = []
        deadline = time.monotonic() + PEER_WAIT_SECONDS
        while True:
            results = await to_thread(self.fleet.results, request_id)
            answered = {r.process for r in results}
            if all(label in answered for label in others) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        silent = [label for label in others if label not in {r.process for r in results}]
        return report, results, silent

    # -- commands ------------------------------------------------------------------------

    @app_commands.command(name="reload", description="Reload the document set (bot admins).")
    @app_commands.default_permissions(administrator=True)
    @app_commands.check(only_bot_admins)
    async def reload(self, interaction: discord.Interaction) -> None:
        if self.bot.holder.busy:
            await reply(
                interaction,
                "A reload is already running; try again when it finishes.",
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report, results, silent = await self.reload_everywhere("discord", interaction.user.id)
        except ReloadBusyError as exc:
            await reply(interaction, str(exc), ephemeral=True)
            return
        lines = report.lines()
        if results:
            lines.append("")
            lines.append("Processes:")
            for result in results:
                state = (
                    "took the new set"
                    if result.ok
                    else f"refused it ({len(result.errors)} error(s)), kept the old one"
                )
                digest = (result.digest or "")[:12]
                lines.append(f"• {result.process}: {state} {digest}")
            lines.extend(
                f"• {label}: no answer within {PEER_WAIT_SECONDS:.0f} s" for label in silent
            )
        pages = _pages("Reload", lines, ok=report.ok)
        if len(pages) > 1:
            view = Pages(pages, interaction.user.id)
            await interaction.followup.send(embed=pages[0], ephemeral=True, view=view)
        else:
            await interaction.followup.send(embed=pages[0], ephemeral=True)

    @app_commands.command(name="status", description="How the bot is doing (bot admins).")
    @app_commands.default_permissions(administrator=True)
    @app_commands.check(only_bot_admins)
    async def status(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        library = self.bot.library
        stats = library.stats()
        embed = discord.Embed(title="geobot status", colour=render.COLOUR)
        uptime = datetime.now(UTC) - self.bot.started_at
        embed.add_field(name="Version", value=geobot.__version__)
        embed.add_field(name="Uptime", value=str(uptime).split(".")[0])
        latency = self.bot.latency
        embed.add_field(
            name="Gateway latency",
            value=f"{latency * 1000:.0f} ms" if latency == latency else "n/a",
        )
        embed.add_field(
            name="Documents",
            value=(
                f"{stats['documents']} ({stats['curated']} curated), {stats['passages']} passages, "
                f"{stats['quotes']} quotes, {stats['arguments']} arguments, "
                f"{stats['sources']} sources\nset `{library.documents.digest[:12]}` loaded "
                f"{discord.utils.format_dt(library.documents.loaded_at, 'R')}\nsemantic index: "
                f"{'on' if library.semantic else 'off (lexical search only)'}"
            ),
            inline=False,
        )
        shards = getattr(self.bot, "shard_ids", None)
        embed.add_field(
            name="Shards",
            value=(
                f"{', '.join(map(str, shards))} of {self.bot.shard_count}"
                if shards
                else f"all ({self.bot.shard_count or 1})"
            ),
        )
        if self.bot.store is not None:
            store = self.bot.store
            backend = store.engine.dialect.name
            try:
                counts = (await to_thread(store.stats, Scope.operator(), max_themes=0)).by_status
                text = ", ".join(f"{k}: {v}" for k, v in counts.items())
            except Exception as exc:
                text = f"unavailable ({type(exc).__name__})"
            embed.add_field(name=f"Questions ({backend})", value=text, inline=False)
        if self.fleet is not None:
            live = await to_thread(self.fleet.live)
            value = "\n".join(
                f"{'→ ' if p.label == self.fleet.label else ''}{p.label} · set "
                f"`{(p.digest or '')[:12]}` · seen "
                f"{discord.utils.format_dt(p.last_seen, 'R')}"
                for p in live[:15]
            )
            embed.add_field(
                name=f"Processes ({len(live)})",
                value=render.clip(value or "none", render.FIELD_VALUE_LIMIT),
                inline=False,
            )
        writer = self.bot.question_log
        if writer is not None:
            s = writer.stats
            embed.set_footer(text=render.clip(f"question log: {s}", render.FOOTER_LIMIT))
        await interaction.followup.send(embed=render.fit(embed), ephemeral=True)


def _pages(title: str, lines: list[str], ok: bool) -> list[discord.Embed]:
    colour = render.COLOUR if ok else render.COLOUR_MISS
    pages = []
    for start in range(0, max(1, len(lines)), LINES_PER_PAGE):
        text = "\n".join(lines[start : start + LINES_PER_PAGE])
        pages.append(
            discord.Embed(
                title=title, colour=colour, description=render.clip(text, render.DESCRIPTION_LIMIT)
            )
        )
    if len(pages) > 1:
        for n, page in enumerate(pages, 1):
            page.set_footer(text=f"Page {n}/{len(pages)}")
    return pages


async def setup(bot: GeobotBot) -> None:
    await bot.add_cog(Admin(bot))
