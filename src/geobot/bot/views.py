"""Buttons: paging that only the asker can turn, and feedback that survives restarts.

Paging state lives in the view (it dies with the process and disables itself on timeout).
Feedback buttons carry the question's interaction id in their custom_id; the `Feedback`
dynamic item, registered once in `setup_hook`, answers every such click, on any message,
after any timeout or restart (discord.py's persistent-views pattern, `timeout=None`).

A timed pager must not hold a dynamic item itself: discord.py's view store forgets the
dynamic item classes a finished view held, even those the bot registered for good, so the
first answer to time out would silence every feedback button. The pager therefore shows
`FeedbackFace` buttons, which look like `Feedback` but which it does not dispatch.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from geobot.bot.components import LoggedItem, LoggedView, tell_error
from geobot.bot.replies import reply
from geobot.questions.writer import QuestionLogError

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.bot")
# Seconds a paged answer keeps its buttons after its last use. Read when a view is made,
# not bound as a default argument, so tests (and operators) can change it at run time.
PAGE_TIMEOUT = 600.0


class Pages(LoggedView):
    """Previous / next over prepared embeds; only the person who asked may turn them."""

    def __init__(
        self,
        pages: Sequence[discord.Embed],
        owner_id: int,
        *,
        timeout: float | None = None,
        extra: Sequence[discord.ui.Item[Any]] = (),
    ):
        super().__init__(timeout=PAGE_TIMEOUT if timeout is None else timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        # Where the pages are shown: the interaction's webhook and the message's id. Not the
        # message itself, whose parsed embeds, components and author would live as long as
        # the view (ten minutes), and be walked by every full garbage collection meanwhile.
        self.shown: tuple[discord.Webhook, int] | None = None
        for item in extra:
            self.add_item(item)
        self._update_buttons()
        if len(self.pages) <= 1:
            self.remove_item(self.previous)
            self.remove_item(self.next)

    def shown_in(
        self, interaction: discord.Interaction, message: discord.InteractionMessage | None
    ) -> None:
        """Remember where the pages were sent, to disable their buttons on timeout."""
        if message is not None:
            self.shown = (interaction.followup, message.id)

    def _update_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    @property
    def current(self) -> discord.Embed:
        return self.pages[self.index]

    async def allows(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(
                interaction,
                "Only the person who asked can turn these pages; "
                "run the command yourself to browse.",
                ephemeral=True,
            )
            return False
        return True

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, row=0)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pages]
    ) -> None:
        self.index = max(0, self.index - 1)
        self._update_buttons()
        await interaction.response.edit_message(embed=self.current, view=self)

    @discord.ui.button(label="More results", style=discord.ButtonStyle.primary, row=0)
    async def next(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pages]
    ) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._update_buttons()
        await interaction.response.edit_message(embed=self.current, view=self)

    async def on_timeout(self) -> None:
        if len(self.pages) <= 1:
            return  # no paging buttons to disable: the message stays as it is
        self.previous.disabled = True
        self.next.disabled = True
        if self.shown is not None:
            webhook, message_id = self.shown
            # The message may be deleted or its token expired: then nothing is left to disable.
            with contextlib.suppress(discord.HTTPException):
                await webhook.edit_message(message_id, view=self)


class FeedbackFace(discord.ui.Button[Any]):
    """A feedback button as a timed view shows it; its clicks go to `Feedback`."""

    def __init__(self, question: int, helpful: bool) -> None:
        super().__init__(
            label="Helpful" if helpful else "Not helpful",
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            custom_id=f"geobot:fb:{question}:{int(helpful)}",
            row=1,
        )

    def is_dispatchable(self) -> bool:
        # Tells the view store not to route this custom_id to the pager, nor to drop
        # anything for it when the pager times out: the Feedback dynamic item owns it.
        return False


class Feedback(
    LoggedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"geobot:fb:(?P<question>[0-9]{1,20}):(?P<vote>[01])",
):
    """ "Helpful" / "Not helpful", keyed by the interaction id the question was logged with.

    Registered once in `setup_hook`, never held by a view of ours (see the module's note)."""

    def __init__(self, question: int, helpful: bool) -> None:
        face = FeedbackFace(question, helpful)
        super().__init__(
            discord.ui.Button(
                label=face.label, style=face.style, custom_id=face.custom_id, row=face.row
            )
        )
        self.question = question
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Feedback:
        return cls(int(match["question"]), match["vote"] == "1")

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        self.log_error(interaction, error)
        if not isinstance(error, QuestionLogError):  # `clicked` has apologised for those
            await tell_error(interaction, error)

    async def clicked(self, interaction: discord.Interaction) -> None:
        bot: GeobotBot = interaction.client  # type: ignore[assignment]
        if bot.question_log is None:
            await reply(interaction, "Feedback is not being recorded right now.", ephemeral=True)
            return
        # The vote is a database write (queued behind other writes, or spooled while the
        # database is away): acknowledge first, privately, so the click never times out.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await bot.question_log.record_feedback(
                user_id=interaction.user.id, helpful=self.helpful, interaction_id=self.question
            )
        except QuestionLogError:
            # Neither committed nor spooled: say so instead of leaving "thinking…" up, then
            # let the click's error line carry the details.
            await reply(
                interaction,
                "Sorry, your vote could not be saved right now. Please try again later.",
                ephemeral=True,
            )
            raise
        if result.status == "unknown_question":
            message = "That question is no longer in the log, so the vote was not kept."
        elif result.status == "unchanged":
            message = "You had already voted that way. Thanks!"
        elif result.status == "changed":
            message = "Vote changed. Thanks for the feedback!"
        else:
            message = "Thanks for the feedback!"
        await reply(interaction, message, ephemeral=True)


def feedback_buttons(question: int) -> list[discord.ui.Item[Any]]:
    """The buttons an answer shows; clicks on them reach the registered `Feedback`."""
    return [FeedbackFace(question, True), FeedbackFace(question, False)]
