"""The Discord client: a thin adapter between interactions and the core.

Conventions follow discord.py's examples and RoboDanny: cogs per audience loaded in
`setup_hook`, a CommandTree subclass with one error handler, no privileged intents (slash
commands need none), and no mention parsing in anything the bot sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import discord
import yarl
from discord.ext import commands

from geobot.bot.observability import Metrics, log_interaction, observe_components
from geobot.bot.runtime import IdleCollector, tune_collector
from geobot.bot.tree import GeobotTree
from geobot.fleet import Fleet, process_label
from geobot.gil import turn
from geobot.library import Library
from geobot.questions.faq import FaqMatcher
from geobot.questions.store import QuestionStore
from geobot.questions.writer import QuestionLog
from geobot.reload import LibraryHolder, ReloadReport
from geobot.settings import Settings
from geobot.text import english

log = logging.getLogger("geobot.bot")
T = TypeVar("T")

COGS = (
    "geobot.bot.cogs.readers",
    "geobot.bot.cogs.moderators",
    "geobot.bot.cogs.privacy",
    "geobot.bot.cogs.admin",
)


def point_discord_at(api_base: str | None, gateway: str | None) -> None:
    """Aim discord.py at another Discord API, for the test double. Production never sets it."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


class _Backlog:
    """Per event loop: the gateway connections that still have frames buffered."""

    def __init__(self) -> None:
        self.behind: set[int] = set()  # id() of each websocket with frames waiting
        self.running: dict[int, float] = {}  # id() -> when it began reading without a yield
        self.drained = asyncio.Event()
        self.drained.set()
        # Estimated loop time that the frames read since the last yield have started but
        # that has not run yet (`charge_interaction`).
        self.spawned = 0.0


_BACKLOGS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Backlog] = (
    weakref.WeakKeyDictionary()
)
# Longest an acknowledged interaction's heavy work waits for the gateway to be read: under a
# backlog that never drains (an overloaded bot) the work still goes ahead.
BACKLOG_WAIT = 0.25
# Longest the reader goes on taking buffered frames before it lets the loop run (each frame
# is ~0.1 ms of parsing and dispatch) ...
FRAME_BUDGET = 0.004
# ... counting, for each interaction read, the first step of the task it starts: parsing
# the options, checks, the command up to its acknowledgement request (0.3-0.6 ms measured
# in bench/bench_bot.py). Those steps run together in the next loop iteration.
INTERACTION_COST = 0.0005


def _backlog() -> _Backlog:
    loop = asyncio.get_running_loop()
    backlog = _BACKLOGS.get(loop)
    if backlog is None:
        backlog = _BACKLOGS[loop] = _Backlog()
    return backlog


def _buffered_frames(socket: object) -> int:
    """Frames aiohttp has read and parsed but discord.py not yet taken (0 if unknown)."""
    buffer = getattr(getattr(socket, "_reader", None), "_buffer", None)
    try:
        return len(buffer) if buffer is not None else 0
    except TypeError:
        return 0


def yield_between_gateway_frames() -> None:
    """Let the event loop run between two gateway frames (idempotent, process-wide).

    discord.py's reader (`Client.connect`) is `while True: await ws.poll_event()`, and
    `poll_event` only suspends when aiohttp has no frame buffered. Fifty INTERACTION_CREATEs
    arriving together are therefore parsed and dispatched back to back in one step of the
    loop (0.1-0.5 ms each, by machine): no timer, no HTTP response, no handler runs
    meanwhile, and the first reader's acknowledgement waits for the fiftieth's parsing.
    Yielding whenever the reader has spent FRAME_BUDGET on buffered frames, counting the
    expected first step of each command it started (`charge_interaction`), lets those
    handlers (and timers, and HTTP responses) run before more are read. Frames are still
    read one at a time and in order, so sequence numbers, heartbeats and RESUME behave as
    before.

    It also notes whether frames are still buffered after each one, for
    `acknowledgements_first`: once frames are read a few per loop iteration, the work of
    interactions already acknowledged (searches that hold the GIL on the core thread,
    rendering, database writes) would otherwise run between them and hold back the
    acknowledgement of the ones still waiting in the buffer.

    Guarded: it wraps `DiscordWebSocket.poll_event` as discord.py 2.x defines it (no
    arguments, returns None); on another major version it does nothing rather than guess.
    The buffer is read from aiohttp's websocket reader (`_reader._buffer`); where that is
    not there, no backlog is ever seen and nothing waits.
    """
    ws_class = discord.gateway.DiscordWebSocket
    if discord.version_info.major != 2 or getattr(ws_class.poll_event, "_geobot_yields", False):
        return
    poll_event = ws_class.poll_event

    @functools.wraps(poll_event)
    async def poll_event_then_yield(self: discord.gateway.DiscordWebSocket) -> None:
        backlog = _backlog()
        try:
            await poll_event(self)
        finally:
            buffered = _buffered_frames(self.socket)
            if buffered:
                backlog.behind.add(id(self))
                backlog.drained.clear()
            else:
                backlog.behind.discard(id(self))
                if not backlog.behind:
                    backlog.drained.set()
        if not buffered:
            backlog.running.pop(id(self), None)  # the next receive() suspends: a yield anyway
            backlog.spawned = 0.0
            return
        # Frames are waiting: read on for up to FRAME_BUDGET, then yield. (A loop iteration
        # per frame costs a selector call each, which a CPU-starved process pays in wall
        # time; the budget still bounds how long the loop goes without running anything else.)
        started = backlog.running.setdefault(id(self), time.monotonic())
        if time.monotonic() - started + backlog.spawned >= FRAME_BUDGET:
            backlog.running.pop(id(self), None)
            backlog.spawned = 0.0
            await asyncio.sleep(0)

    poll_event_then_yield._geobot_yields = True  # type: ignore[attr-defined]
    ws_class.poll_event = poll_event_then_yield  # type: ignore[method-assign]


def _parse_after_backlog(
    create: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """`create` (an interaction callback request), returning only once the backlog is read."""

    @functools.wraps(create)
    async def create_then_wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = await create(self, *args, **kwargs)
        await acknowledgements_first()
        return response

    create_then_wait._geobot_waits = True  # type: ignore[attr-defined]
    return create_then_wait


def acknowledge_before_parsing_replies() -> None:
    """Let discord.py read an acknowledgement's reply only once no interaction is unread
    (idempotent, process-wide).

    discord.py 2.7 sends every interaction callback with `?with_response=1` and, when the
    reply comes back, builds the message it returns (embeds, components, author: ~0.2 ms)
    and stores the view. In a burst those replies arrive while later INTERACTIONs are still
    buffered, and building them pushed those interactions' acknowledgements back: in
    bench_bot, an interaction near the end of a 50-burst spent 25-33 ms waiting to be
    read. Waiting (up to BACKLOG_WAIT, as `acknowledgements_first` does for heavy work)
    puts the acknowledgements first. Discord already has the acknowledgement: only
    discord.py's bookkeeping of it waits.

    Guarded as `yield_between_gateway_frames`: discord.py 2.x only, installed once.
    """
    adapter = discord.webhook.async_.AsyncWebhookAdapter
    create = adapter.create_interaction_response
    if discord.version_info.major != 2 or getattr(create, "_geobot_waits", False):
        return
    adapter.create_interaction_response = _parse_after_backlog(create)  # type: ignore[method-assign]


def charge_interaction() -> None:
    """Count an interaction just read against the reader's FRAME_BUDGET.

    Parsing an INTERACTION_CREATE is cheap, but it starts a task whose first step costs
    several times as much, and all the steps started between two yields of the reader run
    back to back in the next loop iteration: 40 frames read in 4 ms made a 20-25 ms stall
    there. Charging each its expected cost bounds that iteration by FRAME_BUDGET too.
    """
    with contextlib.suppress(RuntimeError):  # no running loop: nothing to pace
        _backlog().spawned += INTERACTION_COST


async def acknowledgements_first() -> None:
    """Wait (up to BACKLOG_WAIT) until the gateway has no interaction left unread.

    Called by acknowledged interactions before their heavy work, so that in a burst every
    interaction is parsed and acknowledged before any search or database write starts to
    compete with the event loop. Returns at once when nothing is buffered.
    """
    drained = _backlog().drained
    if not drained.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drained.wait(), BACKLOG_WAIT)


class GeobotBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        library: Library,
        question_log: QuestionLog | None,
        *,
        store: QuestionStore | None = None,
        sync_commands: bool = True,
        process: str | None = None,
        **options: Any,
    ) -> None:
        yield_between_gateway_frames()
        acknowledge_before_parsing_replies()
        intents = discord.Intents.none()
        intents.guilds = True  # roles and channels, for moderator permission checks
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=GeobotTree,
            # Nothing a reader types may ping anyone, in any message the bot sends.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            **options,
        )
        self.settings = settings
        # None unless GEOBOT_METRICS_PORT is set; served from setup_hook.
        self.metrics = Metrics.for_settings(settings)
        if self.metrics is not None:
            self.metrics.serving(library)
        observe_components()  # buttons and modals get their one log line too
        self.holder = LibraryHolder(
            library, settings.data_dir, on_swap=self._on_swap, on_report=self._on_reload
        )
        self.question_log = question_log
        self.store = store
        # The reload bus and heartbeats need the shared database; without a store (the
        # shell, some tests) this process reloads alone.
        self.fleet = (
            Fleet(store.engine, process or process_label(settings.shard_ids))
            if store is not None
            else None
        )
        self.faq: FaqMatcher | None = None
        self.sync_commands = sync_commands
        self.started_at = discord.utils.utcnow()
        self.admin_ids: set[int] = set(settings.admin_ids)
        self.collector = IdleCollector()
        self._collecting: asyncio.Task[None] | None = None

    @property
    def library(self) -> Library:
        # Commands read this once and keep the snapshot: a reload swaps the reference,
        # and a command already running finishes on the library it started with.
        return self.holder.library

    def _on_swap(self, old: Library, new: Library) -> None:
        # Everything derived from the data lives in the Library itself (search index,
        # autocomplete lists), so it follows the swap by construction.
        log.info(
            "now serving document set %s (was %s)",
            new.documents.digest[:12],
            old.documents.digest[:12],
        )
        if self.metrics is not None:
            self.metrics.serving(new)

    def _on_reload(self, report: ReloadReport) -> None:
        if self.metrics is not None:
            self.metrics.reloaded(report)

    async def setup_hook(self) -> None:
        self._collecting = asyncio.create_task(self.collector.run(), name="geobot-gc")
        if self.metrics is not None:
            assert self.settings.metrics_port is not None
            self.metrics.serve(self.settings.metrics_addr, self.settings.metrics_port)
            if self.question_log is not None:
                self.metrics.watch_question_log(self.question_log)
        if self.question_log is not None:
            self.question_log.start()
        if self.store is not None:
            self.faq = await to_thread(FaqMatcher.from_store, self.store)
        # Searches run on the event loop; the first question with a word the articles lack
        # would otherwise read the English word list there (~0.2 s).
        await to_thread(english.warm)
        for extension in COGS:
            await self.load_extension(extension)
        if self.sync_commands:
            from geobot.bot.sync import sync_if_changed

            await sync_if_changed(self, self.settings)
        app = await self.application_info()
        if app.team:
            self.admin_ids |= {m.id for m in app.team.members}
        else:
            self.admin_ids.add(app.owner.id)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) to %d guild(s), shards %s",
            self.user,
            getattr(self.user, "id", "?"),
            len(self.guilds),
            getattr(self, "shard_ids", None) or "all",
        )

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Two events handled here, synchronously, instead of by `on_...` listeners: each
        # listener call is a task of its own, and under a burst of 50 interactions the
        # first steps of those tasks ran together in one loop iteration (bench_bot).
        if event_name == "interaction":
            self.collector.busy()  # no full collection in the middle of a burst
            charge_interaction()
        elif event_name == "app_command_completion":
            # The one log line of a command that succeeded (failures: GeobotTree.on_error).
            log_interaction(args[0], "ok")
        super().dispatch(event_name, *args, **kwargs)

    def is_bot_admin(self, user: discord.abc.User) -> bool:
        return user.id in self.admin_ids

    async def close(self) -> None:
        if self._collecting is not None:
            self._collecting.cancel()
        try:
            await super().close()
        finally:
            if self.question_log is not None:
                await self.question_log.aclose()
            if self.metrics is not None:
                await self.metrics.aclose()


def make_bot(
    settings: Settings, library: Library, question_log: QuestionLog | None, **options: Any
) -> GeobotBot:
    point_discord_at(
        os.environ.get("GEOBOT_DISCORD_API_BASE"), os.environ.get("GEOBOT_DISCORD_GATEWAY")
    )
    if settings.shard_count:
        return _sharded(settings, library, question_log, **options)
    return GeobotBot(settings, library, question_log, **options)


def _sharded(
    settings: Settings, library: Library, question_log: QuestionLog | None, **options: Any
) -> GeobotBot:
    class ShardedGeobot(GeobotBot, commands.AutoShardedBot):  # type: ignore[misc]
        pass

    return ShardedGeobot(settings, library, question_log, **options)


async def run(
    settings: Settings, library: Library, question_log: QuestionLog, store: QuestionStore
) -> None:
    """Log in and serve until stopped. Raises discord.LoginFailure on a rejected token."""
    assert settings.discord_token is not None
    bot = make_bot(settings, library, question_log, store=store)
    tune_collector()
    async with bot:
        await bot.start(settings.discord_token.get_secret_value())


def state_file(settings: Settings, name: str) -> Path:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return settings.state_dir / name


async def to_thread(func: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run blocking work (database I/O) off the event loop, in the default thread pool."""
    return await asyncio.to_thread(func, *args, **kwargs)


# CPU-bound core work (search, topic and quote lookups) is pure Python: threads do not run
# it in parallel, they only fight the event loop for the GIL. With the default pool (up to
# 32 threads) fifty searches at once held the loop off for 70+ ms; one worker queues them
# and the loop gets the GIL back at every switch interval.
_CORE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geobot-core")


async def compute(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a CPU-bound core call (search, lookups) off the event loop, one at a time,
    once the gateway backlog is read (`acknowledgements_first`)."""
    await acknowledgements_first()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_CORE, functools.partial(_in_turn, func, *args, **kwargs))


def _in_turn(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    with turn():  # one CPU-bound thread beside the loop at a time: see geobot.gil
        return func(*args, **kwargs)
