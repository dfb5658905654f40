"""Run the Discord double standalone: ``python -m tests.discord_double --port 8765``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from . import ENV_API_BASE, ENV_GATEWAY
from .server import DiscordDouble
from .world import build_world


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    world: bool = True,
    shard_count: int = 1,
) -> None:
    """Serve until SIGINT/SIGTERM, printing the URLs and env vars for a bot process."""
    # IDENTIFY with another shard count is refused (4010, as Discord does), so sharded
    # bot processes (GEOBOT_SHARD_COUNT=N) need a double started with the same N.
    double = DiscordDouble(token=token, host=host, shard_count=shard_count)
    seeded = build_world(double) if world else None
    await double.start(port)
    lines = [
        f"Discord double listening on {double.http_base}",
        f"{ENV_API_BASE}={double.rest_base}",
        f"{ENV_GATEWAY}={double.gateway_url}",
        f"DISCORD_TOKEN={double.token}",
        f"shards: {double.shard_count} (guild -> shard (guild_id >> 22) % {double.shard_count})",
    ]
    if seeded is not None:
        lines.append(
            f"world: guild {seeded.guild.id} #general {seeded.general.id} "
            f"alice {seeded.alice.id} bob {seeded.bob.id} carol {seeded.carol.id}"
        )
    print("\n".join(lines), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await double.stop()
        for problem in double.problems():
            print(f"problem: {problem}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.discord_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=None, help="bot token to accept (random by default)")
    parser.add_argument("--no-world", action="store_true", help="start without the default guild")
    parser.add_argument(
        "--shard-count", type=int, default=1, help="shards the bot must identify with (default 1)"
    )
    args = parser.parse_args(argv)
    asyncio.run(
        serve(
            host=args.host,
            port=args.port,
            token=args.token,
            world=not args.no_world,
            shard_count=args.shard_count,
        )
    )


if __name__ == "__main__":
    main()
