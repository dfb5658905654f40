"""Which event loop the bot's process runs on (only `geobot start` and bench_bot call it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger("geobot.bot")
T = TypeVar("T")


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the bot's main coroutine on uvloop where it is installed, else on asyncio's loop.

    The bot's event-loop time is mostly socket and task plumbing (aiohttp requests to
    Discord, gateway frames, task wake-ups), which uvloop does in C; RoboDanny runs on it for
    the same reason. uvloop has no Windows build; there the standard loop runs the same code.
    """
    try:
        import uvloop
    except ImportError:
        log.info("event loop: asyncio (uvloop is not installed)")
        return asyncio.run(main)
    log.info("event loop: uvloop %s", uvloop.__version__)
    return uvloop.run(main)
