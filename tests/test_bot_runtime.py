"""The bot process's event loop: uvloop where installed, asyncio's otherwise.

`run_event_loop` sets process-wide state (the event loop), so it runs in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
