"""Helpful / Not helpful: one vote per reader per question, kept across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from readers_support import (
    ANSWERED_QUESTION,
    MakeGeobot,
    custom_id,
    is_ephemeral,
    logged_one,
    visible_reply,
)

from discord_double import DiscordDouble, StoredMessage, User, World, running_bot
from geobot.bot.client import GeobotBot
from geobot.questions.store import QuestionStore, Scope, VoteCounts


async def _vote(double: DiscordDouble, message: StoredMessage, label: str, user: User) -> str:
    before = list(message.history)
    handle = await double.click(custom_id(message, label), message=message, user=user)
    callback = await handle.response(timeout=3)
    assert callback.type == 5  # acknowledged before the database write
    thanks = await visible_reply(handle)
    assert is_ephemeral(thanks)  # the thanks are private
    assert message.history == before  # the answer itself is not touched
    return thanks.content


async def _answer(
    double: DiscordDouble,
    world: World,
    user: User | None = None,
) -> tuple[int, StoredMessage]:
    handle = await double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=user or world.alice, guild=world.guild
    )
    return handle.id, await visible_reply(handle)


async def test_votes_one_per_reader_and_changeable(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    interaction_id, message = await _answer(discord_double, discord_world)
    assert custom_id(message, "Helpful") == f"geobot:fb:{interaction_id}:1"
    assert custom_id(message, "Not helpful") == f"geobot:fb:{interaction_id}:0"
    scope = Scope.bot_admin(discord_world.guild.id)
    question = logged_one(question_store, interaction_id, discord_world.guild.id)
    assert question.id is not None
    assert question_store.get_votes(scope, question.id) == VoteCounts(0, 0)

    bob = discord_world.bob  # anyone who sees the answer may vote, not only the asker
    assert await _vote(discord_double, message, "Helpful", bob) == "Thanks for the feedback!"
    assert question_store.get_votes(scope, question.id) == VoteCounts(1, 0)

    again = await _vote(discord_double, message, "Helpful", bob)
    assert again == "You had already voted that way. Thanks!"
    assert question_store.get_votes(scope, question.id) == VoteCounts(1, 0)

    changed = await _vote(discord_double, message, "Not helpful", bob)
    assert changed == "Vote changed. Thanks for the feedback!"
    assert question_store.get_votes(scope, question.id) == VoteCounts(0, 1)

    await _vote(discord_double, message, "Helpful", discord_world.alice)
    assert question_store.get_votes(scope, question.id) == VoteCounts(1, 1)


async def test_a_vote_on_a_forgotten_question_is_not_kept(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    _interaction_id, message = await _answer(discord_double, discord_world)
    question_store.forget_user(Scope.moderator(discord_world.guild.id), discord_world.alice.id)
    text = await _vote(discord_double, message, "Helpful", discord_world.bob)
    assert text == "That question is no longer in the log, so the vote was not kept."


async def test_feedback_works_in_a_dm(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    carol = discord_world.carol
    handle = await discord_double.slash("ask", {"question": ANSWERED_QUESTION}, user=carol)
    message = await visible_reply(handle)
    await _vote(discord_double, message, "Not helpful", carol)
    question = logged_one(question_store, handle.id, None)
    assert question.id is not None
    assert question_store.get_votes(Scope.bot_admin(), question.id) == VoteCounts(0, 1)


async def test_feedback_buttons_survive_a_restart(
    discord_double: DiscordDouble,
    discord_world: World,
    make_geobot: MakeGeobot,
    start_bot: Callable[..., Awaitable[Any]],
    question_store: QuestionStore,
) -> None:
    async with running_bot(make_geobot(), discord_double) as first:
        interaction_id, message = await _answer(discord_double, discord_world)
        assert first.is_closed() is False
    assert first.is_closed()
    assert discord_double.command_syncs, "the first start synced the commands"

    # A new process: a new bot, a new question log, the same database.
    second = await start_bot(make_geobot())
    assert second is not first
    question = logged_one(question_store, interaction_id, discord_world.guild.id)
    assert question.id is not None
    scope = Scope.bot_admin(discord_world.guild.id)

    text = await _vote(discord_double, message, "Helpful", discord_world.bob)
    assert text == "Thanks for the feedback!"
    assert question_store.get_votes(scope, question.id) == VoteCounts(1, 0)
    changed = await _vote(discord_double, message, "Not helpful", discord_world.bob)
    assert changed == "Vote changed. Thanks for the feedback!"
    assert question_store.get_votes(scope, question.id) == VoteCounts(0, 1)
