"""Feedback buttons outlive their answer's pager (after its timeout, after a restart), and
report their own failures.

Rule exercised: votes must keep working for as long as the answer exists (weeks, restarts),
while paging is per message and timed; each click is answered once, by one handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from readers_support import (
    ANSWERED_QUESTION,
    MakeGeobot,
    buttons,
    custom_id,
    is_ephemeral,
    logged_one,
)
from readers_support import visible_reply as reply_to

from discord_double import DiscordDouble, InteractionHandle, StoredMessage, User, World, running_bot
from geobot.bot import views
from geobot.bot.client import GeobotBot
from geobot.questions.store import QuestionStore, Scope, VoteCounts


async def _ask(double: DiscordDouble, world: World) -> tuple[InteractionHandle, StoredMessage]:
    handle = await double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=world.alice, guild=world.guild
    )
    return handle, await reply_to(handle)


async def _paging_stopped(handle: InteractionHandle, message: StoredMessage) -> None:
    def stopped(_: InteractionHandle) -> bool:
        shown = buttons(message)
        return shown["More results"]["disabled"] and shown["Previous"]["disabled"]

    await handle.wait_until(stopped, timeout=5, what="the pager to time out")
    assert buttons(message)["Helpful"]["disabled"] is False  # feedback is not the pager's


async def _vote(double: DiscordDouble, message: StoredMessage, label: str, user: User) -> str:
    click = await double.click(custom_id(message, label), message=message, user=user)
    assert (await click.response(timeout=3)).type == 5  # deferred once, privately
    text = (await reply_to(click)).content
    await double.settle()
    assert click.violations == []  # no second acknowledgement, no invalid body
    return str(text)


def _feedback_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "command", None) == "Feedback"]


async def test_a_timed_out_answer_silences_no_feedback_button(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One pager timing out once unregistered every message's feedback buttons; now votes
    on the timed-out answer and on a later one both count, each click handled once."""
    caplog.set_level(logging.INFO, logger="geobot")
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 1.0)
    first_handle, first = await _ask(discord_double, discord_world)
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 600.0)
    # Sent before the first pager times out: nothing registers anything after that.
    second_handle, second = await _ask(discord_double, discord_world)
    await _paging_stopped(first_handle, first)
    assert buttons(second)["More results"]["disabled"] is False  # this pager still runs

    bob = discord_world.bob
    assert await _vote(discord_double, first, "Helpful", bob) == "Thanks for the feedback!"
    assert await _vote(discord_double, second, "Not helpful", bob) == "Thanks for the feedback!"
    scope = Scope.bot_admin(discord_world.guild.id)
    for handle, expected in ((first_handle, VoteCounts(1, 0)), (second_handle, VoteCounts(0, 1))):
        question = logged_one(question_store, handle.id, discord_world.guild.id)
        assert question.id is not None
        assert question_store.get_votes(scope, question.id) == expected
    # The click's line follows its reply: wait for both, then make sure no third comes.
    for _ in range(100):
        if len(_feedback_lines(caplog)) >= 2:
            break
        await asyncio.sleep(0.03)
    await asyncio.sleep(0.2)
    assert [getattr(r, "outcome", None) for r in _feedback_lines(caplog)] == ["ok", "ok"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_vote_after_the_pager_timed_out_and_the_bot_restarted(
    discord_double: DiscordDouble,
    discord_world: World,
    make_geobot: MakeGeobot,
    start_bot: Callable[..., Awaitable[Any]],
    question_store: QuestionStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new bot instance, which never saw the answer, takes a click on its custom_id."""
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 0.3)
    async with running_bot(make_geobot(), discord_double) as first:
        handle, message = await _ask(discord_double, discord_world)
        await _paging_stopped(handle, message)
    assert first.is_closed()

    second = await start_bot(make_geobot())
    assert second is not first
    bob = discord_world.bob
    assert await _vote(discord_double, message, "Not helpful", bob) == "Thanks for the feedback!"
    changed = await _vote(discord_double, message, "Helpful", bob)
    assert changed == "Vote changed. Thanks for the feedback!"
    question = logged_one(question_store, handle.id, discord_world.guild.id)
    assert question.id is not None
    scope = Scope.bot_admin(discord_world.guild.id)
    assert question_store.get_votes(scope, question.id) == VoteCounts(1, 0)
    # The old pager stays stopped: only feedback was ever meant to outlive it.
    with pytest.raises(PermissionError):
        await discord_double.click(
            custom_id(message, "More results"), message=message, user=discord_world.alice
        )


async def test_a_vote_that_breaks_gets_an_apology_not_endless_thinking(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Feedback logs through the project's LoggedItem, which tells the reader of a failure
    that discord.py's dynamic items would only have logged."""
    _handle, answer = await _ask(discord_double, discord_world)

    async def broken_vote(**kwargs: Any) -> Any:
        raise RuntimeError("the vote exploded")

    assert geobot.question_log is not None
    monkeypatch.setattr(geobot.question_log, "record_feedback", broken_vote)
    vote = await discord_double.click(
        custom_id(answer, "Helpful"), message=answer, user=discord_world.bob
    )
    assert (await vote.response(timeout=3)).type == 5
    apology = await reply_to(vote)
    assert "went wrong" in str(apology.content)
    assert is_ephemeral(apology)  # only the voter sees it
    await discord_double.settle()
    assert vote.violations == []
