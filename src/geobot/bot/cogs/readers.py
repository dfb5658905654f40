"""Reader commands: ask, summary, arguments, quote, sources, documents, help.

Each command parses the interaction, calls the core (`Library`), and renders embeds. The
library is read once per command: a reload during the command does not change its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from geobot.bot import render
from geobot.bot.executors import compute
from geobot.bot.replies import reply, show
from geobot.bot.views import Pages, feedback_buttons
from geobot.commands import MAX_QUESTION, READERS
from geobot.library import Choice, Library
from geobot.questions.writer import NewQuestion, QuestionLogError
from geobot.search.passages import Answer

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.readers")

LOGGED_RESULTS = 5


class AskBudget:
    """One rate limit per reader for /ask and the "Ask geobot" menu together.

    Two `dynamic_cooldown` decorators would keep a bucket each, and the menu would double
    the rate /ask allows; both commands check this one. Bot admins are not limited.
    """

    # Buckets whose window has passed are dropped once this many are kept, so memory
    # follows the readers active in the last window, not every reader ever seen.
    PRUNE_AT = 1000

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self.buckets: dict[int, app_commands.Cooldown] = {}

    def spend(self, user_id: int) -> None:
        """Take one ask from the reader's budget; raises CommandOnCooldown when empty."""
        if len(self.buckets) >= self.PRUNE_AT:
            self.buckets = {k: v for k, v in self.buckets.items() if v.get_tokens() < v.rate}
        bucket = self.buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        retry_after = bucket.update_rate_limit()
        if retry_after:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


def _within_ask_budget(interaction: discord.Interaction) -> bool:
    bot: GeobotBot = interaction.client  # type: ignore[assignment]
    readers = bot.get_cog("Readers")
    if isinstance(readers, Readers) and not bot.is_bot_admin(interaction.user):
        readers.ask_budget.spend(interaction.user.id)
    return True


def _choices(found: Iterable[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name, value=c.value) for c in found]


class Readers(commands.Cog):
    """What any member (or a DM) can ask."""

    def __init__(self, bot: GeobotBot) -> None:
        self.bot = bot
        self.ask_budget = AskBudget(
            bot.settings.ask_cooldown_rate, bot.settings.ask_cooldown_seconds
        )
        self.ask_menu = app_commands.ContextMenu(name="Ask geobot", callback=self.ask_message)
        self.ask_menu.allowed_contexts = app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=True
        )
        self.bot.tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

    # -- autocomplete, answered from memory ---------------------------------------------

    async def document_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(self.bot.library.complete_documents(current))

    async def speaker_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(self.bot.library.complete_speakers(current))

    async def quote_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(self.bot.library.complete_quotes(current))

    # -- asking ---------------------------------------------------------------------------

    @app_commands.command(name="ask", description=READERS["ask"].description)
    @app_commands.describe(**READERS["ask"].describe())
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.check(_within_ask_budget)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        document: str | None = None,
    ) -> None:
        await self.answer(interaction, question, "ask", document)

    # The menu spends /ask's budget: it must not be a way around it.
    @app_commands.check(_within_ask_budget)
    async def ask_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        text = message.content.strip()
        if not text:
            await reply(interaction, "That message has no text to ask about.", ephemeral=True)
            return
        await self.answer(interaction, text[: MAX_QUESTION * 2], "context-menu", None)

    async def answer(
        self, interaction: discord.Interaction, question: str, command: str, document: str | None
    ) -> None:
        # Searching costs more as the document set grows, and many readers may ask at once:
        # acknowledge first, then search on the core worker (executors.compute).
        library = self.bot.library
        # A document name resolves in microseconds, and resolving it before the defer means
        # a bad one is refused privately, with no "thinking…" shown to the channel first.
        library.resolve(document)
        await interaction.response.defer(thinking=True)
        answer, pages = await compute(
            self._answer_pages, library, question, document, interaction.guild_id
        )
        await self._log(interaction, question, command, answer, library)
        view = Pages(pages, interaction.user.id, extra=feedback_buttons(interaction.id))
        view.shown_in(interaction, await show(interaction, embed=pages[0], view=view))

    def _answer_pages(
        self, library: Library, question: str, document: str | None, guild_id: int | None
    ) -> tuple[Answer, list[discord.Embed]]:
        """Search, FAQ match and rendering, in one call on the core worker, off the event
        loop (the matcher is thread-safe)."""
        answer = READERS["ask"].call(library, {"question": question, "document": document})  # type: ignore[misc]
        faq = self._faq(guild_id, answer.question)
        return answer, render.answer_pages(library, answer, faq)

    def _faq(self, guild_id: int | None, question: str) -> render.FaqAnswer | None:
        matcher = getattr(self.bot, "faq", None)
        if matcher is None:
            return None
        # guild_id None is a DM: the matcher then looks at the bot admins' FAQ for DMs only.
        match = matcher.best(guild_id, question)
        return render.FaqAnswer(match.entry.question, match.entry.answer) if match else None

    async def _log(
        self,
        interaction: discord.Interaction,
        text: str,
        command: str,
        answer: Answer,
        library: Library,
    ) -> None:
        if self.bot.question_log is None:
            return
        question = NewQuestion(
            interaction_id=interaction.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            text=text,
            command=command,
            results=[(hit.id, hit.score) for hit in answer.hits[:LOGGED_RESULTS]],
            answered=answer.answered,
            digest=library.documents.digest,
        )
        try:
            recorded = await self.bot.question_log.record(question)
        except QuestionLogError:
            # The writer spools what the database refuses; an error here is a bug in it.
            # The reader still gets the answer.
            log.exception("question %s could not be logged", interaction.id)
            return
        if not answer.answered:
            self.bot.dispatch("geobot_flagged_question", interaction, recorded)

    # -- exploring ------------------------------------------------------------------------

    @app_commands.command(name="summary", description=READERS["summary"].description)
    @app_commands.describe(**READERS["summary"].describe())
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def summary(self, interaction: discord.Interaction, document: str | None = None) -> None:
        await self._run(interaction, "summary", document=document)

    @app_commands.command(name="arguments", description=READERS["arguments"].description)
    @app_commands.describe(**READERS["arguments"].describe())
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def arguments(
        self,
        interaction: discord.Interaction,
        document: str | None = None,
        topic: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        # Matching a topic reads every argument's evidence: its cost grows with the set.
        await self._run(interaction, "arguments", slow=bool(topic), document=document, topic=topic)

    @app_commands.command(name="quote", description=READERS["quote"].description)
    @app_commands.describe(**READERS["quote"].describe())
    @app_commands.autocomplete(text=quote_autocomplete, speaker=speaker_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def quote(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 200] | None = None,
        speaker: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        # Fuzzy matching over every quote and its sentence; speakers alone: a short list.
        await self._run(interaction, "quote", slow=bool(text), text=text, speaker=speaker)

    @app_commands.command(name="sources", description=READERS["sources"].description)
    @app_commands.describe(**READERS["sources"].describe())
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def sources(self, interaction: discord.Interaction, document: str | None = None) -> None:
        await self._run(interaction, "sources", document=document)

    @app_commands.command(name="documents", description=READERS["documents"].description)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def documents(self, interaction: discord.Interaction) -> None:
        await self._run(interaction, "documents")

    @app_commands.command(name="help", description=READERS["help"].description)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help(self, interaction: discord.Interaction) -> None:
        await show(interaction, embed=READERS["help"].run(self.bot.library, {})[0], ephemeral=True)

    async def _run(
        self, interaction: discord.Interaction, name: str, *, slow: bool = False, **options: Any
    ) -> None:
        """A reader command from the table (geobot.commands): its core call and renderer.

        A document name resolves in microseconds and is checked first, so a bad one is
        refused privately; slow calls are acknowledged first and run on the core worker."""
        library = self.bot.library  # one snapshot for the whole command (reloads swap it)
        library.resolve(options.get("document"))
        command = READERS[name]
        if slow:
            await interaction.response.defer(thinking=True)
            pages = await compute(command.run, library, options)
        else:
            pages = command.run(library, options)
        await self._paged(interaction, pages)

    async def _paged(self, interaction: discord.Interaction, pages: list[discord.Embed]) -> None:
        if len(pages) == 1:
            await show(interaction, embed=pages[0])
            return
        view = Pages(pages, interaction.user.id)
        view.shown_in(interaction, await show(interaction, embed=pages[0], view=view))


async def setup(bot: GeobotBot) -> None:
    await bot.add_cog(Readers(bot))
