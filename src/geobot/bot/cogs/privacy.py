"""/mydata: what the question log holds about the person asking, and deleting all of it.

Anyone can run it, in a server or in a DM; the reply is ephemeral. It shows a summary and
the questions page by page (clipped to Discord's limits), attaches every stored field as a
JSON file, and offers a delete button with a confirmation step. Both read and delete use
the clicking user's own id, never an id carried in a button: nobody can reach someone
else's data through it.

``Confirm`` (a yes/no view) lives here and is shared with the moderators' destructive
commands.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import exc as sa_exc

from geobot.bot import render
from geobot.bot.components import LoggedView
from geobot.bot.executors import to_thread
from geobot.bot.replies import reply
from geobot.bot.tree import UserFacingError
from geobot.bot.views import Pages
from geobot.questions.db import DatabaseError
from geobot.questions.store import MyData, QuestionStore

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.privacy")

QUESTIONS_PER_PAGE = 5
CONFIRM_TIMEOUT = 120.0
MYDATA_FILENAME = "geobot-my-data.json"


LOG_UNAVAILABLE = "The question log isn't available right now. Try again later."
# What a database that is away raises (refused or dropped connections, a file that cannot
# be opened, a full pool): an outage, not a bug in a command.
_OUTAGES = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, DatabaseError)

T = TypeVar("T")


class LogUnavailable(UserFacingError):
    """The question log's database cannot be used right now (already logged once)."""


def require_store(bot: GeobotBot) -> QuestionStore:
    if bot.store is None:
        raise LogUnavailable(LOG_UNAVAILABLE)
    return bot.store


async def log_call(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """A question-log call off the event loop (``to_thread``). A database that is away
    becomes the polite "unavailable" reply and one warning line, without a traceback;
    readers' questions meanwhile go to the writer's spool as before."""
    try:
        return await to_thread(func, *args, **kwargs)
    except _OUTAGES as exc:
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        log.warning("question log unavailable: %s: %s", type(exc).__name__, reason)
        raise LogUnavailable(LOG_UNAVAILABLE) from None


class Confirm(LoggedView):
    """ "Are you sure?" for one person: runs ``action`` on confirm and shows what it returns.

    The action re-runs any permission check itself: minutes may pass between the command
    and the click, and a moderator may have lost the role meanwhile.
    """

    def __init__(
        self,
        owner_id: int,
        action: Callable[[discord.Interaction], Awaitable[str]],
        *,
        confirm_label: str,
        timeout: float = CONFIRM_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.action = action
        self.confirm.label = confirm_label
        # The interaction that showed this view: its token edits the (ephemeral) message.
        self.origin: discord.Interaction | None = None

    async def allows(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, "This confirmation is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
    ) -> None:
        self.stop()
        # Acknowledge first: the deletion is a database write and may wait for a lock.
        await interaction.response.defer()
        outcome = await self.action(interaction)
        await interaction.edit_original_response(
            content=outcome, view=None, allowed_mentions=discord.AllowedMentions.none()
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted.", view=None
        )

    async def on_timeout(self) -> None:
        if self.origin is not None:
            # Expired token or a dismissed message: then there is nothing left to tidy.
            with contextlib.suppress(discord.HTTPException):
                await self.origin.edit_original_response(
                    content="Timed out: nothing was deleted.", view=None
                )


class DeleteMyData(discord.ui.Button[Pages]):
    def __init__(self, questions: int, votes: int) -> None:
        super().__init__(label="Delete all my data…", style=discord.ButtonStyle.danger, row=1)
        self.questions = questions
        self.votes = votes

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: GeobotBot = interaction.client  # type: ignore[assignment]
        user_id = interaction.user.id

        async def delete(confirmed: discord.Interaction) -> str:
            # The clicking user's own id: the Pages view only lets its owner click.
            result = await log_call(require_store(bot).delete_my_data, user_id)
            log.info(
                "user=%s outcome=deleted_own_data questions=%d votes=%d",
                user_id,
                result.questions,
                result.feedback,
            )
            return (
                f"Done: deleted {_count(result.questions, 'question')} and "
                f"{_count(result.feedback, 'vote')}. geobot now stores nothing about you "
                "(until you ask again)."
            )

        view = Confirm(user_id, delete, confirm_label="Delete everything")
        await interaction.response.send_message(
            f"This deletes your {_count(self.questions, 'question')} and "
            f"{_count(self.votes, 'vote')} in every server and in DMs. It cannot be undone. "
            "FAQ entries the moderators wrote from one of your questions stay: their answer "
            "and the question's words, without your name.",
            view=view,
            ephemeral=True,
        )
        view.origin = interaction


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _when(value: Any) -> str:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return discord.utils.format_dt(datetime.fromisoformat(value), "d")
    return str(value)


def _where(bot: GeobotBot, guild_id: str | None) -> str:
    if guild_id is None:
        return "direct message"
    guild = bot.get_guild(int(guild_id))
    return render.escape(guild.name) if guild is not None else f"a server ({guild_id})"


def mydata_pages(bot: GeobotBot, data: MyData) -> list[discord.Embed]:
    """A summary, then the questions a few per page; the JSON file has every field."""
    helpful = sum(1 for vote in data.feedback if vote.get("helpful"))
    summary = (
        f"**{_count(len(data.questions), 'question')}** and "
        f"**{_count(len(data.feedback), 'vote')}** ({helpful} helpful, "
        f"{len(data.feedback) - helpful} not helpful).\n\n"
        f"The attached `{MYDATA_FILENAME}` holds every stored field. The moderators of a "
        "server see the questions you asked there; the bot's admins see questions asked in "
        "DMs. Use the red button to delete all of it (you'll be asked to confirm)."
    )
    questions = data.questions
    pages: list[discord.Embed] = []
    for start in range(0, max(1, len(questions)), QUESTIONS_PER_PAGE):
        embed = discord.Embed(
            title="What geobot stores about you",
            colour=render.COLOUR,
            description=summary if start == 0 else None,
        )
        for row in questions[start : start + QUESTIONS_PER_PAGE]:
            name = f"#{row['id']} · {_where(bot, row.get('guild_id'))} · {row['status']}"
            lines = [
                render.escape(render.clip(str(row["text"]), 300)),
                f"Asked {_when(row.get('created_at'))}",
            ]
            if row.get("answer_text"):
                lines.append(
                    "Moderators' answer: "
                    + render.escape(render.clip(str(row["answer_text"]), 300))
                )
            embed.add_field(
                name=render.clip(name, render.FIELD_NAME_LIMIT),
                value=render.clip("\n".join(lines), render.FIELD_VALUE_LIMIT),
                inline=False,
            )
        pages.append(render.fit(embed))
    if len(pages) > 1:
        for number, page in enumerate(pages, 1):
            page.set_footer(text=f"Page {number}/{len(pages)}")
    return pages


class Privacy(commands.Cog):
    """What every reader can do about their own data."""

    def __init__(self, bot: GeobotBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="mydata", description="See, and delete, what geobot stores about you."
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def mydata(self, interaction: discord.Interaction) -> None:
        store = require_store(self.bot)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await log_call(store.my_data, interaction.user.id)
        if not data.questions and not data.feedback:
            await interaction.edit_original_response(
                content="geobot stores nothing about you: no questions and no votes."
            )
            return
        pages = mydata_pages(self.bot, data)
        payload = data.to_json()
        kwargs: dict[str, Any] = {}
        if len(payload) <= interaction.filesize_limit:
            kwargs["attachments"] = [discord.File(io.BytesIO(payload), MYDATA_FILENAME)]
        else:
            # Only for thousands of questions; the pages still show them.
            pages[0].description = render.clip(
                (pages[0].description or "") + "\n\n*Too much to attach as one file: ask the "
                "bot's operator for a full copy.*",
                render.DESCRIPTION_LIMIT,
            )
        view = Pages(
            pages,
            interaction.user.id,
            extra=[DeleteMyData(len(data.questions), len(data.feedback))],
        )
        message = await interaction.edit_original_response(
            embed=pages[0], view=view, allowed_mentions=discord.AllowedMentions.none(), **kwargs
        )
        view.shown_in(interaction, message)


async def setup(bot: GeobotBot) -> None:
    await bot.add_cog(Privacy(bot))
