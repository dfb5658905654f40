"""A local console that takes every slash command and prints the bot's answers as text.

For trying geobot without Discord: `/ask why did the alliance fail`, `/quote
speaker:Unger`, and, with a question log, the moderators' and admins' commands too
(`/questions list`, `/questions answer 3 text:…`, `/mydata`, `/reload`, `/status`). The
commands come from the one table (geobot.commands) and print the very embeds the bot would
send, with Discord's markup turned into plain text.

The person typing is a local user whose role (`--as reader|moderator|admin`) decides what
they may run, in a local server of their own; questions asked here are logged to the same
database as the bot's, so the moderators' whole workflow can be tried with no token.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

import discord

from geobot.bot import render
from geobot.bot.tree import UserFacingError
from geobot.commands import COMMANDS, READERS, ROLES, Audience, Command
from geobot.library import Library, UnknownDocumentError
from geobot.search.query import QueryError

if TYPE_CHECKING:
    from geobot.fleet import Fleet
    from geobot.questions.store import QuestionStore
    from geobot.questions.writer import QuestionLog
    from geobot.reload import LibraryHolder

PROMPT = "geobot> "
_OPTION = re.compile(r"(?:^|\s)([a-z_]+):")
# The local server, channel and user: ids no Discord snowflake takes (those start in 2015),
# so rows logged here are never mistaken for a real server's.
LOCAL_GUILD = 1
LOCAL_CHANNEL = 1
LOCAL_USER = 1


class ShellError(ValueError):
    pass


@dataclass
class Session:
    """What the shell works with: the library, and when there is one, the question log."""

    get_library: Callable[[], Library]
    role: Audience = "admin"
    store: QuestionStore | None = None
    question_log: QuestionLog | None = None
    holder: LibraryHolder | None = None
    fleet: Fleet | None = None
    user_id: int = LOCAL_USER
    guild_id: int = LOCAL_GUILD
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _runner: asyncio.Runner | None = None

    @property
    def library(self) -> Library:
        return self.holder.library if self.holder is not None else self.get_library()

    def next_interaction_id(self) -> int:
        """A fresh snowflake for a question asked here (the log keys questions by it)."""
        return discord.utils.time_snowflake(datetime.now(UTC)) + next(self._ids) % 4096

    def run(self, coroutine: object) -> object:
        """Run async work (a reload) on the one event loop this session keeps."""
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coroutine)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def parse(line: str) -> tuple[str, dict[str, str]]:
    """`/quote speaker:Craig Unger` -> ("quote", {"speaker": "Craig Unger"})."""
    line = line.strip()
    if not line.startswith("/"):
        line = "/ask " + line  # a bare question is the most common thing to type
    command, rest = _command(line[1:])
    options: dict[str, str] = {}
    allowed = {o.name for o in command.options}
    markers = [m for m in _OPTION.finditer(rest) if m.group(1) in allowed]
    head = rest[: markers[0].start()] if markers else rest
    if head.strip():
        if command.bare is None:
            raise ShellError(f"/{command.name} takes no text.")
        options[command.bare] = head.strip()
    for i, marker in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(rest)
        value = rest[marker.end() : end].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = _unquote(value)
        options[marker.group(1)] = value
    return command.name, options


def _command(text: str) -> tuple[Command, str]:
    """The longest command name the line starts with ("questions faq list" before
    "questions"), and the rest of the line."""
    words = text.split(" ")
    for n in range(min(3, len(words)), 0, -1):
        name = " ".join(w.lower() for w in words[:n])
        if name in COMMANDS:
            return COMMANDS[name], " ".join(words[n:])
    known = ", ".join(f"/{c}" for c in COMMANDS)
    raise ShellError(f"Unknown command /{words[0].lower()}. Commands: {known}, /quit.")


def _unquote(value: str) -> str:
    """`"Craig Unger"` -> `Craig Unger`; a quote inside ('it's') is kept, not an error."""
    try:
        parts = shlex.split(value)
    except ValueError:  # unbalanced quotes inside: shlex gives up, a reader should not
        return value[1:-1]
    return parts[0] if len(parts) == 1 else value[1:-1]


def allowed(role: Audience, command: Command) -> bool:
    return ROLES.index(role) >= ROLES.index(command.audience)


def run_command(session: Session, name: str, options: dict[str, str]) -> list[discord.Embed] | str:
    command = COMMANDS[name]
    if not allowed(session.role, command):
        raise UserFacingError(
            f"/{name} is for {command.audience}s: start the shell with --as {command.audience}."
        )
    if name in READERS:
        return _reader(session, command, options)
    from geobot.shell_staff import HANDLERS

    return HANDLERS[name](session, options)


def _reader(session: Session, command: Command, options: dict[str, str]) -> list[discord.Embed]:
    library = session.library
    if command.name != "ask":
        return command.run(library, options)
    answer = command.call(library, options)  # type: ignore[misc]
    if session.question_log is not None:
        from geobot.shell_staff import log_question

        log_question(session, answer, library)
    return render.answer_pages(library, answer)


def respond(session: Session | Library, line: str) -> str:
    if isinstance(session, Library):
        library = session
        session = Session(lambda: library)
    try:
        name, options = parse(line)
        result = run_command(session, name, options)
    except (ShellError, QueryError, UnknownDocumentError, UserFacingError) as exc:
        return plain(str(exc))
    if isinstance(result, str):
        return plain(result)
    return pages_as_text(result)


def pages_as_text(pages: list[discord.Embed]) -> str:
    text = plain(render.embed_as_text(pages[0]))
    if len(pages) > 1:
        # The bot pages with buttons; the shell shows the first page and says what is left.
        text += f"\n({len(pages) - 1} more page(s) in Discord, behind “More results”.)"
    return text


_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_MENTIONS = (
    (re.compile(r"(?<!\\)\*\*(.+?)\*\*"), lambda m: m[1]),  # bold: nothing to show it with
    (re.compile(r"<@!?(\d+)>"), lambda m: "you" if m[1] == str(LOCAL_USER) else f"user {m[1]}"),
    (re.compile(r"<@&(\d+)>"), lambda m: f"role {m[1]}"),
    (re.compile(r"<#(\d+)>"), lambda m: "this shell" if m[1] == str(LOCAL_CHANNEL) else f"#{m[1]}"),
    (re.compile(r"\\([\\*_~`|>#\-\[\]()])"), lambda m: m[1]),  # render.escape's escapes
)


def plain(text: str) -> str:
    """Discord markup as a terminal shows it: timestamps as UTC dates, mentions as words."""
    text = _TIMESTAMP.sub(_date, text)
    for pattern, replace in _MENTIONS:
        text = pattern.sub(replace, text)
    return text


def _date(match: re.Match[str]) -> str:
    moment = datetime.fromtimestamp(int(match[1]), UTC)
    style = match[2] or "f"
    if style in "dD":
        return f"{moment:%Y-%m-%d}"
    if style in "tT":
        return f"{moment:%H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def loop(
    get_library: Callable[[], Library] | Session,
    lines: Iterable[str] | None = None,
    out: TextIO = sys.stdout,
    interactive: bool = True,
) -> None:
    session = get_library if isinstance(get_library, Session) else Session(get_library)
    if interactive:
        print(
            f"geobot shell, as {session.role}: type a question, or /help. /quit to leave.",
            file=out,
        )
    source = lines if lines is not None else _stdin_lines(interactive)
    try:
        for line in source:
            if not line.strip():
                continue
            if line.strip() in ("/quit", "/exit", "quit", "exit"):
                break
            print(respond(session, line), file=out)
            print(file=out)
    finally:
        session.close()


def _stdin_lines(interactive: bool) -> Iterable[str]:
    while True:
        try:
            yield input(PROMPT) if interactive else sys.stdin.readline() or _eof()
        except EOFError:
            return


def _eof() -> str:
    raise EOFError
