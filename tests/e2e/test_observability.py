"""Operations, through the Discord double: one log line per command or click, no token in
any log, and the Prometheus metrics of a running bot."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from readers_support import ANSWERED_QUESTION, MakeGeobot, custom_id, visible_reply

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.bot.observability import REDACTED, Metrics, MetricsUnavailableError
from geobot.cli.bot import setup_logging
from geobot.library import Library
from geobot.settings import Settings

FIELDS = ("command", "guild", "user", "latency_ms", "outcome")


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the index exploded")


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    # Successes are logged (and counted) by an event listener, a loop turn or so after the
    # reply went out: poll for up to 3 s.
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def command_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "geobot.commands"]


@pytest.fixture
def real_logging(bot_settings: Settings) -> Iterator[io.StringIO]:
    """The handler `geobot run` installs, writing to a buffer the test reads."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    setup_logging(bot_settings.model_copy(update={"log_level": "DEBUG"}), stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


async def exercise(double: DiscordDouble, world: World, bot: GeobotBot) -> list[str]:
    """Ask, vote and stop; returns the interaction tokens involved."""
    handle = await double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=world.alice, guild=world.guild
    )
    message = await visible_reply(handle)
    vote = await double.click(custom_id(message, "Helpful"), message=message, user=world.bob)
    await visible_reply(vote)
    await bot.close()  # the goodbye lines too
    return [handle.token, vote.token]


async def test_a_full_start_logs_no_token(
    discord_double: DiscordDouble,
    discord_world: World,
    start_bot: Any,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything discord.py says about logging in, too
    bot: GeobotBot = await start_bot(make_geobot())
    await exercise(discord_double, discord_world, bot)
    assert any(r.name.startswith("discord.gateway") for r in caplog.records)
    assert bot_settings.discord_token is not None
    # No redacting handler is installed here: caplog holds the records as the code made
    # them, so this shows the bot and discord.py never put the token in one.
    captured = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert discord_double.token not in captured  # what the bot logged in with
    assert bot_settings.discord_token.get_secret_value() not in captured


async def test_the_real_handler_also_hides_interaction_tokens(
    discord_double: DiscordDouble,
    discord_world: World,
    start_bot: Any,
    make_geobot: MakeGeobot,
    real_logging: io.StringIO,
) -> None:
    bot: GeobotBot = await start_bot(make_geobot())
    tokens = await exercise(discord_double, discord_world, bot)
    written = real_logging.getvalue()
    # discord.http and discord.gateway log the interactions' URLs and payloads at DEBUG.
    assert "discord.http" in written
    assert "INTERACTION_CREATE" in written
    assert discord_double.token not in written
    for token in tokens:
        assert token not in written
    assert f"/{REDACTED}/callback" in written


async def test_each_command_and_click_is_logged_once(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    bundled_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="geobot")
    world, double = discord_world, discord_double
    alice, bob, guild = world.alice, world.bob, world.guild
    expected: Counter[tuple[str, str, str, str]] = Counter()

    def expect(command: str, outcome: str, user: Any, where: Any = guild) -> None:
        expected[(command, outcome, str(user.id), str(where.id) if where else "DM")] += 1

    handle = await double.slash("ask", {"question": ANSWERED_QUESTION}, user=alice, guild=guild)
    answer = await visible_reply(handle)
    expect("ask", "ok", alice)
    for _ in range(2):  # up to the rate of 3 ...
        await visible_reply(
            await double.slash("ask", {"question": "NATO?"}, user=alice, guild=guild)
        )
        expect("ask", "ok", alice)
    await (
        await double.slash(
            "ask",
            {"question": "NATO?"},
            user=alice,  # ... and one over
            guild=guild,
        )
    ).response(timeout=3)
    expect("ask", "cooldown", alice)
    await visible_reply(
        await double.slash("summary", {"document": "Zbigniew's poems"}, user=alice, guild=guild)
    )
    expect("summary", "refused", alice)
    await visible_reply(await double.slash("reload", {}, user=bob, guild=guild, force=True))
    expect("reload", "forbidden", bob)
    await visible_reply(
        await double.slash("questions", {"list": {}}, user=alice, guild=guild, force=True)
    )
    expect("questions list", "forbidden", alice)
    monkeypatch.setattr(bundled_library, "find_quotes", _boom)
    await visible_reply(
        await double.slash("quote", {"speaker": "Mike Lee"}, user=world.carol)
    )  # in a DM
    expect("quote", "error", world.carol, None)

    # Clicks: the asker turns the page, someone else may not, anyone may vote.
    turned = await double.click(custom_id(answer, "More results"), message=answer, user=alice)
    await turned.response(timeout=3)
    expect("Pages.next", "ok", alice)
    await visible_reply(
        await double.click(custom_id(answer, "More results"), message=answer, user=bob)
    )
    expect("Pages.next", "refused", bob)
    await visible_reply(await double.click(custom_id(answer, "Helpful"), message=answer, user=bob))
    expect("Feedback", "ok", bob)

    def seen() -> Counter[tuple[str, str, str, str]]:
        return Counter(
            (r.command, r.outcome, r.user, r.guild)  # type: ignore[attr-defined]
            for r in command_lines(caplog)
        )

    async def all_logged() -> bool:
        return sum(seen().values()) >= sum(expected.values())

    await eventually(all_logged, "every line")
    await double.settle()
    assert seen() == expected
    for record in command_lines(caplog):
        fields = {f: getattr(record, f) for f in FIELDS}  # the same five on every line
        name = fields["command"]
        assert record.getMessage().startswith(
            f"command={json.dumps(name) if ' ' in name else name} guild={fields['guild']} "
            f"user={fields['user']} latency_ms={fields['latency_ms']} "
            f"outcome={fields['outcome']}"
        )
        assert 0 <= fields["latency_ms"] < 3000
    # The lines the cogs used to log besides the tree's are gone: one line each.
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("geobot")
        and r.name != "geobot.commands"
        and "outcome=" in r.getMessage()
    ]


async def test_a_click_that_breaks_is_one_error_line(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    double, alice = discord_double, discord_world.alice
    answer = await visible_reply(
        await double.slash(
            "ask", {"question": ANSWERED_QUESTION}, user=alice, guild=discord_world.guild
        )
    )

    async def broken_vote(**kwargs: Any) -> Any:
        raise RuntimeError("the vote exploded")

    # A dynamic item (the feedback button): discord.py has no error handler for those.
    assert geobot.question_log is not None
    monkeypatch.setattr(geobot.question_log, "record_feedback", broken_vote)
    vote = await double.click(custom_id(answer, "Helpful"), message=answer, user=alice)
    assert (await vote.response(timeout=3)).type == 5  # it had deferred
    # A view with its own on_error (privacy's confirmation), which answers politely.
    mine = await visible_reply(await double.slash("mydata", {}, user=alice))
    asked = await double.click(custom_id(mine, "Delete all my data…"), message=mine, user=alice)
    confirm = await visible_reply(asked)
    monkeypatch.setattr(question_store, "delete_my_data", _boom)
    done = await double.click(custom_id(confirm, "Delete everything"), message=confirm, user=alice)
    await done.wait_until(
        lambda h: any("went wrong" in (m.content or "") for m in h.messages), what="the apology"
    )

    def errors() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.levelno >= logging.ERROR]

    async def both() -> bool:
        return len(errors()) >= 2

    await eventually(both, "two error lines")
    await double.settle()
    lines = sorted((r.name, r.command, r.outcome) for r in errors())  # type: ignore[attr-defined]
    assert lines == [
        ("geobot.commands", "Confirm.confirm", "error"),
        ("geobot.commands", "Feedback", "error"),
    ]
    assert all(r.exc_info for r in errors())  # the traceback rides on the one line
    assert sorted(str(r.error) for r in errors()) == [  # type: ignore[attr-defined]
        "RuntimeError('the index exploded')",
        "RuntimeError('the vote exploded')",
    ]


async def fetch_metrics(port: int) -> dict[str, float]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        text = await response.text()
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_metrics(
    discord_double: DiscordDouble,
    discord_world: World,
    start_bot: Any,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
    bundled_library: Library,
) -> None:
    port = free_port()
    settings = bot_settings.model_copy(update={"metrics_port": port})
    bot: GeobotBot = await start_bot(make_geobot(settings))
    assert bot.metrics is not None
    assert bot.metrics.port == port
    world, double = discord_world, discord_double
    for user in (world.alice, world.bob):
        handle = await double.slash(
            "ask", {"question": ANSWERED_QUESTION}, user=user, guild=world.guild
        )
        answer = await visible_reply(handle)
    await visible_reply(
        await double.slash(
            "summary", {"document": "Zbigniew's poems"}, user=world.alice, guild=world.guild
        )
    )
    await visible_reply(
        await double.click(custom_id(answer, "Helpful"), message=answer, user=world.alice)
    )
    await visible_reply(await double.slash("reload", {}, user=double.owner, guild=world.guild))

    want = {
        'geobot_commands_total{command="ask",outcome="ok"}': 2.0,
        'geobot_commands_total{command="summary",outcome="refused"}': 1.0,
        'geobot_commands_total{command="Feedback",outcome="ok"}': 1.0,
        'geobot_commands_total{command="reload",outcome="ok"}': 1.0,
        'geobot_command_duration_seconds_count{command="ask"}': 2.0,
        'geobot_questions_logged_total{status="committed"}': 2.0,
        'geobot_questions_logged_total{status="spooled"}': 0.0,
        'geobot_reloads_total{ok="true"}': 1.0,
    }
    samples: dict[str, float] = {}

    async def arrived() -> bool:
        nonlocal samples
        samples = await fetch_metrics(port)
        return all(samples.get(k) == v for k, v in want.items())

    with contextlib.suppress(AssertionError):
        await eventually(arrived, "the counters")
    assert {k: samples.get(k) for k in want} == want
    stats = bundled_library.stats()
    assert samples["geobot_index_documents"] == stats["documents"]
    assert samples["geobot_index_passages"] == stats["passages"]
    assert 0 < time.time() - samples["geobot_start_time_seconds"] < 60
    assert samples['geobot_command_duration_seconds_sum{command="ask"}'] > 0

    await bot.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch_metrics(port)  # the endpoint goes with the bot


async def test_a_taken_metrics_port_is_one_clear_error(
    discord_double: DiscordDouble,
    discord_world: World,
    start_bot: Any,
    make_geobot: MakeGeobot,
    bot_settings: Settings,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = bot_settings.model_copy(update={"metrics_port": port})
        with pytest.raises(
            MetricsUnavailableError,
            match=rf"cannot serve metrics on "
            rf"127\.0\.0\.1:{port} ",
        ):
            await start_bot(make_geobot(settings))


def test_metrics_without_prometheus_client(
    monkeypatch: pytest.MonkeyPatch, bot_settings: Settings
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails
    assert Metrics.for_settings(bot_settings) is None  # off: never imported
    with pytest.raises(MetricsUnavailableError) as failure:
        Metrics.for_settings(bot_settings.model_copy(update={"metrics_port": 9100}))
    assert str(failure.value) == (
        "GEOBOT_METRICS_PORT is set but prometheus-client is not installed: "
        "pip install 'geobot[metrics]', or unset GEOBOT_METRICS_PORT."
    )
