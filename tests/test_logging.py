"""Logging as `geobot run` sets it up: discord.py's setup, JSON lines, and no token ever."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from geobot.bot import observability
from geobot.bot.observability import REDACTED, log_interaction, redact
from geobot.cli.bot import setup_logging
from geobot.settings import Settings


def discord_shaped_token() -> str:
    # base64(bot id) . base64(timestamp) . HMAC, as the developer portal hands them out.
    return (
        f"MTE{secrets.token_urlsafe(21)[:23]}.{secrets.token_urlsafe(4)}."
        f"{secrets.token_urlsafe(28)}"
    )


class Terminal(io.StringIO):
    """A stream that says it is a terminal, so discord.py picks its coloured formatter."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def settings(token: str, **env: Any) -> Settings:
    return Settings(DISCORD_TOKEN=token, **env)


def log_the_token_everywhere(token: str) -> None:
    log = logging.getLogger("geobot.test")
    log.info("logging in with %s", token)  # in the args
    log.warning(f"token={token} in the message itself")  # on purpose
    log.info("an extra field", extra={"header": f"Bot {token}"})
    try:
        raise RuntimeError(f"Discord said no to {token}")
    except RuntimeError:
        log.exception("in a traceback")


@pytest.mark.usefixtures("restore_root")
@pytest.mark.parametrize("stream_type", [io.StringIO, Terminal])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_token_never_reaches_the_log(stream_type: type[io.StringIO], fmt: str) -> None:
    token = discord_shaped_token()
    stream = stream_type()
    handler = setup_logging(settings(token, GEOBOT_LOG_FORMAT=fmt), stream)
    assert handler in logging.getLogger().handlers
    log_the_token_everywhere(token)
    # One that was never configured: a token from another deployment, pasted by a reader.
    logging.getLogger("geobot.test").info("someone pasted %s", discord_shaped_token())
    output = stream.getvalue()
    assert token not in output
    assert token.split(".")[-1] not in output
    # args, message, traceback, the pasted one; and the extra field, where it is printed
    assert output.count(REDACTED) == (5 if fmt == "json" else 4)
    assert "Discord said no to" in output  # the traceback is there, without the token
    assert "someone pasted" in output


@pytest.mark.usefixtures("restore_root")
def test_a_configured_token_of_any_shape_is_redacted() -> None:
    stream = io.StringIO()
    setup_logging(settings("not-shaped-like-discord"), stream)
    logging.getLogger("geobot.test").error("bad token %s", "not-shaped-like-discord")
    assert "not-shaped-like-discord" not in stream.getvalue()
    assert f"bad token {REDACTED}" in stream.getvalue()


@pytest.mark.usefixtures("restore_root")
def test_a_blank_token_redacts_nothing() -> None:
    stream = io.StringIO()
    setup_logging(settings(""), stream)
    logging.getLogger("geobot.test").info("nothing secret here")
    assert "nothing secret here" in stream.getvalue()


def test_redact_leaves_ordinary_lines_alone() -> None:
    for line in (
        "reload source=cli ok=True digest=3f9a0c1b2d4e seconds=0.412",
        "data/trump-russia-realignment-new-world-order.toml:12: bad quote",
        "geobot.bot.cogs.readers loaded",
        "https://discord.com/api/v10/users/@me",
    ):
        assert redact(line) == line
    url = "POST /api/v10/webhooks/1234/aW50ZXJhY3Rpb246" + "x" * 40 + "/messages/@original"
    assert redact(url) == f"POST /api/v10/webhooks/1234/{REDACTED}/messages/@original"
    event = "WebSocket Event: {'op': 0, 'd': {'id': '1', 'token': 'aW50ZXJhY3Rpb246abc'}}"
    assert (
        redact(event) == f"WebSocket Event: {{'op': 0, 'd': {{'id': '1', 'token': '{REDACTED}'}}}}"
    )
    assert redact('{"token": "x.y.z", "intents": 1}') == f'{{"token": "{REDACTED}", "intents": 1}}'


@pytest.mark.usefixtures("restore_root")
def test_json_lines() -> None:
    stream = io.StringIO()
    setup_logging(
        settings("t0ken-value", GEOBOT_LOG_FORMAT="json", GEOBOT_LOG_LEVEL="debug"), stream
    )
    log = logging.getLogger("geobot.test")
    log.debug("two\nlines", extra={"guild": "123", "count": 2})
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        log.exception("broke")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one object per line, newlines and tracebacks included
    first, second = map(json.loads, lines)
    assert first["time"].endswith("Z")  # UTC, ISO 8601
    assert datetime.fromisoformat(first["time"]).utcoffset() == timedelta(0)
    assert {k: first[k] for k in ("level", "logger", "message", "guild", "count")} == {
        "level": "DEBUG",
        "logger": "geobot.test",
        "message": "two\nlines",
        "guild": "123",
        "count": 2,
    }
    assert second["level"] == "ERROR"
    assert "ZeroDivisionError" in second["exc"]


@pytest.mark.usefixtures("restore_root")
def test_setting_up_twice_keeps_one_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging(settings("abcd1234"), first)
    setup_logging(settings("abcd1234"), second)
    logging.getLogger("geobot.test").warning("once")
    assert "once" not in first.getvalue()
    assert second.getvalue().count("once") == 1


@pytest.mark.usefixtures("restore_root")
def test_a_bad_level_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    with pytest.raises(typer.Exit):
        setup_logging(settings("abcd1234", GEOBOT_LOG_LEVEL="loud"))
    assert capsys.readouterr().err.strip() == (
        "geobot: GEOBOT_LOG_LEVEL='LOUD' is not a log level: use DEBUG, INFO, WARNING or ERROR."
    )


def test_blank_numbers_from_the_env_template_mean_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GEOBOT_METRICS_PORT", "GEOBOT_DEV_GUILD_ID", "GEOBOT_SHARD_COUNT"):
        monkeypatch.setenv(name, "")
    loaded = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (loaded.metrics_port, loaded.dev_guild_id, loaded.shard_count) == (None, None, None)
    assert loaded.metrics_addr == "127.0.0.1"


# --- the command line -------------------------------------------------------------------


def interaction(guild_id: int | None, command: str | None = "ask") -> Any:
    return SimpleNamespace(
        extras={observability.STARTED: 0.0},
        guild_id=guild_id,
        command=SimpleNamespace(qualified_name=command) if command else None,
        user=SimpleNamespace(id=456),
        client=SimpleNamespace(),
    )


def test_success_and_failure_lines_have_the_same_fields(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="geobot.commands")
    monkeypatch.setattr(observability.time, "perf_counter", lambda: 0.0123)
    ok = interaction(123)
    log_interaction(ok, "ok")
    log_interaction(ok, "error", error=RuntimeError("late"))  # the same interaction: ignored
    log_interaction(interaction(None, "questions list"), "refused", reason='no such "id"')
    log_interaction(interaction(789), "error", error=RuntimeError("it broke"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "command=ask guild=123 user=456 latency_ms=12.3 outcome=ok",
        'command="questions list" guild=DM user=456 latency_ms=12.3 outcome=refused '
        'reason="no such \\"id\\""',
        "command=ask guild=789 user=456 latency_ms=12.3 outcome=error "
        "error=\"RuntimeError('it broke')\"",
    ]
    fields = ("command", "guild", "user", "latency_ms", "outcome")
    for record in caplog.records:
        assert all(hasattr(record, f) for f in fields)
    assert caplog.records[2].levelno == logging.ERROR
    assert caplog.records[2].exc_info is not None
    # As JSON, the same names as fields of their own.
    entry = json.loads(observability.JsonFormatter().format(caplog.records[0]))
    assert {f: entry[f] for f in fields} == {
        "command": "ask",
        "guild": "123",
        "user": "456",
        "latency_ms": 12.3,
        "outcome": "ok",
    }


@pytest.mark.usefixtures("restore_root")
def test_colours_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # discord.py alone also colours a pipe inside a container (this test machine is one):
    # escape codes then fill journald and log files.
    monkeypatch.delenv("NO_COLOR", raising=False)
    for stream, coloured in ((io.StringIO(), False), (Terminal(), True)):
        setup_logging(settings("abcd1234"), stream)
        logging.getLogger("geobot.test").warning("a line")
        assert ("\x1b[" in stream.getvalue()) is coloured, stream.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    setup_logging(settings("abcd1234"), terminal)
    logging.getLogger("geobot.test").warning("a line")
    assert "\x1b[" not in terminal.getvalue()
    assert "WARNING" in terminal.getvalue()


@pytest.mark.usefixtures("restore_root")
def test_no_voice_warnings_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import discord

    # discord.py warns once per process; make this client the first.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True, raising=False)
    stream = io.StringIO()
    setup_logging(settings("abcd1234"), stream)
    discord.Client(intents=discord.Intents.none())
    logging.getLogger("discord.client").warning("other warnings still show")
    assert "voice" not in stream.getvalue()
    assert "other warnings still show" in stream.getvalue()
