"""Command sync: on the first start, not again while nothing changed, to the dev guild only."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from readers_support import MakeGeobot, visible_reply

from discord_double import DiscordDouble, World, running_bot, spec
from geobot.bot.sync import STATE_NAME
from geobot.settings import Settings

READER_COMMANDS = {
    "ask",
    "summary",
    "arguments",
    "quote",
    "sources",
    "documents",
    "help",
    "Ask geobot",
}


async def test_the_first_start_syncs_and_the_second_does_not(
    discord_double: DiscordDouble,
    discord_world: World,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
    start_bot: Callable[..., Awaitable[Any]],
) -> None:
    async with running_bot(make_geobot(), discord_double):
        assert len(discord_double.command_syncs) == 1
        sync = discord_double.command_syncs[0]
        assert sync.guild_id is None  # global
        assert set(sync.names) >= READER_COMMANDS
        path = f"/applications/{discord_double.application_id}/commands"
        assert spec.validate_body("PUT", path, sync.payload) == []
        menu = next(c for c in sync.payload if c["name"] == "Ask geobot")
        assert menu["type"] == 3  # a message command
        assert set(menu["contexts"]) >= {0, 1}  # guilds and DMs
    state = json.loads((bot_settings.state_dir / STATE_NAME).read_text(encoding="utf-8"))
    assert list(state) == [f"{discord_double.application_id}:global"]

    await start_bot(make_geobot())
    assert len(discord_double.command_syncs) == 1  # same commands: no second sync
    handle = await discord_double.slash("help", user=discord_world.alice, guild=discord_world.guild)
    await visible_reply(handle)  # and the commands registered the first time still work


async def test_a_changed_command_set_syncs_again(
    discord_double: DiscordDouble,
    discord_world: World,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
    start_bot: Callable[..., Awaitable[Any]],
) -> None:
    async with running_bot(make_geobot(), discord_double):
        pass
    path = bot_settings.state_dir / STATE_NAME
    state = json.loads(path.read_text(encoding="utf-8"))
    # What the state holds stands for the commands Discord has; pretend they differ.
    path.write_text(json.dumps({key: "0" * 64 for key in state}), encoding="utf-8")
    await start_bot(make_geobot())
    assert len(discord_double.command_syncs) == 2
    assert json.loads(path.read_text(encoding="utf-8")) == state


async def test_a_dev_guild_gets_the_commands_and_nothing_syncs_globally(
    discord_double: DiscordDouble,
    discord_world: World,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
    start_bot: Callable[..., Awaitable[Any]],
) -> None:
    guild = discord_world.guild
    settings = bot_settings.model_copy(update={"dev_guild_id": guild.id})
    await start_bot(make_geobot(settings))
    assert [s.guild_id for s in discord_double.command_syncs] == [guild.id]
    sync = discord_double.command_syncs[0]
    assert set(sync.names) >= READER_COMMANDS
    path = f"/applications/{discord_double.application_id}/guilds/{guild.id}/commands"
    assert spec.validate_body("PUT", path, sync.payload) == []
    assert discord_double.commands.get(None, []) == []

    handle = await discord_double.slash("help", user=discord_world.alice, guild=guild)
    await visible_reply(handle)
    with pytest.raises(LookupError):  # not registered globally, so not in DMs
        await discord_double.slash("help", user=discord_world.carol)
    state = json.loads((settings.state_dir / STATE_NAME).read_text(encoding="utf-8"))
    assert list(state) == [f"{discord_double.application_id}:{guild.id}"]
