"""Fixtures that run the real geobot bot against the Discord double."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from geobot.bot.client import GeobotBot
from geobot.library import Library
from geobot.questions.db import upgrade
from geobot.questions.store import QuestionStore
from geobot.questions.writer import QuestionLog
from geobot.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def bundled_library() -> Library:
    return Library.load(DATA)


@pytest.fixture
def bot_settings(tmp_path: Path) -> Settings:
    return Settings(
        DISCORD_TOKEN="test-token", DATABASE_URL=f"sqlite:///{tmp_path / 'geobot.db'}",
        GEOBOT_DATA=str(DATA), GEOBOT_STATE_DIR=str(tmp_path / "state"),
        GEOBOT_ASK_RATE=3, GEOBOT_ASK_COOLDOWN=30,
    )


@pytest.fixture
async def geobot(discord_world: Any, start_bot: Callable[..., Awaitable[Any]],
                 bot_settings: Settings, bundled_library: Library) -> AsyncIterator[GeobotBot]:
    upgrade(bot_settings.database_url)
    store = QuestionStore(bot_settings.database_url)
    question_log = QuestionLog(bot_settings.database_url,
                               spool_path=bot_settings.state_dir / "spool.jsonl")
    bot = GeobotBot(bot_settings, bundled_library, question_log, store=store)
    yield await start_bot(bot)
    store.close()
