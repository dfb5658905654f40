"""The gateway reader yields between frames and tells heavy work when a backlog is read.

bench/bench_bot.py measures what this is for (acknowledgement latency and loop stalls with
fifty interactions at once); these tests pin the mechanism with a stand-in websocket.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord

from geobot.bot import client
from geobot.bot.client import acknowledgements_first, yield_between_gateway_frames


class FakeSocket:
    """What poll_event reads: aiohttp's websocket, with its reader's buffer of frames."""

    def __init__(self, frames: int) -> None:
        self._reader = SimpleNamespace(_buffer=deque(range(frames)))

    async def receive(self, timeout: float | None = None) -> Any:  # noqa: ASYNC109 (aiohttp's)
        if self._reader._buffer:
            self._reader._buffer.popleft()
        return SimpleNamespace(type=aiohttp.WSMsgType.TEXT, data="{}")


class FakeWebSocket:
    def __init__(self, frames: int) -> None:
        self.socket = FakeSocket(frames)
        self._max_heartbeat_timeout = 60.0
        self.received = 0

    async def received_message(self, msg: Any) -> None:
        self.received += 1


def poll_event(ws: FakeWebSocket) -> Any:
    return discord.gateway.DiscordWebSocket.poll_event(ws)  # type: ignore[arg-type]


def test_the_wrapper_is_installed_once() -> None:
    yield_between_gateway_frames()
    wrapped = discord.gateway.DiscordWebSocket.poll_event
    yield_between_gateway_frames()
    assert discord.gateway.DiscordWebSocket.poll_event is wrapped
    assert getattr(wrapped, "_geobot_yields", False)


async def test_heavy_work_waits_until_the_backlog_is_read() -> None:
    yield_between_gateway_frames()
    ws = FakeWebSocket(frames=3)  # the frame being read plus two more buffered
    await asyncio.wait_for(acknowledgements_first(), 1)  # nothing read yet: no backlog

    await poll_event(ws)
    waiting = asyncio.create_task(acknowledgements_first())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # two frames still buffered

    await poll_event(ws)
    await asyncio.sleep(0.01)
    assert not waiting.done()  # one left

    await poll_event(ws)
    await asyncio.wait_for(waiting, 1)  # the buffer is empty: heavy work may start
    assert ws.received == 3


async def test_a_backlog_that_never_drains_holds_work_back_only_so_long(monkeypatch: Any) -> None:
    yield_between_gateway_frames()
    monkeypatch.setattr(client, "BACKLOG_WAIT", 0.05)
    ws = FakeWebSocket(frames=100)
    await poll_event(ws)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(acknowledgements_first(), 1)
    assert 0.04 <= loop.time() - started < 0.5


async def test_the_reader_lets_other_tasks_run_between_frames(monkeypatch: Any) -> None:
    yield_between_gateway_frames()
    monkeypatch.setattr(client, "FRAME_BUDGET", 0.0)  # a yield after every buffered frame
    ws = FakeWebSocket(frames=5)
    ran: list[int] = []

    async def other() -> None:
        ran.append(ws.received)

    async def read_all() -> None:
        for _ in range(5):
            await poll_event(ws)

    task = asyncio.create_task(other())
    await read_all()
    await task
    # Without the yield the reader would take all five frames before `other` ran.
    assert ran == [1]


async def test_the_reader_takes_frames_back_to_back_within_its_budget(monkeypatch: Any) -> None:
    yield_between_gateway_frames()
    monkeypatch.setattr(client, "FRAME_BUDGET", 60.0)
    ws = FakeWebSocket(frames=5)
    ran: list[int] = []

    async def other() -> None:
        ran.append(ws.received)

    task = asyncio.create_task(other())
    for _ in range(4):
        await poll_event(ws)  # four frames buffered behind each of these: no yield
    assert ran == []
    await poll_event(ws)  # the buffer is empty: the next receive() would suspend
    await task
    assert ran == [5]


async def test_each_interaction_read_counts_the_work_it_starts(monkeypatch: Any) -> None:
    """Forty cheap frames read in one go used to start forty command tasks whose first
    steps then ran back to back (a 20-25 ms stall); each interaction now counts its task's
    expected first step against the budget, so the reader yields after a few."""
    yield_between_gateway_frames()
    monkeypatch.setattr(client, "FRAME_BUDGET", 60.0)  # parsing alone never uses it up
    monkeypatch.setattr(client, "INTERACTION_COST", 25.0)  # the third interaction does
    ws = FakeWebSocket(frames=8)
    interactions = {2, 3, 5}  # which frames (counted from 1) are INTERACTION_CREATEs

    async def received_message(msg: Any) -> None:
        ws.received += 1
        if ws.received in interactions:
            client.charge_interaction()  # what GeobotBot.dispatch("interaction") does

    ws.received_message = received_message  # type: ignore[method-assign]
    ran: list[int] = []

    async def other() -> None:
        ran.append(ws.received)

    task = asyncio.create_task(other())
    for _ in range(4):
        await poll_event(ws)
    assert ran == []  # two interactions so far: 50 s of expected work, within the budget
    await poll_event(ws)  # the third: over budget, so the reader yields
    assert ran == [5]
    await task

    # The charge starts again after a yield: three more frames, none an interaction.
    ran.clear()
    task = asyncio.create_task(other())
    for _ in range(2):
        await poll_event(ws)
    assert ran == []
    await poll_event(ws)  # the buffer is empty
    await task
    assert ran == [8]


async def test_an_acknowledgements_reply_is_parsed_once_the_backlog_is_read() -> None:
    """discord.py builds a message from each acknowledgement's reply; while interactions
    are still unread, that waits, so that their acknowledgements go first."""
    yield_between_gateway_frames()
    parsed: list[str] = []

    async def create(adapter: object, interaction_id: int, token: str) -> dict[str, str]:
        return {"id": str(interaction_id)}  # the reply discord.py would build a message from

    wrapped = client._parse_after_backlog(create)
    assert getattr(wrapped, "_geobot_waits", False)

    async def respond(n: int) -> None:
        parsed.append((await wrapped(object(), n, "token"))["id"])

    # Nothing unread: the reply goes straight back.
    await asyncio.wait_for(respond(1), 1)
    assert parsed == ["1"]

    ws = FakeWebSocket(frames=3)
    await poll_event(ws)  # two interactions still buffered
    waiting = asyncio.create_task(respond(2))
    await asyncio.sleep(0.01)
    assert parsed == ["1"]  # acknowledged, but its reply waits for the backlog
    await poll_event(ws)
    await poll_event(ws)  # the buffer is empty
    await asyncio.wait_for(waiting, 1)
    assert parsed == ["1", "2"]


def test_the_reply_wrapper_is_installed_once() -> None:
    client.acknowledge_before_parsing_replies()
    adapter = discord.webhook.async_.AsyncWebhookAdapter
    wrapped = adapter.create_interaction_response
    client.acknowledge_before_parsing_replies()
    assert adapter.create_interaction_response is wrapped
    assert getattr(wrapped, "_geobot_waits", False)
