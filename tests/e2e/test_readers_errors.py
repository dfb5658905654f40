"""Failures a reader can meet: cooldown, bad input, a command that breaks."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from readers_support import (
    ANSWERED_QUESTION,
    is_ephemeral,
    logged,
    polite_refusal,
    visible_reply,
)

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.library import Library
from geobot.questions.store import QuestionStore

SORRY = "Sorry, something went wrong on my side."


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the index exploded")


def _error_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("geobot") and r.levelno >= logging.ERROR]


async def test_ask_cooldown_says_how_long_to_wait(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    assert geobot.settings.ask_cooldown_rate == 3
    answered = []
    for _ in range(3):
        handle = await discord_double.slash(
            "ask",
            {"question": ANSWERED_QUESTION},
            user=discord_world.alice,
            guild=discord_world.guild,
        )
        assert (await handle.response(timeout=3)).type == 5
        answered.append(handle)
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] & 64
    found = re.fullmatch(
        r"Easy there: you can ask again in (\d+) seconds?\.", callback.data["content"]
    )
    assert found, callback.data["content"]
    assert 1 <= int(found[1]) <= 30
    for earlier in answered:
        await visible_reply(earlier)  # logged before the answer is shown
    assert len(logged(question_store, discord_world.guild.id)) == 3  # the refused one is not

    # The cooldown is per reader: bob is not slowed down by alice.
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.bob, guild=discord_world.guild
    )
    assert (await handle.response(timeout=3)).type == 5


async def test_the_ask_menu_and_ask_share_one_budget(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    """#18 defect 5: the "Ask geobot" menu is not a way around /ask's rate limit. With 3 per
    30 s, five /ask and five menu asks, interleaved, are answered exactly three times."""
    assert geobot.settings.ask_cooldown_rate == 3
    posted = await discord_double.user_message(
        discord_world.bob, discord_world.general, ANSWERED_QUESTION
    )
    types = []
    for _ in range(5):
        handle = await discord_double.slash(
            "ask",
            {"question": ANSWERED_QUESTION},
            user=discord_world.alice,
            guild=discord_world.guild,
        )
        types.append((await handle.response(timeout=3)).type)
        handle = await discord_double.context_menu(
            "Ask geobot", message=posted, user=discord_world.alice
        )
        types.append((await handle.response(timeout=3)).type)
    assert types.count(5) == 3  # deferred: being answered
    assert types.count(4) == 7  # the cooldown's private refusal
    assert types[:3] == [5, 5, 5]


async def test_a_command_that_breaks_after_deferring_answers_privately_and_logs_once(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    bundled_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(bundled_library, "ask", _boom)
    caplog.set_level(logging.INFO, logger="geobot")
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    assert (await handle.response(timeout=3)).type == 5  # it had deferred before breaking
    followups = await handle.followups(1)
    assert SORRY in await polite_refusal(handle)
    assert followups[0].message.ephemeral
    # The public "thinking…" placeholder did not stay behind in the channel.
    original = await handle.original()
    assert original.deleted

    errors = _error_lines(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    line = errors[0].getMessage()
    assert "command=ask" in line
    assert f"guild={discord_world.guild.id}" in line
    assert "RuntimeError('the index exploded')" in line


async def test_a_command_that_breaks_before_answering_answers_privately(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    bundled_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(bundled_library, "find_quotes", _boom)
    handle = await discord_double.slash(
        "quote", {"speaker": "Mike Lee"}, user=discord_world.carol
    )  # in a DM
    callback = await handle.response(timeout=3)
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] & 64
    assert SORRY in callback.data["content"]
    errors = _error_lines(caplog)
    assert len(errors) == 1
    assert "command=quote guild=DM" in errors[0].getMessage()
    assert "RuntimeError" in errors[0].getMessage()


@pytest.mark.parametrize("question", ["?", " … ", "¿¡"])
async def test_a_question_without_words_is_refused_privately(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
    question: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handle = await discord_double.slash(
        "ask", {"question": question}, user=discord_world.alice, guild=discord_world.guild
    )
    text = await polite_refusal(handle)
    assert "no words" in text or "empty" in text
    assert logged(question_store, discord_world.guild.id) == []
    assert _error_lines(caplog) == []  # bad input is not an error of the bot


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("summary", {"document": "Zbigniew's poems"}),
        ("arguments", {"document": "Zbigniew's poems"}),
        ("sources", {"document": "Zbigniew's poems"}),
    ],
)
async def test_a_bad_document_name_is_refused_clearly(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    command: str,
    options: dict[str, str],
) -> None:
    handle = await discord_double.slash(
        command, options, user=discord_world.alice, guild=discord_world.guild
    )
    message = await handle.reply()
    assert is_ephemeral(message)
    assert message.content == "No document matches “Zbigniew's poems”."


async def test_a_near_miss_document_name_suggests_the_real_one(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "summary",
        {"document": "alliance unravel poems"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    message = await handle.reply()
    assert is_ephemeral(message)
    assert message.content == (
        "No document matches “alliance unravel poems”. "
        "Did you mean: Why the Trump–Putin “Alliance” Unraveled?"
    )
