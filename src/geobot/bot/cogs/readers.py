"""Reader commands: ask, summary, arguments, quote, sources, documents, help.

Each command parses the interaction, calls the core (`Library`), and renders embeds. The
library is read once per command: a reload during the command does not change its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from geobot.bot import render
from geobot.bot.executors import compute
from geobot.bot.replies import reply, show
from geobot.bot.views import Pages, feedback_buttons
from geobot.library import Choice, Library
from geobot.questions.writer import NewQuestion, QuestionLogError
from geobot.search.passages import Answer

if TYPE_CHECKING:
    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.readers")

MAX_QUESTION = 500  # Discord enforces it in the client: no reader sees a server-side error
MAX_RESULTS = 15
LOGGED_RESULTS = 5


def _ask_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    bot: GeobotBot = interaction.client  # type: ignore[assignment]
    if bot.is_bot_admin(interaction.user):
        return None
    return app_commands.Cooldown(bot.settings.ask_cooldown_rate, bot.settings.ask_cooldown_seconds)


def _cooldown_key(interaction: discord.Interaction) -> int:
    return interaction.user.id


def _choices(found: Iterable[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name, value=c.value) for c in found]


class Readers(commands.Cog):
    """What any member (or a DM) can ask."""

    def __init__(self, bot: GeobotBot) -> None:
        self.bot = bot
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

    @app_commands.command(name="ask", description="Ask a question about the documents.")
    @app_commands.describe(
        question="Your question, in your own words", document="Only search this document"
    )
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.checks.dynamic_cooldown(_ask_cooldown, key=_cooldown_key)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        document: str | None = None,
    ) -> None:
        await self.answer(interaction, question, "ask", document)

    # The menu shares /ask's limit (a bucket of its own): it must not be a way around it.
    @app_commands.checks.dynamic_cooldown(_ask_cooldown, key=_cooldown_key)
    async def ask_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        text = message.content.strip()
        if not text:
            await reply(interaction, "That message has no text to ask about.", ephemeral=True)
            return
        await self.answer(interaction, text[: MAX_QUESTION * 2], "context-menu", None)

    async def answer(
        self, interaction: discord.Interaction, question: str, command: str, document: str | None
    ) -> None:
        # Searching costs milliseconds on the bundled set and more on a large one, and fifty
        # readers may ask at once: the interaction is acknowledged before any of it, and the
        # search runs on the core thread (executors.compute), so acks never queue behind it.
        library = self.bot.library
        # A document name resolves in microseconds, and resolving it before the defer means
        # a bad one is refused privately, with no "thinking…" shown to the channel first.
        doc = library.resolve(document)
        await interaction.response.defer(thinking=True)
        answer, pages = await compute(
            self._answer_pages, library, question, doc.id if doc else None, interaction.guild_id
        )
        await self._log(interaction, question, command, answer, library)
        view = Pages(
            pages, interaction.user.id, extra=feedback_buttons(interaction.id), client=self.bot
        )
        view.message = await show(interaction, embed=pages[0], view=view)

    def _answer_pages(
        self, library: Library, question: str, document: str | None, guild_id: int | None
    ) -> tuple[Answer, list[discord.Embed]]:
        """Search, FAQ match and rendering, in one call on the core thread: a millisecond of
        rendering per answer, fifty answers at once, is time the event loop would otherwise
        spend away from other readers' acknowledgements (the matcher is thread-safe)."""
        answer = library.ask(question, limit=MAX_RESULTS, document=document)
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

    @app_commands.command(name="summary", description="What a document argues, in brief.")
    @app_commands.describe(document="A document (leave empty for all of them)")
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def summary(self, interaction: discord.Interaction, document: str | None = None) -> None:
        library = self.bot.library
        doc = library.resolve(document)
        embed = (
            render.summary_embed(library, doc)
            if doc is not None
            else render.overview_embed(library)
        )
        await show(interaction, embed=embed)

    @app_commands.command(name="arguments", description="The key arguments and their evidence.")
    @app_commands.describe(document="Only this document", topic="Only arguments about this")
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def arguments(
        self,
        interaction: discord.Interaction,
        document: str | None = None,
        topic: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        library = self.bot.library
        doc = library.resolve(document)
        heading = render.arguments_heading(doc, topic)

        def pages() -> list[discord.Embed]:
            found = library.find_arguments(doc.id if doc else None, topic)
            return render.argument_pages(library, found, heading)

        if topic:
            # Matching a topic reads every argument's evidence: its cost grows with the
            # document set, so acknowledge first (see `answer`) and match off the loop.
            # Its pages are rendered there too (see `_answer_pages`).
            await interaction.response.defer(thinking=True)
            await self._paged(interaction, await compute(pages))
        else:
            await self._paged(interaction, pages())  # a filter: microseconds

    @app_commands.command(name="quote", description="Who said what, in the documents.")
    @app_commands.describe(text="Words of the quote", speaker="Who said it")
    @app_commands.autocomplete(text=quote_autocomplete, speaker=speaker_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def quote(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 200] | None = None,
        speaker: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        library = self.bot.library
        heading = render.quotes_heading(text, speaker)

        def pages() -> list[discord.Embed]:
            return render.quote_pages(library, library.find_quotes(text, speaker=speaker), heading)

        if text:
            # Fuzzy matching over every quote and its sentence: as for topics above.
            await interaction.response.defer(thinking=True)
            await self._paged(interaction, await compute(pages))
        else:
            await self._paged(interaction, pages())  # speakers: a short list

    @app_commands.command(name="sources", description="What the documents cite, and for what.")
    @app_commands.describe(document="Only this document")
    @app_commands.autocomplete(document=document_autocomplete)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def sources(self, interaction: discord.Interaction, document: str | None = None) -> None:
        library = self.bot.library
        doc = library.resolve(document)
        found = library.find_sources(doc.id if doc else None)
        heading = render.sources_heading(doc)
        await self._paged(interaction, render.source_pages(library, found, heading))

    @app_commands.command(name="documents", description="The documents I know.")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def documents(self, interaction: discord.Interaction) -> None:
        await show(interaction, embed=render.documents_embed(self.bot.library))

    @app_commands.command(name="help", description="What I cover and how to ask.")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help(self, interaction: discord.Interaction) -> None:
        await show(interaction, embed=render.help_embed(), ephemeral=True)

    async def _paged(self, interaction: discord.Interaction, pages: list[discord.Embed]) -> None:
        if len(pages) == 1:
            await show(interaction, embed=pages[0])
            return
        view = Pages(pages, interaction.user.id)
        view.message = await show(interaction, embed=pages[0], view=view)


async def setup(bot: GeobotBot) -> None:
    from geobot.bot.views import Feedback

    bot.add_dynamic_items(Feedback)
    await bot.add_cog(Readers(bot))
