"""The question log's database goes away while the bot runs.

Moderators and readers asking about their data are told the log is unavailable right now
(not "something went wrong"), the log gets one warning line per failed call and no
traceback (an outage, not a bug), and readers keep being answered. The database is really
unreachable: a SQLite file whose path now holds a folder, or a PostgreSQL port nothing
listens on.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from test_moderators import ANSWERED, Mods, final

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings

from geobot.bot.cogs.privacy import LOG_UNAVAILABLE
from geobot.questions.store import QuestionStore


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def take_the_database_away(mods: Mods, how: str) -> None:
    if how == "sqlite-path-gone":
        path = Path(make_url(str(mods.store.engine.url)).database or "")
        path.rename(path.with_name("moved-away.db"))
        path.mkdir()  # SQLite cannot open a folder, whoever runs the test
        mods.store.engine.dispose()  # as a server restart drops every pooled connection
    else:
        mods.bot.store = QuestionStore(
            f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/geobot"
        )


@pytest.mark.parametrize("how", ["sqlite-path-gone", "postgres-closed-port"])
async def test_unavailable_log_is_said_and_logged_as_an_outage(
    mods: Mods, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob = mods.world.alice, mods.world.bob
    await mods.ask(ANSWERED, alice, mods.guild)
    take_the_database_away(mods, how)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        _, listed = await mods.run("list", {}, user=bob, guild=mods.guild)
        mydata = await mods.double.slash("mydata", {}, user=alice, guild=mods.guild)
        mine = await final(mydata)
    for message in (listed, mine):
        assert message.ephemeral
        assert message.content == LOG_UNAVAILABLE
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in problems] == [logging.WARNING, logging.WARNING], [
        r.getMessage() for r in problems
    ]
    for record in problems:
        assert record.getMessage().startswith("question log unavailable: ")
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
    # Readers are still answered.
    handle = await mods.double.slash("ask", {"question": ANSWERED}, user=alice, guild=mods.guild)
    answer = await final(handle)
    assert "Mike Lee" in str(answer.embeds) + answer.content
    assert "went wrong" not in answer.content
