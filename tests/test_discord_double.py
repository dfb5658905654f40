"""Self-tests for the local Discord API double (tests/discord_double).

A throwaway discord.py bot defined here (not geobot's) is driven end to end through
the double: it connects over the gateway, syncs its command tree over REST, and
answers injected interactions with the real library code paths.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from discord_double import (
    DiscordDouble,
    Overwrite,
    Perm,
    StoredMessage,
    UploadedFile,
    World,
    limits,
    point_discord_py_at,
    running_bot,
    spec,
)
from discord_double.fixtures import fail_on_problems

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["Strait of Hormuz", "Suez Canal", "Panama Canal", "Bosporus", "Strait of Malacca"]


class TestBot(commands.Bot):
    """The throwaway bot: a handful of app commands covering every interaction shape."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(command_prefix=commands.when_mentioned, **options)
        self.http_failures: list[int] = []
        self.modal_answers: list[str] = []
        add_commands(self)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before each non-initial IDENTIFY to respect Discord's
        # concurrency limit; the double has none.
        return None


class ShardedTestBot(commands.AutoShardedBot, TestBot):
    __test__ = False


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.name} voted yes", view=None
        )


class QuestionModal(discord.ui.Modal, title="Ask the editors"):
    question: discord.ui.TextInput[QuestionModal] = discord.ui.TextInput(
        label="Question", custom_id="modal:question"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, TestBot)
        client.modal_answers.append(self.question.value)
        await interaction.response.send_message("Thanks, noted.", ephemeral=True)


async def topic_complete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=t, value=t.lower()) for t in TOPICS if current.lower() in t.lower()
    ]


async def too_many_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name="n" * 101, value=f"v{i}" + "v" * 100) for i in range(26)]


def bad_embeds(kind: str) -> list[discord.Embed]:
    if kind == "title":
        return [discord.Embed(title="t" * 257)]
    if kind == "description":
        return [discord.Embed(description="d" * 4097)]
    if kind == "fields":
        embed = discord.Embed(title="many")
        for i in range(26):
            embed.add_field(name=f"f{i}", value="v")
        return [embed]
    if kind == "field":
        return [discord.Embed().add_field(name="n" * 257, value="v" * 1025)]
    if kind == "footer":
        return [discord.Embed(title="x").set_footer(text="f" * 2049).set_author(name="a" * 257)]
    if kind == "total":
        # Each embed is within every per-field limit; together they exceed 6000.
        return [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)]
    raise ValueError(kind)


def add_commands(bot: TestBot) -> None:
    tree = bot.tree

    @tree.command(description="Ask a question about the articles")
    @app_commands.describe(question="What you want to know")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        where = "DM" if interaction.guild is None else interaction.guild.name
        embed = discord.Embed(title="Answer", description=f"You asked: {question}")
        embed.add_field(name="Where", value=where)
        embed.set_footer(text=f"locale {interaction.locale.value}")
        await interaction.response.send_message(embed=embed)

    @tree.command(description="Think first, then answer")
    async def slow(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0)
        await interaction.followup.send(f"Thought hard about {question}")
        await interaction.followup.send("And one more thing.")

    @tree.command(description="Pick a topic")
    @app_commands.autocomplete(topic=topic_complete)
    async def topic(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"Topic: {topic}")

    @tree.command(description="Vote on something")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Cast your vote", view=VoteView())

    @tree.command(description="Ask the editors privately")
    async def editors(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(QuestionModal())

    @tree.command(description="Attach a note")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Here is the note", file=discord.File(io.BytesIO(b"hello from the bot"), "note.txt")
        )

    @tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_messages=True)
    @app_commands.guild_only()
    async def purge(interaction: discord.Interaction) -> None:
        perms = interaction.permissions
        await interaction.response.send_message(
            f"manage_messages={perms.manage_messages}", ephemeral=True
        )

    @tree.context_menu(name="Ask geobot")
    async def ask_about(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(
            f"About {message.author.name}: {message.content}", ephemeral=True
        )

    questions = app_commands.Group(name="questions", description="Reader questions")
    mod = app_commands.Group(name="mod", description="Moderate questions", parent=questions)

    @questions.command(name="list", description="List questions")
    @app_commands.choices(
        status=[
            app_commands.Choice(name="open", value="open"),
            app_commands.Choice(name="closed", value="closed"),
        ]
    )
    async def list_questions(interaction: discord.Interaction, status: str) -> None:
        await interaction.response.send_message(f"Listing {status} questions")

    @mod.command(name="close", description="Close a question")
    async def close_question(
        interaction: discord.Interaction, question_id: int, reason: str | None = None
    ) -> None:
        await interaction.response.send_message(f"Closed #{question_id} ({reason or 'no reason'})")

    tree.add_command(questions)

    @tree.command(description="Misbehave on purpose")
    async def bad(interaction: discord.Interaction, what: str) -> None:
        if what == "silent":
            return
        if what == "late":
            await asyncio.sleep(0.3)
            await interaction.response.send_message("too late")
            return
        if what == "content":
            await interaction.response.send_message("x" * 2001)
            return
        if what == "everyone":
            await interaction.response.send_message(
                "@everyone read this", allowed_mentions=discord.AllowedMentions.all()
            )
            return
        if what == "ping":
            await interaction.response.send_message(
                f"Hey <@{interaction.user.id}> and <@&{interaction.guild_id}>"
            )
            return
        await interaction.response.defer()
        try:
            if what == "button":
                view = discord.ui.View()
                view.add_item(discord.ui.Button(label="L" * 81, custom_id="c" * 101))
                await interaction.followup.send("buttons", view=view)
            elif what == "schema":
                # A raw, malformed body: content must be a string, fields need a value.
                await interaction.client.http.request(
                    Route(
                        "POST", "/channels/{channel_id}/messages", channel_id=interaction.channel_id
                    ),
                    json={"content": 12345, "embeds": [{"fields": [{"name": "no value"}]}]},
                )
            elif what.startswith("embed:"):
                await interaction.followup.send(embeds=bad_embeds(what.removeprefix("embed:")))
            elif what == "edit":
                await interaction.edit_original_response(content="e" * 2001)
        except discord.HTTPException as exc:
            assert isinstance(interaction.client, TestBot)
            interaction.client.http_failures.append(exc.status)
            await interaction.followup.send("That did not work.")

    @tree.command(description="Autocomplete gone wrong")
    @app_commands.autocomplete(term=too_many_choices)
    async def badcomplete(interaction: discord.Interaction, term: str) -> None:
        await interaction.response.send_message(term)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
async def bot(discord_double: DiscordDouble, discord_world: World) -> AsyncIterator[TestBot]:
    async with running_bot(TestBot(), discord_double) as started:
        yield started


def kinds(violations: list[Any]) -> list[str]:
    return sorted({v.kind for v in violations})


# --------------------------------------------------------------------------- connection


async def test_bot_connects_and_sees_guild_with_resolved_permissions(
    discord_double: DiscordDouble, discord_world: World, start_bot: Any
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot: TestBot = await start_bot(TestBot(intents=intents))

    assert bot.user is not None
    assert bot.user.id == discord_double.application_id
    assert bot.application_id == discord_double.application_id
    identify = discord_double.identifies[-1]
    assert identify["token"] == discord_double.token
    assert identify["intents"] == intents.value

    guild = bot.get_guild(discord_world.guild.id)
    assert guild is not None
    assert not guild.unavailable
    assert guild.chunked
    assert {c.name for c in guild.text_channels} == {"general", "mod-log"}
    bob = guild.get_member(discord_world.bob.id)
    alice = guild.get_member(discord_world.alice.id)
    assert bob is not None
    assert alice is not None
    assert [r.name for r in bob.roles if not r.is_default()] == ["Moderator"]
    assert bob.guild_permissions.manage_messages
    assert not alice.guild_permissions.manage_messages
    mod_log = guild.get_channel(discord_world.mod_log.id)
    assert isinstance(mod_log, discord.TextChannel)
    assert not mod_log.permissions_for(alice).view_channel
    assert mod_log.permissions_for(bob).view_channel
    assert mod_log.permissions_for(guild.me).embed_links


async def test_guilds_are_cached_before_the_test_starts(
    discord_double: DiscordDouble, discord_world: World
) -> None:
    # With no grace period on_ready can fire before GUILD_CREATE is parsed; the runner
    # still hands over a bot that knows its guilds.
    async with running_bot(TestBot(), discord_double, guild_ready_timeout=0.0) as bot:
        assert bot.get_guild(discord_world.guild.id) is not None


async def test_login_with_wrong_token_fails(discord_double: DiscordDouble) -> None:
    with pytest.raises(discord.LoginFailure):
        async with running_bot(TestBot(), discord_double, token="not-the-token"):
            pass
    assert [e.status for e in discord_double.take_errors()] == [401]


# --------------------------------------------------------------------------- commands


async def test_command_sync_is_recorded_and_valid(
    discord_double: DiscordDouble, bot: TestBot
) -> None:
    [sync] = discord_double.command_syncs
    assert sync.guild_id is None
    assert {"ask", "slow", "topic", "vote", "questions", "Ask geobot"} <= set(sync.names)
    puts = discord_double.requests_to("PUT", "/applications/{application_id}/commands")
    assert len(puts) == 1
    assert puts[0].status == 200

    registered = {c["name"]: c for c in discord_double.commands[None]}
    assert registered["Ask geobot"]["type"] == 3
    group = registered["questions"]["options"]
    assert {o["name"]: o["type"] for o in group} == {"list": 1, "mod": 2}
    assert registered["purge"]["default_member_permissions"] == str(Perm.MANAGE_MESSAGES)

    fetched = await bot.tree.fetch_commands()
    assert {c.name for c in fetched} == set(registered)
    assert discord_double.violations == []


async def test_invalid_command_registration_is_rejected(
    discord_double: DiscordDouble, bot: TestBot
) -> None:
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.bulk_upsert_global_commands(
            discord_double.application_id,
            [{"name": "Bad Name", "description": "d" * 101, "type": 1}],
        )
    assert caught.value.status == 400
    assert caught.value.code == 50035
    found = discord_double.take_violations()
    assert kinds(found) == ["schema"]
    assert any("description" in v.detail and "maxLength 100" in v.detail for v in found)


# --------------------------------------------------------------------------- interactions


async def test_slash_command_round_trip_with_embed(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash(
        "ask",
        {"question": "Why does Hormuz matter?"},
        user=discord_world.alice,
        guild=discord_world.guild,
        locale="en-GB",
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 4
    assert handle.latency is not None
    assert handle.latency < 3
    assert handle.acked_in_time
    [embed] = callback.data["embeds"] if callback.data else []
    assert embed["title"] == "Answer"
    assert embed["description"] == "You asked: Why does Hormuz matter?"
    assert embed["fields"] == [{"name": "Where", "value": discord_world.guild.name, "inline": True}]
    assert embed["footer"]["text"] == "locale en-GB"
    message = await handle.original()
    assert message.channel is discord_world.general
    assert message.type == 20
    assert message.interaction_metadata
    assert message.interaction_metadata["name"] == "ask"
    payload = handle.payload
    assert payload["guild_id"] == str(discord_world.guild.id)
    assert "user" not in payload
    assert int(payload["member"]["permissions"]) & Perm.USE_APPLICATION_COMMANDS
    with_response = discord_double.requests_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert with_response[-1].query.get("with_response") in ("1", "true")


async def test_defer_then_followups(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash(
        "slow", {"question": "Suez"}, user=discord_world.bob, guild=discord_world.guild
    )
    callback = await handle.response()
    assert callback.type == 5
    assert callback.message is not None
    assert callback.message.loading is True
    followups = await handle.followups(count=2)
    assert [f.body["content"] for f in followups] == [
        "Thought hard about Suez",
        "And one more thing.",
    ]
    # Discord's documented quirk: the first followup after a defer fills the placeholder.
    assert followups[0].message is handle.original_message
    assert not followups[0].message.loading
    assert followups[1].message is not handle.original_message
    reply = await handle.reply()
    assert reply.content == "Thought hard about Suez"


async def test_subcommands_and_groups(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    listing = await discord_double.slash(
        "questions", {"list": {"status": "open"}}, guild=discord_world.guild
    )
    closing = await discord_double.slash(
        "questions",
        {"mod": {"close": {"question_id": 7, "reason": "answered"}}},
        guild=discord_world.guild,
    )
    assert (await listing.reply()).content == "Listing open questions"
    assert (await closing.reply()).content == "Closed #7 (answered)"
    with pytest.raises(ValueError, match="not one of its choices"):
        await discord_double.slash(
            "questions", {"list": {"status": "maybe"}}, guild=discord_world.guild
        )
    with pytest.raises(ValueError, match="requires"):
        await discord_double.slash("questions", {"mod": {"close": {}}}, guild=discord_world.guild)


async def test_autocomplete(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.autocomplete(
        "topic", {"topic": "strait"}, guild=discord_world.guild
    )
    callback = await handle.response()
    assert callback.type == 8
    assert handle.choices == [
        {"name": "Strait of Hormuz", "value": "strait of hormuz"},
        {"name": "Strait of Malacca", "value": "strait of malacca"},
    ]
    options = handle.payload["data"]["options"]
    assert options == [{"type": 3, "name": "topic", "value": "strait", "focused": True}]


async def test_button_click_reaches_the_view(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash("vote", guild=discord_world.guild)
    message = await handle.original()
    assert message.custom_ids() == ["vote:yes"]
    click = await discord_double.click("vote:yes", message=message, user=discord_world.bob)
    callback = await click.response()
    assert click.payload["data"] == {"custom_id": "vote:yes", "component_type": 2}
    assert click.payload["message"]["id"] == str(message.id)
    assert callback.type == 7
    assert message.content == "bob voted yes"
    assert message.components == []
    with pytest.raises(LookupError):
        await discord_double.click("vote:yes", message=message)


async def test_message_context_menu(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    posted = await discord_double.user_message(
        discord_world.alice, discord_world.general, "Is the canal open again?"
    )
    handle = await discord_double.context_menu("Ask geobot", message=posted, user=discord_world.bob)
    callback = await handle.response()
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["content"] == "About alice: Is the canal open again?"
    assert callback.message is not None
    assert callback.message.ephemeral
    data = handle.payload["data"]
    assert data["type"] == 3
    assert data["target_id"] == str(posted.id)
    assert str(posted.id) in data["resolved"]["messages"]


async def test_dm_interaction_has_user_and_no_guild(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash("ask", {"question": "Hello?"}, user=discord_world.carol)
    callback = await handle.response()
    assert callback.data is not None
    assert callback.data["embeds"][0]["fields"][0]["value"] == "DM"
    payload = handle.payload
    assert "guild_id" not in payload
    assert "member" not in payload
    assert payload["user"]["id"] == str(discord_world.carol.id)
    assert payload["context"] == 1
    message = await handle.original()
    assert message.channel.is_dm
    assert message.channel.recipient is discord_world.carol
    with pytest.raises(PermissionError):
        await discord_double.slash("purge", user=discord_world.carol)


async def test_default_member_permissions_gate_the_command(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    with pytest.raises(PermissionError, match="default_member_permissions"):
        await discord_double.slash("purge", user=discord_world.alice, guild=discord_world.guild)
    handle = await discord_double.slash("purge", user=discord_world.bob, guild=discord_world.guild)
    assert (await handle.reply()).content == "manage_messages=True"


async def test_modal_round_trip(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    opened = await discord_double.slash("editors", guild=discord_world.guild)
    assert (await opened.response()).type == 9
    submitted = await discord_double.submit_modal(
        opened, {"modal:question": "Who funds the canal?"}
    )
    assert (await submitted.reply()).content == "Thanks, noted."
    assert bot.modal_answers == ["Who funds the canal?"]


async def test_multipart_attachment_is_validated_and_recorded(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash("note", guild=discord_world.guild)
    callback = await handle.response()
    [upload] = callback.files
    assert (upload.field, upload.filename, upload.data) == (
        "files[0]",
        "note.txt",
        b"hello from the bot",
    )
    assert callback.data is not None
    assert callback.data["attachments"] == [{"id": 0, "filename": "note.txt"}]
    [attachment] = (await handle.original()).attachments
    assert attachment["filename"] == "note.txt"
    assert attachment["size"] == len(upload.data)
    request = discord_double.requests_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )[-1]
    assert request.content_type == "multipart/form-data"
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as resp:
        assert await resp.read() == b"hello from the bot"


async def test_fifty_interactions_at_once_are_all_answered_in_time(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handles = await asyncio.gather(
        *(
            discord_double.slash("ask", {"question": f"q{i}"}, guild=discord_world.guild)
            for i in range(50)
        )
    )
    callbacks = await asyncio.gather(*(h.response(timeout=3) for h in handles))
    assert len({h.id for h in handles}) == 50
    assert all(cb.type == 4 for cb in callbacks)
    assert all(h.acked_in_time and h.latency is not None and h.latency < 3 for h in handles)
    described = sorted(cb.data["embeds"][0]["description"] for cb in callbacks if cb.data)
    assert described == sorted(f"You asked: q{i}" for i in range(50))


# --------------------------------------------------------------------------- violations


async def run_bad(double: DiscordDouble, world: World, what: str) -> None:
    handle = await double.slash("bad", {"what": what}, guild=world.guild)
    await handle.response()
    await handle.wait_until(lambda h: len(h.followup_records) >= 1, what="a fallback followup")


@pytest.mark.parametrize(
    ("what", "needle"),
    [
        ("embed:title", "embeds[0].title is 257 chars"),
        ("embed:description", "embeds[0].description is 4097 chars"),
        ("embed:fields", "embeds[0] has 26 fields"),
        ("embed:field", "fields[0].value is 1025 chars"),
        ("embed:footer", "embeds[0].footer.text is 2049 chars"),
        ("embed:total", "embeds total 6001 chars"),
        ("button", "custom_id is 101 chars"),
    ],
)
async def test_each_limit_check_fires_and_is_rejected(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot, what: str, needle: str
) -> None:
    await run_bad(discord_double, discord_world, what)
    found = discord_double.take_violations()
    assert "limits" in kinds(found)
    assert any(needle in v.detail for v in found), [str(v) for v in found]
    assert bot.http_failures == [400]


async def test_more_limit_checks_fire(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    await run_bad(discord_double, discord_world, "embed:field")
    await run_bad(discord_double, discord_world, "embed:footer")
    await run_bad(discord_double, discord_world, "button")
    details = " | ".join(v.detail for v in discord_double.take_violations())
    for needle in ("fields[0].name is 257 chars", "author.name is 257 chars", "label is 81 chars"):
        assert needle in details


async def test_too_long_content_is_flagged(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    discord_double.ack_deadline = 0.3
    handle = await discord_double.slash("bad", {"what": "content"}, guild=discord_world.guild)
    await discord_double.settle()
    assert handle.callback is None
    found = discord_double.take_violations()
    assert kinds(found) == ["limits", "schema", "unacknowledged"]
    assert any("content is 2001 chars (limit 2000)" in v.detail for v in found)
    assert any(
        ".data.content: string of length 2001 violates maxLength 2000" in v.detail for v in found
    )


async def test_edit_over_limit_is_flagged(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    await run_bad(discord_double, discord_world, "edit")
    found = discord_double.take_violations()
    assert any(v.where.startswith("PATCH") and "content" in v.detail for v in found)


async def test_too_many_embeds_and_rows_via_raw_bodies(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    # discord.py itself refuses >10 embeds and >5 rows, so send raw bodies through the
    # bot's own HTTP client: the double must still catch them.
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=discord_world.general.id)
    rows = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "custom_id": f"b{r}{i}", "label": "b"} for i in range(6)
            ],
        }
        for r in range(6)
    ]
    for body in (
        {"embeds": [{"title": str(i)} for i in range(11)], "allowed_mentions": {"parse": []}},
        {"content": "rows", "components": rows, "allowed_mentions": {"parse": []}},
    ):
        with pytest.raises(discord.HTTPException):
            await bot.http.request(route, json=body)
    details = " | ".join(v.detail for v in discord_double.take_violations())
    assert "11 embeds exceed the limit of 10" in details
    assert "6 action rows (limit 5)" in details
    assert "holds 6 components (limit 5)" in details


async def test_autocomplete_limits_fire(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    discord_double.ack_deadline = 0.3
    await discord_double.autocomplete("badcomplete", {"term": "x"}, guild=discord_world.guild)
    await discord_double.settle()
    details = " | ".join(v.detail for v in discord_double.take_violations())
    assert "26 autocomplete choices (limit 25)" in details
    assert "choices[0].name is 101 chars (must be 1..100)" in details
    assert "choices[0].value is 102 chars (limit 100)" in details


async def test_mention_without_allowed_mentions_is_flagged(
    discord_double: DiscordDouble, discord_world: World
) -> None:
    # A bot with no client-wide allowed_mentions sends bodies without the field at all.
    async with running_bot(TestBot(allowed_mentions=None), discord_double):
        handle = await discord_double.slash("bad", {"what": "ping"}, guild=discord_world.guild)
        await handle.response()
    [violation] = discord_double.take_violations()
    assert violation.kind == "mentions"
    assert "no allowed_mentions" in violation.detail
    assert violation.interaction_id == handle.id


async def test_mention_parsing_everyone_is_flagged(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash("bad", {"what": "everyone"}, guild=discord_world.guild)
    await handle.response()
    details = sorted(v.detail for v in discord_double.take_violations())
    assert len(details) == 3
    assert all("allowed_mentions.parse includes" in d for d in details)


def test_safe_mentions_are_fine() -> None:
    body = {"content": "<@1> hi", "allowed_mentions": {"parse": [], "users": [1]}}
    assert limits.check_mentions(body) == []
    assert limits.check_mentions({"content": "no pings here"}) == []
    assert limits.check_mentions({"embeds": [{"description": "@here"}]}) != []


async def test_late_ack_is_flagged(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    discord_double.ack_deadline = 0.1
    handle = await discord_double.slash("bad", {"what": "late"}, guild=discord_world.guild)
    await handle.wait_until(lambda h: h.expired, timeout=3, what="the late callback")
    [violation] = discord_double.take_violations()
    assert violation.kind == "late_ack"
    assert "acknowledged after" in violation.detail
    assert handle.acked_in_time is False
    assert handle.callback is None


async def test_unacknowledged_interaction_is_flagged(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    discord_double.ack_deadline = 0.1
    await discord_double.slash("bad", {"what": "silent"}, guild=discord_world.guild)
    await discord_double.settle()
    [violation] = discord_double.take_violations()
    assert violation.kind == "unacknowledged"


async def test_schema_invalid_body_is_caught(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    await run_bad(discord_double, discord_world, "schema")
    found = discord_double.take_violations()
    assert kinds(found) == ["schema"]
    details = " | ".join(v.detail for v in found)
    assert ".content: 12345 is not of type 'string', 'null'" in details
    assert "'value' is a required property" in details
    assert bot.http_failures == [400]


async def test_invalid_callback_type_and_double_ack(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    handle = await discord_double.slash("bad", {"what": "silent"}, guild=discord_world.guild)
    url = f"{discord_double.rest_base}/interactions/{handle.id}/{handle.token}/callback"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 8, "data": {"choices": []}}) as resp:
            assert resp.status == 400
        async with session.post(url, json={"type": 5}) as resp:
            assert resp.status == 204
        async with session.post(url, json={"type": 5}) as resp:
            assert resp.status == 400
            assert (await resp.json())["code"] == 40060
        async with session.get(f"{discord_double.rest_base}/nowhere") as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
    assert kinds(discord_double.take_violations()) == ["interaction"]
    assert sorted(e.code for e in discord_double.take_errors()) == [0, 40060]


async def test_unknown_route_and_missing_permissions_are_errors(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(
            Route("GET", "/applications/{app}/nothing-here", app=bot.application_id)
        )
    secret = discord_double.add_text_channel(
        discord_world.guild,
        "staff-only",
        overwrites=[Overwrite.for_role(discord_world.guild.everyone, deny=Perm.VIEW_CHANNEL)],
    )
    channel = bot.get_partial_messageable(secret.id, guild_id=discord_world.guild.id)
    with pytest.raises(discord.Forbidden):
        await channel.send("hello")
    errors = discord_double.take_errors()
    assert [(e.status, e.code) for e in errors] == [(404, 0), (403, 50001)]


# --------------------------------------------------------------------------- gateway details


async def test_channel_messages_and_dms(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    channel = bot.get_channel(discord_world.general.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Weekly digest", embed=discord.Embed(title="Digest"))
    stored = discord_double.messages[sent.id]
    assert stored.content == "Weekly digest"
    assert stored.embeds[0]["title"] == "Digest"
    carol = await bot.fetch_user(discord_world.carol.id)
    dm = await carol.send("Your question was answered.")
    assert discord_double.messages[dm.id].channel.recipient is discord_world.carol
    edited = await sent.edit(content="Weekly digest (updated)")
    assert edited.content == stored.content == "Weekly digest (updated)"
    assert discord_double.violations == []


async def test_message_content_intent_is_respected(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    seen: list[str] = []
    arrived = asyncio.Event()

    async def on_message(message: discord.Message) -> None:
        if message.author.id == discord_world.alice.id:
            seen.append(message.content)
            if len(seen) == 2:
                arrived.set()

    bot.add_listener(on_message)
    await discord_double.user_message(discord_world.alice, discord_world.general, "just chatting")
    await discord_double.user_message(
        discord_world.alice, discord_world.general, f"<@{bot.application_id}> what is new?"
    )
    await asyncio.wait_for(arrived.wait(), 5)
    # Without the privileged intent only messages that mention the bot keep their content.
    assert seen == ["", f"<@{bot.application_id}> what is new?"]


async def test_resume_after_reconnect_request(
    discord_double: DiscordDouble, discord_world: World, bot: TestBot
) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    session = await discord_double.reconnect()
    await asyncio.wait_for(resumed.wait(), 10)
    assert session.resumes == 1
    assert len(discord_double.identifies) == 1
    handle = await discord_double.slash(
        "ask", {"question": "still there?"}, guild=discord_world.guild
    )
    assert (await handle.response()).type == 4


async def test_zlib_stream_frames(discord_double: DiscordDouble, discord_world: World) -> None:
    discord_double.compress_gateway = True
    async with running_bot(TestBot(), discord_double) as bot:
        assert bot.get_guild(discord_world.guild.id) is not None
        handle = await discord_double.slash(
            "ask", {"question": "compressed?"}, guild=discord_world.guild
        )
        assert (await handle.response()).type == 4
    assert discord_double.gateway_frames["binary"] > 0
    assert discord_double.gateway_frames["text"] == 0


async def test_auto_sharded_bot_uses_gateway_bot(
    discord_double: DiscordDouble, discord_world: World
) -> None:
    discord_double.shard_count = 2
    # Pick ids whose shard ((id >> 22) % 2) differs from the default guild's.
    other_shard = 1 - ((discord_world.guild.id >> 22) % 2)
    ms = (discord_double.new_id() >> 22) + 1
    ms += (ms % 2) != other_shard
    other = discord_double.add_guild("Second Guild", guild_id=ms << 22)
    discord_double.add_text_channel(other, "general")
    other.add_member(discord_world.alice)
    async with running_bot(ShardedTestBot(), discord_double) as bot:
        assert bot.shard_count == 2
        assert {g.id for g in bot.guilds} == {discord_world.guild.id, other.id}
        assert {g.shard_id for g in bot.guilds} == {0, 1}
        assert discord_double.requests_to("GET", "/gateway/bot")
        for guild in (discord_world.guild, other):
            handle = await discord_double.slash("ask", {"question": "shard?"}, guild=guild)
            assert (await handle.response()).type == 4
    assert sorted(i["shard"] for i in discord_double.identifies) == [[0, 2], [1, 2]]


# --------------------------------------------------------------------------- other processes


async def test_point_discord_py_at_patches_and_restores() -> None:
    import yarl
    from discord.gateway import DiscordWebSocket

    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    restore = point_discord_py_at("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/")
    try:
        assert Route("GET", "/gateway").url == "http://127.0.0.1:9/api/v10/gateway"
        assert yarl.URL("ws://127.0.0.1:9/") == DiscordWebSocket.DEFAULT_GATEWAY
    finally:
        restore()
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


SUBPROCESS_BOT = textwrap.dedent(
    """
    import asyncio, os
    import discord
    from discord_double import point_discord_py_from_env

    assert point_discord_py_from_env()

    class Bot(discord.Client):
        def __init__(self):
            super().__init__(
                intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none()
            )
            self.tree = discord.app_commands.CommandTree(self)

            @self.tree.command(description="ping")
            async def ping(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("pong from another process")

        async def setup_hook(self):
            await self.tree.sync()

    asyncio.run(Bot().start(os.environ["DISCORD_TOKEN"]))
    """
)


async def test_bot_in_another_process_via_env_vars(
    discord_double: DiscordDouble, discord_world: World
) -> None:
    env = {**os.environ, **discord_double.env(), "PYTHONPATH": str(Path(__file__).parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SUBPROCESS_BOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    failure: Exception | None = None
    try:
        await discord_double.wait_for_commands(["ping"], timeout=15)
        await discord_double.wait_until(
            lambda: bool(discord_double.sessions), timeout=10, what="IDENTIFY"
        )
        handle = await discord_double.slash("ping", guild=discord_world.guild)
        assert (await handle.reply(timeout=15)).content == "pong from another process"
    except Exception as exc:
        failure = exc
    finally:
        proc.terminate()
        _, stderr = await proc.communicate()
    if failure is not None:
        raise AssertionError(f"bot process stderr:\n{stderr.decode()[-4000:]}") from failure


async def test_standalone_server_prints_its_urls() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.discord_double",
        "--port",
        "0",
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        deadline = time.monotonic() + 15
        while "DISCORD_TOKEN" not in lines and time.monotonic() < deadline:
            line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode().strip()
            if "=" in line:
                key, value = line.split("=", 1)
                lines[key] = value
        base = lines["GEOBOT_DISCORD_API_BASE"]
        assert lines["GEOBOT_DISCORD_GATEWAY"].startswith("ws://127.0.0.1:")
        headers = {"Authorization": f"Bot {lines['DISCORD_TOKEN']}"}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/gateway/bot", headers=headers) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"] == "application/json"
                assert (await resp.json())["url"] == lines["GEOBOT_DISCORD_GATEWAY"]
            control = base.replace("/api/v10", "/_double")
            async with session.get(f"{control}/state") as resp:
                state = json.loads(await resp.text())
            guild = state["guilds"][0]
            assert guild["name"] == "Geopolitics Readers"
            assert state["sessions"] == 0
            alice = next(m["id"] for m in guild["members"] if m["username"] == "alice")
            inject = {"name": "ask", "user_id": alice, "guild_id": guild["id"]}
            async with session.post(f"{control}/slash", json=inject) as resp:
                # No bot has synced or connected yet, and the double says so.
                assert resp.status == 400
                assert "no registered command 'ask'" in (await resp.json())["message"]
    finally:
        proc.terminate()
        await proc.communicate()


# --------------------------------------------------------------------------- unit checks


def test_spec_lookup_prefers_literal_segments() -> None:
    op = spec.find_operation("PATCH", "/webhooks/1/tok/messages/@original")
    assert op is not None
    assert op.operation_id == "update_original_webhook_message"
    op = spec.find_operation("PATCH", "/webhooks/1/tok/messages/99")
    assert op is not None
    assert op.operation_id == "update_webhook_message"
    # Integers are accepted as snowflakes, as Discord does.
    assert (
        spec.validate_body(
            "POST", "/channels/1/messages", {"content": "x", "allowed_mentions": {"users": [1]}}
        )
        == []
    )


def test_teardown_check_fails_the_test_on_leftover_problems() -> None:
    double = DiscordDouble()
    fail_on_problems(double)  # nothing recorded: no failure
    double.violate("limits", "POST /channels/{channel_id}/messages", "content is 2001 chars")
    with pytest.raises(pytest.fail.Exception, match="content is 2001 chars"):
        fail_on_problems(double)
    double.take_violations()
    fail_on_problems(double)


def test_stored_message_helpers() -> None:
    from discord_double.models import Channel, User

    message = StoredMessage(
        1,
        Channel(2, "c"),
        User(3, "u"),
        components=[{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "a"}]}],
    )
    assert message.custom_ids() == ["a"]
    assert message.find_component("b") is None
    assert UploadedFile("files[0]", "n.txt", b"x", None).data == b"x"
