"""One command table: the bot's slash commands, the shell and the CLI agree (#17.3).

Rule exercised: each command is described once (geobot.commands) and read by the cogs,
the shell and the CLI. The slash commands are read from the running bot's own command
tree, so a command added to a cog and not to the table (or the other way) fails here.
"""

from __future__ import annotations

import typer
from discord import app_commands

from geobot.bot.client import GeobotBot
from geobot.cli.main import _register_optional, app
from geobot.commands import COMMANDS, READERS
from geobot.shell import parse
from geobot.shell_staff import HANDLERS


def _slash_commands(bot: GeobotBot) -> dict[str, app_commands.Command[..., ..., ...]]:
    return {
        c.qualified_name: c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)
    }


async def test_every_slash_command_is_in_the_table_with_its_options(geobot: GeobotBot) -> None:
    """Same names, same options; reader commands also keep the table's descriptions."""
    slash = _slash_commands(geobot)
    assert set(slash) == set(COMMANDS)
    for name, command in slash.items():
        described = COMMANDS[name]
        assert [p.display_name for p in command.parameters] == [o.name for o in described.options]
        if name in READERS:
            assert command.description == described.description
            assert {p.display_name: p.description for p in command.parameters} == (
                described.describe()
            )


async def test_every_slash_command_runs_in_the_shell(geobot: GeobotBot) -> None:
    """The shell parses each slash command and has something to run for it."""
    for name in _slash_commands(geobot):
        parsed, _ = parse(f"/{name}")
        assert parsed == name
        assert name in READERS or name in HANDLERS


def test_every_reader_command_is_in_the_cli() -> None:
    """`geobot ask`, `geobot quote` …: each reader command has a CLI command of its name."""
    _register_optional()
    names = {
        c.name or (c.callback.__name__ if c.callback else None) for c in app.registered_commands
    }
    assert set(READERS) <= names
    assert isinstance(app, typer.Typer)
