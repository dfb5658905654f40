"""What operators see of a running bot: log lines, secrets kept out of them, and metrics.

* Logging goes through discord.py's own setup (`discord.utils.setup_logging`), in text or
  as JSON lines (`JsonFormatter`), and the one root handler redacts the bot token and
  anything shaped like a Discord token (`RedactSecrets`, `RedactingStreamHandler`).
* Every application command and every component click (button, modal: see
  geobot.bot.components) is logged once, by `log_interaction`, with the same fields
  whatever happened:
  ``command=ask guild=123 user=456 latency_ms=12.3 outcome=ok``.
* `Metrics` holds the optional Prometheus metrics (GEOBOT_METRICS_PORT); prometheus-client
  is imported only when they are switched on, because it is an optional extra.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

import discord
from discord import app_commands

from geobot.library import UnknownDocumentError
from geobot.search.query import QueryError

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

    from geobot.library import Library
    from geobot.questions.writer import QuestionLog
    from geobot.reload import ReloadReport
    from geobot.settings import Settings

log = logging.getLogger("geobot.bot")
command_log = logging.getLogger("geobot.commands")

# --- secrets out of the logs ----------------------------------------------------------------

REDACTED = "[redacted]"
# A bot token is base64(bot user id) . base64(timestamp) . HMAC: the double's fake tokens and
# real ones alike. Matched anywhere, not just the configured token, so a token pasted by a
# reader or left over from a previous deployment never reaches the log either.
TOKEN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{23,30}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
    r"(?![A-Za-z0-9_-])"
)
# Interaction and webhook tokens sit in the URLs discord.http logs at DEBUG; each lets anyone
# post as the bot in that channel for 15 minutes (or forever, for a webhook).
URL_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.-]{20,}")
# ... and as the "token" of the payloads discord.gateway logs at DEBUG (an interaction's;
# IDENTIFY carries the bot's).
KEYED_TOKEN = re.compile(r"""(["']token["']\s*:\s*["'])[^"']+""")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    text = TOKEN_SHAPE.sub(REDACTED, text)
    text = KEYED_TOKEN.sub(rf"\g<1>{REDACTED}", text)
    return URL_TOKEN.sub(rf"\g<1>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Removes the configured secrets and token-shaped strings from a record.

    It rewrites the record itself (message, args, traceback text), so other handlers on the
    same logger see the cleaned record too; `RedactingStreamHandler` checks the formatted
    line once more, because a formatter may render the traceback again itself.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Blank secrets would "redact" every position of every line.
        self.secrets = tuple(s for s in (s.strip() for s in secrets) if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as it would
            return True
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            # Merged into one string: an arg holding the token cannot be redacted in place
            # without knowing how the format string uses it.
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, redact(value, self.secrets))
        return True


class RedactingStreamHandler(logging.StreamHandler):
    """A stream handler whose formatted lines pass through `redact` a last time.

    discord.py's coloured formatter formats the traceback anew (in red), past anything a
    filter cleaned, so the final line is checked here.
    """

    def __init__(self, stream: IO[str] | None = None, secrets: Iterable[str] = ()) -> None:
        super().__init__(stream)
        self.redactor = RedactSecrets(secrets)
        self.addFilter(self.redactor)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.redactor.secrets)


# --- JSON lines -----------------------------------------------------------------------------

# Everything a LogRecord carries by itself; what else it has came in through `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    record's extra fields; exc and stack when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra field may hold anything (ids, enums, paths).
        return json.dumps(entry, default=str, ensure_ascii=False)


def setup_logging(
    level: str, fmt: str = "text", secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Configure the root logger through discord.py's setup; returns the handler.

    Calling it again replaces the handler it installed before (tests, a re-run in one
    process) instead of printing every line twice.
    """
    levelno = logging.getLevelName(level.upper())
    if not isinstance(levelno, int):
        raise ValueError(
            f"GEOBOT_LOG_LEVEL={level!r} is not a log level: use DEBUG, INFO, WARNING or ERROR."
        )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, RedactingStreamHandler)]:
        root.removeHandler(old)
    handler = RedactingStreamHandler(stream, secrets)
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else discord.utils.MISSING
    if fmt != "json" and not _colour_terminal(handler.stream):
        # discord.py also colours any stream inside a container (is_docker()): escape
        # codes in journald and log files. Plain lines there, in discord.py's own layout.
        formatter = logging.Formatter(
            "[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
        )
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=levelno, root=True)
    logging.getLogger("discord.client").addFilter(_no_voice_warnings)
    return handler


def _colour_terminal(stream: IO[str]) -> bool:
    """Colours only on a terminal, and never with NO_COLOR set (no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _no_voice_warnings(record: logging.LogRecord) -> bool:
    # discord.py warns at every start that PyNaCl and davey (voice) are missing; the bot
    # has no voice features, so for its operators the lines are noise that looks like a fault.
    return "voice will NOT be supported" not in str(record.msg)


# --- one line per command or click --------------------------------------------------------

STARTED = "started"  # interaction.extras key: time.perf_counter() when the work began
_LOGGED = "geobot_logged"


def outcome_of(error: BaseException) -> str:
    """How a failed command or click ended, for the log and the metrics."""
    # Imported here: tree.py imports this module for its error handler.
    from geobot.bot.tree import NotPermitted, UserFacingError

    original = getattr(error, "original", error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return "cooldown"
    if isinstance(original, NotPermitted) or isinstance(error, app_commands.CheckFailure):
        return "forbidden"
    if isinstance(
        original,
        UserFacingError | QueryError | UnknownDocumentError | app_commands.TransformerError,
    ):
        return "refused"
    return "error"


# A value that needs quoting in logfmt (a regex: this runs for every interaction).
_NEEDS_QUOTES = re.compile(r'[\s"=]')


def _logfmt(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        text = "?" if value is None else str(value)
        if not text or _NEEDS_QUOTES.search(text):
            text = json.dumps(text, ensure_ascii=False)  # quoted, one line, still parseable
        parts.append(f"{key}={text}")
    return " ".join(parts)


def command_name(interaction: discord.Interaction) -> str:
    command = interaction.command
    return command.qualified_name if command is not None else "?"


def log_interaction(
    interaction: discord.Interaction,
    outcome: str,
    *,
    name: str | None = None,
    reason: str | None = None,
    error: BaseException | None = None,
) -> None:
    """Log how a command or click ended, once per interaction, and count it.

    Success comes from the `app_command_completion` event (GeobotBot) or a component's
    callback, failure from the tree's or the component's error handler; the guard keeps it
    to one line should two of those paths ever see the same interaction.
    """
    extras = interaction.extras
    if extras.get(_LOGGED):
        return
    extras[_LOGGED] = True
    started = extras.get(STARTED)
    seconds = time.perf_counter() - started if isinstance(started, float) else None
    fields: dict[str, Any] = {
        "command": name or command_name(interaction),
        # Strings, as Discord sends them: snowflakes lose digits as JSON numbers in most
        # log pipelines (anything that reads JSON numbers as doubles).
        "guild": str(interaction.guild_id) if interaction.guild_id else "DM",
        "user": str(interaction.user.id),
        "latency_ms": round(seconds * 1000, 1) if seconds is not None else None,
        "outcome": outcome,
    }
    if reason:
        fields["reason"] = reason
    if error is not None:
        fields["error"] = repr(error)
    failed = outcome == "error"
    command_log.log(
        logging.ERROR if failed else logging.INFO,
        _logfmt(fields),
        extra=fields,
        exc_info=error if failed and error is not None else None,
    )
    metrics: Metrics | None = getattr(interaction.client, "metrics", None)
    if metrics is not None:
        metrics.observe(fields["command"], outcome, seconds)


# --- Prometheus -----------------------------------------------------------------------------


class MetricsUnavailableError(RuntimeError):
    """Metrics were asked for (GEOBOT_METRICS_PORT) but cannot be served; one-line message."""


def _prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError:
        raise MetricsUnavailableError(
            "GEOBOT_METRICS_PORT is set but prometheus-client is not installed: "
            "pip install 'geobot[metrics]', or unset GEOBOT_METRICS_PORT."
        ) from None
    return prometheus_client


def require_metrics(settings: Settings) -> None:
    """Fail before start-up work when metrics are on and their package is missing."""
    if settings.metrics_port is not None:
        _prometheus()


class Metrics:
    """This process's metrics, in a registry of its own (several bots may share a process
    in tests, and the default registry would refuse the second set of names)."""

    def __init__(self) -> None:
        prom = _prometheus()
        self.registry: CollectorRegistry = prom.CollectorRegistry()
        r = self.registry
        self.commands = prom.Counter(
            "geobot_commands",
            "Commands and component clicks, by name and outcome.",
            ["command", "outcome"],
            registry=r,
        )
        self.latency = prom.Histogram(
            "geobot_command_duration_seconds",
            "Time from receiving a command or click to its end, by name.",
            ["command"],
            registry=r,
        )
        self.reloads = prom.Counter(
            "geobot_reloads", "Document set reloads, by result.", ["ok"], registry=r
        )
        self.documents = prom.Gauge("geobot_index_documents", "Documents being served.", registry=r)
        self.passages = prom.Gauge(
            "geobot_index_passages", "Passages in the search index.", registry=r
        )
        self.started = prom.Gauge(
            "geobot_start_time_seconds",
            "When this bot process started, as a Unix time.",
            registry=r,
        )
        self.started.set_to_current_time()
        # CPU, memory and open files of this process (Linux only; a no-op elsewhere).
        prom.ProcessCollector(registry=r)
        self._server: Any = None
        self._thread: Any = None

    @classmethod
    def for_settings(cls, settings: Settings) -> Metrics | None:
        return cls() if settings.metrics_port is not None else None

    def observe(self, command: str, outcome: str, seconds: float | None) -> None:
        self.commands.labels(command, outcome).inc()
        if seconds is not None:
            self.latency.labels(command).observe(seconds)

    def serving(self, library: Library) -> None:
        stats = library.stats()
        self.documents.set(stats["documents"])
        self.passages.set(stats["passages"])

    def reloaded(self, report: ReloadReport) -> None:
        self.reloads.labels(str(report.ok).lower()).inc()

    def watch_question_log(self, question_log: QuestionLog) -> None:
        self.registry.register(_QuestionLogCollector(question_log))

    @property
    def port(self) -> int | None:
        return int(self._server.server_port) if self._server is not None else None

    def serve(self, addr: str, port: int) -> None:
        prom = _prometheus()
        try:
            self._server, self._thread = prom.start_http_server(
                port, addr=addr, registry=self.registry
            )
        except OSError as exc:
            raise MetricsUnavailableError(
                f"cannot serve metrics on {addr}:{port} (GEOBOT_METRICS_ADDR, "
                f"GEOBOT_METRICS_PORT): {exc.strerror or exc}"
            ) from None
        log.info("metrics on http://%s:%d/metrics", addr, self.port)

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        # shutdown() waits for the server's poll loop (up to half a second): off the loop.
        await asyncio.to_thread(server.shutdown)
        server.server_close()


class _QuestionLogCollector:
    """The question writer's own counts, read at scrape time: they are kept by the writer
    thread already, and hooking every caller would count the same thing twice."""

    def __init__(self, question_log: QuestionLog) -> None:
        self.question_log = question_log

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        stats = self.question_log.stats
        family = CounterMetricFamily(
            "geobot_questions_logged",
            "Questions written to the log: committed to the database, spooled to disk "
            "while it was away, replayed from the spool, rejected by the database.",
            labels=["status"],
        )
        for status in ("committed", "spooled", "replayed", "rejected"):
            family.add_metric([status], getattr(stats, status))
        yield family
