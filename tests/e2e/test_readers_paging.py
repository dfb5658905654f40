"""Paging: "More results" / "Previous" turn for the asker only, and stop on timeout."""

from __future__ import annotations

import asyncio
import gc

import discord
import pytest
from readers_support import (
    ANSWERED_QUESTION,
    buttons,
    custom_id,
    embed,
    field_names,
    footer,
    visible_reply,
)

from discord_double import DiscordDouble, InteractionHandle, StoredMessage, World
from geobot.bot import render, views
from geobot.bot.client import GeobotBot
from geobot.commands import READERS
from geobot.library import Library


async def _turn(
    double: DiscordDouble, message: StoredMessage, label: str, world: World
) -> InteractionHandle:
    handle = await double.click(custom_id(message, label), message=message, user=world.alice)
    callback = await handle.response(timeout=3)
    assert callback.type == 7  # the page is edited in place
    return handle


async def test_the_asker_pages_forward_and_back(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    rendered = READERS["arguments"].run(bundled_library, {})
    per_page = [[f.name for f in page.fields] for page in rendered]
    pages = len(rendered)
    assert pages >= 3
    # Pages about as long as an /ask page (#17.7), and every argument on one of them.
    assert all(len(page) <= render.PAGE_CHARS + render.FIELD_NAME_LIMIT for page in rendered)
    assert [name for page in per_page for name in page] == [
        render.clip(a.claim, render.FIELD_NAME_LIMIT) for a in bundled_library.find_arguments()
    ]
    handle = await discord_double.slash(
        "arguments", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert footer(message) == f"Page 1/{pages}"
    assert buttons(message)["Previous"]["disabled"] is True
    assert buttons(message)["More results"]["disabled"] is False

    await _turn(discord_double, message, "More results", discord_world)
    assert footer(message) == f"Page 2/{pages}"
    assert field_names(message) == per_page[1]
    assert buttons(message)["Previous"]["disabled"] is False

    await _turn(discord_double, message, "Previous", discord_world)
    assert footer(message) == f"Page 1/{pages}"
    assert field_names(message) == per_page[0]

    for page in range(2, pages + 1):
        await _turn(discord_double, message, "More results", discord_world)
        assert footer(message) == f"Page {page}/{pages}"
    assert field_names(message) == per_page[-1]
    assert buttons(message)["More results"]["disabled"] is True
    with pytest.raises(PermissionError):  # Discord sends no click for a disabled button
        await discord_double.click(
            custom_id(message, "More results"), message=message, user=discord_world.alice
        )


async def test_ask_pages_keep_their_numbering_and_feedback_buttons(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert [n.split(".")[0] for n in field_names(message)] == ["1", "2", "3"]
    feedback = {custom_id(message, "Helpful"), custom_id(message, "Not helpful")}
    await _turn(discord_double, message, "More results", discord_world)
    assert [n.split(".")[0] for n in field_names(message)] == ["4", "5", "6"]
    assert footer(message).startswith("Page 2/")
    assert embed(message)["title"].endswith(ANSWERED_QUESTION)
    assert {custom_id(message, "Helpful"), custom_id(message, "Not helpful")} == feedback


@pytest.mark.parametrize("label", ["More results", "Previous"])
async def test_someone_else_cannot_turn_the_pages(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, label: str
) -> None:
    handle = await discord_double.slash(
        "quote", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    if label == "Previous":  # enable it first
        await _turn(discord_double, message, "More results", discord_world)
    before = (footer(message), field_names(message), len(message.history))

    click = await discord_double.click(
        custom_id(message, label), message=message, user=discord_world.bob
    )
    callback = await click.response(timeout=3)
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] & 64  # only bob sees the refusal
    assert "Only the person who asked" in callback.data["content"]
    assert (footer(message), field_names(message), len(message.history)) == before

    # The asker still can.
    await _turn(discord_double, message, label, discord_world)
    assert footer(message) != before[0]


async def test_pages_disable_themselves_on_timeout(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 0.3)
    handle = await discord_double.slash(
        "sources", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert buttons(message)["More results"]["disabled"] is False

    await handle.wait_until(
        lambda h: all(b["disabled"] for b in buttons(message).values()),
        timeout=5,
        what="the paging buttons to disable",
    )
    assert footer(message) == footer(await handle.original())  # the page itself stays
    with pytest.raises(PermissionError):
        await discord_double.click(
            custom_id(message, "More results"), message=message, user=discord_world.alice
        )


async def test_an_answer_times_out_to_its_feedback_buttons(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 0.3)
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)

    def paging_disabled(_: InteractionHandle) -> bool:
        shown = buttons(message)
        return shown["More results"]["disabled"] and shown["Previous"]["disabled"]

    await handle.wait_until(paging_disabled, timeout=5, what="paging to disable")
    # Votes outlive the pages: feedback buttons are not tied to the view's lifetime.
    assert buttons(message)["Helpful"]["disabled"] is False
    vote = await discord_double.click(
        custom_id(message, "Helpful"), message=message, user=discord_world.bob
    )
    assert (await visible_reply(vote)).content == "Thanks for the feedback!"


async def test_a_live_pager_keeps_where_it_is_shown_not_the_message(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    """Rule: a pager lives ten minutes, and everything it holds is walked by every full
    garbage collection meanwhile: it keeps the webhook and id it needs to disable itself,
    not the sent message with its parsed embeds, components and author."""
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert buttons(message)["More results"]["disabled"] is False

    def pager() -> views.Pages | None:
        for item in gc.get_objects():
            if isinstance(item, views.Pages) and item.shown and item.shown[1] == int(message.id):
                return item
        return None

    for _ in range(300):  # the bot records where it showed them once Discord answers
        found = pager()
        if found is not None:
            break
        await asyncio.sleep(0.01)
    assert found is not None
    assert found.shown is not None
    webhook, _ = found.shown
    assert isinstance(webhook, discord.Webhook)
    assert not any(isinstance(value, discord.Message) for value in vars(found).values())
