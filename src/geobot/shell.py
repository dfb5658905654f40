"""A local console that takes the bot's slash commands and prints the bot's answers as text.

For trying geobot and checking curation without Discord: `/ask why did the alliance fail`,
`/quote speaker:Unger`, `/arguments topic:NATO`. It renders the very embeds the bot would
send (geobot.bot.render), so what it prints is what a reader would see. Questions asked here
are not logged.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

import discord

from geobot.bot import render
from geobot.library import Library, UnknownDocumentError
from geobot.search.query import QueryError

PROMPT = "geobot> "
_OPTION = re.compile(r"(?:^|\s)([a-z_]+):")

# command -> (its options in order, the option that takes bare text)
COMMANDS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "ask": (("question", "document"), "question"),
    "summary": (("document",), "document"),
    "arguments": (("document", "topic"), "document"),
    "quote": (("text", "speaker"), "text"),
    "sources": (("document",), "document"),
    "documents": ((), None),
    "help": ((), None),
}


class ShellError(ValueError):
    pass


def parse(line: str) -> tuple[str, dict[str, str]]:
    """`/quote speaker:Craig Unger` -> ("quote", {"speaker": "Craig Unger"})."""
    line = line.strip()
    if not line.startswith("/"):
        line = "/ask " + line  # a bare question is the most common thing to type
    name, _, rest = line[1:].partition(" ")
    name = name.lower()
    if name not in COMMANDS:
        known = ", ".join(f"/{c}" for c in COMMANDS)
        raise ShellError(f"Unknown command /{name}. Commands: {known}, /quit.")
    allowed, bare = COMMANDS[name]
    options: dict[str, str] = {}
    markers = [m for m in _OPTION.finditer(rest) if m.group(1) in allowed]
    head = rest[: markers[0].start()] if markers else rest
    if head.strip():
        if bare is None:
            raise ShellError(f"/{name} takes no text.")
        options[bare] = head.strip()
    for i, marker in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(rest)
        value = rest[marker.end() : end].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = _unquote(value)
        options[marker.group(1)] = value
    return name, options


def _unquote(value: str) -> str:
    """`"Craig Unger"` -> `Craig Unger`; a quote inside ('it's') is kept, not an error."""
    try:
        parts = shlex.split(value)
    except ValueError:  # unbalanced quotes inside: shlex gives up, a reader should not
        return value[1:-1]
    return parts[0] if len(parts) == 1 else value[1:-1]


def run_command(library: Library, name: str, options: dict[str, str]) -> list[discord.Embed]:
    document = options.get("document")
    if name == "ask":
        answer = library.ask(options.get("question", ""), limit=15, document=document)
        return render.answer_pages(library, answer)
    if name == "summary":
        doc = library.resolve(document)
        return [render.summary_embed(library, doc) if doc else render.overview_embed(library)]
    # The same headings as the bot's (render.*_heading), so the shell shows what Discord would.
    if name == "arguments":
        doc = library.resolve(document)
        topic = options.get("topic")
        found = library.find_arguments(doc.id if doc else None, topic)
        return render.argument_pages(library, found, render.arguments_heading(doc, topic))
    if name == "quote":
        text, speaker = options.get("text"), options.get("speaker")
        found = library.find_quotes(text, speaker=speaker)
        return render.quote_pages(library, found, render.quotes_heading(text, speaker))
    if name == "sources":
        doc = library.resolve(document)
        return render.source_pages(
            library, library.find_sources(doc.id if doc else None), render.sources_heading(doc)
        )
    if name == "documents":
        return [render.documents_embed(library)]
    return [render.help_embed()]


def respond(library: Library, line: str) -> str:
    try:
        name, options = parse(line)
        pages = run_command(library, name, options)
    except (ShellError, QueryError, UnknownDocumentError) as exc:
        return str(exc)
    text = render.embed_as_text(pages[0])
    if len(pages) > 1:
        # The bot pages with buttons; the shell shows the first page and says what is left.
        text += f"\n({len(pages) - 1} more page(s) in Discord, behind “More results”.)"
    return text


def loop(
    get_library: Callable[[], Library],
    lines: Iterable[str] | None = None,
    out: TextIO = sys.stdout,
    interactive: bool = True,
) -> None:
    if interactive:
        print("geobot shell: type a question, or /help. /quit to leave.", file=out)
    source = lines if lines is not None else _stdin_lines(interactive)
    for line in source:
        if not line.strip():
            continue
        if line.strip() in ("/quit", "/exit", "quit", "exit"):
            break
        print(respond(get_library(), line), file=out)
        print(file=out)


def _stdin_lines(interactive: bool) -> Iterable[str]:
    while True:
        try:
            yield input(PROMPT) if interactive else sys.stdin.readline() or _eof()
        except EOFError:
            return


def _eof() -> str:
    raise EOFError
