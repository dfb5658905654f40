"""Whatever a reader types: it is answered, logged as typed, echoed inert, and pings nobody."""

from __future__ import annotations

import discord
import pytest
from readers_support import (
    assert_nothing_pings,
    embed,
    is_ephemeral,
    logged_one,
    texts,
    visible_reply,
)

from discord_double import DiscordDouble, World, limits
from geobot.bot.client import GeobotBot
from geobot.questions.store import QuestionStore

ROLE = "<@&{role}>"
USER = "<@{user}>"

# Each: what the reader types, and what the echo must (not) contain once escaped.
INPUTS = {
    "markdown": "**Why** did _NATO_ ~~fail~~ `now` ||really|| > [link](https://x.test)?",
    "everyone": "@everyone @here why did NATO weaken?",
    "role": ROLE + " what did Mike Lee say about NATO?",
    "user": USER + " what did Mike Lee say about NATO?",
    "short-ids": "<@&12> <@!34> <@56> NATO",
    "rtl": "ما هو موقف الناتو؟ NATO שלום",
    "emoji": "🇺🇦🇷🇺 why did the 🤝 alliance 💥 fall apart?",
    "zalgo": "N̷A̸T̵O̶ a̴l̸l̵i̶a̷n̶c̸e̵",
    "long": ("Why did NATO " + "and the alliance " * 40)[:500],
    "one-long-word": "NATO" + "x" * 496,
    "heading": "# NATO\n-# small\n> quote",
}


def _fill(text: str, world: World) -> str:
    return text.format(role=world.moderator.id, user=world.bob.id)


def _assert_inert(echoed: str) -> None:
    # The tokens Discord turns into mentions; "@\u200beveryone" and the like are inert.
    assert limits.mentions_in({"content": echoed}) == [], f"a live mention in {echoed!r}"


@pytest.mark.parametrize("kind", list(INPUTS))
async def test_ask_with_any_input(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
    kind: str,
) -> None:
    question = _fill(INPUTS[kind], discord_world)
    assert len(question) <= 500
    handle = await discord_double.slash(
        "ask", {"question": question}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert not is_ephemeral(message)
    title = embed(message)["title"]
    assert len(title) <= 256
    _assert_inert(title)
    for text in texts(message):
        _assert_inert(text)
    # Logged exactly as typed, whatever it was.
    assert logged_one(question_store, handle.id, discord_world.guild.id).text == question
    assert_nothing_pings(discord_double)


async def test_markdown_is_echoed_escaped(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "ask", {"question": INPUTS["markdown"]}, user=discord_world.alice, guild=discord_world.guild
    )
    title = embed(await visible_reply(handle))["title"]
    escaped = discord.utils.escape_markdown(INPUTS["markdown"])
    assert title == f"❓ {escaped}"
    assert r"\*\*Why\*\*" in title
    assert r"\_NATO\_" in title
    assert r"\|\|really\|\|" in title


async def test_a_500_character_question_is_clipped_in_the_title_only(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    question = INPUTS["long"]
    assert len(question) == 500
    handle = await discord_double.slash(
        "ask", {"question": question}, user=discord_world.alice, guild=discord_world.guild
    )
    title = embed(await visible_reply(handle))["title"]
    assert title.endswith("…")
    assert len(title) <= 256
    assert logged_one(question_store, handle.id, discord_world.guild.id).text == question


async def test_the_context_menu_takes_a_message_with_mentions(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    text = _fill(
        "@everyone " + ROLE + " " + USER + " what did Mike Lee say about NATO?", discord_world
    )
    posted = await discord_double.user_message(discord_world.bob, discord_world.general, text)
    handle = await discord_double.context_menu(
        "Ask geobot", message=posted, user=discord_world.alice
    )
    message = await visible_reply(handle)
    for echoed in texts(message):
        _assert_inert(echoed)
    assert logged_one(question_store, handle.id, discord_world.guild.id).text == text
    assert_nothing_pings(discord_double)


@pytest.mark.parametrize("kind", ["markdown", "everyone", "role", "short-ids", "rtl", "emoji"])
async def test_lookups_echo_what_was_typed_inertly(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, kind: str
) -> None:
    typed = _fill(INPUTS[kind], discord_world)[:100]
    for command, options in [
        ("quote", {"text": typed}),
        ("quote", {"speaker": typed}),
        ("arguments", {"topic": typed}),
        ("summary", {"document": typed}),
        ("ask", {"question": "NATO", "document": typed}),
    ]:
        handle = await discord_double.slash(
            command, options, user=discord_world.alice, guild=discord_world.guild
        )
        message = await visible_reply(handle)
        shown = list(texts(message))
        for text in shown:
            _assert_inert(text)
        if "*" in typed:  # whatever part of the input is echoed, its markdown is escaped
            assert not any("**Why**" in text for text in shown), (command, shown)
    assert_nothing_pings(discord_double)


async def test_the_context_menu_takes_a_message_longer_than_a_question(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    text = ("What did Senator Mike Lee say about NATO? " * 60)[:1900]
    posted = await discord_double.user_message(discord_world.bob, discord_world.general, text)
    handle = await discord_double.context_menu(
        "Ask geobot", message=posted, user=discord_world.alice
    )
    message = await visible_reply(handle)
    assert not is_ephemeral(message)
    assert len(embed(message)["title"]) <= 256
    logged_text = logged_one(question_store, handle.id, discord_world.guild.id).text
    assert 500 < len(logged_text) <= 1000  # the start of the message: what a question holds
    assert text.startswith(logged_text)
