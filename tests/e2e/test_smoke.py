from __future__ import annotations

from typing import Any


async def test_ask_round_trip(geobot: Any, discord_double: Any, discord_world: Any) -> None:
    handle = await discord_double.slash(
        "ask",
        {"question": "What did Senator Mike Lee say about NATO?"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 5  # deferred: "geobot is thinking…"
    message = await handle.reply()
    embed = message.embeds[0]
    assert "a great deal for Europe" in embed["fields"][0]["value"]


async def test_an_interaction_holds_off_full_collections(
    geobot: Any, discord_double: Any, discord_world: Any
) -> None:
    """Every interaction tells the idle collector the bot is busy (GeobotBot.dispatch)."""
    geobot.collector.every = 0.0  # a full collection would be due, but for the interaction
    assert geobot.collector.due()
    before = geobot.collector.last_busy
    handle = await discord_double.slash("help", user=discord_world.alice, guild=discord_world.guild)
    await handle.response(timeout=3)
    assert geobot.collector.last_busy > before
    assert not geobot.collector.due()  # busy less than a second ago: not now


async def test_every_interaction_is_charged_to_the_gateway_reader(
    geobot: Any, discord_double: Any, discord_world: Any, monkeypatch: Any
) -> None:
    """GeobotBot.dispatch counts each interaction against the reader's frame budget
    (geobot.bot.client.charge_interaction); other events are not charged."""
    from geobot.bot import client

    charged: list[int] = []
    charge = client.charge_interaction
    monkeypatch.setattr(client, "charge_interaction", lambda: (charged.append(1), charge()))
    for _ in range(3):
        handle = await discord_double.slash(
            "help", user=discord_world.alice, guild=discord_world.guild
        )
        await handle.response(timeout=3)
    assert len(charged) == 3
