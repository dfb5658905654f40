"""Command sync: only when the command set changed, or when asked.

Syncing on every start is what discord.py's docs warn against: global syncs are rate
limited and take time to propagate. We hash what would be sent and keep the hash per
application and target (a development guild, or global) in the state folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

from geobot.settings import Settings

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.sync")
STATE_NAME = "command-sync.json"


def payload(bot: GeobotBot, guild: discord.abc.Snowflake | None) -> list[dict[str, object]]:
    commands = bot.tree.get_commands(guild=guild)
    return sorted((c.to_dict(bot.tree) for c in commands), key=lambda c: str(c["name"]))


def digest(bot: GeobotBot, guild: discord.abc.Snowflake | None) -> str:
    data = json.dumps(payload(bot, guild), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def _target(settings: Settings) -> discord.Object | None:
    return discord.Object(settings.dev_guild_id) if settings.dev_guild_id else None


def _key(bot: GeobotBot, guild: discord.abc.Snowflake | None) -> str:
    return f"{bot.application_id}:{guild.id if guild else 'global'}"


def _read(settings: Settings) -> dict[str, str]:
    path = settings.state_dir / STATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(settings: Settings, state: dict[str, str]) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    path = settings.state_dir / STATE_NAME
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    temporary.replace(path)


async def sync_if_changed(bot: GeobotBot, settings: Settings, *, force: bool = False) -> bool:
    """Sync the command tree if it differs from the last sync; True when it synced."""
    guild = _target(settings)
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    current = digest(bot, guild)
    state = _read(settings)
    key = _key(bot, guild)
    if not force and state.get(key) == current:
        log.info("commands unchanged since the last sync (%s); not syncing", key)
        return False
    synced = await bot.tree.sync(guild=guild)
    state[key] = current
    _write(settings, state)
    target = f"guild {guild.id}" if guild else "all guilds (global)"
    log.info("synced %d command(s) to %s", len(synced), target)
    return True
