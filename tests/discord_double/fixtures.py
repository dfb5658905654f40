"""pytest fixtures for the Discord double; tests/conftest.py re-exports them.

``discord_double``
    A started :class:`DiscordDouble` with discord.py pointed at it. At teardown it
    waits out pending ack deadlines, stops, and fails the test if any violation or
    4xx answer was recorded and not taken (``double.take_violations()`` /
    ``double.take_errors()``) by the test.
``discord_world``
    The default :class:`World` seeded into ``discord_double`` (request it before a
    bot starts: guilds go out at IDENTIFY).
``start_bot``
    ``await start_bot(bot)`` logs in, connects and waits for readiness; the bot is
    closed at teardown.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .runner import running_bot
from .server import DiscordDouble
from .world import World, build_world

ClientT = TypeVar("ClientT", bound=discord.Client)


@pytest.fixture
async def discord_double(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordDouble]:
    double = DiscordDouble()
    await double.start()
    monkeypatch.setattr(Route, "BASE", double.rest_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(double.gateway_url))
    try:
        yield double
    finally:
        await double.settle()
        await double.stop()
    fail_on_problems(double)


def fail_on_problems(double: DiscordDouble) -> None:
    """Fail the current test if the double holds violations or errors nobody took."""
    problems = double.problems()
    if problems:
        pytest.fail(
            "the Discord double recorded problems (take_violations()/take_errors() "
            "in tests that provoke them on purpose):\n  " + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.fixture
def discord_world(discord_double: DiscordDouble) -> World:
    return build_world(discord_double)


@pytest.fixture
async def start_bot(
    discord_double: DiscordDouble,
) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    async with contextlib.AsyncExitStack() as stack:

        async def start(bot: ClientT, **options: Any) -> ClientT:
            return await stack.enter_async_context(running_bot(bot, discord_double, **options))

        yield start
