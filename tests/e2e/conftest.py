"""Fixtures that run the real geobot bot against the Discord double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from readers_support import MakeGeobot

from discord_double import DiscordDouble, spec
from geobot.bot.client import GeobotBot
from geobot.library import Library
from geobot.questions.db import upgrade
from geobot.questions.store import QuestionStore
from geobot.questions.writer import QuestionLog
from geobot.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"
# Captured at import, before any test could monkeypatch it away.
_VALIDATE_BODY = spec.validate_body


# The one visible way out of the schema re-check below, for a test that sends an invalid
# body on purpose (and then asserts on the violation it took from the double).
SENDS_INVALID = "sends_invalid_bodies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SENDS_INVALID}: the test provokes bodies Discord's schema rejects"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def bundled_library() -> Library:
    return Library.load(DATA)


@pytest.fixture
def bot_settings(tmp_path: Path) -> Settings:
    return Settings(
        DISCORD_TOKEN="test-token",
        DATABASE_URL=f"sqlite:///{tmp_path / 'geobot.db'}",
        GEOBOT_DATA=str(DATA),
        GEOBOT_STATE_DIR=str(tmp_path / "state"),
        GEOBOT_ASK_RATE=3,
        GEOBOT_ASK_COOLDOWN=30,
    )


@pytest.fixture
def question_store(bot_settings: Settings) -> Iterator[QuestionStore]:
    """The question log's database, migrated; tests read what the bot logged through it."""
    upgrade(bot_settings.database_url)
    store = QuestionStore(bot_settings.database_url)
    yield store
    store.close()


@pytest.fixture
def make_geobot(
    bot_settings: Settings, bundled_library: Library, question_store: QuestionStore
) -> MakeGeobot:
    """A new GeobotBot on the test's database each call (a restart is a second call).

    Each bot gets its own QuestionLog, as each process would; the bot closes it.
    """

    def make(settings: Settings | None = None, library: Library | None = None) -> GeobotBot:
        settings = settings or bot_settings
        question_log = QuestionLog(
            settings.database_url, spool_path=settings.state_dir / "spool.jsonl"
        )
        return GeobotBot(settings, library or bundled_library, question_log, store=question_store)

    return make


@pytest.fixture
async def geobot(
    discord_world: Any, start_bot: Callable[..., Awaitable[Any]], make_geobot: MakeGeobot
) -> GeobotBot:
    bot: GeobotBot = await start_bot(make_geobot())
    return bot


@pytest.fixture(autouse=True)
def _schema_checks_stay_on(request: pytest.FixtureRequest) -> Iterator[None]:
    """No e2e test may switch off what the double checks, knowingly or not.

    The double validates every body against the OpenAPI schema and refuses invalid ones;
    a test that built it with reject_invalid=False, patched the validator, or swallowed
    violations with take_violations() would pass for the wrong reason. So every body is
    validated here a second time, independently of what the test did with the double.
    """
    if (
        "discord_double" not in request.fixturenames
        or request.node.get_closest_marker(SENDS_INVALID) is not None
    ):
        yield
        return
    double: DiscordDouble = request.getfixturevalue("discord_double")
    yield
    assert spec.validate_body is _VALIDATE_BODY, "a test replaced the schema validator"
    assert double.reject_invalid, "a test let the double accept invalid bodies"
    assert double.enforce_ack_deadline, "a test switched off the 3-second ack deadline"
    invalid = []
    for record in double.requests:
        if record.body is None or record.route is None:
            continue
        if record.content_type not in ("application/json", "multipart/form-data"):
            continue
        problems = _VALIDATE_BODY(record.method, record.path, record.body, record.content_type)
        invalid += [f"{record.method} {record.route}: {p}" for p in problems]
    assert not invalid, "bodies that break Discord's schema:\n  " + "\n  ".join(invalid)
