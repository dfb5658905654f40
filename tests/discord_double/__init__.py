"""A local Discord API double for end-to-end tests of discord.py bots.

The double is an aiohttp server that speaks what discord.py really uses: REST under
``/api/v10`` (login, application info, command sync, interaction callbacks, webhook
followups and edits, channel messages, DMs …) and the gateway websocket at ``/``
(HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME, member chunks, and
whatever dispatches a test injects). Nothing reaches discord.com.

Everything the bot sends is validated against Discord's OpenAPI schema
(``tests/discord_api/openapi.json``, see :mod:`.spec`) and Discord's limits and
mention rules (:mod:`.limits`); interactions must be acknowledged within 3 seconds.
Problems are collected in ``double.violations`` (and 4xx answers in
``double.errors``); the pytest fixture fails the test at teardown if any remain.

In-process use (pytest; the fixtures come from :mod:`.fixtures` via tests/conftest.py)::

    async def test_ask(discord_double, discord_world, start_bot):
        bot = await start_bot(make_bot())        # login + connect + wait_until_ready
        handle = await discord_double.slash("ask", {"question": "Why Hormuz?"},
                                            user=discord_world.alice, guild=discord_world.guild)
        callback = await handle.response(timeout=3)
        assert callback.type == 5 and handle.latency < 3

API at a glance:

* fixtures (tests/conftest.py): ``discord_double``, ``discord_world`` (a :class:`World`:
  guild, #general, #mod-log, Moderator role, alice/bob/carol), ``start_bot``;
  outside pytest, ``async with running_bot(bot, double)``.
* world: ``add_user``, ``add_guild``, ``add_text_channel``, ``guild.add_role``,
  ``guild.add_member``, ``Overwrite.for_role/for_user``, ``user_message`` (a human
  posts; MESSAGE_CREATE is dispatched).
* injecting: ``slash(name, options, user=, guild=|channel=)`` (nested dicts select
  subcommands), ``autocomplete(name, options, focused=)``, ``click(custom_id,
  message=, user=, values=)``, ``context_menu(name, message=|target=, user=)``,
  ``submit_modal(opened_by, values)``, ``dispatch(event, data)``, ``reconnect()``.
* each returns an :class:`InteractionHandle`: ``await response(timeout)`` (a
  :class:`CallbackRecord`: ``type``, ``data``, ``files``, ``latency``, ``message``),
  ``await followups(count)``, ``await edits(count)``, ``await original()``,
  ``await reply()`` (first non-"thinking" message), ``wait_until(pred)``,
  ``latency``, ``acked_in_time``, ``choices``, ``messages``, ``violations``.
* inspection: ``requests``/``requests_to(method, route)``, ``command_syncs``,
  ``commands``, ``messages``, ``identifies``, ``violations``/``take_violations()``,
  ``errors``/``take_errors()``, ``settle()``, ``wait_for_commands()``,
  ``wait_until()``.

Pointing discord.py at the double: discord.py hard-codes the REST base
(``discord.http.Route.BASE``) and the gateway (``DiscordWebSocket.DEFAULT_GATEWAY``);
:func:`point_discord_py_at` patches both (and returns a function that restores them).
Only an AutoShardedClient asks ``/gateway/bot``; a plain Client goes straight to
``DEFAULT_GATEWAY``, so both must be patched.

Out-of-process use: a bot running in another process is pointed at the double with
two environment variables, which geobot reads at start-up and hands to
:func:`point_discord_py_at`:

``GEOBOT_DISCORD_API_BASE``
    REST base including the version, e.g. ``http://127.0.0.1:8765/api/v10``.
``GEOBOT_DISCORD_GATEWAY``
    Gateway websocket URL, e.g. ``ws://127.0.0.1:8765/``.

The bot token the double accepts goes in ``DISCORD_TOKEN`` (``DiscordDouble.env()``
returns all three). Run a standalone double with::

    python -m tests.discord_double --port 8765      # from the repository root

It prints its URLs and the variables above, seeds a small world (see
:mod:`.world`), and exposes a JSON control API under ``/_double/`` (``GET state``,
``POST slash|autocomplete|click``, ``GET interactions/{id}``) so a driver in yet
another process can inject interactions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from .limits import ACK_DEADLINE_SECONDS
from .models import Channel, Guild, Member, Overwrite, Perm, Role, StoredMessage, UploadedFile, User
from .runner import running_bot
from .server import (
    CallbackRecord,
    CommandSync,
    DiscordDouble,
    DoubleError,
    InteractionHandle,
    RecordedRequest,
    Violation,
    WebhookRecord,
)
from .world import World, build_world

ENV_API_BASE = "GEOBOT_DISCORD_API_BASE"
ENV_GATEWAY = "GEOBOT_DISCORD_GATEWAY"

__all__ = [
    "ACK_DEADLINE_SECONDS",
    "ENV_API_BASE",
    "ENV_GATEWAY",
    "CallbackRecord",
    "Channel",
    "CommandSync",
    "DiscordDouble",
    "DoubleError",
    "Guild",
    "InteractionHandle",
    "Member",
    "Overwrite",
    "Perm",
    "RecordedRequest",
    "Role",
    "StoredMessage",
    "UploadedFile",
    "User",
    "Violation",
    "WebhookRecord",
    "World",
    "build_world",
    "point_discord_py_at",
    "point_discord_py_from_env",
    "running_bot",
]


def point_discord_py_at(rest_base: str, gateway_url: str) -> Callable[[], None]:
    """Make discord.py talk to ``rest_base`` (…/api/v10) and ``gateway_url`` (ws://…).

    Patches the two class attributes discord.py reads for every request and every
    gateway connection, process-wide. Returns a function restoring the old values.
    """
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    from geobot.bot.client import point_discord_at  # the bot's own, not a second copy

    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(rest_base, gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


def point_discord_py_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Apply :func:`point_discord_py_at` from the environment variables, if both are set."""
    env = os.environ if environ is None else environ
    base, gateway = env.get(ENV_API_BASE), env.get(ENV_GATEWAY)
    if not base or not gateway:
        return False
    point_discord_py_at(base, gateway)
    return True
