"""Fifty readers ask at once: every one is acknowledged in time, answered and logged."""

from __future__ import annotations

import asyncio

from readers_support import embed, logged, visible_reply

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.questions.store import QuestionStore

QUESTIONS = [
    "What did Senator Mike Lee say about NATO?",
    "Why did the Trump–Putin alliance fall apart?",
    "What role does China play in the new world order?",
    "Who is Craig Unger?",
    "What would a US withdrawal from NATO mean for Europe?",
]
CROWD = 50


async def test_fifty_concurrent_asks(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    # Fifty different readers: one reader would (rightly) hit the /ask cooldown.
    readers = [discord_double.add_user(f"reader{n}") for n in range(CROWD)]
    for reader in readers:
        discord_world.guild.add_member(reader)
    asked = {
        reader.id: f"{QUESTIONS[n % len(QUESTIONS)]} ({n})" for n, reader in enumerate(readers)
    }

    handles = await asyncio.gather(
        *(
            discord_double.slash(
                "ask", {"question": asked[reader.id]}, user=reader, guild=discord_world.guild
            )
            for reader in readers
        )
    )
    callbacks = await asyncio.gather(*(h.response(timeout=3) for h in handles))
    assert [c.type for c in callbacks] == [5] * CROWD
    assert all(h.acked_in_time for h in handles)
    assert max(c.latency for c in callbacks) < 3.0

    replies = await asyncio.gather(*(visible_reply(h, timeout=15) for h in handles))
    for handle, message in zip(handles, replies, strict=True):
        assert asked[handle.user.id] in embed(message)["title"]

    rows = logged(question_store, discord_world.guild.id)
    assert len(rows) == CROWD
    assert {r.interaction_id for r in rows} == {h.id for h in handles}
    assert all(r.text == asked[r.user_id] for r in rows)
