"""Answering an interaction whether or not it was already answered (Red-DiscordBot's idiom).

Discord allows one initial response per interaction; anything after it must be a followup.
Every reply goes through here so that no code path has to remember which case it is in.
"""

from __future__ import annotations

from typing import Any

import discord

from geobot.bot.render import CONTENT_LIMIT, clip


async def reply(interaction: discord.Interaction, content: str | None = None, *,
                ephemeral: bool = False, **kwargs: Any) -> None:
    if content is not None:
        content = clip(content, CONTENT_LIMIT)
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)


async def show(interaction: discord.Interaction, *, ephemeral: bool = False,
               **kwargs: Any) -> None:
    """Show the answer to a deferred or fresh interaction in its original response."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
