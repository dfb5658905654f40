"""Answering an interaction whether or not it was already answered (Red-DiscordBot's idiom).

Discord allows one initial response per interaction; anything after it must be a followup.
Every reply goes through here so that no code path has to remember which case it is in.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from geobot.bot.render import CONTENT_LIMIT, clip

# Set in interaction.extras once the original response shows an answer, so an error after
# that point does not delete what the reader already sees.
SHOWN = "geobot_shown"


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = False,
    **kwargs: Any,
) -> None:
    if content is not None:
        kwargs["content"] = clip(content, CONTENT_LIMIT)
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)


async def refuse(interaction: discord.Interaction, content: str) -> None:
    """Tell only the user, even when the interaction was already deferred in public.

    After a public defer, Discord turns the first followup into the "thinking…" message
    itself and ignores its ephemeral flag: the refusal would be shown to the whole channel.
    So the placeholder goes first; the followup is then a message of its own, and private.
    """
    if (
        interaction.response.type is discord.InteractionResponseType.deferred_channel_message
        and not interaction.extras.get(SHOWN)
    ):
        # Already gone (deleted by a moderator, token expired): the followup still works.
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
    await reply(interaction, content, ephemeral=True)


async def show(
    interaction: discord.Interaction, *, ephemeral: bool = False, **kwargs: Any
) -> discord.InteractionMessage | None:
    """Show the answer in the original response, deferred or fresh; returns the message
    when Discord sends it back (for views that edit it later)."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        message = await interaction.edit_original_response(**kwargs)
        interaction.extras[SHOWN] = True
        return message
    response = await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    interaction.extras[SHOWN] = True
    resource = response.resource if response is not None else None
    return resource if isinstance(resource, discord.InteractionMessage) else None
