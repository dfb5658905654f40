"""A vote the question log can neither commit nor spool: the reader is told, not left waiting."""

from __future__ import annotations

from typing import Any

import pytest
from readers_support import ANSWERED_QUESTION, custom_id, visible_reply

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.questions.writer import QuestionLogError


async def test_an_unsaved_vote_gets_an_apology(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    double, alice = discord_double, discord_world.alice
    answer = await visible_reply(
        await double.slash(
            "ask", {"question": ANSWERED_QUESTION}, user=alice, guild=discord_world.guild
        )
    )

    async def nowhere_to_write(**kwargs: Any) -> Any:
        raise QuestionLogError("database down and spool not writable")

    assert geobot.question_log is not None
    monkeypatch.setattr(geobot.question_log, "record_feedback", nowhere_to_write)
    vote = await double.click(custom_id(answer, "Helpful"), message=answer, user=alice)
    assert (await vote.response(timeout=3)).type == 5  # deferred, ephemeral "thinking…"
    await vote.wait_until(
        lambda h: any("could not be saved" in (m.content or "") for m in h.messages),
        what="the apology",
    )
