"""Start a real discord.py bot against the double and stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

import discord

if TYPE_CHECKING:
    from .server import DiscordDouble

log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT", bound=discord.Client)


async def _guilds_cached(bot: discord.Client, double: DiscordDouble, deadline: float) -> None:
    # on_ready fires guild_ready_timeout after the last GUILD_CREATE *seen so far*; on a
    # starved machine a GUILD_CREATE can land just after that, so make sure every guild
    # the double sent is in the cache before the test looks.
    sessions = [s for s in double.sessions.values() if s.identify.get("intents", 0) & 1]
    wanted = {
        g.id
        for g in double.guilds.values()
        for s in sessions
        if (g.id >> 22) % s.shard_count == s.shard_id
    }
    while any(bot.get_guild(gid) is None for gid in wanted):
        if time.monotonic() > deadline:
            missing = sorted(gid for gid in wanted if bot.get_guild(gid) is None)
            raise TimeoutError(f"guilds {missing} never reached the bot's cache")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT,
    double: DiscordDouble,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.1,
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in, connect it in a task, wait until it is ready, yield it; on exit
    let outstanding interactions settle, close the bot and wait for the task.

    discord.py waits ``guild_ready_timeout`` (2 s by default) after the last
    GUILD_CREATE before it fires ``on_ready``; the double sends them back to back, so
    a short wait keeps tests fast. Pass ``None`` to keep the bot's own setting.
    """
    from . import point_discord_py_at

    restore = point_discord_py_at(double.rest_base, double.gateway_url)
    if guild_ready_timeout is not None:
        # No public knob exists after construction; ConnectionState reads it per READY.
        bot._connection.guild_ready_timeout = guild_ready_timeout
    connect_task: asyncio.Task[None] | None = None
    try:
        await bot.login(token or double.token)
        connect_task = asyncio.create_task(bot.connect(reconnect=True), name="discord-double-bot")
        ready_task = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {connect_task, ready_task}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready_task not in done:
            ready_task.cancel()
            if connect_task in done:
                connect_task.result()  # re-raise why the bot could not connect
                raise RuntimeError("bot.connect() returned before the bot became ready")
            raise TimeoutError(f"bot was not ready within {ready_timeout}s")
        await _guilds_cached(bot, double, time.monotonic() + ready_timeout)
        yield bot
        await double.settle()
    finally:
        started = time.monotonic()
        try:
            await asyncio.wait_for(bot.close(), timeout=10.0)
        except TimeoutError:
            log.warning("bot.close() did not finish within 10s")
        if connect_task is not None:
            try:
                await asyncio.wait_for(connect_task, timeout=5.0)
            except (asyncio.CancelledError, TimeoutError):
                connect_task.cancel()
            except discord.DiscordException:
                pass  # the test already learned about it; closing must not mask it
        if time.monotonic() - started > 1.0:
            log.warning("stopping the bot took %.1fs", time.monotonic() - started)
        restore()
