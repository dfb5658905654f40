"""The bot process's runtime: its event loop and its garbage-collection policy.

`tune_collector` and `run_event_loop` change process-wide state (frozen objects, GC
thresholds, the event loop), so they run in a subprocess here; `IdleCollector` is driven
with a clock the test controls.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from geobot.bot.runtime import IdleCollector

SRC = Path(__file__).resolve().parents[1] / "src"


def _python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(SRC)},
        check=True,
    )
    return out.stdout.strip()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_full_collection_before_the_interval() -> None:
    clock = Clock()
    collector = IdleCollector(every=60, quiet=1, overdue=600, clock=clock)
    clock.now += 59
    assert not collector.due()
    clock.now += 2
    assert collector.due()  # never busy: quiet for ever


def test_a_busy_bot_waits_for_a_quiet_second() -> None:
    clock = Clock()
    collector = IdleCollector(every=60, quiet=1, overdue=600, clock=clock)
    clock.now += 61
    collector.busy()
    assert not collector.due()
    clock.now += 0.5
    collector.busy()
    clock.now += 0.9
    assert not collector.due()
    clock.now += 0.2
    assert collector.due()


def test_a_bot_never_quiet_still_collects_when_overdue() -> None:
    clock = Clock()
    collector = IdleCollector(every=60, quiet=1, overdue=600, clock=clock)
    for _ in range(599 * 10):
        clock.now += 0.1
        collector.busy()
        if collector.due():
            break
    assert not collector.due()
    clock.now += 1.5
    collector.busy()
    assert collector.due()  # 600 s since the last one, busy or not
    collector.collect()
    assert collector.collections == 1
    assert not collector.due()


async def test_the_collector_frees_cyclic_garbage_when_idle() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: reference counting alone never frees it

    was_enabled = gc.isenabled()
    gc.disable()  # only the collector may free it
    try:
        node = Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None
        collector = IdleCollector(every=0.05, quiet=0.05, poll=0.01)
        task = asyncio.create_task(collector.run())
        try:
            for _ in range(200):
                await asyncio.sleep(0.01)
                if alive() is None:
                    break
        finally:
            task.cancel()
        assert alive() is None
        assert collector.collections >= 1
    finally:
        if was_enabled:
            gc.enable()


def test_tune_collector_freezes_and_leaves_full_collections_to_the_idle_collector() -> None:
    out = _python(
        "import gc, sys\n"
        "from geobot.bot.runtime import tune_collector\n"
        "tune_collector()\n"
        "print(gc.get_freeze_count() > 0, gc.get_threshold()[:2], "
        "gc.get_threshold()[2] >= 10**9, sys.getswitchinterval())\n"
    )
    assert out == "True (3000, 3) True 0.001"


def test_tune_collector_counts_the_frozen_objects_before_serving() -> None:
    # Counting them walks every one in one C call: done here, at start-up, and not by the
    # first reload, where it held the GIL against the event loop.
    out = _python(
        "from geobot.bot.runtime import tune_collector\n"
        "from geobot.reload import process_freezes\n"
        "tune_collector()\n"
        "print(process_freezes.cache_info().currsize, process_freezes())\n"
    )
    assert out == "1 True"


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_run_event_loop_uses_uvloop() -> None:
    out = _python(
        "import asyncio\n"
        "from geobot.bot.runtime import run_event_loop\n"
        "async def main():\n"
        "    return type(asyncio.get_running_loop()).__module__\n"
        "print(run_event_loop(main()))\n"
    )
    assert out.startswith("uvloop")


def test_run_event_loop_falls_back_to_asyncio_without_uvloop() -> None:
    out = _python(
        "import asyncio, sys\n"
        "sys.modules['uvloop'] = None  # as if not installed: import raises ImportError\n"
        "from geobot.bot.runtime import run_event_loop\n"
        "async def main():\n"
        "    return type(asyncio.get_running_loop()).__module__\n"
        "print(run_event_loop(main()))\n"
    )
    assert out.startswith("asyncio")
