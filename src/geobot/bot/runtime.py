"""How the bot's process runs: which event loop, and when the garbage collector may stop it.

Everything here is measured in bench/bench_bot.py, whose target is no event-loop stall over
20 ms while 50 interactions arrive at once. The CLI, the tests and the core never call this:
only `geobot start` (geobot.bot.client.run) and the benchmark that imitates it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from geobot.reload import process_freezes

log = logging.getLogger("geobot.bot")
T = TypeVar("T")

# A full collection is never started by allocation counts (see `tune_collector`), only by
# `IdleCollector`; this third threshold is out of reach (a generation-1 pass happens every
# ~9,000 net allocations, so a billion of them is never).
_NEVER = 1_000_000_000


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the bot's main coroutine on uvloop where it is installed, else on asyncio's loop.

    The bot's event-loop time is mostly socket and task plumbing (aiohttp requests to
    Discord, gateway frames, task wake-ups), which uvloop does in C; RoboDanny runs on it for
    the same reason. In bench/bench_bot.py it took the longest loop stalls of a 50-interaction
    burst from 20-30 ms to 7-19 ms. uvloop has no Windows build; there the standard loop
    runs the same code.
    """
    try:
        import uvloop
    except ImportError:
        log.info("event loop: asyncio (uvloop is not installed)")
        return asyncio.run(main)
    log.info("event loop: uvloop %s", uvloop.__version__)
    return uvloop.run(main)


def tune_collector() -> None:
    """Keep garbage collections short while the bot serves; call once, before connecting.

    - Start-up leaves ~100,000 long-lived objects (SQLAlchemy, pydantic, the library); a
      collection walking them stalls the loop 40-60 ms. Freezing moves them out of its way.
    - Young collections: what survives them is mostly live views (paged answers keep their
      pages, message and interaction for PAGE_TIMEOUT). Measured: default thresholds gave
      full collections every few seconds under load, 20-60 ms each; (20000, 20, 20) young
      passes of 15-35 ms; (3000, 3) young passes of 2-8 ms and middle ones of 8-18 ms.
    - Full collections walk every live view and what connecting cached (guilds, channels,
      the command tree): 25-65 ms in the middle of a burst in bench/bench_bot.py. They are
      left to `IdleCollector`, which runs them between bursts.
    - Search runs on the core thread and holds the GIL; every socket call of the event loop
      then waits up to one switch interval (5 ms by default) to get it back, and a burst
      makes dozens of them. 1 ms keeps the loop's stalls short.
    """
    gc.collect()
    gc.freeze()
    process_freezes()  # counted now, before serving, not by the first reload
    gc.set_threshold(3_000, 3, _NEVER)
    sys.setswitchinterval(0.001)


class IdleCollector:
    """Runs the full garbage collections the bot needs, between bursts of interactions.

    A full collection frees cyclic garbage (expired views, finished interactions) that
    reference counting cannot; it walks every live object that is not frozen, so it stops
    the event loop for tens of milliseconds. The interpreter starts one whenever
    allocation counts say so, typically in the middle of a burst, which is exactly when
    allocations pile up. Here one runs at most every `every` seconds, once no interaction
    has arrived for `quiet` seconds; a bot that is never quiet for that long still gets one
    every `overdue` seconds, so memory stays bounded.
    """

    def __init__(
        self,
        *,
        every: float = 60.0,
        quiet: float = 1.0,
        overdue: float = 600.0,
        poll: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every = every
        self.quiet = quiet
        self.overdue = overdue
        self.poll = poll
        self.clock = clock
        self.last_full = clock()
        self.last_busy = float("-inf")
        self.collections = 0

    def busy(self) -> None:
        """An interaction arrived (a cheap call: once per interaction)."""
        self.last_busy = self.clock()

    def due(self) -> bool:
        now = self.clock()
        since = now - self.last_full
        if since < self.every:
            return False
        return now - self.last_busy >= self.quiet or since >= self.overdue

    def collect(self) -> None:
        started = time.perf_counter()
        found = gc.collect()
        self.last_full = self.clock()
        self.collections += 1
        log.debug(
            "full collection: %d unreachable objects, %.1f ms",
            found,
            (time.perf_counter() - started) * 1000,
        )

    async def run(self) -> None:
        """Poll until cancelled (the bot starts it in setup_hook, cancels it in close)."""
        while True:
            await asyncio.sleep(self.poll)
            if self.due():
                self.collect()
