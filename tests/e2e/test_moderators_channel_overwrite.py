"""Manage Messages in one channel does not make a moderator of the whole server.

Moderation reaches every question of a server, so it is decided by the member's
server-wide permissions (their roles), or the configured moderator role, never by what one
channel's overwrites allow. gary has Manage Messages (and Manage Server) only through a
member overwrite on #general; Discord shows him /questions there and sends his commands
and autocompletes with those channel permissions. He must get exactly what an ordinary
member gets: the refusal, and no suggestions.
"""

from __future__ import annotations

from test_moderators import FLAGGED, REFUSED, Mods, faq_choices

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings

from discord_double import Overwrite, Perm, User
from geobot.bot.cogs import moderators
from geobot.questions.store import Scope


def channel_moderator(mods: Mods) -> User:
    gary = mods.double.add_user("gary")
    mods.guild.add_member(gary)
    mods.world.general.overwrites.append(
        Overwrite.for_user(gary, allow=Perm.MANAGE_MESSAGES | Perm.MANAGE_GUILD)
    )
    return gary


async def test_a_channel_overwrite_grants_no_command(mods: Mods) -> None:
    gary = channel_moderator(mods)
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    entry = mods.store.add_faq(
        Scope.moderator(mods.guild.id), "Best pizza?", "Margherita.", mods.world.bob.id
    )
    commands = [
        ("list", {}),
        ("list", {"since": "all"}),
        ("show", {"id": str(question.id)}),
        ("stats", {}),
        ("export", {"format": "csv"}),
        ("forget", {"user": mods.world.alice}),
        ("faq", {"list": {}}),
        ("dismiss", {"id": str(question.id)}),
        ("faq", {"delete": {"id": str(entry.id)}}),
    ]
    for sub, options in commands:
        handle = await mods.double.slash(
            "questions", {sub: options}, user=gary, guild=mods.guild, channel=mods.world.general
        )
        await handle.reply()
        (message,) = [m for m in handle.messages if not m.loading and not m.deleted]
        assert message.ephemeral, sub
        assert message.content == REFUSED, sub
        assert message.files == [], sub
        assert message.components == [], sub  # no delete prompt for /questions forget
    assert mods.question(question.id).status == "open"  # type: ignore[union-attr]
    assert mods.store.list_faq(Scope.moderator(mods.guild.id)) == [entry]


async def test_a_channel_overwrite_grants_no_settings(mods: Mods) -> None:
    gary = channel_moderator(mods)
    handle = await mods.double.slash(
        "questions", {"settings": {}}, user=gary, guild=mods.guild, channel=mods.world.general
    )
    await handle.reply()
    (message,) = [m for m in handle.messages if not m.loading and not m.deleted]
    assert message.content == moderators.NOT_AN_ADMIN


async def test_a_channel_overwrite_gets_no_suggestions(mods: Mods) -> None:
    gary = channel_moderator(mods)
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    mods.store.add_faq(
        Scope.moderator(mods.guild.id), "Best pizza?", "Margherita.", mods.world.bob.id
    )
    for sub in ("show", "answer", "dismiss", "reopen"):
        for typed in ("", str(question.id), "pizza"):
            handle = await mods.double.autocomplete(
                "questions",
                {sub: {"id": typed}},
                user=gary,
                guild=mods.guild,
                channel=mods.world.general,
            )
            await handle.response()
            assert handle.choices == [], (sub, typed)
    assert await faq_choices(mods, "pizza", gary, mods.guild) == []
    # bob, a moderator by his role, gets them in the same channel: the emptiness is the check.
    assert await mods.choices("show", "id", "pizza", user=mods.world.bob, guild=mods.guild)


async def test_the_configured_role_still_makes_a_moderator(mods: Mods) -> None:
    await mods.run(
        "settings", {"moderator_role": mods.helpers}, user=mods.world.bob, guild=mods.guild
    )
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    _, message = await mods.run(
        "show", {"id": str(question.id)}, user=mods.frank, guild=mods.guild, force=True
    )
    assert message.content != REFUSED
    assert f"Question #{question.id}" in message.embeds[0]["title"]
