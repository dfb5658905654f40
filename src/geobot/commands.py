"""Every slash command, described once: name, audience, options, and for the reader
commands the core call and the renderer.

The Discord cogs, the local shell and the CLI all read this table, so they cannot drift
apart: a test checks that every command here is a slash command with these options, that
the shell takes each one, and that the CLI has each reader command. The core call is the
`Library` method a command runs; the renderer turns what it found into the embeds the bot
sends (the shell prints those same embeds as text, the CLI prints its own text or JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import discord

from geobot.bot import render
from geobot.library import Library

Audience = Literal["reader", "moderator", "admin"]
ROLES: tuple[Audience, ...] = ("reader", "moderator", "admin")

MAX_QUESTION = 500  # Discord enforces it in the client: no reader sees a server-side error
MAX_RESULTS = 15  # passages an /ask answer pages through


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # as typed after the slash: "ask", "questions list"
    description: str
    audience: Audience
    options: tuple[Option, ...] = ()
    bare: str | None = None  # the option that takes bare text in the shell ("/ask why …")
    # Reader commands only: the core call, (library, options) -> found, and the renderer,
    # (library, found, options) -> embeds.
    call: Callable[[Library, dict[str, Any]], Any] | None = None
    pages: Callable[[Library, Any, dict[str, Any]], list[discord.Embed]] | None = None

    def describe(self) -> dict[str, str]:
        """For app_commands.describe."""
        return {o.name: o.description for o in self.options}

    def run(self, library: Library, options: dict[str, Any]) -> list[discord.Embed]:
        """The core call and its rendering (reader commands)."""
        if self.call is None or self.pages is None:
            raise TypeError(f"/{self.name} is not a reader command: it has no core call")
        return self.pages(library, self.call(library, options), options)


def _doc_id(library: Library, options: dict[str, Any]) -> str | None:
    doc = library.resolve(options.get("document"))
    return doc.id if doc is not None else None


def _ask(library: Library, options: dict[str, Any]) -> Any:
    return library.ask(
        options.get("question", ""), limit=MAX_RESULTS, document=_doc_id(library, options)
    )


def _summary_pages(library: Library, doc: Any, options: dict[str, Any]) -> list[discord.Embed]:
    if doc is None:
        return [render.overview_embed(library)]
    return [render.summary_embed(library, doc)]


def _argument_pages(library: Library, found: Any, options: dict[str, Any]) -> list[discord.Embed]:
    doc = library.resolve(options.get("document"))
    heading = render.arguments_heading(doc, options.get("topic"))
    return render.argument_pages(library, found, heading)


def _quote_pages(library: Library, found: Any, options: dict[str, Any]) -> list[discord.Embed]:
    heading = render.quotes_heading(options.get("text"), options.get("speaker"))
    return render.quote_pages(library, found, heading)


def _source_pages(library: Library, found: Any, options: dict[str, Any]) -> list[discord.Embed]:
    heading = render.sources_heading(library.resolve(options.get("document")))
    return render.source_pages(library, found, heading)


DOCUMENT = Option("document", "Only this document")
QUESTION_ID = Option("id", "The question: type its number or words from it")
FILTERS = (
    Option("status", "open, answered (by a moderator) or dismissed"),
    Option("flagged", "True: only questions the bot could not answer; False: only those it could"),
    Option("asker", "Only this member's questions"),
    Option("since", "Asked since: 7d, 24h, 2w, a UTC date like 2025-01-31, or all"),
    Option("text", "Words the question contains"),
)

READER_COMMANDS = (
    Command(
        "ask",
        "Ask a question about the documents.",
        "reader",
        (Option("question", "Your question, in your own words"), DOCUMENT),
        bare="question",
        call=_ask,
        pages=lambda library, answer, options: render.answer_pages(library, answer),
    ),
    Command(
        "summary",
        "What a document argues, in brief.",
        "reader",
        (Option("document", "A document (leave empty for all of them)"),),
        bare="document",
        call=lambda library, options: library.resolve(options.get("document")),
        pages=_summary_pages,
    ),
    Command(
        "arguments",
        "The key arguments and their evidence.",
        "reader",
        (Option("document", "Only this document"), Option("topic", "Only arguments about this")),
        bare="document",
        call=lambda library, options: library.find_arguments(
            _doc_id(library, options), options.get("topic")
        ),
        pages=_argument_pages,
    ),
    Command(
        "quote",
        "Who said what, in the documents.",
        "reader",
        (Option("text", "Words of the quote"), Option("speaker", "Who said it")),
        bare="text",
        call=lambda library, options: library.find_quotes(
            options.get("text"), speaker=options.get("speaker")
        ),
        pages=_quote_pages,
    ),
    Command(
        "sources",
        "What the documents cite, and for what.",
        "reader",
        (DOCUMENT,),
        bare="document",
        call=lambda library, options: library.find_sources(_doc_id(library, options)),
        pages=_source_pages,
    ),
    Command(
        "documents",
        "The documents I know.",
        "reader",
        call=lambda library, options: library.documents,
        pages=lambda library, found, options: [render.documents_embed(library)],
    ),
    Command(
        "help",
        "What I cover and how to ask.",
        "reader",
        call=lambda library, options: None,
        pages=lambda library, found, options: [render.help_embed()],
    ),
)

OTHER_COMMANDS = (
    Command("mydata", "See, and delete, what geobot stores about you.", "reader"),
    Command("questions list", "Questions readers asked, newest first.", "moderator", FILTERS),
    Command(
        "questions show", "Everything about one question.", "moderator", (QUESTION_ID,), bare="id"
    ),
    Command(
        "questions answer",
        "Answer a question; the asker is told.",
        "moderator",
        (
            QUESTION_ID,
            Option("text", "Your answer (leave empty to write a longer one in a form)"),
            Option("add_to_faq", "Also show this answer first when someone asks something similar"),
        ),
        bare="id",
    ),
    Command(
        "questions dismiss",
        "Close a question that needs no answer.",
        "moderator",
        (QUESTION_ID, Option("reason", "Why (for the other moderators; the asker is not told)")),
        bare="id",
    ),
    Command(
        "questions reopen",
        "Put an answered or dismissed question back in the queue.",
        "moderator",
        (QUESTION_ID,),
        bare="id",
    ),
    Command(
        "questions stats",
        "Counts, helpful rate, unanswered themes and a chart.",
        "moderator",
        (Option("since", "Period: 7d, 24h, 2w, a UTC date, or all"),),
        bare="since",
    ),
    Command(
        "questions export",
        "The questions as a CSV or JSON-lines file.",
        "moderator",
        (Option("format", "csv (spreadsheets) or jsonl (one JSON object per line)"), *FILTERS),
    ),
    Command(
        "questions settings",
        "Server admins: moderator role, notify channel, retention.",
        "admin",
        (
            Option("moderator_role", "Members with this role may use /questions"),
            Option("notify_channel", "Where to post a notice when a question needs a moderator"),
            Option("retention_days", "Delete questions older than this many days"),
            Option("clear", "Remove one setting"),
        ),
    ),
    Command(
        "questions forget",
        "Delete one member's questions and votes here (asks to confirm).",
        "moderator",
        (Option("user", "The member whose questions and votes to delete"),),
        bare="user",
    ),
    Command("questions faq list", "The FAQ entries, newest first.", "moderator"),
    Command(
        "questions faq delete",
        "Stop showing one FAQ answer.",
        "moderator",
        (Option("id", "The FAQ entry: type its number or words from it"),),
        bare="id",
    ),
    Command("reload", "Reload the document set (bot admins).", "admin"),
    Command("status", "How the bot is doing (bot admins).", "admin"),
)

COMMANDS: dict[str, Command] = {c.name: c for c in (*READER_COMMANDS, *OTHER_COMMANDS)}
READERS: dict[str, Command] = {c.name: c for c in READER_COMMANDS}
