"""The moderators' side, end to end: the real bot, the Discord double, a real SQLite log.

Questions are logged through the real /ask; moderators then drive /questions as Discord
would send it. The fixtures here (a second server with its own moderator, a member with
only the configured moderator role, bot admins) are shared with the isolation and privacy
modules.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from discord_double import (
    Channel,
    DiscordDouble,
    Guild,
    InteractionHandle,
    Overwrite,
    Perm,
    Role,
    StoredMessage,
    User,
    World,
)
from geobot.bot.client import GeobotBot
from geobot.bot.cogs import moderators
from geobot.library import Library
from geobot.questions.db import upgrade
from geobot.questions.models import Question
from geobot.questions.store import QuestionStore, Scope
from geobot.questions.writer import NewQuestion, QuestionLog
from geobot.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"

FLAGGED = "What is the best pizza recipe in Naples?"  # nothing in the articles answers it
ANSWERED = "What did Senator Mike Lee say about NATO?"  # the articles answer it

REFUSED = moderators.NOT_A_MODERATOR
EPHEMERAL = 1 << 6


# --- the world and the bot -----------------------------------------------------------------


@dataclass
class Mods:
    double: DiscordDouble
    world: World
    bot: GeobotBot
    store: QuestionStore
    other: Guild  # a second server, with its own moderators and questions
    other_general: Channel
    other_mod_log: Channel
    erin: User  # moderator (Manage Messages) of the other server only
    dave: User  # an ordinary member of the other server
    frank: User  # first server: only the "Helpers" role, which has no permissions
    helpers: Role

    @property
    def guild(self) -> Guild:
        return self.world.guild

    async def ask(
        self, question: str, user: User, guild: Guild | None = None, channel: Channel | None = None
    ) -> Question:
        """Ask through the real /ask (guild None and no channel: a DM); the logged row."""
        handle = await self.double.slash(
            "ask", {"question": question}, user=user, guild=guild, channel=channel
        )
        await handle.reply()
        rows = self.store.list_questions(Scope.operator(), limit=500).items
        return next(q for q in rows if q.interaction_id == handle.id)

    async def log_old(self, text: str, user: User, guild: Guild | None, days: int) -> Question:
        """A question asked ``days`` ago, through the real writer (Discord can't backdate)."""
        assert self.bot.question_log is not None
        channel = self.double.dm_channel(user) if guild is None else guild.text_channels()[0]
        recorded = await self.bot.question_log.record(
            NewQuestion(
                interaction_id=None,
                guild_id=guild.id if guild else None,
                channel_id=channel.id,
                user_id=user.id,
                text=text,
                command="ask",
                results=[],
                answered=False,
                asked_at=datetime.now(UTC) - timedelta(days=days),
            )
        )
        assert recorded.id is not None
        question = self.store.get_question(Scope.operator(), recorded.id)
        assert question is not None
        return question

    async def run(
        self,
        sub: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: User,
        guild: Guild | None = None,
        force: bool = False,
    ) -> tuple[InteractionHandle, StoredMessage]:
        """/questions <sub> as ``user``; the reply they read. ``force`` stands for a server
        whose admins let everyone see the command (Server Settings → Integrations)."""
        handle = await self.double.slash(
            "questions", {sub: dict(options or {})}, user=user, guild=guild, force=force
        )
        return handle, await final(handle)

    async def choices(
        self, sub: str, option: str, typed: str, *, user: User, guild: Guild | None = None
    ) -> list[dict[str, Any]]:
        handle = await self.double.autocomplete(
            "questions", {sub: {option: typed}}, user=user, guild=guild
        )
        callback = await handle.response()
        assert callback.type == 8
        return handle.choices

    def question(self, question_id: int | None) -> Question | None:
        assert question_id is not None
        return self.store.get_question(Scope.operator(), question_id)

    def bot_messages(self, channel: Channel) -> list[StoredMessage]:
        """What the bot posted in ``channel`` on its own (not interaction responses)."""
        return [
            m
            for m in self.double.messages.values()
            if m.channel is channel
            and m.author.id == self.double.bot_user.id
            and m.interaction_metadata is None
            and not m.deleted
        ]


async def final(handle: InteractionHandle) -> StoredMessage:
    """The message the user ends up reading: not a 'thinking…' placeholder, not deleted."""

    def visible(h: InteractionHandle) -> bool:
        return any(not m.loading and not m.deleted for m in h.messages)

    await handle.wait_until(visible, what="a visible reply")
    return [m for m in handle.messages if not m.loading and not m.deleted][-1]


async def eventually(predicate: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    """Poll for a condition on the bot's own state (the double only signals its own)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def faq_choices(
    mods: Mods, typed: str, user: User, guild: Guild | None = None
) -> list[dict[str, Any]]:
    handle = await mods.double.autocomplete(
        "questions", {"faq": {"delete": {"id": typed}}}, user=user, guild=guild
    )
    await handle.response()
    return handle.choices


def button(message: StoredMessage, label: str) -> str:
    """The custom_id of the button labelled ``label`` on ``message``."""
    for row in message.components:
        for component in row.get("components", []):
            if component.get("label") == label:
                return str(component["custom_id"])
    raise LookupError(f"no button {label!r} on the message")


def text_of(message: StoredMessage) -> str:
    """Content and embed text together, for assertions about what a reader sees."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


@pytest.fixture
def mods_settings(tmp_path: Path, discord_world: World) -> Settings:
    return Settings(
        DISCORD_TOKEN="test-token",
        DATABASE_URL=f"sqlite:///{tmp_path / 'geobot.db'}",
        GEOBOT_DATA=str(DATA),
        GEOBOT_STATE_DIR=str(tmp_path / "state"),
        # Many questions per test; the cooldown is the readers' concern.
        GEOBOT_ASK_RATE=1000,
        GEOBOT_ASK_COOLDOWN=1,
        # carol shares no server with the bot: a bot admin who only ever uses DMs.
        GEOBOT_ADMIN_IDS=str(discord_world.carol.id),
    )


@pytest.fixture
def library() -> Library:
    return Library.load(DATA)


@pytest.fixture
async def mods(
    discord_double: DiscordDouble,
    discord_world: World,
    start_bot: Callable[..., Awaitable[Any]],
    mods_settings: Settings,
    library: Library,
) -> AsyncIterator[Mods]:
    double, world = discord_double, discord_world
    # The world is complete before the bot connects: guilds go out at IDENTIFY.
    helpers = world.guild.add_role("Helpers")
    frank = double.add_user("frank")
    world.guild.add_member(frank, [helpers])
    other = double.add_guild("Other Readers")
    other_mods = other.add_role("Moderator", Perm.MANAGE_MESSAGES)
    bot_role = next(r for r in other.roles if r.managed)
    other_general = double.add_text_channel(other, "general")
    other_mod_log = double.add_text_channel(
        other,
        "mod-log",
        overwrites=[
            Overwrite.for_role(other.everyone, deny=Perm.VIEW_CHANNEL),
            Overwrite.for_role(other_mods, allow=Perm.VIEW_CHANNEL),
            Overwrite.for_role(bot_role, allow=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES),
        ],
    )
    erin, dave = double.add_user("erin"), double.add_user("dave")
    other.add_member(erin, [other_mods])
    other.add_member(dave)
    other.add_member(world.alice)  # alice reads in both servers
    other.add_member(world.bob)  # bob moderates the first server only

    upgrade(mods_settings.database_url)
    store = QuestionStore(mods_settings.database_url)
    question_log = QuestionLog(
        mods_settings.database_url, spool_path=mods_settings.state_dir / "spool.jsonl"
    )
    bot = await start_bot(GeobotBot(mods_settings, library, question_log, store=store))
    try:
        yield Mods(
            double,
            world,
            bot,
            store,
            other,
            other_general,
            other_mod_log,
            erin,
            dave,
            frank,
            helpers,
        )
    finally:
        store.close()


# --- the command and who may use it ----------------------------------------------------------


async def test_the_group_is_hidden_from_members_without_manage_messages(mods: Mods) -> None:
    command = mods.double.find_command("questions", 1, None)
    assert int(command["default_member_permissions"]) == Perm.MANAGE_MESSAGES
    assert sorted(command["contexts"]) == [0, 1]  # servers, and the bot's DMs for bot admins
    assert command["integration_types"] == [0]
    subcommands = {o["name"] for o in command["options"]}
    assert subcommands == {
        "list",
        "show",
        "answer",
        "dismiss",
        "reopen",
        "stats",
        "export",
        "settings",
        "forget",
        "faq",
    }
    with pytest.raises(PermissionError):
        await mods.double.slash("questions", {"list": {}}, user=mods.world.alice, guild=mods.guild)


EVERY_COMMAND: list[tuple[str, dict[str, Any]]] = [
    ("list", {}),
    ("list", {"status": "open", "flagged": True, "since": "7d", "text": "pizza"}),
    ("show", {"id": "ID"}),
    ("answer", {"id": "ID", "text": "An answer", "add_to_faq": True}),
    ("answer", {"id": "ID"}),  # the long form
    ("dismiss", {"id": "ID", "reason": "spam"}),
    ("reopen", {"id": "ID"}),
    ("stats", {}),
    ("export", {"format": "jsonl"}),
    ("forget", {"user": "ASKER"}),
    ("faq", {"list": {}}),
    ("faq", {"delete": {"id": "FAQ"}}),
]


async def test_every_command_refuses_a_member_who_is_not_a_moderator(mods: Mods) -> None:
    alice = mods.world.alice
    question = await mods.ask(FLAGGED, alice, mods.guild)
    entry = mods.store.add_faq(
        Scope.moderator(mods.guild.id), "Best pizza?", "Margherita.", mods.world.bob.id
    )

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return (
            {"ID": str(question.id), "FAQ": str(entry.id), "ASKER": alice}.get(value, value)
            if isinstance(value, str)
            else value
        )

    for sub, options in EVERY_COMMAND:
        filled = fill(options)
        # frank has a role, just not one that counts: the configured role is unset. force:
        # the server's admins let everyone see /questions (Server Settings → Integrations).
        handle, message = await mods.run(sub, filled, user=mods.frank, guild=mods.guild, force=True)
        assert message.ephemeral, sub
        assert message.content == REFUSED, sub
        assert handle.callback is not None, sub
        assert handle.callback.type == 4, sub  # a message: no form, no "thinking…"
    after = mods.question(question.id)
    assert after is not None
    assert after.status == "open"
    assert after.answer_text is None
    assert mods.store.list_faq(Scope.moderator(mods.guild.id)) == [entry]
    assert not mods.bot_messages(mods.world.general)  # nobody was told anything


async def test_autocomplete_offers_nothing_to_a_member_who_is_not_a_moderator(mods: Mods) -> None:
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    for sub in ("show", "answer", "dismiss", "reopen"):
        for typed in ("", str(question.id), "pizza"):
            for user in (mods.frank, mods.world.alice):
                assert await mods.choices(sub, "id", typed, user=user, guild=mods.guild) == []
        # The same typing as a moderator does find it: the emptiness above is the check.
        found = await mods.choices(sub, "id", "pizza", user=mods.world.bob, guild=mods.guild)
        assert [c["value"] for c in found] == [str(question.id)]
    entry = mods.store.add_faq(
        Scope.moderator(mods.guild.id), "Best pizza?", "Margherita.", mods.world.bob.id
    )
    for user, expected in (
        (mods.frank, []),
        (mods.world.alice, []),
        (mods.world.bob, [str(entry.id)]),
    ):
        assert [c["value"] for c in await faq_choices(mods, "pizza", user, mods.guild)] == expected


async def test_the_configured_moderator_role_is_enough(mods: Mods) -> None:
    bob, frank = mods.world.bob, mods.frank
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    _, message = await mods.run("list", user=frank, guild=mods.guild, force=True)
    assert message.content == REFUSED

    _, message = await mods.run(
        "settings", {"moderator_role": mods.helpers}, user=bob, guild=mods.guild
    )
    assert f"<@&{mods.helpers.id}>" in text_of(message)

    _, message = await mods.run("list", user=frank, guild=mods.guild, force=True)
    assert FLAGGED in text_of(message)
    choices = await mods.choices("show", "id", "", user=frank, guild=mods.guild)
    assert [c["value"] for c in choices] == [str(question.id)]
    _, message = await mods.run(
        "dismiss", {"id": str(question.id)}, user=frank, guild=mods.guild, force=True
    )
    assert message.content.startswith(f"Dismissed question #{question.id}")
    # ...but not settings, which are for Manage Server.
    _, message = await mods.run("settings", {}, user=frank, guild=mods.guild, force=True)
    assert message.content == moderators.NOT_AN_ADMIN

    await mods.run("settings", {"clear": "moderator_role"}, user=bob, guild=mods.guild)
    _, message = await mods.run(
        "show", {"id": str(question.id)}, user=frank, guild=mods.guild, force=True
    )
    assert message.content == REFUSED
    assert await mods.choices("show", "id", "", user=frank, guild=mods.guild) == []


# --- list and show --------------------------------------------------------------------------


async def test_list_filters_by_status_flag_asker_date_and_text(mods: Mods) -> None:
    alice, bob, frank = mods.world.alice, mods.world.bob, mods.frank
    pizza = await mods.ask(FLAGGED, alice, mods.guild)
    nato = await mods.ask(ANSWERED, frank, mods.guild)
    bread = await mods.ask("How do I bake sourdough bread at home?", frank, mods.guild)
    old = await mods.log_old("Who won the 1998 football world cup?", alice, mods.guild, 40)
    await mods.run("dismiss", {"id": str(bread.id)}, user=bob, guild=mods.guild)

    async def listed(options: dict[str, Any]) -> set[int]:
        _, message = await mods.run("list", options, user=bob, guild=mods.guild)
        assert message.ephemeral
        body = text_of(message)
        return {q.id for q in (pizza, nato, bread, old) if f"#{q.id} ·" in body}

    assert await listed({}) == {pizza.id, nato.id, bread.id, old.id}
    assert await listed({"status": "dismissed"}) == {bread.id}
    assert await listed({"status": "open"}) == {pizza.id, nato.id, old.id}
    assert await listed({"flagged": True}) == {pizza.id, bread.id, old.id}
    assert await listed({"flagged": False}) == {nato.id}
    assert await listed({"asker": frank}) == {nato.id, bread.id}
    assert await listed({"since": "7d"}) == {pizza.id, nato.id, bread.id}
    since = (datetime.now(UTC) - timedelta(days=41)).date().isoformat()
    assert await listed({"since": since}) == {pizza.id, nato.id, bread.id, old.id}
    assert await listed({"since": "all"}) == {pizza.id, nato.id, bread.id, old.id}
    assert await listed({"text": "PIZZA"}) == {pizza.id}
    assert await listed({"status": "open", "flagged": True, "asker": alice, "since": "30d"}) == {
        pizza.id
    }

    _, message = await mods.run("list", {"text": "nothing like this"}, user=bob, guild=mods.guild)
    assert "No questions match" in text_of(message)


async def test_list_refuses_a_date_it_cannot_read(mods: Mods) -> None:
    for bad in ("yesterday", "2025-13-45", "3 fortnights"):
        _, message = await mods.run("list", {"since": bad}, user=mods.world.bob, guild=mods.guild)
        assert message.ephemeral
        assert message.content.startswith(f"I can't read `since:{bad}`")
    _, message = await mods.run(
        "list", {"since": "2999-01-01"}, user=mods.world.bob, guild=mods.guild
    )
    assert "in the future" in message.content


def test_since_reads_durations_dates_and_times_in_utc() -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert moderators.parse_since("24h", now) == now - timedelta(hours=24)
    assert moderators.parse_since(" 7D ", now) == now - timedelta(days=7)
    assert moderators.parse_since("2w", now) == now - timedelta(weeks=2)
    assert moderators.parse_since("2025-01-31", now) == datetime(2025, 1, 31, tzinfo=UTC)
    assert moderators.parse_since("2025-01-31T08:30", now) == datetime(
        2025, 1, 31, 8, 30, tzinfo=UTC
    )
    assert moderators.parse_since("2025-01-31T08:30+02:00", now) == datetime(
        2025, 1, 31, 6, 30, tzinfo=UTC
    )
    assert moderators.parse_since("all", now) is None
    for bad in ("7", "7y", "-3d", "99999999d", "31/01/2025", "2025-03-02"):
        with pytest.raises(moderators.UserFacingError):
            moderators.parse_since(bad, now)


async def test_list_pages_turn_for_the_moderator_who_asked(mods: Mods) -> None:
    asked = [
        await mods.ask(f"Question number {n} about pizza ovens?", mods.world.alice, mods.guild)
        for n in range(8)
    ]
    _, message = await mods.run("list", user=mods.world.bob, guild=mods.guild)
    first = text_of(message)
    assert "Page 1/2" in first
    assert "8 matching" in first
    assert f"#{asked[-1].id} ·" in first
    assert f"#{asked[0].id} ·" not in first
    click = await mods.double.click(
        button(message, "More results"), message=message, user=mods.world.bob
    )
    assert (await click.response()).type == 7
    second = text_of(message)
    assert "Page 2/2" in second
    assert f"#{asked[0].id} ·" in second


async def test_show_tells_everything_about_one_question(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    handle = await mods.double.slash(
        "ask", {"question": "Is **NATO** a _club_ @everyone?"}, user=alice, guild=mods.guild
    )
    answer = await handle.reply()
    vote = await mods.double.click(f"geobot:fb:{handle.id}:1", message=answer, user=bob)
    await vote.reply()
    question = next(
        q
        for q in mods.store.list_questions(Scope.operator()).items
        if q.interaction_id == handle.id
    )

    _, message = await mods.run("show", {"id": f"#{question.id}"}, user=bob, guild=mods.guild)
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed["title"] == f"Question #{question.id}"
    # Reader text is shown inert: no markdown, no mention.
    assert embed["description"] == r"Is \*\*NATO\*\* a \_club\_ @\u200beveryone?".replace(
        r"\u200b", "\u200b"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Asked by"].startswith(f"<@{alice.id}>")
    assert fields["Where"] == f"<#{mods.world.general.id}>"
    assert fields["Votes"] == "1 helpful · 0 not helpful"
    assert any(name.startswith("Search") for name in fields)
    assert not message.mentions
    assert not message.mention_everyone


async def test_unknown_and_malformed_ids_are_answered_politely(mods: Mods) -> None:
    bob = mods.world.bob
    for sub in ("show", "answer", "dismiss", "reopen"):
        options = {"id": "424242"} | ({"text": "x"} if sub == "answer" else {})
        _, message = await mods.run(sub, options, user=bob, guild=mods.guild)
        assert message.ephemeral
        assert message.content == "There is no question #424242 here."
        _, message = await mods.run(
            sub,
            {"id": "pizza"} | ({"text": "x"} if sub == "answer" else {}),
            user=bob,
            guild=mods.guild,
        )
        assert message.content.startswith("“pizza” is not a question number.")


async def test_id_autocomplete_matches_numbers_and_words(mods: Mods) -> None:
    bob = mods.world.bob
    pizza = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    nato = await mods.ask(ANSWERED, mods.world.alice, mods.guild)
    by_number = await mods.choices("answer", "id", str(nato.id), user=bob, guild=mods.guild)
    assert str(nato.id) in [c["value"] for c in by_number]
    by_words = await mods.choices("dismiss", "id", "naples", user=bob, guild=mods.guild)
    assert [c["value"] for c in by_words] == [str(pizza.id)]
    assert by_words[0]["name"].startswith(f"#{pizza.id} · open · What is the best pizza")


# --- answering ------------------------------------------------------------------------------


async def test_answer_is_stored_and_the_asker_alone_is_pinged_where_they_asked(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    question = await mods.ask(FLAGGED, alice, mods.guild)
    # A careless answer that names others: it must not ping them.
    text = f"Ask in #food, not here. @everyone <@{bob.id}> <@&{mods.world.moderator.id}>"
    _, message = await mods.run(
        "answer", {"id": str(question.id), "text": text}, user=bob, guild=mods.guild
    )
    assert message.ephemeral
    assert message.content == (
        f"Answered question #{question.id}.\n<@{alice.id}> was told in <#{mods.world.general.id}>."
    )

    stored = mods.question(question.id)
    assert stored is not None
    assert (stored.status, stored.answer_text, stored.resolved_by) == ("answered", text, bob.id)

    [notice] = mods.bot_messages(mods.world.general)
    assert notice.content == f"<@{alice.id}>, the moderators answered your question."
    assert notice.mentions == [alice]  # the double resolves pings from allowed_mentions
    assert not notice.mention_everyone
    allowed = notice.history[0]["allowed_mentions"]
    assert allowed["parse"] == []
    assert [str(u) for u in allowed["users"]] == [str(alice.id)]
    assert not allowed.get("roles")
    assert not allowed.get("replied_user")
    embed = notice.embeds[0]
    assert embed["fields"][0]["value"] == "What is the best pizza recipe in Naples?"
    assert "@\u200beveryone" in embed["description"]


async def test_answering_again_updates_the_answer_and_tells_the_asker_again(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    question = await mods.ask(FLAGGED, alice, mods.guild)
    await mods.run("answer", {"id": str(question.id), "text": "First"}, user=bob, guild=mods.guild)
    _, message = await mods.run(
        "answer", {"id": str(question.id), "text": "Second"}, user=bob, guild=mods.guild
    )
    assert message.content.startswith(f"Updated the answer to question #{question.id}.")
    notices = mods.bot_messages(mods.world.general)
    assert [n.embeds[0]["title"] for n in notices] == [
        "The moderators answered",
        "The moderators updated their answer",
    ]
    stored = mods.question(question.id)
    assert stored is not None
    assert stored.answer_text == "Second"


async def test_a_dismissed_question_must_be_reopened_before_answering(mods: Mods) -> None:
    bob = mods.world.bob
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    await mods.run("dismiss", {"id": str(question.id)}, user=bob, guild=mods.guild)
    _, message = await mods.run(
        "answer", {"id": str(question.id), "text": "x"}, user=bob, guild=mods.guild
    )
    assert message.content == (
        f"Question #{question.id} is dismissed: `/questions reopen` it first to answer it."
    )
    assert not mods.bot_messages(mods.world.general)


async def test_the_answer_goes_by_dm_when_the_channel_is_gone(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    room = mods.double.add_text_channel(mods.guild, "temporary")
    question = await mods.ask(FLAGGED, alice, channel=room)
    # The channel is deleted, as Discord would tell the bot.
    mods.guild.channels.remove(room)
    del mods.double.channels[room.id]
    await mods.double.dispatch("CHANNEL_DELETE", room.payload(), guild=mods.guild)
    await eventually(lambda: mods.bot.get_channel(room.id) is None, "the channel to go")

    _, message = await mods.run(
        "answer", {"id": str(question.id), "text": "Margherita."}, user=bob, guild=mods.guild
    )
    assert message.content.endswith(
        f"<@{alice.id}> was told by DM (I can no longer post where they asked)."
    )
    [dm] = mods.bot_messages(mods.double.dm_channel(alice))
    assert dm.embeds[0]["description"] == "Margherita."
    assert not dm.mentions


async def test_the_answer_goes_by_dm_when_the_bot_may_not_post_there(mods: Mods) -> None:
    alice = mods.world.alice
    bot_role = next(r for r in mods.guild.roles if r.managed)
    quiet = mods.double.add_text_channel(
        mods.guild, "read-only", overwrites=[Overwrite.for_role(bot_role, deny=Perm.SEND_MESSAGES)]
    )
    question = await mods.ask(FLAGGED, alice, channel=quiet)
    await eventually(lambda: mods.bot.get_channel(quiet.id) is not None, "the channel")
    _, message = await mods.run(
        "answer",
        {"id": str(question.id), "text": "Margherita."},
        user=mods.world.bob,
        guild=mods.guild,
    )
    assert "was told by DM" in message.content
    assert not mods.bot_messages(quiet)
    assert len(mods.bot_messages(mods.double.dm_channel(alice))) == 1


async def test_an_asker_who_cannot_be_reached_leaves_the_answer_saved(mods: Mods) -> None:
    alice = mods.world.alice
    room = mods.double.add_text_channel(mods.guild, "temporary")
    question = await mods.ask(FLAGGED, alice, channel=room)
    mods.guild.channels.remove(room)
    del mods.double.channels[room.id]
    await mods.double.dispatch("CHANNEL_DELETE", room.payload(), guild=mods.guild)
    await eventually(lambda: mods.bot.get_channel(room.id) is None, "the channel to go")
    alice.accepts_dms = False

    _, message = await mods.run(
        "answer",
        {"id": str(question.id), "text": "Margherita."},
        user=mods.world.bob,
        guild=mods.guild,
    )
    assert message.content.endswith(
        f"The answer is saved, but I could not tell <@{alice.id}>: their DMs are closed and I "
        "can't post where they asked."
    )
    assert [e.code for e in mods.double.take_errors()] == [50007]  # "Cannot send messages"
    stored = mods.question(question.id)
    assert stored is not None
    assert stored.status == "answered"


async def test_the_long_form_answers_with_line_breaks(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    question = await mods.ask(FLAGGED, alice, mods.guild)
    handle = await mods.double.slash(
        "questions",
        {"answer": {"id": str(question.id), "add_to_faq": True}},
        user=bob,
        guild=mods.guild,
    )
    callback = await handle.response()
    assert callback.type == 9
    assert callback.data is not None
    assert callback.data["title"] == f"Answer question #{question.id}"
    text_input = callback.data["components"][0]["components"][0]
    assert text_input["placeholder"] == FLAGGED
    submitted = await mods.double.submit_modal(
        handle, {text_input["custom_id"]: "Margherita.\nOr marinara."}
    )
    message = await final(submitted)
    assert message.ephemeral
    assert f"Answered question #{question.id}." in message.content
    assert "Added to the FAQ" in message.content
    stored = mods.question(question.id)
    assert stored is not None
    assert stored.answer_text == "Margherita.\nOr marinara."
    assert len(mods.bot_messages(mods.world.general)) == 1


async def test_add_to_faq_puts_the_moderators_answer_first_in_later_asks(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    question = await mods.ask(FLAGGED, alice, mods.guild)
    _, message = await mods.run(
        "answer",
        {"id": str(question.id), "add_to_faq": True, "text": "Margherita, from Da Michele."},
        user=bob,
        guild=mods.guild,
    )
    assert "Added to the FAQ" in message.content

    # A reworded question by someone else, later, in the same server.
    handle = await mods.double.slash(
        "ask",
        {"question": "what's the best pizza recipe in naples"},
        user=mods.frank,
        guild=mods.guild,
    )
    shown = (await handle.reply()).embeds[0]
    assert shown["description"].startswith("**Moderators' answer**")
    assert "Margherita, from Da Michele" in shown["description"]

    # The other server's readers do not get this server's FAQ.
    handle = await mods.double.slash("ask", {"question": FLAGGED}, user=mods.dave, guild=mods.other)
    assert "Moderators' answer" not in ((await handle.reply()).embeds[0].get("description") or "")


async def test_without_add_to_faq_later_asks_get_no_faq_answer(mods: Mods) -> None:
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    await mods.run(
        "answer",
        {"id": str(question.id), "text": "Margherita."},
        user=mods.world.bob,
        guild=mods.guild,
    )
    handle = await mods.double.slash(
        "ask", {"question": FLAGGED}, user=mods.frank, guild=mods.guild
    )
    assert "Moderators' answer" not in ((await handle.reply()).embeds[0].get("description") or "")


async def test_faq_entries_are_listed_and_deleted(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    question = await mods.ask(FLAGGED, alice, mods.guild)
    _, message = await mods.run("faq", {"list": {}}, user=bob, guild=mods.guild)
    assert "No FAQ entries yet" in text_of(message)

    await mods.run(
        "answer",
        {"id": str(question.id), "text": "Margherita <@&1>.", "add_to_faq": True},
        user=bob,
        guild=mods.guild,
    )
    [entry] = mods.store.list_faq(Scope.moderator(mods.guild.id))
    _, message = await mods.run("faq", {"list": {}}, user=bob, guild=mods.guild)
    assert message.ephemeral
    [field] = message.embeds[0]["fields"]
    assert field["name"] == f"#{entry.id} · {FLAGGED}"
    assert field["value"].startswith("Margherita <@\u200b&1>.")  # shown, never a ping
    assert f"from question #{question.id}" in field["value"]

    for typed in ("", str(entry.id), "naples", "margherita"):
        assert [c["value"] for c in await faq_choices(mods, typed, bob, mods.guild)] == [
            str(entry.id)
        ]
    assert await faq_choices(mods, "sourdough", bob, mods.guild) == []

    _, message = await mods.run(
        "faq", {"delete": {"id": str(entry.id)}}, user=bob, guild=mods.guild
    )
    assert message.content.startswith(f"Deleted FAQ entry #{entry.id} (“What is the best")
    assert mods.store.list_faq(Scope.moderator(mods.guild.id)) == []
    assert mods.question(question.id) is not None  # the question and its answer stay
    handle = await mods.double.slash(
        "ask", {"question": FLAGGED}, user=mods.frank, guild=mods.guild
    )
    assert "Moderators' answer" not in ((await handle.reply()).embeds[0].get("description") or "")
    _, message = await mods.run(
        "faq", {"delete": {"id": str(entry.id)}}, user=bob, guild=mods.guild
    )
    assert message.content == f"There is no FAQ entry #{entry.id} here."


# --- dismiss and reopen ---------------------------------------------------------------------


async def test_dismiss_with_a_reason_and_reopen(mods: Mods) -> None:
    bob = mods.world.bob
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    _, message = await mods.run(
        "dismiss", {"id": str(question.id), "reason": "off-topic"}, user=bob, guild=mods.guild
    )
    assert message.ephemeral
    assert message.content == (
        f"Dismissed question #{question.id}. The asker is not told. Reason: off-topic"
    )
    stored = mods.question(question.id)
    assert stored is not None
    assert (stored.status, stored.dismiss_reason, stored.resolved_by) == (
        "dismissed",
        "off-topic",
        bob.id,
    )
    assert not mods.bot_messages(mods.world.general)  # dismissals are silent

    _, message = await mods.run("dismiss", {"id": str(question.id)}, user=bob, guild=mods.guild)
    assert message.content.startswith(f"Question #{question.id} is dismissed; only open")

    _, message = await mods.run("reopen", {"id": str(question.id)}, user=bob, guild=mods.guild)
    assert message.content.startswith(f"Reopened question #{question.id}")
    stored = mods.question(question.id)
    assert stored is not None
    assert (stored.status, stored.dismiss_reason, stored.resolved_by) == ("open", None, None)

    _, message = await mods.run("reopen", {"id": str(question.id)}, user=bob, guild=mods.guild)
    assert message.content == f"Question #{question.id} is already open."


async def test_reopen_clears_an_answer(mods: Mods) -> None:
    bob = mods.world.bob
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    await mods.run(
        "answer", {"id": str(question.id), "text": "Margherita."}, user=bob, guild=mods.guild
    )
    await mods.run("reopen", {"id": str(question.id)}, user=bob, guild=mods.guild)
    stored = mods.question(question.id)
    assert stored is not None
    assert (stored.status, stored.answer_text) == ("open", None)


# --- stats and export -----------------------------------------------------------------------


async def test_stats_counts_rates_themes_and_attaches_a_png_chart(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    handle = await mods.double.slash("ask", {"question": ANSWERED}, user=alice, guild=mods.guild)
    answer = await handle.reply()
    for voter, helpful in ((bob, 1), (mods.frank, 1), (alice, 0)):
        vote = await mods.double.click(
            f"geobot:fb:{handle.id}:{helpful}", message=answer, user=voter
        )
        await vote.reply()
    for _ in range(3):
        await mods.ask(FLAGGED, alice, mods.guild)
    dismissed = await mods.ask("How do I bake sourdough bread at home?", alice, mods.guild)
    await mods.run("dismiss", {"id": str(dismissed.id)}, user=bob, guild=mods.guild)
    await mods.log_old("An old question about pizza", alice, mods.guild, 60)

    _, message = await mods.run("stats", user=bob, guild=mods.guild)
    assert message.ephemeral
    embed = message.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "**5** question(s)" in embed["description"]  # the default period is 30 days
    assert fields["By status"] == (
        "Answered by the bot: 1\nWaiting for a moderator: 3\n"
        "Answered by a moderator: 0\nDismissed: 1"
    )
    assert fields["Helpful rate"] == "67% helpful\n(2 of 3 vote(s))"
    assert fields["Most-asked unanswered themes"].startswith(
        "• 3× “What is the best pizza recipe in Naples?”"
    )
    assert embed["image"]["url"] == f"attachment://{moderators.CHART_FILENAME}"
    [chart] = message.files
    assert chart.filename == moderators.CHART_FILENAME
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n")

    _, message = await mods.run("stats", {"since": "all"}, user=bob, guild=mods.guild)
    assert message.embeds[0]["description"].startswith("All time: **6** question(s)")


async def test_export_csv_round_trips_and_neutralises_formulas(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    formula = '=HYPERLINK("http://evil.example","NATO")'
    tricky = await mods.ask(formula, alice, mods.guild)
    comma = await mods.ask('Why, "exactly", did NATO\'s summit fail?', mods.frank, mods.guild)
    await mods.run(
        "answer", {"id": str(comma.id), "text": "-1 reasons, see @here"}, user=bob, guild=mods.guild
    )

    _, message = await mods.run("export", {}, user=bob, guild=mods.guild)  # csv by default
    assert message.ephemeral
    assert message.content.startswith("2 question(s) from Geopolitics Readers")
    [file] = message.files
    assert file.filename.startswith(f"questions-guild-{mods.guild.id}-")
    assert file.filename.endswith(".csv")
    assert file.data.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for UTF-8
    rows = list(csv.DictReader(io.StringIO(file.data.decode("utf-8-sig"), newline="")))
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[tricky.id]["text"] == "'" + formula  # a spreadsheet shows it, never runs it
    assert by_id[comma.id]["text"] == 'Why, "exactly", did NATO\'s summit fail?'
    assert by_id[comma.id]["answer_text"] == "'-1 reasons, see @here"
    assert by_id[comma.id]["user_id"] == str(mods.frank.id)
    assert {r["guild_id"] for r in rows} == {str(mods.guild.id)}

    _, message = await mods.run("export", {"status": "answered"}, user=bob, guild=mods.guild)
    rows = list(csv.DictReader(io.StringIO(message.files[0].data.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [comma.id]


async def test_export_jsonl_with_filters(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    pizza = await mods.ask(FLAGGED, alice, mods.guild)
    await mods.ask(ANSWERED, alice, mods.guild)
    await mods.ask("Is pizza geopolitics?", mods.frank, mods.guild)
    _, message = await mods.run(
        "export",
        {"format": "jsonl", "asker": alice, "flagged": True, "text": "pizza", "since": "1d"},
        user=bob,
        guild=mods.guild,
    )
    [file] = message.files
    assert file.filename.endswith(".jsonl")
    records = [json.loads(line) for line in file.data.decode("utf-8").splitlines()]
    assert [r["id"] for r in records] == [pizza.id]
    record = records[0]
    assert record["text"] == FLAGGED
    assert record["user_id"] == str(alice.id)  # snowflakes as strings, as Discord sends them
    assert record["guild_id"] == str(mods.guild.id)
    assert record["flagged"] is True
    assert record["status"] == "open"

    _, message = await mods.run(
        "export", {"format": "jsonl", "status": "dismissed"}, user=bob, guild=mods.guild
    )
    assert not message.files
    assert message.content.startswith("No questions match")


# --- settings -------------------------------------------------------------------------------


async def test_settings_are_viewed_and_changed_by_server_admins_only(mods: Mods) -> None:
    bob, world = mods.world.bob, mods.world
    old = await mods.log_old("An old question", world.alice, mods.guild, 100)

    _, message = await mods.run("settings", user=bob, guild=mods.guild)
    assert message.ephemeral
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields == {
        "Moderator role": "Not set: members with Manage Messages are the moderators.",
        "Notify channel": "Not set: no notices.",
        "Retention": "Not set: questions are kept until deleted.",
    }

    _, message = await mods.run(
        "settings",
        {"moderator_role": mods.helpers, "notify_channel": world.mod_log, "retention_days": 90},
        user=bob,
        guild=mods.guild,
    )
    embed = message.embeds[0]
    assert embed["description"] == "Changed."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Moderator role"].startswith(f"<@&{mods.helpers.id}>")
    assert fields["Notify channel"] == f"<#{world.mod_log.id}>"
    assert fields["Retention"].startswith("90 day(s)")
    assert "1 question(s) are older than that now" in fields["Retention"]
    assert not message.mentions
    settings = mods.store.get_guild_settings(Scope.moderator(mods.guild.id))
    assert settings is not None
    assert (settings.moderator_role_id, settings.notify_channel_id, settings.retention_days) == (
        mods.helpers.id,
        world.mod_log.id,
        90,
    )
    assert mods.question(old.id) is not None  # deleted by the daily clean-up, not right now

    _, message = await mods.run("settings", {"clear": "retention_days"}, user=bob, guild=mods.guild)
    settings = mods.store.get_guild_settings(Scope.moderator(mods.guild.id))
    assert settings is not None
    assert settings.retention_days is None
    assert settings.notify_channel_id == world.mod_log.id

    _, message = await mods.run(
        "settings", {"moderator_role": mods.guild.everyone}, user=bob, guild=mods.guild
    )
    assert message.content.startswith("@everyone can't be the moderator role")
    _, message = await mods.run(
        "settings", {"retention_days": 30, "clear": "retention_days"}, user=bob, guild=mods.guild
    )
    assert message.content == "You both set and cleared the retention."

    # Manage Messages alone (erin moderates the other server) is not enough for settings.
    _, message = await mods.run("settings", {"retention_days": 1}, user=mods.erin, guild=mods.other)
    assert message.content == moderators.NOT_AN_ADMIN
    _, message = await mods.run("settings", {}, user=world.alice, guild=mods.guild, force=True)
    assert message.content == moderators.NOT_AN_ADMIN
    assert mods.store.get_guild_settings(Scope.moderator(mods.other.id)) is None


async def test_settings_warn_about_a_notify_channel_the_bot_cannot_post_in(mods: Mods) -> None:
    bot_role = next(r for r in mods.guild.roles if r.managed)
    closed = mods.double.add_text_channel(
        mods.guild, "closed", overwrites=[Overwrite.for_role(bot_role, deny=Perm.VIEW_CHANNEL)]
    )
    await eventually(lambda: mods.bot.get_channel(closed.id) is not None, "the channel")
    _, message = await mods.run(
        "settings", {"notify_channel": closed}, user=mods.world.bob, guild=mods.guild
    )
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert "I can't post there" in fields["Notify channel"]


async def test_settings_are_refused_in_dms(mods: Mods) -> None:
    _, message = await mods.run("settings", {}, user=mods.double.owner)
    assert message.content == "Settings belong to a server: run this in the server."


# --- the notify channel ---------------------------------------------------------------------


async def test_a_flagged_question_posts_a_quiet_notice_in_the_notify_channel(mods: Mods) -> None:
    world = mods.world
    await mods.run("settings", {"notify_channel": world.mod_log}, user=world.bob, guild=mods.guild)
    await mods.ask(ANSWERED, world.alice, mods.guild)  # answered: no notice
    question = await mods.ask(
        "@everyone what is the **best** pizza in Naples?", world.alice, mods.guild
    )
    await mods.double.wait_until(lambda: bool(mods.bot_messages(world.mod_log)), what="the notice")
    [notice] = mods.bot_messages(world.mod_log)
    assert notice.content.startswith(
        f"❓ Question #{question.id} needs a moderator: <@{world.alice.id}> in "
        f"<#{world.general.id}>"
    )
    assert "> @\u200beveryone what is the \\*\\*best\\*\\* pizza in Naples?" in notice.content
    assert f"`/questions answer id:{question.id}`" in notice.content
    assert notice.history[0]["allowed_mentions"]["parse"] == []
    assert not notice.mentions
    assert not notice.mention_everyone
    assert not mods.bot_messages(mods.other_mod_log)


async def test_no_notice_without_a_notify_channel(mods: Mods) -> None:
    await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    await mods.ask(FLAGGED, mods.dave, mods.other)
    assert not mods.bot_messages(mods.world.mod_log)
    assert not mods.bot_messages(mods.other_mod_log)


async def test_the_notice_says_when_the_reader_was_shown_an_faq_answer(mods: Mods) -> None:
    world = mods.world
    first = await mods.ask(FLAGGED, world.alice, mods.guild)
    await mods.run(
        "answer",
        {"id": str(first.id), "text": "Margherita.", "add_to_faq": True},
        user=world.bob,
        guild=mods.guild,
    )
    await mods.run("settings", {"notify_channel": world.mod_log}, user=world.bob, guild=mods.guild)
    await mods.ask(FLAGGED, mods.frank, mods.guild)
    await mods.double.wait_until(lambda: bool(mods.bot_messages(world.mod_log)))
    [notice] = mods.bot_messages(world.mod_log)
    assert f"was shown the FAQ answer to “{FLAGGED}”" in notice.content


# --- forget ---------------------------------------------------------------------------------


async def test_forget_deletes_one_members_questions_here_after_confirming(mods: Mods) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    hers = [await mods.ask(FLAGGED, alice, mods.guild), await mods.ask(ANSWERED, alice, mods.guild)]
    franks = await mods.ask(FLAGGED, mods.frank, mods.guild)
    elsewhere = await mods.ask(FLAGGED, alice, mods.other)
    in_dm = await mods.ask(FLAGGED, alice)

    _, message = await mods.run("forget", {"user": alice}, user=bob, guild=mods.guild)
    assert message.ephemeral
    assert message.content.startswith(
        f"<@{alice.id}> asked 2 question(s) in Geopolitics Readers. Delete them"
    )
    assert all(mods.question(q.id) for q in hers)  # nothing happens before the click

    click = await mods.double.click(button(message, "Delete"), message=message, user=bob)
    await click.wait_until(lambda h: bool(h.edit_records), what="the outcome")
    assert message.content == (
        f"Deleted 2 question(s) <@{alice.id}> asked in Geopolitics "
        "Readers and 0 vote(s) of theirs there."
    )
    assert not message.components
    assert [mods.question(q.id) for q in hers] == [None, None]
    for kept in (franks, elsewhere, in_dm):
        assert mods.question(kept.id) is not None


async def test_forget_can_be_cancelled(mods: Mods) -> None:
    bob = mods.world.bob
    question = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    _, message = await mods.run("forget", {"user": mods.world.alice}, user=bob, guild=mods.guild)
    click = await mods.double.click(button(message, "Cancel"), message=message, user=bob)
    assert (await click.response()).type == 7
    assert message.content == "Cancelled: nothing was deleted."
    assert mods.question(question.id) is not None


async def test_forget_checks_again_at_the_click(mods: Mods) -> None:
    world = mods.world
    question = await mods.ask(FLAGGED, world.alice, mods.guild)
    await mods.run("settings", {"moderator_role": mods.helpers}, user=world.bob, guild=mods.guild)
    _, message = await mods.run(
        "forget", {"user": world.alice}, user=mods.frank, guild=mods.guild, force=True
    )
    # The role stops counting before frank clicks.
    await mods.run("settings", {"clear": "moderator_role"}, user=world.bob, guild=mods.guild)
    click = await mods.double.click(button(message, "Delete"), message=message, user=mods.frank)
    refusal = await final(click)
    assert refusal.ephemeral
    assert refusal.content == REFUSED
    assert mods.question(question.id) is not None


# --- retention ------------------------------------------------------------------------------


def moderators_cog(bot: GeobotBot) -> Any:
    # The extension is loaded by name, as a module object of its own: compare by name.
    cog = bot.get_cog("Moderators")
    assert cog is not None
    assert type(cog).__name__ == "Moderators"
    return cog


async def test_the_retention_task_deletes_what_is_older_than_each_servers_setting(
    mods: Mods,
) -> None:
    alice = mods.world.alice
    mods.store.set_guild_settings(Scope.moderator(mods.guild.id), retention_days=30)
    old = await mods.log_old("An old question", alice, mods.guild, 31)
    recent = await mods.log_old("A recent question", alice, mods.guild, 29)
    other_old = await mods.log_old("An old question elsewhere", alice, mods.other, 400)
    dm_old = await mods.log_old("An old DM question", alice, None, 400)
    cog = moderators_cog(mods.bot)
    runs = cog.retention_runs
    # A day is long for a test: the loop's own API shortens it, including the current sleep.
    cog.retention.change_interval(seconds=0.05)

    await eventually(lambda: cog.retention_runs >= runs + 2, "two clean-ups")
    assert mods.question(old.id) is None
    for kept in (recent, other_old, dm_old):  # within the window, no setting, a DM
        assert mods.question(kept.id) is not None


async def test_the_retention_task_runs_daily_and_at_start(mods: Mods) -> None:
    cog = moderators_cog(mods.bot)
    assert cog.retention.is_running()
    assert cog.retention.hours == 24
    await eventually(lambda: cog.retention_runs >= 1, "the first clean-up")


# --- DM questions belong to the bot admins --------------------------------------------------


async def test_dm_questions_are_for_bot_admins_only(mods: Mods) -> None:
    world, double = mods.world, mods.double
    in_dm = await mods.ask(FLAGGED, world.alice)
    in_server = await mods.ask("Is pizza on the NATO summit menu?", world.alice, mods.guild)
    assert in_dm.guild_id is None

    # A server's moderator never sees it, in any form.
    _, message = await mods.run("list", user=world.bob, guild=mods.guild)
    assert f"#{in_dm.id} ·" not in text_of(message)
    assert f"#{in_server.id} ·" in text_of(message)
    _, message = await mods.run("show", {"id": str(in_dm.id)}, user=world.bob, guild=mods.guild)
    assert message.content == f"There is no question #{in_dm.id} here."
    assert str(in_dm.id) not in [
        c["value"] for c in await mods.choices("show", "id", "", user=world.bob, guild=mods.guild)
    ]
    _, message = await mods.run("export", {"format": "jsonl"}, user=world.bob, guild=mods.guild)
    assert FLAGGED not in message.files[0].data.decode()
    # ...nor in a DM with the bot, where only bot admins may use /questions.
    _, message = await mods.run("list", user=world.bob)
    assert message.content == moderators.DM_NOT_ADMIN
    assert await mods.choices("show", "id", "", user=world.bob) == []

    # The application's owner and the GEOBOT_ADMIN_IDS admins see the DM questions in DMs.
    for admin in (double.owner, world.carol):
        _, message = await mods.run("list", user=admin)
        assert message.ephemeral
        body = text_of(message)
        assert "Questions in direct messages" in body
        assert f"#{in_dm.id} ·" in body
        assert f"#{in_server.id} ·" not in body
        assert [c["value"] for c in await mods.choices("show", "id", "", user=admin)] == [
            str(in_dm.id)
        ]
        _, message = await mods.run("show", {"id": str(in_server.id)}, user=admin)
        assert message.content == f"There is no question #{in_server.id} here."

    _, message = await mods.run(
        "answer", {"id": str(in_dm.id), "text": "Margherita."}, user=world.carol
    )
    assert message.content.endswith(f"<@{world.alice.id}> was told by DM.")
    [dm] = mods.bot_messages(double.dm_channel(world.alice))
    assert dm.embeds[0]["description"] == "Margherita."

    _, message = await mods.run("export", {"format": "csv"}, user=double.owner)
    assert message.files[0].filename.startswith("questions-dms-")
    _, message = await mods.run("stats", {"since": "all"}, user=double.owner)
    assert message.embeds[0]["title"] == "Questions in direct messages"
    assert message.embeds[0]["description"].startswith("All time: **1** question(s)")


async def test_a_bot_admin_in_a_server_acts_on_that_server_only(mods: Mods) -> None:
    carol = mods.world.carol  # a bot admin (GEOBOT_ADMIN_IDS) without any server permission
    mods.other.add_member(carol)  # joins; interactions carry her member data
    in_dm = await mods.ask(FLAGGED, mods.world.alice)
    in_first = await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    mine = await mods.ask(FLAGGED, mods.dave, mods.other)
    assert not mods.other.permissions_in(carol, mods.other_general) & Perm.MANAGE_MESSAGES
    _, message = await mods.run("list", user=carol, guild=mods.other, force=True)
    body = text_of(message)
    assert f"#{mine.id} ·" in body
    assert f"#{in_dm.id} ·" not in body
    assert f"#{in_first.id} ·" not in body
    _, message = await mods.run(
        "show", {"id": str(in_dm.id)}, user=carol, guild=mods.other, force=True
    )
    assert message.content == f"There is no question #{in_dm.id} here."


async def test_a_bot_admins_dm_faq_answers_later_dm_questions_only(mods: Mods) -> None:
    in_dm = await mods.ask(FLAGGED, mods.world.alice)
    _, message = await mods.run(
        "answer",
        {"id": str(in_dm.id), "text": "Margherita.", "add_to_faq": True},
        user=mods.world.carol,
    )
    assert "Added to the FAQ" in message.content
    handle = await mods.double.slash("ask", {"question": FLAGGED}, user=mods.dave)  # a DM
    assert "Margherita." in ((await handle.reply()).embeds[0].get("description") or "")
    handle = await mods.double.slash("ask", {"question": FLAGGED}, user=mods.dave, guild=mods.other)
    assert "Margherita." not in ((await handle.reply()).embeds[0].get("description") or "")


async def test_a_very_long_list_shows_the_newest_and_points_to_export(mods: Mods) -> None:
    assert mods.bot.question_log is not None
    log, channel = mods.bot.question_log, mods.world.general
    # Logged concurrently: the writer commits them together, which keeps this test fast.
    await asyncio.gather(
        *(
            log.record(
                NewQuestion(
                    interaction_id=None,
                    guild_id=mods.guild.id,
                    channel_id=channel.id,
                    user_id=mods.world.alice.id,
                    text=f"Question {n}?",
                    command="ask",
                    results=[],
                    answered=False,
                )
            )
            for n in range(moderators.LIST_LIMIT + 5)
        )
    )
    _, message = await mods.run("list", user=mods.world.bob, guild=mods.guild)
    body = text_of(message)
    assert f"Showing the newest {moderators.LIST_LIMIT} of {moderators.LIST_LIMIT + 5}" in body
    assert "`/questions export`" in body
    pages = -(-moderators.LIST_LIMIT // moderators.LIST_PER_PAGE)
    assert f"Page 1/{pages}" in body
