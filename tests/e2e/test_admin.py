"""/reload and /status through the Discord double, and the reload bus between processes."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from geobot.bot.client import GeobotBot
from geobot.library import Library
from geobot.questions.store import QuestionStore
from geobot.questions.writer import QuestionLog
from geobot.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"
ALLIANCE = "trump-putin-alliance-unravels"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(DATA, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def admin_settings(bot_settings: Settings, data_dir: Path) -> Settings:
    return bot_settings.model_copy(update={"data_dir": data_dir})


def new_bot(settings: Settings, store: QuestionStore, label: str) -> GeobotBot:
    question_log = QuestionLog(
        settings.database_url, spool_path=settings.state_dir / f"{label}.jsonl"
    )
    return GeobotBot(
        settings, Library.load(settings.data_dir), question_log, store=store, process=label
    )


async def slash_text(double: Any, name: str, user: Any, guild: Any) -> str:
    handle = await double.slash(name, {}, user=user, guild=guild)
    message = await handle.reply()
    parts = [message.content or ""]
    for embed in message.embeds:
        parts.append(embed.get("title", ""))
        parts.append(embed.get("description", ""))
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_only_bot_admins(
    discord_double: Any,
    discord_world: Any,
    start_bot: Any,
    admin_settings: Settings,
    question_store: QuestionStore,
) -> None:
    bot = await start_bot(new_bot(admin_settings, question_store, "solo"))
    for name in ("reload", "status"):
        # Discord hides these from non-administrators, but a server admin can show them to
        # anyone (force): bob can manage the server, and that still does not make him a
        # bot admin.
        handle = await discord_double.slash(
            name, {}, user=discord_world.bob, guild=discord_world.guild, force=True
        )
        callback = await handle.response(timeout=3)
        assert callback.data["flags"] & 64  # ephemeral
        assert "Only the bot's admins" in callback.data["content"]
    assert bot.library.documents.digest  # nothing was reloaded


async def test_reload_reports_changes_and_serves_them(
    discord_double: Any,
    discord_world: Any,
    start_bot: Any,
    admin_settings: Settings,
    question_store: QuestionStore,
    data_dir: Path,
) -> None:
    bot = await start_bot(new_bot(admin_settings, question_store, "solo"))
    owner = discord_double.owner
    assert "no document changed" in await slash_text(
        discord_double, "reload", owner, discord_world.guild
    )
    (data_dir / "baltic-notes.txt").write_text(
        "Baltic Notes\nEstonia doubled its drone budget in one winter.\n", "utf-8"
    )
    text = await slash_text(discord_double, "reload", owner, discord_world.guild)
    assert "Added: baltic-notes" in text
    assert "uncurated" in text
    answer = bot.library.ask("Which country doubled its drone budget?")
    assert answer.hits[0].document_id == "baltic-notes"
    runs = question_store.list_reloads()
    assert [r.ok for r in runs][:2] == [True, True]


async def test_a_bad_set_is_refused_and_the_old_one_serves(
    discord_double: Any,
    discord_world: Any,
    start_bot: Any,
    admin_settings: Settings,
    question_store: QuestionStore,
    data_dir: Path,
) -> None:
    bot = await start_bot(new_bot(admin_settings, question_store, "solo"))
    before = bot.library.documents.digest
    (data_dir / f"{ALLIANCE}.toml").write_text("[document]\ntitle = \n", "utf-8")
    text = await slash_text(discord_double, "reload", discord_double.owner, discord_world.guild)
    assert "Reload refused: 1 error(s)" in text
    assert f"{ALLIANCE}.toml:2" in text
    assert bot.library.documents.digest == before
    handle = await discord_double.slash(
        "ask",
        {"question": "What did Mike Lee say about NATO?"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    assert "a great deal for Europe" in (await handle.reply()).embeds[0]["fields"][0]["value"]


async def test_status(
    discord_double: Any,
    discord_world: Any,
    start_bot: Any,
    admin_settings: Settings,
    question_store: QuestionStore,
) -> None:
    bot = await start_bot(new_bot(admin_settings, question_store, "solo"))
    text = await slash_text(discord_double, "status", discord_double.owner, discord_world.guild)
    # An operator sees whether answers use meaning or words alone (#15).
    assert f"semantic index: {'on' if bot.library.semantic else 'off'}" in text
    for expected in (
        "Version",
        "Uptime",
        "Gateway latency",
        "Documents",
        "Shards",
        "Questions (sqlite)",
        "Processes (1)",
        "solo",
    ):
        assert expected in text


async def test_a_reload_reaches_the_other_process(
    discord_double: Any,
    discord_world: Any,
    start_bot: Any,
    admin_settings: Settings,
    question_store: QuestionStore,
    data_dir: Path,
) -> None:
    first = await start_bot(new_bot(admin_settings, question_store, "first"))
    # The second process shares the database and the data folder; it needs no gateway
    # connection of its own to follow the bus (its cogs load at login).
    second = new_bot(admin_settings, question_store, "second")
    await second.login(discord_double.token)
    try:
        await asyncio.sleep(0)
        for _ in range(50):  # both heartbeats in (the first beat is immediate)
            if len(await asyncio.to_thread(first.fleet.live)) == 2:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.1)
        (data_dir / "baltic-notes.txt").write_text(
            "Baltic Notes\nEstonia doubled its drone budget in one winter.\n", "utf-8"
        )
        text = await slash_text(discord_double, "reload", discord_double.owner, discord_world.guild)
        assert "first: took the new set" in text
        assert "second: took the new set" in text
        assert second.library.documents.digest == first.library.documents.digest
        assert "baltic-notes" in second.library.documents.documents
    finally:
        await second.close()
