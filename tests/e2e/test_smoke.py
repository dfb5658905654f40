from __future__ import annotations

from typing import Any


async def test_ask_round_trip(geobot: Any, discord_double: Any, discord_world: Any) -> None:
    """Rule: the Discord layer only adapts: a slash command reaches the core and back."""
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
