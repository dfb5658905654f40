"""Autocomplete for document, speaker and quote options, within Discord's limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from readers_support import (
    ALLIANCE,
    NEW_WORLD_ORDER,
    MakeGeobot,
    embed,
    field_names,
    visible_reply,
    wide_library,
)

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.library import Library

SAMPLED = {ALLIANCE, NEW_WORLD_ORDER, "wide-00"}  # the bundled quotes and one long copy each
DOCUMENT_OPTIONS = [
    ("ask", {"question": "NATO"}),
    ("summary", {}),
    ("arguments", {}),
    ("sources", {}),
]


@pytest.fixture(scope="module")
def wide(bundled_library: Library) -> Library:
    return wide_library(bundled_library)


@pytest.fixture
async def wide_geobot(
    discord_world: World,
    start_bot: Callable[..., Awaitable[Any]],
    make_geobot: MakeGeobot,
    wide: Library,
) -> GeobotBot:
    bot: GeobotBot = await start_bot(make_geobot(library=wide))
    return bot


async def _choices(
    double: DiscordDouble, world: World, command: str, options: dict[str, str], focused: str
) -> list[dict[str, Any]]:
    handle = await double.autocomplete(
        command, options, focused=focused, user=world.alice, guild=world.guild
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 8
    choices = handle.choices
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100, choice
        assert 1 <= len(choice["value"]) <= 100, choice
    return choices


def _prefix_first(names: list[str], typed: str) -> None:
    """Exact matches, then prefix matches, then anything else (fuzzy)."""
    typed = typed.casefold()
    tiers = [
        0 if n.casefold() == typed else 1 if n.casefold().startswith(typed) else 2 for n in names
    ]
    assert tiers == sorted(tiers), list(zip(tiers, names, strict=True))


@pytest.mark.parametrize(("command", "options"), DOCUMENT_OPTIONS)
async def test_document_autocomplete_on_every_command(
    wide_geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    wide: Library,
    command: str,
    options: dict[str, str],
) -> None:
    everything = await _choices(
        discord_double, discord_world, command, {**options, "document": ""}, "document"
    )
    assert len(everything) == 25 < len(wide)  # more documents than Discord shows
    assert any(len(c["name"]) == 100 and c["name"].endswith("…") for c in everything)

    nato = await _choices(
        discord_double, discord_world, command, {**options, "document": "nato"}, "document"
    )
    names = [c["name"] for c in nato]
    assert names[0] == "NATO"
    _prefix_first(names, "nato")

    natoma = await _choices(
        discord_double, discord_world, command, {**options, "document": "Natoma"}, "document"
    )
    assert natoma[0]["name"] == "Natoma Street"


async def test_a_chosen_document_is_what_the_command_uses(
    wide_geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, wide: Library
) -> None:
    choices = await _choices(
        discord_double, discord_world, "summary", {"document": "natoma"}, "document"
    )
    value = choices[0]["value"]
    handle = await discord_double.slash(
        "summary", {"document": value}, user=discord_world.alice, guild=discord_world.guild
    )
    assert embed(await visible_reply(handle))["title"] == "Natoma Street"
    assert wide.get(value).title == "Natoma Street"


async def test_speaker_autocomplete(
    wide_geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    everyone = await _choices(discord_double, discord_world, "quote", {"speaker": ""}, "speaker")
    assert len(everyone) == 25

    mika = await _choices(
        discord_double, discord_world, "quote", {"speaker": "mika lea"}, "speaker"
    )
    assert mika[0]["name"] == "Mika Lea"
    assert "Mike Lee" in [c["name"] for c in mika]  # a near miss still shows, after

    mike = await _choices(
        discord_double, discord_world, "quote", {"speaker": "mike lee"}, "speaker"
    )
    names = [c["name"] for c in mike]
    assert names[0] == "Mike Lee"
    _prefix_first(names, "mike lee")

    # A name longer than Discord allows comes back clipped; the clipped value still finds
    # that speaker's quotes.
    long = next(c for c in mike if len(c["value"]) == 100)
    handle = await discord_double.slash(
        "quote", {"speaker": long["value"]}, user=discord_world.alice, guild=discord_world.guild
    )
    found = field_names(await visible_reply(handle))
    assert found
    assert all(long["value"].rstrip("…") in name for name in found)


async def test_quote_autocomplete(
    wide_geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, wide: Library
) -> None:
    everything = await _choices(discord_double, discord_world, "quote", {"text": ""}, "text")
    assert len(everything) == 25

    raw = await _choices(discord_double, discord_world, "quote", {"text": "a raw deal"}, "text")
    assert raw[0] == {
        "name": "“a raw deal for America” — Mike Lee",
        "value": "a raw deal for America",
    }
    _prefix_first([c["value"] for c in raw], "a raw deal")

    # Titles, terms and scare quotes are labelled as what they are, never given a speaker.
    sample = {
        q.text: q
        for q in wide.quotes
        if not q.kind.is_words_of_someone and q.document_id in SAMPLED
    }
    for quote in sample.values():
        choices = await _choices(
            discord_double, discord_world, "quote", {"text": quote.text[:200]}, "text"
        )
        mine = [c for c in choices if c["value"].rstrip("…") in quote.text]
        assert mine, (quote.text, choices)
        assert all("—" not in c["name"] for c in mine)
        if len(quote.text) < 80:  # short enough for the label to fit
            assert {"name": f"“{quote.text}” ({quote.kind.value})", "value": quote.text} in mine

    # What autocomplete offers, /quote finds.
    long = next(c for c in everything if len(c["value"]) == 100)
    handle = await discord_double.slash(
        "quote", {"text": long["value"]}, user=discord_world.alice, guild=discord_world.guild
    )
    names = field_names(await visible_reply(handle))
    assert names
    assert long["value"].rstrip("…")[:60] in names[0]


async def test_autocomplete_on_the_bundled_set_and_in_dms(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.autocomplete(
        "quote", {"speaker": "unger"}, user=discord_world.carol
    )
    await handle.response(timeout=3)
    assert handle.choices == [{"name": "Craig Unger", "value": "Craig Unger"}]
    handle = await discord_double.autocomplete(
        "ask", {"question": "x", "document": "putin"}, focused="document", user=discord_world.carol
    )
    await handle.response(timeout=3)
    assert handle.choices[0]["value"] == "trump-putin-alliance-unravels"
