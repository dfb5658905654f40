"""The command tree, with the one place where command failures become polite replies."""

from __future__ import annotations

import logging
import math
import time

import discord
from discord import app_commands

from geobot.bot import render
from geobot.bot.replies import refuse
from geobot.library import UnknownDocumentError
from geobot.search.query import QueryError

log = logging.getLogger("geobot.commands")


class UserFacingError(app_commands.AppCommandError):
    """A failure whose message is for the user as it is (bad input, missing permission)."""


class GeobotTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        interaction.extras["started"] = time.perf_counter()
        return True

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        guild = interaction.guild_id or "DM"
        if isinstance(error, app_commands.CommandOnCooldown):
            wait = math.ceil(error.retry_after)
            message = f"Easy there: you can ask again in {wait} second{'s' * (wait != 1)}."
            log.info("command=%s guild=%s user=%s outcome=cooldown", command, guild,
                     interaction.user.id)
        elif isinstance(original, UnknownDocumentError):
            message = render.unknown_document(original)  # it echoes what the reader typed
            log.info("command=%s guild=%s outcome=refused reason=unknown document", command,
                     guild)
        elif isinstance(original, QueryError | UserFacingError):
            message = str(original)
            log.info("command=%s guild=%s outcome=refused reason=%s", command, guild, message)
        elif isinstance(error, app_commands.CheckFailure):
            message = "You don't have permission to use this command here."
            log.info("command=%s guild=%s user=%s outcome=forbidden", command, guild,
                     interaction.user.id)
        else:
            message = ("Sorry, something went wrong on my side. The moderators can find "
                       "the details in the bot's log.")
            log.error("command=%s guild=%s outcome=error error=%r", command, guild, original,
                      exc_info=original)
        try:
            await refuse(interaction, message)
        except discord.HTTPException as exc:
            # The interaction may have expired: nothing more to tell the user.
            log.warning("command=%s could not report its error: %s", command, exc)
