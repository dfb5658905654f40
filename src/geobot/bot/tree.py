"""The command tree, with the one place where command failures become polite replies."""

from __future__ import annotations

import logging
import math
import time

import discord
from discord import app_commands

from geobot.bot import render
from geobot.bot.observability import STARTED, log_interaction, outcome_of
from geobot.bot.replies import refuse
from geobot.library import UnknownDocumentError
from geobot.search.query import QueryError

log = logging.getLogger("geobot.commands")


class UserFacingError(app_commands.AppCommandError):
    """A failure whose message is for the user as it is (bad input, missing permission)."""


class NotPermitted(UserFacingError):
    """A UserFacingError that is a permission refusal: logged and counted as forbidden."""


class GeobotTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        interaction.extras[STARTED] = time.perf_counter()
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        reason = None
        if isinstance(error, app_commands.CommandOnCooldown):
            wait = math.ceil(error.retry_after)
            message = f"Easy there: you can ask again in {wait} second{'s' * (wait != 1)}."
        elif isinstance(original, UnknownDocumentError):
            message = render.unknown_document(original)  # it echoes what the reader typed
            reason = "unknown document"  # so the log does not
        elif isinstance(original, QueryError | UserFacingError):
            message = reason = str(original)
        elif isinstance(error, app_commands.CheckFailure):
            message = "You don't have permission to use this command here."
        else:
            message = (
                "Sorry, something went wrong on my side. The moderators can find "
                "the details in the bot's log."
            )
        outcome = outcome_of(error)
        # One line per failure (successes: GeobotBot.dispatch).
        log_interaction(
            interaction, outcome, reason=reason, error=original if outcome == "error" else None
        )
        try:
            await refuse(interaction, message)
        except discord.HTTPException as exc:
            # The interaction may have expired: nothing more to tell the user.
            log.warning("command=%s could not report its error: %s", command, exc)
