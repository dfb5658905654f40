"""Where the bot's blocking work runs, off the event loop.

Database I/O goes to asyncio's default thread pool (`to_thread`). CPU-bound core work
(search, topic and quote matching, rendering a long answer) is pure Python, which threads
do not run in parallel: one worker (`compute`) takes those calls in order, so fifty
searches at once queue there instead of fifty threads contending for the GIL with the
event loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_CORE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geobot-core")


async def to_thread(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run blocking I/O (the database) in asyncio's default thread pool."""
    return await asyncio.to_thread(func, *args, **kwargs)


async def compute(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a CPU-bound core call (search, lookups) on the one core worker."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_CORE, functools.partial(func, *args, **kwargs))
