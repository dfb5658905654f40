"""Turns at the GIL for the threads that run Python beside an event loop.

The bot runs Python in up to three threads at once: the event loop, the core thread (a
search), and during a reload the thread that receives the new library and later frees the
old one. CPython gives a released GIL to the thread that has waited longest, and a thread
whose wait times out (the event loop asking for its turn after one switch interval) joins
the back of that line again. With two CPU-bound threads taking turns, the loop's thread
kept ending up last: stalls of 50-100 ms in bench/bench_reload.py, against about one
switch interval with a single CPU-bound thread.

So long-running Python work beside the loop takes a turn (`turn()`) and holds it for a
few milliseconds at most; one CPU-bound thread then competes with the loop at any time.
Reentrant, so a step may call code that takes a turn itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_TURN = threading.RLock()

# How long work done in steps (`Steps`) holds a turn before it lets another thread run:
# short against the loop's 20 ms budget, long against the cost of changing turns (~50 us).
SLICE_S = 0.003


@contextmanager
def turn() -> Iterator[None]:
    """Run the block as the one CPU-bound Python thread beside the event loop."""
    with _TURN:
        yield


class Steps:
    """Long Python work done in slices: call `tick()` between small steps of it.

    It holds a turn, and every SLICE_S gives it up for a moment, so that a search waiting
    for its turn gets one. Use as a context manager around the whole work.
    """

    def __init__(self) -> None:
        self._until = 0.0

    def __enter__(self) -> Steps:
        _TURN.acquire()
        self._until = time.perf_counter() + SLICE_S
        return self

    def tick(self) -> None:
        if time.perf_counter() < self._until:
            return
        _TURN.release()
        # Release the GIL too, so that a thread woken for the turn can take both.
        time.sleep(0)
        _TURN.acquire()
        self._until = time.perf_counter() + SLICE_S

    def __exit__(self, *exc: object) -> None:
        _TURN.release()
