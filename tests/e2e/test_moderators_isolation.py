"""Guild isolation: a moderator of one server never sees or touches another server's questions.

Two servers log questions through the real /ask. erin moderates only "Other Readers"; bob
moderates only the first server and is an ordinary member of the other. Every command,
option, autocomplete, button and export is tried from the wrong side.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest
from test_moderators import ANSWERED, FLAGGED, REFUSED, Mods, button, faq_choices, text_of

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings

from geobot.questions.models import Question
from geobot.questions.store import Scope


@dataclass
class Logged:
    first: list[Question]  # the first server's questions (bob's)
    other: list[Question]  # the other server's (erin's)


@pytest.fixture
async def logged(mods: Mods) -> Logged:
    alice, bob = mods.world.alice, mods.world.bob
    first = [
        await mods.ask(FLAGGED, alice, mods.guild),
        await mods.ask(ANSWERED, alice, mods.guild),
        await mods.ask("Why did the pizza summit in Naples collapse?", mods.frank, mods.guild),
    ]
    await mods.run(
        "answer", {"id": str(first[1].id), "text": "See the article."}, user=bob, guild=mods.guild
    )
    other = [
        await mods.ask("Is pizza a geopolitical weapon?", alice, mods.other),
        await mods.ask(ANSWERED, mods.dave, mods.other),
    ]
    return Logged(first, other)


def unchanged(mods: Mods, before: list[Question]) -> None:
    for question in before:
        now = mods.question(question.id)
        assert now is not None
        assert (now.status, now.answer_text, now.dismiss_reason, now.resolved_by) == (
            question.status,
            question.answer_text,
            question.dismiss_reason,
            question.resolved_by,
        )


async def test_another_servers_id_gets_exactly_the_unknown_id_answer(
    mods: Mods, logged: Logged
) -> None:
    before = [mods.question(q.id) for q in logged.first]
    assert all(before)
    theirs = [q.id for q in logged.first]
    unknown = max(q.id for q in logged.first + logged.other if q.id) + 1000
    commands: list[tuple[str, dict[str, object]]] = [
        ("show", {}),
        ("answer", {"text": "Leaked?"}),
        ("answer", {"text": "Leaked?", "add_to_faq": True}),
        ("answer", {}),  # the long form must not even open
        ("dismiss", {"reason": "not yours"}),
        ("reopen", {}),
    ]
    for sub, extra in commands:
        for qid in theirs:
            _, foreign = await mods.run(
                sub, {"id": str(qid)} | extra, user=mods.erin, guild=mods.other
            )
            _, missing = await mods.run(
                sub, {"id": str(unknown)} | extra, user=mods.erin, guild=mods.other
            )
            assert foreign.ephemeral
            assert foreign.content.replace(str(qid), "N") == missing.content.replace(
                str(unknown), "N"
            ), sub
            assert foreign.content == f"There is no question #{qid} here."
            assert foreign.embeds == missing.embeds == []
            assert foreign.files == missing.files == []
    unchanged(mods, [q for q in before if q is not None])
    # Nobody in the first server was told anything, nor by DM; no FAQ entry appeared.
    assert len(mods.bot_messages(mods.world.general)) == 1  # bob's own answer notice
    assert not mods.bot_messages(mods.double.dm_channel(mods.world.alice))
    assert mods.store.list_faq(Scope.moderator(mods.guild.id)) == []


async def test_list_filters_and_pages_show_only_their_own_server(
    mods: Mods, logged: Logged
) -> None:
    first_ids = {q.id for q in logged.first}
    other_ids = {q.id for q in logged.other}
    for options in (
        {},
        {"asker": mods.world.alice},
        {"text": "pizza"},
        {"flagged": True},
        {"status": "answered"},
        {"since": "all"},
    ):
        _, message = await mods.run("list", options, user=mods.erin, guild=mods.other)
        body = text_of(message)
        assert not {qid for qid in first_ids if f"#{qid} ·" in body}, options
        assert "Questions in Other Readers" in body
    _, message = await mods.run("list", {}, user=mods.erin, guild=mods.other)
    assert {qid for qid in other_ids if f"#{qid} ·" in text_of(message)} == other_ids
    # The same moderator commands from the first server list the first server only.
    _, message = await mods.run(
        "list", {"asker": mods.world.alice}, user=mods.world.bob, guild=mods.guild
    )
    assert {q for q in first_ids | other_ids if f"#{q} ·" in text_of(message)} == {
        logged.first[0].id,
        logged.first[1].id,
    }


async def test_pages_of_a_long_list_never_reach_the_other_server(
    mods: Mods, logged: Logged
) -> None:
    for n in range(10):
        await mods.ask(f"Pizza question {n} for the other server?", mods.dave, mods.other)
    _, message = await mods.run("list", user=mods.erin, guild=mods.other)
    seen = text_of(message)
    while "More results" in str(message.components) and not _disabled(message, "More results"):
        click = await mods.double.click(
            button(message, "More results"), message=message, user=mods.erin
        )
        await click.response()
        seen += text_of(message)
    assert "Page 2/2" in seen
    assert not [q.id for q in logged.first if f"#{q.id} ·" in seen]
    assert all(f"#{q.id} ·" in seen for q in logged.other)


def _disabled(message: object, label: str) -> bool:
    for row in getattr(message, "components", []):
        for component in row.get("components", []):
            if component.get("label") == label:
                return bool(component.get("disabled"))
    return True


async def test_autocomplete_never_suggests_another_servers_questions(
    mods: Mods, logged: Logged
) -> None:
    first_ids = {str(q.id) for q in logged.first}
    for sub in ("show", "answer", "dismiss", "reopen"):
        for typed in ["", "pizza", "nato", "What", *first_ids]:
            choices = await mods.choices(sub, "id", typed, user=mods.erin, guild=mods.other)
            assert not first_ids & {c["value"] for c in choices}, (sub, typed)
            assert not any("Naples" in c["name"] for c in choices)
    found = await mods.choices("show", "id", "pizza", user=mods.erin, guild=mods.other)
    assert [c["value"] for c in found] == [str(logged.other[0].id)]


async def test_exports_hold_only_their_own_server(mods: Mods, logged: Logged) -> None:
    _, message = await mods.run("export", {"format": "csv"}, user=mods.erin, guild=mods.other)
    rows = list(csv.DictReader(io.StringIO(message.files[0].data.decode("utf-8-sig"))))
    assert {int(r["id"]) for r in rows} == {q.id for q in logged.other}
    assert {r["guild_id"] for r in rows} == {str(mods.other.id)}
    assert message.files[0].filename.startswith(f"questions-guild-{mods.other.id}-")

    _, message = await mods.run(
        "export", {"format": "jsonl", "asker": mods.world.alice}, user=mods.erin, guild=mods.other
    )
    records = [json.loads(line) for line in message.files[0].data.splitlines()]
    assert [r["id"] for r in records] == [logged.other[0].id]

    _, message = await mods.run(
        "export", {"format": "jsonl", "status": "answered"}, user=mods.erin, guild=mods.other
    )
    assert not message.files  # the only answered question is the first server's


async def test_stats_count_only_their_own_server(mods: Mods, logged: Logged) -> None:
    _, message = await mods.run("stats", {"since": "all"}, user=mods.erin, guild=mods.other)
    embed = message.embeds[0]
    assert embed["description"].startswith("All time: **2** question(s)")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Answered by a moderator: 0" in fields["By status"]
    assert "Naples" not in fields.get("Most-asked unanswered themes", "")
    _, message = await mods.run("stats", {"since": "all"}, user=mods.world.bob, guild=mods.guild)
    assert message.embeds[0]["description"].startswith("All time: **3** question(s)")


async def test_forget_in_one_server_leaves_the_other_untouched(mods: Mods, logged: Logged) -> None:
    alice = mods.world.alice
    # alice's vote in the first server must survive a forget in the other.
    handle = await mods.double.slash(
        "ask", {"question": ANSWERED}, user=mods.frank, guild=mods.guild
    )
    answer = await handle.reply()
    await (await mods.double.click(f"geobot:fb:{handle.id}:1", message=answer, user=alice)).reply()

    _, message = await mods.run("forget", {"user": alice}, user=mods.erin, guild=mods.other)
    assert "asked 1 question(s) in Other Readers" in message.content
    click = await mods.double.click(button(message, "Delete"), message=message, user=mods.erin)
    await click.wait_until(lambda h: bool(h.edit_records), what="the outcome")
    assert "Deleted 1 question(s)" in message.content
    assert mods.question(logged.other[0].id) is None
    for question in logged.first[:2]:  # alice's in the first server
        assert mods.question(question.id) is not None
    assert len(mods.store.my_data(alice.id).feedback) == 1


async def test_a_moderator_here_is_an_ordinary_member_there(mods: Mods, logged: Logged) -> None:
    bob = mods.world.bob  # moderates the first server, reads in the other
    with pytest.raises(PermissionError):  # Discord hides it from him there
        await mods.double.slash("questions", {"list": {}}, user=bob, guild=mods.other)
    for sub, options in (
        ("list", {}),
        ("show", {"id": str(logged.other[0].id)}),
        ("export", {}),
        ("stats", {}),
        ("forget", {"user": mods.dave}),
    ):
        _, message = await mods.run(sub, options, user=bob, guild=mods.other, force=True)
        assert message.content == REFUSED, sub
    assert await mods.choices("show", "id", "", user=bob, guild=mods.other) == []
    # ...and the other server's moderator role means nothing in the first server.
    _, message = await mods.run("list", {}, user=mods.erin, guild=mods.other)
    assert message.content != REFUSED


async def test_settings_and_notices_stay_in_their_server(mods: Mods, logged: Logged) -> None:
    await mods.run(
        "settings",
        {"notify_channel": mods.world.mod_log, "retention_days": 7},
        user=mods.world.bob,
        guild=mods.guild,
    )
    await mods.ask(FLAGGED, mods.dave, mods.other)  # flagged, but in the other server
    await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    await mods.double.wait_until(lambda: bool(mods.bot_messages(mods.world.mod_log)))
    [notice] = mods.bot_messages(mods.world.mod_log)
    assert f"<@{mods.world.alice.id}>" in notice.content
    assert not mods.bot_messages(mods.other_mod_log)
    assert mods.store.get_guild_settings(Scope.moderator(mods.other.id)) is None


async def test_faq_entries_stay_in_their_server(mods: Mods, logged: Logged) -> None:
    bob = mods.world.bob
    await mods.run(
        "answer",
        {"id": str(logged.first[0].id), "text": "Margherita.", "add_to_faq": True},
        user=bob,
        guild=mods.guild,
    )
    [entry] = mods.store.list_faq(Scope.moderator(mods.guild.id))
    unknown = entry.id + 1000

    _, message = await mods.run("faq", {"list": {}}, user=mods.erin, guild=mods.other)
    assert "No FAQ entries yet" in text_of(message)
    for typed in ("", str(entry.id), "pizza", "margherita"):
        assert await faq_choices(mods, typed, mods.erin, mods.other) == []
    _, foreign = await mods.run(
        "faq", {"delete": {"id": str(entry.id)}}, user=mods.erin, guild=mods.other
    )
    _, missing = await mods.run(
        "faq", {"delete": {"id": str(unknown)}}, user=mods.erin, guild=mods.other
    )
    assert foreign.content == f"There is no FAQ entry #{entry.id} here."
    assert foreign.content.replace(str(entry.id), "N") == missing.content.replace(str(unknown), "N")
    assert mods.store.list_faq(Scope.moderator(mods.guild.id)) == [entry]
