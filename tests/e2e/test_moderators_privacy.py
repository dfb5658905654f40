"""/mydata: every reader sees what is stored about them, privately, and can delete all of it."""

from __future__ import annotations

import json

from test_moderators import ANSWERED, FLAGGED, Mods, button, final, text_of

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings

from discord_double import Guild, InteractionHandle, StoredMessage, User
from geobot.questions.models import Question
from geobot.questions.store import Scope

STORED_QUESTION_FIELDS = {  # every column of Question but the writer's internal client_key
    "id",
    "interaction_id",
    "guild_id",
    "channel_id",
    "user_id",
    "text",
    "command",
    "results",
    "answered",
    "flagged",
    "status",
    "created_at",
    "answer_text",
    "resolved_by",
    "resolved_at",
    "dismiss_reason",
    "digest",
}


async def mydata(
    mods: Mods, user: User, guild: Guild | None = None
) -> tuple[InteractionHandle, StoredMessage]:
    handle = await mods.double.slash("mydata", {}, user=user, guild=guild)
    return handle, await final(handle)


async def alices_questions(mods: Mods) -> list[Question]:
    alice = mods.world.alice
    return [
        await mods.ask(FLAGGED, alice, mods.guild),
        await mods.ask(ANSWERED, alice, mods.other),
        await mods.ask("Is pizza geopolitics?", alice),  # in a DM
    ]


async def test_mydata_shows_everything_stored_about_the_reader_only(mods: Mods) -> None:
    alice = mods.world.alice
    hers = await alices_questions(mods)
    franks = await mods.ask(FLAGGED, mods.frank, mods.guild)
    await mods.run(
        "answer",
        {"id": str(hers[0].id), "text": "Margherita."},
        user=mods.world.bob,
        guild=mods.guild,
    )
    handle = await mods.double.slash(
        "ask", {"question": ANSWERED}, user=mods.frank, guild=mods.guild
    )
    answer = await handle.reply()
    await (await mods.double.click(f"geobot:fb:{handle.id}:0", message=answer, user=alice)).reply()

    _, message = await mydata(mods, alice, mods.guild)
    assert message.ephemeral
    body = text_of(message)
    assert "**3 questions** and **1 vote** (0 helpful, 1 not helpful)" in body
    for question in hers:
        assert f"#{question.id} ·" in body
    assert f"#{franks.id} ·" not in body
    assert "Geopolitics Readers" in body
    assert "Other Readers" in body
    assert "direct message" in body
    assert "Moderators' answer: Margherita." in body
    assert button(message, "Delete all my data…")

    [file] = message.files
    assert file.filename == "geobot-my-data.json"
    data = json.loads(file.data)
    assert data["user_id"] == str(alice.id)
    assert {q["id"] for q in data["questions"]} == {q.id for q in hers}
    for record in data["questions"]:
        assert set(record) == STORED_QUESTION_FIELDS
        assert record["user_id"] == str(alice.id)
    [vote] = data["feedback"]
    assert vote["helpful"] is False
    assert vote["guild_id"] == str(mods.guild.id)


async def test_mydata_works_in_dms_and_pages_long_histories(mods: Mods) -> None:
    carol = mods.world.carol  # only ever talks to the bot in DMs
    for n in range(7):
        await mods.ask(f"Question {n} about pizza?", carol)
    _, message = await mydata(mods, carol)
    assert message.ephemeral
    assert "Page 1/2" in text_of(message)
    click = await mods.double.click(button(message, "More results"), message=message, user=carol)
    assert (await click.response()).type == 7
    assert "Page 2/2" in text_of(message)
    assert len(json.loads(message.files[0].data)["questions"]) == 7


async def test_mydata_with_nothing_stored(mods: Mods) -> None:
    _, message = await mydata(mods, mods.dave, mods.other)
    assert message.ephemeral
    assert message.content == "geobot stores nothing about you: no questions and no votes."
    assert not message.files
    assert not message.components


async def test_deleting_my_data_asks_first_then_deletes_everywhere(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    hers = await alices_questions(mods)
    franks = await mods.ask(FLAGGED, mods.frank, mods.guild)
    # A moderator publishes an FAQ entry from alice's question: the server's text stays.
    await mods.run(
        "answer",
        {"id": str(hers[0].id), "text": "Margherita.", "add_to_faq": True},
        user=bob,
        guild=mods.guild,
    )

    _, message = await mydata(mods, alice, mods.guild)
    ask = await mods.double.click(
        button(message, "Delete all my data…"), message=message, user=alice
    )
    confirm = await final(ask)
    assert confirm.ephemeral
    assert confirm.content.startswith(
        "This deletes your 3 questions and 0 votes in every server and in DMs. It cannot be undone."
    )
    assert all(mods.question(q.id) for q in hers)  # not yet

    done = await mods.double.click(
        button(confirm, "Delete everything"), message=confirm, user=alice
    )
    await done.wait_until(lambda h: bool(h.edit_records), what="the outcome")
    assert confirm.content.startswith("Done: deleted 3 questions and 0 votes.")
    assert not confirm.components
    assert [mods.question(q.id) for q in hers] == [None, None, None]
    assert mods.question(franks.id) is not None
    assert mods.store.my_data(alice.id).questions == []
    [faq] = mods.store.list_faq(Scope.moderator(mods.guild.id))
    assert faq.source_question_id is None  # the link to alice is gone, the text stays

    _, message = await mydata(mods, alice, mods.guild)
    assert message.content.startswith("geobot stores nothing about you")


async def test_deleting_my_data_can_be_cancelled(mods: Mods) -> None:
    alice = mods.world.alice
    hers = await alices_questions(mods)
    _, message = await mydata(mods, alice)
    ask = await mods.double.click(
        button(message, "Delete all my data…"), message=message, user=alice
    )
    confirm = await final(ask)
    cancel = await mods.double.click(button(confirm, "Cancel"), message=confirm, user=alice)
    assert (await cancel.response()).type == 7
    assert confirm.content == "Cancelled: nothing was deleted."
    assert all(mods.question(q.id) for q in hers)
