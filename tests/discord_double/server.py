"""An aiohttp server that speaks the parts of Discord's REST API v10 and gateway that
discord.py uses, so an unmodified discord.py bot can be driven end to end.

Everything the bot sends is recorded, validated against the vendored OpenAPI schema
(:mod:`.spec`) and checked against Discord's limits (:mod:`.limits`); problems land in
:attr:`DiscordDouble.violations`. Answers the double gives with a 4xx status (unknown
routes, unknown interactions, missing permissions …) land in
:attr:`DiscordDouble.errors`. The double never answers 5xx: discord.py retries those
with back-off, which would turn a bug into a slow test.
"""

# The waiting helpers take ``timeout=`` on purpose: tests read as
# ``await handle.response(timeout=3)``, and each timeout names what was awaited.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import BodyPartReader, WSMsgType, web

from . import limits, spec
from .models import (
    Channel,
    Guild,
    Intent,
    Member,
    Overwrite,
    Perm,
    Role,
    SnowflakeFactory,
    StoredMessage,
    UploadedFile,
    User,
    iso_now,
    iter_components,
)
from .records import (
    DEFAULT_WAIT,
    CallbackRecord,
    CommandSync,
    DoubleError,
    InteractionHandle,
    RecordedRequest,
    Signal,
    Violation,
    WebhookRecord,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
JSON = "application/json"

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types each interaction type may answer with (Discord's documented matrix).
_CALLBACKS_FOR: dict[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({4, 5, 9}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
_SUBCOMMAND, _GROUP = 1, 2
_EDITABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)  # suppress embeds, silent, components v2
_CREATE_FLAGS = _EDITABLE_FLAGS | StoredMessage.EPHEMERAL
_COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")


# --------------------------------------------------------------------------- gateway


class _Connection:
    """One websocket; a session may move between connections when it resumes."""

    def __init__(
        self, ws: web.WebSocketResponse, query: Mapping[str, str], frames: dict[str, int]
    ) -> None:
        self.ws = ws
        self.frames = frames
        self.query = dict(query)
        self.compressor = zlib.compressobj() if query.get("compress") == "zlib-stream" else None
        self.compress_frames = False
        self.session: GatewaySession | None = None

    async def send(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self.compressor is not None and self.compress_frames:
            data = self.compressor.compress(text.encode()) + self.compressor.flush(
                zlib.Z_SYNC_FLUSH
            )
            await self.ws.send_bytes(data)
            self.frames["binary"] += 1
        else:
            await self.ws.send_str(text)
            self.frames["text"] += 1


@dataclass(eq=False)
class GatewaySession:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: dict[str, Any]
    connection: _Connection | None
    seq: int = 0
    resumes: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    BUFFER_MAX: ClassVar[int] = 2000

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.ws.closed

    async def dispatch(self, event: str, data: Any) -> int:
        async with self.lock:
            self.seq += 1
            payload = {"op": 0, "t": event, "s": self.seq, "d": data}
            self.buffer.append(payload)
            del self.buffer[: -self.BUFFER_MAX]
            if self.connected:
                assert self.connection is not None
                await self.connection.send(payload)
            return self.seq


# --------------------------------------------------------------------------- REST plumbing


@dataclass(slots=True)
class _Req:
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    content_type: str | None
    record: RecordedRequest


@dataclass(slots=True)
class _Reply:
    status: int = 200
    data: Any = None
    error: DoubleError | None = None


_Handler = Callable[[_Req], Awaitable[_Reply]]


_Checks = Callable[[Any], list[tuple[str, str]]]


@dataclass(slots=True)
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: _Handler
    auth: bool
    literals: int
    checks: _Checks | None


def _message_checks(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, Mapping):
        return []
    return [("limits", p) for p in limits.check_message_limits(body)] + [
        ("mentions", p) for p in limits.check_mentions(body)
    ]


def _callback_checks(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, Mapping):
        return []
    return [("limits", p) for p in limits.check_callback_limits(body)] + [
        ("mentions", p) for p in limits.check_callback_mentions(body)
    ]


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    parts, literals = [], 0
    for seg in template.strip("/").split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            parts.append(f"(?P<{seg[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(seg))
            literals += 1
    return re.compile("^/" + "/".join(parts) + "$"), literals


def _json_response(status: int, data: Any) -> web.Response:
    # discord.py only parses JSON when the content type is exactly "application/json";
    # web.json_response would add "; charset=utf-8" and make it see a str.
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": JSON},
    )


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


# --------------------------------------------------------------------------- the double


class DiscordDouble:
    """A fake Discord: REST under ``/api/v10``, gateway websocket at ``/``.

    Configure the world (users, guilds, roles, channels) before the bot connects;
    guilds are sent as GUILD_CREATE on IDENTIFY. Then inject interactions with
    :meth:`slash`, :meth:`autocomplete`, :meth:`click`, :meth:`context_menu` and
    :meth:`submit_modal`, each returning an :class:`InteractionHandle`.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_name: str = "geobot",
        shard_count: int = 1,
        heartbeat_interval_ms: int = 41250,
        ack_deadline: float = limits.ACK_DEADLINE_SECONDS,
        enforce_ack_deadline: bool = True,
        compress_gateway: bool = False,
        privileged_intents: int = Intent.PRIVILEGED,
        reject_invalid: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.new_id = SnowflakeFactory()
        self.application_id = self.new_id()
        # A bot user shares its application's id, as on Discord.
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.owner = User(self.new_id(), f"{bot_name}-owner")
        self.token = token or self._fake_token()
        self.shard_count = shard_count
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_deadline = ack_deadline
        # Real Discord answers a late initial response with 404 Unknown interaction.
        self.enforce_ack_deadline = enforce_ack_deadline
        # Send zlib-stream binary frames when the client asks for them (discord.py
        # accepts both; plain text is the default because it is easier to debug).
        self.compress_gateway = compress_gateway
        self.privileged_intents = privileged_intents
        # Answer bodies that break the schema or Discord's limits with 400 Invalid Form
        # Body, as Discord does, so the bot's error paths run as they would in production.
        self.reject_invalid = reject_invalid
        self.host = host

        self.users: dict[int, User] = {self.bot_user.id: self.bot_user, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.attachment_bytes: dict[int, bytes] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {None: []}
        self.command_syncs: list[CommandSync] = []
        self.interactions: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.errors: list[DoubleError] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.identifies: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.gateway_frames: dict[str, int] = {"text": 0, "binary": 0}
        self.default_user: User | None = None

        self._signal = Signal()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connections: set[_Connection] = set()
        self._routes: list[_Route] = []
        self._register_routes()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _fake_token() -> str:
        return f"{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"

    @property
    def http_base(self) -> str:
        if self.port is None:
            raise RuntimeError("the double is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def rest_base(self) -> str:
        """What discord.http.Route.BASE must be, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return self.http_base + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The gateway websocket URL, e.g. ``ws://127.0.0.1:PORT/``."""
        return f"ws://{self.host}:{self.port}/"

    def env(self) -> dict[str, str]:
        """Environment for a bot process pointed at this double."""
        from . import ENV_API_BASE, ENV_GATEWAY

        return {
            ENV_API_BASE: self.rest_base,
            ENV_GATEWAY: self.gateway_url,
            "DISCORD_TOKEN": self.token,
        }

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        app.router.add_route("*", "/_double/{tail:.*}", self._control)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    async def start(self, port: int = 0) -> DiscordDouble:
        spec.warm_up()
        # A test double has nothing to drain gracefully; a long shutdown only hides a
        # stuck connection behind a slow teardown.
        self._runner = web.AppRunner(
            self.make_app(), handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        # Bind the socket ourselves so port=0 yields a known free port.
        sock = socket.create_server((self.host, port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        started = time.monotonic()
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"double stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if time.monotonic() - started > 1.0:
            log.warning("discord double took %.1fs to stop", time.monotonic() - started)

    async def __aenter__(self) -> DiscordDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ world building

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> User:
        user = User(self.new_id(), username, global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = Perm.EVERYONE_DEFAULT,
        locale: str = "en-US",
        guild_id: int | None = None,
    ) -> Guild:
        """A guild with an @everyone role, the bot as a member with its managed role, and
        no channels yet. If the bot is already connected, it gets GUILD_CREATE now.
        ``guild_id`` pins the id, e.g. to place the guild on a chosen shard."""
        guild_id = guild_id or self.new_id()
        owner = owner or self.owner
        guild = Guild(guild_id, name, owner.id, self.new_id, locale=locale)
        guild.roles.append(Role(guild_id, "@everyone", everyone_permissions))
        bot_role = guild.add_role(self.bot_user.username, bot_permissions, managed=True)
        guild.add_member(self.bot_user, [bot_role])
        if owner.id not in guild.members:
            guild.add_member(owner)
        self.guilds[guild_id] = guild
        self._announce_guild(guild)
        return guild

    def add_text_channel(
        self,
        guild: Guild,
        name: str,
        *,
        overwrites: Iterable[Overwrite] = (),
        topic: str | None = None,
    ) -> Channel:
        channel = guild.add_text_channel(name, overwrites=overwrites, topic=topic)
        self.channels[channel.id] = channel
        for session in self._live_sessions():
            if (
                self._shard_for(guild.id, session.shard_count) == session.shard_id
                and session.intents & Intent.GUILDS
            ):
                self._background(session.dispatch("CHANNEL_CREATE", channel.payload()))
        return channel

    def _announce_guild(self, guild: Guild) -> None:
        # Guilds added after IDENTIFY reach live sessions as a join.
        for session in self._live_sessions():
            if self._shard_for(guild.id, session.shard_count) == session.shard_id:
                self._background(
                    session.dispatch("GUILD_CREATE", self._guild_create(guild, session))
                )

    def _background(self, coro: Awaitable[Any]) -> None:
        # Gateway echoes are fire-and-forget from a REST handler's point of view, but
        # the task must be kept alive and its failure must not vanish.
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("discord double background dispatch failed", exc_info=t.exception())

        task.add_done_callback(done)

    def dm_channel(self, user: User) -> Channel:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(self.new_id(), None, 1, recipient=user)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def guild_of(self, channel: Channel) -> Guild | None:
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    def bot_permissions_in(self, channel: Channel) -> int:
        guild = self.guild_of(channel)
        return Perm.DM if guild is None else guild.permissions_in(self.bot_user, channel)

    # ------------------------------------------------------------------ recording helpers

    def violate(
        self, kind: str, where: str, detail: str, interaction_id: int | None = None
    ) -> None:
        violation = Violation(kind, where, detail, interaction_id)
        log.warning("discord double violation: %s", violation)
        self.violations.append(violation)

    def take_violations(self) -> list[Violation]:
        """Return and clear the violations (for tests that provoke them on purpose)."""
        taken, self.violations = self.violations, []
        return taken

    def take_errors(self) -> list[DoubleError]:
        taken, self.errors = self.errors, []
        return taken

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        """Requests matching a route template.

        e.g. ``double.requests_to("POST", "/channels/{channel_id}/messages")``.
        """
        return [r for r in self.requests if r.method == method and r.route == route]

    def problems(self) -> list[str]:
        return [str(v) for v in self.violations] + [str(e) for e in self.errors]

    def assert_clean(self) -> None:
        problems = self.problems()
        if problems:
            raise AssertionError(
                "the Discord double recorded problems:\n  " + "\n  ".join(problems)
            )

    async def settle(self, timeout: float | None = None) -> None:
        """Wait (at most until each ack deadline) for outstanding interactions to be
        acknowledged, then record the ones that never were."""
        pending = [
            h
            for h in self.interactions.values()
            if h.callback is None and not h.expired and not h._flagged_unacked
        ]
        if not pending:
            return
        now = time.monotonic()
        limit = max(h.sent_at + self.ack_deadline for h in pending) - now
        if timeout is not None:
            limit = min(limit, timeout)
        with contextlib.suppress(TimeoutError):
            await self._signal.wait_for(
                lambda: all(h.callback is not None for h in pending), max(limit, 0.0), "acks"
            )
        for handle in pending:
            if handle.callback is None and not handle.expired:
                handle._flagged_unacked = True
                self.violate(
                    "unacknowledged",
                    f"interaction {handle.id}",
                    f"{self._describe(handle)} was never acknowledged",
                    handle.id,
                )

    async def wait_for_commands(
        self,
        names: Iterable[str] = (),
        *,
        guild: Guild | None = None,
        timeout: float = DEFAULT_WAIT,
    ) -> list[dict[str, Any]]:
        """Wait until the commands (global, or of ``guild``) include ``names``."""
        wanted = set(names)
        scope = None if guild is None else guild.id

        def have() -> bool:
            present = {c["name"] for c in self.commands.get(scope, [])}
            return bool(present) and wanted <= present

        await self._signal.wait_for(have, timeout, f"commands {sorted(wanted) or '(any)'}")
        return list(self.commands.get(scope, []))

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = DEFAULT_WAIT,
        what: str = "condition",
    ) -> None:
        """Wait for any condition on the double's state (re-checked on every request)."""
        await self._signal.wait_for(predicate, timeout, what)

    # ------------------------------------------------------------------ REST dispatch

    def route(
        self, method: str, template: str, *, auth: bool = True, checks: _Checks | None = None
    ) -> Callable[[_Handler], _Handler]:
        def register(handler: _Handler) -> _Handler:
            regex, literals = _compile(template)
            self._routes.append(_Route(method, template, regex, handler, auth, literals, checks))
            self._routes.sort(key=lambda r: -r.literals)
            return handler

        return register

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        path_known = False
        for r in self._routes:
            m = r.regex.match(path)
            if m is None:
                continue
            path_known = True
            if r.method == method:
                return r, m.groupdict(), True
        return None, {}, path_known

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile], str | None]:
        ctype = request.content_type if request.body_exists else None
        if not request.body_exists:
            return None, [], None
        if ctype == "multipart/form-data":
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # discord.py never nests multiparts
                name = part.name or ""
                data = bytes(await part.read())
                if name == "payload_json":
                    payload = json.loads(data.decode())
                else:
                    files.append(
                        UploadedFile(
                            name, part.filename or name, data, part.headers.get("Content-Type")
                        )
                    )
            return payload, files, ctype
        raw = await request.read()
        if not raw:
            return None, [], ctype
        if ctype == JSON:
            return json.loads(raw), [], ctype
        return raw.decode(errors="replace"), [], ctype

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        record = RecordedRequest(
            method, path, None, dict(request.query), None, [], None, time.monotonic()
        )
        self.requests.append(record)
        try:
            body, files, ctype = await self._read_body(request)
        except (ValueError, UnicodeDecodeError) as exc:
            reply = self._fail(400, 50109, f"The request body contains invalid JSON ({exc})")
            return self._finish(record, reply)
        record.body, record.files, record.content_type = body, files, ctype
        route, params, path_known = self._match(method, path)
        if route is None:
            if path_known:
                reply = self._fail(405, 0, "405: Method Not Allowed")
            else:
                reply = self._fail(404, 0, "404: Not Found")
            return self._finish(record, reply)
        record.route = route.template
        if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._finish(record, self._fail(401, 0, "401: Unauthorized"))
        if body is not None and ctype in (JSON, "multipart/form-data"):
            where = f"{method} {route.template}"
            interaction_id = self._interaction_of(params)
            refused = spec.validate_body(method, path, body, ctype)
            for problem in refused:
                self.violate("schema", where, problem, interaction_id)
            for kind, problem in route.checks(body) if route.checks else []:
                self.violate(kind, where, problem, interaction_id)
                # Mentions are policy, not something Discord refuses, so they never block.
                if kind != "mentions":
                    refused.append(problem)
            if refused and self.reject_invalid:
                return self._finish(record, self._invalid_form(refused))
        try:
            reply = await route.handler(
                _Req(params, dict(request.query), body, files, ctype, record)
            )
        except _Refusal as refusal:
            reply = refusal.reply
        except Exception as exc:
            # A bug in the double (or a body it cannot make sense of) must not become a
            # 500: discord.py would retry it with back-off and the test would crawl.
            log.exception("discord double handler failed")
            reply = self._fail(400, 0, f"discord double could not handle this request: {exc!r}")
        return self._finish(record, reply)

    def _finish(self, record: RecordedRequest, reply: _Reply) -> web.StreamResponse:
        record.status = reply.status
        if reply.error is not None:
            error = DoubleError(
                record.method,
                record.path,
                reply.error.status,
                reply.error.code,
                reply.error.message,
            )
            self.errors.append(error)
            log.warning("discord double answered %s", error)
        self._signal.notify()
        if reply.status == 204 or reply.data is None:
            return web.Response(status=204 if reply.status < 300 else reply.status)
        return _json_response(reply.status, reply.data)

    def _interaction_of(self, params: Mapping[str, str]) -> int | None:
        if params.get("interaction_id", "").isdigit():
            return int(params["interaction_id"])
        handle = self._by_token.get(params.get("webhook_token", ""))
        return None if handle is None else handle.id

    def _invalid_form(self, problems: list[str]) -> _Reply:
        # Already recorded as violations; not repeated as errors.
        return self._fail(400, 50035, "Invalid Form Body", {"_errors": problems}, record=False)

    def _fail(
        self,
        status: int,
        code: int,
        message: str,
        errors: Mapping[str, Any] | None = None,
        *,
        record: bool = True,
    ) -> _Reply:
        data: dict[str, Any] = {"message": message, "code": code}
        if errors:
            data["errors"] = errors
        error = DoubleError("", "", status, code, message) if record else None
        return _Reply(status, data, error)

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        record = RecordedRequest(
            request.method,
            request.path,
            None,
            dict(request.query),
            None,
            [],
            None,
            time.monotonic(),
        )
        self.requests.append(record)
        return self._finish(record, self._fail(404, 0, "404: Not Found"))

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        try:
            data = self.attachment_bytes[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ lookups for handlers

    def _snowflake(self, value: str, code: int, what: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise _Refusal(self._fail(404, code, f"Unknown {what}")) from None

    def _channel(self, value: str) -> Channel:
        channel = self.channels.get(self._snowflake(value, 10003, "Channel"))
        if channel is None:
            raise _Refusal(self._fail(404, 10003, "Unknown Channel"))
        return channel

    def _guild(self, value: str) -> Guild:
        guild = self.guilds.get(self._snowflake(value, 10004, "Guild"))
        if guild is None:
            raise _Refusal(self._fail(404, 10004, "Unknown Guild"))
        return guild

    def _check_app(self, value: str) -> None:
        if value != str(self.application_id):
            raise _Refusal(self._fail(404, 10002, "Unknown Application"))

    def _webhook_handle(self, webhook_id: str, token: str) -> InteractionHandle:
        handle = self._by_token.get(token)
        if webhook_id != str(self.application_id) or handle is None:
            raise _Refusal(self._fail(404, 10015, "Unknown Webhook"))
        if handle.callback is None or handle.expired:
            # A followup before the initial response: Discord has no webhook yet.
            raise _Refusal(self._fail(404, 10015, "Unknown Webhook"))
        return handle

    # ------------------------------------------------------------------ message helpers

    def _attachment_payload(
        self, channel: Channel, upload: UploadedFile, meta: Mapping[str, Any]
    ) -> dict[str, Any]:
        att_id = self.new_id()
        self.attachment_bytes[att_id] = upload.data
        url = f"{self.http_base}/attachments/{channel.id}/{att_id}/{upload.filename}"
        data: dict[str, Any] = {
            "id": str(att_id),
            "filename": meta.get("filename") or upload.filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": upload.content_type or "application/octet-stream",
        }
        if meta.get("description"):
            data["description"] = meta["description"]
        return data

    def _apply_body(
        self,
        message: StoredMessage,
        body: Mapping[str, Any],
        files: list[UploadedFile],
        *,
        creating: bool,
    ) -> None:
        if "content" in body:
            message.content = body.get("content") or ""
        if "embeds" in body:
            message.embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
        if "components" in body:
            message.components = list(body.get("components") or [])
        if body.get("flags") is not None:
            flags = int(body["flags"])
            if creating:
                message.flags = (message.flags & ~_CREATE_FLAGS) | (flags & _CREATE_FLAGS)
            else:
                message.flags = (message.flags & ~_EDITABLE_FLAGS) | (flags & _EDITABLE_FLAGS)
        if creating:
            message.tts = bool(body.get("tts"))
        by_field = {f.field: f for f in files}
        if "attachments" in body and body["attachments"] is not None:
            kept: list[dict[str, Any]] = []
            existing = {a["id"]: a for a in message.attachments}
            for meta in body["attachments"]:
                upload = by_field.get(f"files[{meta.get('id')}]")
                if upload is not None:
                    kept.append(self._attachment_payload(message.channel, upload, meta))
                elif str(meta.get("id")) in existing:
                    kept.append(existing[str(meta.get("id"))])
            message.attachments = kept
        elif files:
            message.attachments = message.attachments + [
                self._attachment_payload(message.channel, f, {}) for f in files
            ]
        message.files = message.files + files
        allowed = body.get("allowed_mentions") if "allowed_mentions" in body else None
        parse = None if allowed is None else set(allowed.get("parse") or [])
        explicit = set() if allowed is None else {str(u) for u in allowed.get("users") or []}
        mentioned = []
        for uid in limits.user_mention_ids(message.content):
            user = self.users.get(int(uid))
            if user is not None and (parse is None or "users" in parse or uid in explicit):
                mentioned.append(user)
        message.mentions = mentioned
        message.mention_everyone = (
            "@everyone" in message.content or "@here" in message.content
        ) and (parse is None or "everyone" in parse)
        message.history.append(dict(body))

    def _new_message(
        self,
        channel: Channel,
        author: User,
        body: Mapping[str, Any],
        files: list[UploadedFile],
        **extra: Any,
    ) -> StoredMessage:
        guild = self.guild_of(channel)
        member = guild.members.get(author.id) if guild is not None else None
        message = StoredMessage(self.new_id(), channel, author, member=member, **extra)
        self._apply_body(message, body, files, creating=True)
        self.messages[message.id] = message
        channel.last_message_id = message.id
        return message

    def _interaction_message(
        self,
        handle: InteractionHandle,
        body: Mapping[str, Any],
        files: list[UploadedFile],
        *,
        loading: bool = False,
        followup: bool = False,
    ) -> StoredMessage:
        metadata: dict[str, Any] = {
            "id": str(handle.id),
            "type": handle.type,
            "user": handle.user.payload(),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        msg_type = 0
        if handle.command is not None:
            metadata["name"] = handle.command["name"]
            metadata["command_type"] = handle.command.get("type", 1)
            msg_type = 20 if handle.command.get("type", 1) == CHAT_INPUT else 23
        if handle.message is not None:
            metadata["interacted_message_id"] = str(handle.message.id)
        if followup and handle.original_message is not None:
            metadata["original_response_message_id"] = str(handle.original_message.id)
        message = self._new_message(
            handle.channel,
            self.bot_user,
            body,
            files,
            type=msg_type,
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata=metadata,
        )
        if loading:
            message.flags |= StoredMessage.LOADING
        handle.messages.append(message)
        self._announce_message("MESSAGE_CREATE", message)
        return message

    def _edit_message(
        self, message: StoredMessage, body: Mapping[str, Any], files: list[UploadedFile]
    ) -> None:
        self._apply_body(message, body, files, creating=False)
        message.flags &= ~StoredMessage.LOADING
        message.edited_timestamp = iso_now()
        self._announce_message("MESSAGE_UPDATE", message)

    def _announce_message(self, event: str, message: StoredMessage) -> None:
        """Echo a message event to the bot like Discord does (never for ephemeral ones)."""
        if message.ephemeral:
            return
        guild = self.guild_of(message.channel)
        intent = Intent.DIRECT_MESSAGES if guild is None else Intent.GUILD_MESSAGES
        for session in self._live_sessions():
            if not session.intents & intent:
                continue
            if (
                guild is not None
                and self._shard_for(guild.id, session.shard_count) != session.shard_id
            ):
                continue
            if guild is None and session.shard_id != 0:
                continue
            payload = message.payload()
            mentions_bot = any(u.id == self.bot_user.id for u in message.mentions)
            if (
                not session.intents & Intent.MESSAGE_CONTENT
                and message.author.id != self.bot_user.id
                and guild is not None
                and not mentions_bot
            ):
                # Without the privileged intent Discord blanks these fields.
                payload.update(content="", embeds=[], attachments=[], components=[])
            self._background(session.dispatch(event, payload))

    # ------------------------------------------------------------------ route table

    def _register_routes(self) -> None:
        r = self.route

        @r("GET", "/users/@me")
        async def me(req: _Req) -> _Reply:
            data = self.bot_user.payload()
            data.update(verified=True, mfa_enabled=False, email=None, locale="en-US", bio="")
            return _Reply(200, data)

        @r("GET", "/users/{user_id}")
        async def get_user(req: _Req) -> _Reply:
            user = self.users.get(self._snowflake(req.params["user_id"], 10013, "User"))
            if user is None:
                return self._fail(404, 10013, "Unknown User")
            return _Reply(200, user.payload())

        @r("POST", "/users/@me/channels")
        async def create_dm(req: _Req) -> _Reply:
            body = req.body if isinstance(req.body, Mapping) else {}
            raw = body.get("recipient_id")
            user = self.users.get(int(raw)) if str(raw).isdigit() else None
            if user is None:
                return self._fail(400, 50035, "Invalid Form Body", {"recipient_id": "unknown user"})
            return _Reply(200, self.dm_channel(user).payload())

        async def app_info(req: _Req) -> _Reply:
            return _Reply(200, self.application_payload())

        r("GET", "/oauth2/applications/@me")(app_info)
        r("GET", "/applications/@me")(app_info)

        @r("GET", "/gateway", auth=False)
        async def gateway(req: _Req) -> _Reply:
            return _Reply(200, {"url": self.gateway_url})

        @r("GET", "/gateway/bot")
        async def gateway_bot(req: _Req) -> _Reply:
            return _Reply(
                200,
                {
                    "url": self.gateway_url,
                    "shards": self.shard_count,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 14_400_000,
                        "max_concurrency": 1,
                    },
                },
            )

        # --- application commands
        for scope in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            r("GET", scope)(self._list_commands)
            r("PUT", scope)(self._bulk_commands)
            r("POST", scope)(self._create_command)
            r("GET", scope + "/{command_id}")(self._get_command)
            r("PATCH", scope + "/{command_id}")(self._edit_command)
            r("DELETE", scope + "/{command_id}")(self._delete_command)

        @r("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions")
        async def command_permissions(req: _Req) -> _Reply:
            self._check_app(req.params["application_id"])
            self._guild(req.params["guild_id"])
            return _Reply(200, [])

        # --- interactions
        r(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            auth=False,
            checks=_callback_checks,
        )(self._interaction_callback)
        r("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False, checks=_message_checks)(
            self._webhook_execute
        )
        for target in ("/messages/@original", "/messages/{message_id}"):
            base = "/webhooks/{webhook_id}/{webhook_token}" + target
            r("GET", base, auth=False)(self._webhook_get)
            r("PATCH", base, auth=False, checks=_message_checks)(self._webhook_edit)
            r("DELETE", base, auth=False)(self._webhook_delete)

        # --- channels and messages
        r("GET", "/channels/{channel_id}")(self._get_channel)
        r("POST", "/channels/{channel_id}/messages", checks=_message_checks)(self._create_message)
        r("GET", "/channels/{channel_id}/messages")(self._list_messages)
        r("GET", "/channels/{channel_id}/messages/{message_id}")(self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", checks=_message_checks)(
            self._edit_channel_message
        )
        r("DELETE", "/channels/{channel_id}/messages/{message_id}")(self._delete_channel_message)

        @r("POST", "/channels/{channel_id}/typing")
        async def typing(req: _Req) -> _Reply:
            self._channel(req.params["channel_id"])
            return _Reply(204)

        async def reaction(req: _Req) -> _Reply:
            channel = self._channel(req.params["channel_id"])
            self._message_in(channel, req.params["message_id"])
            return _Reply(204)

        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")(
            reaction
        )
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")(
            reaction
        )

        # --- guilds
        @r("GET", "/guilds/{guild_id}")
        async def get_guild(req: _Req) -> _Reply:
            guild = self._guild(req.params["guild_id"])
            data = guild.payload()
            for key in (
                "channels",
                "members",
                "threads",
                "presences",
                "voice_states",
                "joined_at",
                "large",
            ):
                data.pop(key, None)
            return _Reply(200, data)

        @r("GET", "/guilds/{guild_id}/channels")
        async def guild_channels(req: _Req) -> _Reply:
            guild = self._guild(req.params["guild_id"])
            return _Reply(200, [c.payload() for c in guild.channels])

        @r("GET", "/guilds/{guild_id}/roles")
        async def guild_roles(req: _Req) -> _Reply:
            guild = self._guild(req.params["guild_id"])
            return _Reply(200, [role.payload() for role in guild.roles])

        @r("GET", "/guilds/{guild_id}/members/{user_id}")
        async def guild_member(req: _Req) -> _Reply:
            guild = self._guild(req.params["guild_id"])
            member = guild.members.get(self._snowflake(req.params["user_id"], 10007, "Member"))
            if member is None:
                return self._fail(404, 10007, "Unknown Member")
            return _Reply(200, member.payload())

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
            "is_monetized": False,
            "explicit_content_filter": 0,
        }

    @property
    def application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        if self.privileged_intents & Intent.GUILD_PRESENCES:
            flags |= 1 << 12
        if self.privileged_intents & Intent.GUILD_MEMBERS:
            flags |= 1 << 14
        if self.privileged_intents & Intent.MESSAGE_CONTENT:
            flags |= 1 << 18
        return flags

    # ------------------------------------------------------------------ commands

    def _scope(self, req: _Req) -> int | None:
        self._check_app(req.params["application_id"])
        if "guild_id" in req.params:
            return self._guild(req.params["guild_id"]).id
        return None

    def _command_problems(self, payload: list[Mapping[str, Any]]) -> list[str]:
        problems: list[str] = []
        seen: set[tuple[str, int]] = set()
        counts = {CHAT_INPUT: 0, USER_COMMAND: 0, MESSAGE_COMMAND: 0}
        for item in payload:
            name, kind = str(item.get("name", "")), int(item.get("type", 1) or 1)
            counts[kind] = counts.get(kind, 0) + 1
            if (name, kind) in seen:
                problems.append(f"duplicate command name {name!r} (type {kind})")
            seen.add((name, kind))
            if kind == CHAT_INPUT:
                problems.extend(self._name_problems(name, f"command {name!r}"))
                problems.extend(self._option_problems(item.get("options") or [], name))
        for kind, limit in ((CHAT_INPUT, 100), (USER_COMMAND, 15), (MESSAGE_COMMAND, 15)):
            if counts.get(kind, 0) > limit:
                problems.append(f"{counts[kind]} commands of type {kind} (limit {limit})")
        return problems

    @staticmethod
    def _name_problems(name: str, what: str) -> list[str]:
        if not _COMMAND_NAME.match(name) or name != name.lower():
            return [f"{what}: chat input names must be 1-32 lowercase letters, digits, - or _"]
        return []

    def _option_problems(self, options: Iterable[Mapping[str, Any]], where: str) -> list[str]:
        problems: list[str] = []
        required_seen_optional = False
        for option in options:
            name = str(option.get("name", ""))
            problems.extend(self._name_problems(name, f"{where} option {name!r}"))
            if option.get("type") in (_SUBCOMMAND, _GROUP):
                problems.extend(
                    self._option_problems(option.get("options") or [], f"{where} {name}")
                )
                continue
            if option.get("required"):
                if required_seen_optional:
                    problems.append(f"{where}: required option {name!r} after an optional one")
            else:
                required_seen_optional = True
            if option.get("autocomplete") and option.get("choices"):
                problems.append(f"{where} option {name!r}: autocomplete and choices are exclusive")
        return problems

    def _command_object(
        self, item: Mapping[str, Any], scope: int | None, command_id: int
    ) -> dict[str, Any]:
        perms = item.get("default_member_permissions")
        data: dict[str, Any] = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self.new_id()),
            "type": item.get("type", 1) or 1,
            "name": item["name"],
            "description": item.get("description", "") or "",
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": item.get("dm_permission", True) if scope is None else False,
            "contexts": item.get("contexts"),
            "integration_types": item.get("integration_types") or [0],
            "nsfw": bool(item.get("nsfw", False)),
        }
        for key in ("name_localizations", "description_localizations"):
            if item.get(key):
                data[key] = item[key]
        if item.get("options"):
            data["options"] = item["options"]
        if scope is not None:
            data["guild_id"] = str(scope)
        return data

    async def _list_commands(self, req: _Req) -> _Reply:
        return _Reply(200, list(self.commands.get(self._scope(req), [])))

    async def _bulk_commands(self, req: _Req) -> _Reply:
        scope = self._scope(req)
        payload = req.body if isinstance(req.body, list) else []
        problems = self._command_problems(payload)
        if problems:
            for problem in problems:
                self.violate("commands", f"PUT {req.record.route}", problem)
            return self._fail(400, 50035, "Invalid Form Body", {"_errors": problems}, record=False)
        existing = {(c["name"], c["type"]): c for c in self.commands.get(scope, [])}
        new = []
        for item in payload:
            old = existing.get((item["name"], item.get("type", 1) or 1))
            new.append(self._command_object(item, scope, int(old["id"]) if old else self.new_id()))
        self.commands[scope] = new
        self.command_syncs.append(CommandSync(scope, list(payload), time.monotonic()))
        return _Reply(200, new)

    async def _create_command(self, req: _Req) -> _Reply:
        scope = self._scope(req)
        item = req.body if isinstance(req.body, Mapping) else {}
        current = [c for c in self.commands.get(scope, [])]
        problems = self._command_problems([*current, item])
        if problems:
            for problem in problems:
                self.violate("commands", f"POST {req.record.route}", problem)
            return self._fail(400, 50035, "Invalid Form Body", {"_errors": problems}, record=False)
        command = self._command_object(item, scope, self.new_id())
        self.commands[scope] = [*current, command]
        return _Reply(201, command)

    def _find_command(self, req: _Req) -> tuple[int | None, dict[str, Any]]:
        scope = self._scope(req)
        for command in self.commands.get(scope, []):
            if command["id"] == req.params["command_id"]:
                return scope, command
        raise _Refusal(self._fail(404, 10063, "Unknown application command"))

    async def _get_command(self, req: _Req) -> _Reply:
        return _Reply(200, self._find_command(req)[1])

    async def _edit_command(self, req: _Req) -> _Reply:
        scope, command = self._find_command(req)
        merged = {**command, **(req.body if isinstance(req.body, Mapping) else {})}
        updated = self._command_object(merged, scope, int(command["id"]))
        self.commands[scope] = [updated if c is command else c for c in self.commands[scope]]
        return _Reply(200, updated)

    async def _delete_command(self, req: _Req) -> _Reply:
        scope, command = self._find_command(req)
        self.commands[scope] = [c for c in self.commands[scope] if c is not command]
        return _Reply(204)

    def find_command(self, name: str, kind: int, guild: Guild | None) -> dict[str, Any]:
        """The registered command a user could invoke in ``guild`` (or in DMs)."""
        scopes: list[int | None] = [guild.id, None] if guild is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        registered = sorted(
            f"{c['name']} (type {c.get('type', 1)}, {'guild ' + str(s) if s else 'global'})"
            for s, cmds in self.commands.items()
            for c in cmds
        )
        raise LookupError(
            f"no registered command {name!r} of type {kind} is visible "
            f"{'in guild ' + guild.name if guild else 'in DMs'}; registered: {registered or 'none'}"
            " (did the bot sync its command tree?)"
        )

    # ------------------------------------------------------------------ interaction callbacks

    def _describe(self, handle: InteractionHandle) -> str:
        kinds = {2: "command", 3: "component", 4: "autocomplete", 5: "modal submit"}
        name = (
            handle.command["name"]
            if handle.command
            else handle.payload.get("data", {}).get("custom_id")
        )
        return f"{kinds.get(handle.type, 'interaction')} {name!r}"

    async def _interaction_callback(self, req: _Req) -> _Reply:
        where = "POST /interactions/{interaction_id}/{interaction_token}/callback"
        handle = self.interactions.get(
            self._snowflake(req.params["interaction_id"], 10062, "interaction")
        )
        if handle is None or handle.token != req.params["interaction_token"]:
            return self._fail(404, 10062, "Unknown interaction")
        now = time.monotonic()
        latency = now - handle.sent_at
        if handle.callback is not None or handle.expired:
            if handle.expired:
                return self._fail(404, 10062, "Unknown interaction", record=False)
            return self._fail(400, 40060, "Interaction has already been acknowledged.")
        body = req.body if isinstance(req.body, dict) else {}
        kind = body.get("type")
        if kind not in _CALLBACKS_FOR.get(handle.type, frozenset()):
            self.violate(
                "interaction",
                where,
                f"callback type {kind} is not valid for {self._describe(handle)}"
                f" (interaction type {handle.type})",
                handle.id,
            )
            return self._fail(400, 50035, "Invalid Form Body", {"type": "invalid"}, record=False)
        if latency > self.ack_deadline:
            handle.acked_in_time = False
            self.violate(
                "late_ack",
                where,
                f"{self._describe(handle)} acknowledged after {latency:.2f}s"
                f" (deadline {self.ack_deadline:g}s)",
                handle.id,
            )
            if self.enforce_ack_deadline:
                handle.expired = True
                handle._notify()
                return self._fail(404, 10062, "Unknown interaction", record=False)

        data = body.get("data") if isinstance(body.get("data"), dict) else None
        record = CallbackRecord(kind, data, body, req.files, latency, now)
        if handle.acked_in_time is None:
            handle.acked_in_time = True
        message: StoredMessage | None = None
        if kind == 4:
            message = self._interaction_message(handle, data or {}, req.files)
            handle.original_message = message
        elif kind == 5:
            flags = int((data or {}).get("flags") or 0) & StoredMessage.EPHEMERAL
            message = self._interaction_message(
                handle, {"content": "", "flags": flags}, [], loading=True
            )
            handle.original_message = message
        elif kind in (6, 7) and handle.message is not None:
            handle.original_message = handle.message
            if kind == 7:
                message = handle.message
                self._edit_message(message, data or {}, req.files)
        record.message = message
        handle.callback = record
        handle._notify()

        if not _truthy(req.query.get("with_response")):
            return _Reply(204)
        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        if message is not None:
            interaction.update(
                response_message_id=str(message.id),
                response_message_loading=kind == 5,
                response_message_ephemeral=message.ephemeral,
            )
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7) and message is not None:
            resource["message"] = message.payload()
        return _Reply(200, {"interaction": interaction, "resource": resource})

    async def _webhook_execute(self, req: _Req) -> _Reply:
        handle = self._webhook_handle(req.params["webhook_id"], req.params["webhook_token"])
        body = req.body if isinstance(req.body, Mapping) else {}
        original = handle.original_message
        if (
            handle.callback is not None
            and handle.callback.type == 5
            and original is not None
            and original.loading
            and not original.deleted
        ):
            # Documented backwards compatibility: the first followup after a deferred
            # response edits the "thinking…" message instead of creating a new one.
            self._edit_message(original, body, req.files)
            message = original
        else:
            message = self._interaction_message(handle, body, req.files, followup=True)
        handle.followup_records.append(
            WebhookRecord("followup", dict(body), req.files, message, time.monotonic())
        )
        handle._notify()
        if _truthy(req.query.get("wait")):
            return _Reply(200, message.payload())
        return _Reply(204)

    def _webhook_message(self, handle: InteractionHandle, req: _Req) -> StoredMessage:
        target = req.params.get("message_id")
        if target is None:
            message = handle.original_message
        else:
            wanted = self._snowflake(target, 10008, "Message")
            message = next((m for m in handle.messages if m.id == wanted), None)
        if message is None or message.deleted:
            raise _Refusal(self._fail(404, 10008, "Unknown Message"))
        return message

    async def _webhook_get(self, req: _Req) -> _Reply:
        handle = self._webhook_handle(req.params["webhook_id"], req.params["webhook_token"])
        return _Reply(200, self._webhook_message(handle, req).payload())

    async def _webhook_edit(self, req: _Req) -> _Reply:
        handle = self._webhook_handle(req.params["webhook_id"], req.params["webhook_token"])
        message = self._webhook_message(handle, req)
        body = req.body if isinstance(req.body, Mapping) else {}
        self._edit_message(message, body, req.files)
        handle.edit_records.append(
            WebhookRecord(
                "edit",
                dict(body),
                req.files,
                message,
                time.monotonic(),
                req.params.get("message_id", "@original"),
            )
        )
        handle._notify()
        return _Reply(200, message.payload())

    async def _webhook_delete(self, req: _Req) -> _Reply:
        handle = self._webhook_handle(req.params["webhook_id"], req.params["webhook_token"])
        message = self._webhook_message(handle, req)
        message.deleted = True
        self._announce_delete(message)
        handle._notify()
        return _Reply(204)

    def _announce_delete(self, message: StoredMessage) -> None:
        if message.ephemeral:
            return
        guild = self.guild_of(message.channel)
        for session in self._live_sessions():
            if (
                guild is not None
                and self._shard_for(guild.id, session.shard_count) != session.shard_id
            ):
                continue
            data = {"id": str(message.id), "channel_id": str(message.channel.id)}
            if guild is not None:
                data["guild_id"] = str(guild.id)
            self._background(session.dispatch("MESSAGE_DELETE", data))

    # ------------------------------------------------------------------ channel messages

    def _message_in(self, channel: Channel, value: str) -> StoredMessage:
        message = self.messages.get(self._snowflake(value, 10008, "Message"))
        if message is None or message.deleted or message.channel is not channel:
            raise _Refusal(self._fail(404, 10008, "Unknown Message"))
        return message

    def _require(self, channel: Channel, needed: int) -> None:
        if channel.is_dm:
            return
        have = self.bot_permissions_in(channel)
        if not have & Perm.VIEW_CHANNEL:
            raise _Refusal(self._fail(403, 50001, "Missing Access"))
        if have & needed != needed:
            raise _Refusal(self._fail(403, 50013, "Missing Permissions"))

    async def _get_channel(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        self._require(channel, Perm.VIEW_CHANNEL)
        return _Reply(200, channel.payload())

    async def _create_message(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        body = req.body if isinstance(req.body, Mapping) else {}
        needed = Perm.SEND_MESSAGES | (Perm.ATTACH_FILES if req.files else 0)
        self._require(channel, needed)
        if channel.is_dm and channel.recipient is not None and not channel.recipient.accepts_dms:
            return self._fail(403, 50007, "Cannot send messages to this user")
        if (
            not any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))
            and not req.files
        ):
            return self._fail(400, 50006, "Cannot send an empty message")
        referenced = None
        reference = body.get("message_reference")
        if isinstance(reference, Mapping) and reference.get("message_id") is not None:
            referenced = self.messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                return self._fail(
                    400,
                    50035,
                    "Invalid Form Body",
                    {"message_reference": {"_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE"}]}},
                )
        message = self._new_message(
            channel,
            self.bot_user,
            body,
            req.files,
            type=19 if referenced else 0,
            referenced=referenced,
        )
        self._announce_message("MESSAGE_CREATE", message)
        return _Reply(200, message.payload())

    async def _list_messages(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        limit = min(int(req.query.get("limit", "50")), 100)
        found = [
            m
            for m in self.messages.values()
            if m.channel is channel and not m.deleted and not m.ephemeral
        ]
        found.sort(key=lambda m: m.id, reverse=True)
        return _Reply(200, [m.payload() for m in found[:limit]])

    async def _get_message(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        return _Reply(200, self._message_in(channel, req.params["message_id"]).payload())

    async def _edit_channel_message(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        message = self._message_in(channel, req.params["message_id"])
        if message.author.id != self.bot_user.id:
            return self._fail(403, 50005, "Cannot edit a message authored by another user")
        body = req.body if isinstance(req.body, Mapping) else {}
        self._edit_message(message, body, req.files)
        return _Reply(200, message.payload())

    async def _delete_channel_message(self, req: _Req) -> _Reply:
        channel = self._channel(req.params["channel_id"])
        message = self._message_in(channel, req.params["message_id"])
        if message.author.id != self.bot_user.id:
            self._require(channel, Perm.MANAGE_MESSAGES)
        message.deleted = True
        self._announce_delete(message)
        return _Reply(204)

    # ------------------------------------------------------------------ gateway

    @staticmethod
    def _shard_for(guild_id: int, shard_count: int) -> int:
        return (guild_id >> 22) % shard_count

    def _live_sessions(self) -> list[GatewaySession]:
        # The newest session per shard is the live one; older ones were replaced by
        # a fresh IDENTIFY after an invalidation.
        newest: dict[int, GatewaySession] = {}
        for session in self.sessions.values():
            newest[session.shard_id] = session
        return list(newest.values())

    def session_for(self, guild: Guild | None) -> GatewaySession:
        sessions = self._live_sessions()
        if not sessions:
            raise RuntimeError("no bot is connected to the Discord double's gateway")
        count = sessions[0].shard_count
        shard = 0 if guild is None else self._shard_for(guild.id, count)
        for session in sessions:
            if session.shard_id == shard:
                return session
        raise RuntimeError(f"no gateway session for shard {shard}")

    def _guild_create(self, guild: Guild, session: GatewaySession) -> dict[str, Any]:
        return guild.payload()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        # timeout bounds the closing handshake; a vanished client must not stall stop().
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        if not ws.can_prepare(request).ok:
            return self._finish(
                RecordedRequest(
                    "GET", "/", None, dict(request.query), None, [], None, time.monotonic()
                ),
                self._fail(400, 0, "expected a websocket upgrade"),
            )
        await ws.prepare(request)
        conn = _Connection(ws, request.query, self.gateway_frames)
        conn.compress_frames = self.compress_gateway
        self._connections.add(conn)
        try:
            if request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"only json encoding is supported by the double")
                return ws
            await conn.send(
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    await self._on_gateway_payload(conn, payload)
                elif msg.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"binary payloads are not expected")
                    break
        finally:
            self._connections.discard(conn)
            for session in self.sessions.values():
                if session.connection is conn:
                    session.connection = None
            self._signal.notify()
        return ws

    async def _on_gateway_payload(self, conn: _Connection, payload: Mapping[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op in (2, 6) and conn.session is not None:
            self.errors.append(DoubleError("WS", "/", 4005, 4005, f"op {op} on an active session"))
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if op in (3, 4, 8) and conn.session is None:
            self.errors.append(DoubleError("WS", "/", 4003, 4003, f"op {op} before IDENTIFY"))
            await conn.ws.close(code=4003, message=b"Not authenticated.")
            return
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data if isinstance(data, dict) else {})
        elif op == 6:
            await self._resume(conn, data if isinstance(data, dict) else {})
        elif op == 8:
            await self._request_members(conn, data if isinstance(data, dict) else {})
        elif op == 3:
            self.presence_updates.append(dict(data or {}))
        elif op == 4:
            pass  # voice state updates are irrelevant to a text bot
        else:
            self.errors.append(DoubleError("WS", "/", 4001, 4001, f"unknown gateway opcode {op}"))
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            self.errors.append(DoubleError("WS", "/", 4004, 4004, "IDENTIFY with a wrong token"))
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if intents & Intent.PRIVILEGED & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if shard_count != self.shard_count or not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        session = GatewaySession(
            secrets.token_hex(16), shard_id, shard_count, intents, dict(data), conn
        )
        self.sessions[session.session_id] = session
        conn.session = session
        guilds = [g for g in self.guilds.values() if self._shard_for(g.id, shard_count) == shard_id]
        user = self.bot_user.payload()
        user.update(verified=True, mfa_enabled=False, email=None)
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": user,
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.application_id), "flags": self.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "auth": {},
                "_trace": ['["discord-double",{"micros":0}]'],
            },
        )
        if intents & Intent.GUILDS:
            for guild in guilds:
                await session.dispatch("GUILD_CREATE", self._guild_create(guild, session))
        self._signal.notify()

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            session.connection = conn
            conn.session = session
            last = int(data.get("seq") or 0)
            for payload in session.buffer:
                if payload["s"] > last:
                    await conn.send(payload)
        session.resumes += 1
        await session.dispatch("RESUMED", {"_trace": ['["discord-double"]']})
        self._signal.notify()

    async def _request_members(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = conn.session
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
            return
        query = str(data.get("query") or "").lower()
        ids = {int(i) for i in data.get("user_ids") or []}
        limit = int(data.get("limit") or 0) or len(guild.members)
        members = [
            m
            for m in guild.members.values()
            if (not ids or m.user.id in ids)
            and (
                not query
                or m.user.username.lower().startswith(query)
                or (m.nick or "").lower().startswith(query)
            )
        ][:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if ids:
            chunk["not_found"] = [str(i) for i in ids - {m.user.id for m in members}]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def reconnect(
        self, guild: Guild | None = None, *, timeout: float = DEFAULT_WAIT
    ) -> GatewaySession:
        """Ask the bot to reconnect (op 7) and wait until it has RESUMEd."""
        session = self.session_for(guild)
        before = session.resumes
        if session.connection is None:
            raise RuntimeError("session is not connected")
        await session.connection.send({"op": 7, "d": None, "s": None, "t": None})
        await self._signal.wait_for(
            lambda: session.resumes > before and session.connected, timeout, "RESUME"
        )
        return session

    async def dispatch(self, event: str, data: Any, *, guild: Guild | None = None) -> None:
        """Send an arbitrary gateway dispatch to the session that owns ``guild``."""
        await self.session_for(guild).dispatch(event, data)

    # ------------------------------------------------------------------ interaction builders

    def _context(
        self, user: User | None, guild: Guild | None, channel: Channel | None
    ) -> tuple[User, Guild | None, Channel]:
        user = user or self.default_user
        if user is None:
            raise ValueError("pass user=… (or set double.default_user)")
        if channel is not None:
            guild = self.guild_of(channel)
            if channel.is_dm and channel.recipient is not user:
                raise ValueError(f"{user.username} is not the recipient of DM channel {channel.id}")
        elif guild is not None:
            visible = [
                c
                for c in guild.text_channels()
                if guild.permissions_in(user, c) & Perm.VIEW_CHANNEL
            ]
            if not visible:
                raise ValueError(f"{user.username} cannot see any text channel in {guild.name!r}")
            channel = visible[0]
        else:
            channel = self.dm_channel(user)
        if guild is not None:
            guild.member(user)  # raises if not a member
        return user, guild, channel

    async def _inject(
        self,
        kind: int,
        user: User,
        guild: Guild | None,
        channel: Channel,
        locale: str,
        data: dict[str, Any],
        *,
        command: dict[str, Any] | None = None,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        """Build the INTERACTION_CREATE payload, register its handle and dispatch it."""
        interaction_id = self.new_id()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
        }
        if guild is not None:
            member = guild.member(user)
            perms = guild.permissions_in(user, channel)
            channel_data = channel.payload()
            channel_data["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={
                    "id": str(guild.id),
                    "locale": guild.locale,
                    "features": list(guild.features),
                },
                guild_locale=guild.locale,
                channel=channel_data,
                member=member.payload(permissions=perms),
                app_permissions=str(guild.permissions_in(self.bot_user, channel)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            channel_data = channel.payload()
            channel_data["permissions"] = str(Perm.DM)
            payload.update(
                channel=channel_data,
                user=user.payload(),
                app_permissions=str(Perm.DM),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        payload["data"] = data
        if message is not None:
            payload["message"] = message.payload()
        handle = InteractionHandle(
            self,
            interaction_id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            user=user,
            guild=guild,
            channel=channel,
            command=command,
            message=message,
        )
        session = self.session_for(guild)
        self.interactions[handle.id] = handle
        self._by_token[handle.token] = handle
        handle.sent_at = time.monotonic()
        await session.dispatch("INTERACTION_CREATE", payload)
        return handle

    def _check_visible(
        self, command: dict[str, Any], user: User, guild: Guild | None, channel: Channel
    ) -> None:
        contexts = command.get("contexts")
        if guild is None:
            if (contexts is not None and 1 not in contexts) or command.get(
                "dm_permission"
            ) is False:
                raise PermissionError(f"command {command['name']!r} is not available in DMs")
            return
        if contexts is not None and 0 not in contexts:
            raise PermissionError(f"command {command['name']!r} is not available in guilds")
        required = command.get("default_member_permissions")
        if required is not None:
            have = guild.permissions_in(user, channel)
            if int(required) & have != int(required) and not have & Perm.ADMINISTRATOR:
                raise PermissionError(
                    f"{user.username} lacks default_member_permissions {required}"
                    f" for {command['name']!r}"
                )

    def _resolve_value(
        self,
        option: Mapping[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
    ) -> Any:
        kind = option.get("type")
        name = option.get("name")
        if kind in (6, 9) and isinstance(value, (User, Member)):
            user = value.user if isinstance(value, Member) else value
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if guild is not None and user.id in guild.members:
                resolved.setdefault("members", {})[str(user.id)] = guild.members[user.id].payload(
                    with_user=False, permissions=guild.base_permissions(user)
                )
            return str(user.id)
        if kind in (8, 9) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if kind == 7 and isinstance(value, Channel):
            data = value.payload()
            if guild is not None and not value.is_dm:
                data["permissions"] = str(guild.permissions_in(self.bot_user, value))
            resolved.setdefault("channels", {})[str(value.id)] = data
            return str(value.id)
        if kind == 11 and isinstance(value, UploadedFile):
            att_id = self.new_id()
            self.attachment_bytes[att_id] = value.data
            url = f"{self.http_base}/attachments/0/{att_id}/{value.filename}"
            resolved.setdefault("attachments", {})[str(att_id)] = {
                "id": str(att_id),
                "filename": value.filename,
                "size": len(value.data),
                "url": url,
                "proxy_url": url,
                "content_type": value.content_type or "application/octet-stream",
                "ephemeral": True,
            }
            return str(att_id)
        if kind == 3:
            if not isinstance(value, str):
                raise TypeError(f"option {name!r} is a string option, got {value!r}")
            lo, hi = option.get("min_length"), option.get("max_length")
            if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
                raise ValueError(
                    f"option {name!r}: Discord's client would not accept {len(value)} characters"
                )
            return value
        if kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"option {name!r} is an integer option, got {value!r}")
        elif kind == 10:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"option {name!r} is a number option, got {value!r}")
        elif kind == 5:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean option, got {value!r}")
            return value
        elif kind in (6, 7, 8, 9, 11):
            raise TypeError(
                f"option {name!r} (type {kind}) needs a User, Role, Channel or UploadedFile"
            )
        if kind in (4, 10):
            lo, hi = option.get("min_value"), option.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"option {name!r}: {value} is outside [{lo}, {hi}]")
        return value

    def _build_options(
        self,
        defs: list[Mapping[str, Any]],
        given: Mapping[str, Any],
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
        *,
        focused: str | None,
        where: str,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in defs}
        out: list[dict[str, Any]] = []
        for name, value in given.items():
            option = by_name.get(name)
            if option is None:
                raise ValueError(f"{where} has no option {name!r}; it has {sorted(by_name)}")
            kind = option.get("type")
            if kind in (_SUBCOMMAND, _GROUP):
                if not isinstance(value, Mapping):
                    raise TypeError(f"{where} {name!r} is a subcommand; pass a dict of its options")
                out.append(
                    {
                        "type": kind,
                        "name": name,
                        "options": self._build_options(
                            list(option.get("options") or []),
                            value,
                            resolved,
                            guild,
                            focused=focused,
                            where=f"{where} {name}",
                        ),
                    }
                )
                continue
            if name == focused:
                # While typing, Discord sends the raw text for the focused option.
                out.append({"type": kind, "name": name, "value": str(value), "focused": True})
                continue
            value = self._resolve_value(option, value, resolved, guild)
            choices = option.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"option {name!r}: {value!r} is not one of its choices")
            out.append({"type": kind, "name": name, "value": value})
        if not any(d.get("type") in (_SUBCOMMAND, _GROUP) for d in defs) and focused is None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            if missing:
                raise ValueError(f"{where} requires {missing}")
        elif any(d.get("type") in (_SUBCOMMAND, _GROUP) for d in defs) and not out:
            raise ValueError(f"{where} needs a subcommand: one of {sorted(by_name)}")
        return out

    def _command_data(
        self,
        command: dict[str, Any],
        options: list[dict[str, Any]] | None,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
        }
        if options is not None:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: User | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> InteractionHandle:
        """Invoke a registered chat-input command as ``user``.

        ``options`` maps option names to values; a nested dict selects a subcommand
        (or group), e.g. ``{"list": {"status": "open"}}``. Users, roles, channels and
        :class:`UploadedFile` values are sent with ``resolved`` data. No ``guild`` and
        no ``channel`` means the user's DM with the bot. ``force`` skips the visibility
        checks (contexts, default_member_permissions) Discord's client would apply.
        """
        user, guild, channel = self._context(user, guild, channel)
        command = self.find_command(name, CHAT_INPUT, guild)
        if not force:
            self._check_visible(command, user, guild, channel)
        resolved: dict[str, dict[str, Any]] = {}
        opts = self._build_options(
            list(command.get("options") or []),
            options or {},
            resolved,
            guild,
            focused=None,
            where=f"/{name}",
        )
        data = self._command_data(command, opts, resolved)
        return await self._inject(
            APPLICATION_COMMAND, user, guild, channel, locale, data, command=command
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str | None = None,
        user: User | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Simulate typing into an autocomplete option. ``focused`` defaults to the last
        leaf option in ``options``; its value is sent as the raw typed text."""
        user, guild, channel = self._context(user, guild, channel)
        command = self.find_command(name, CHAT_INPUT, guild)
        if focused is None:
            leaf: Mapping[str, Any] = options
            while True:
                last_key = list(leaf)[-1]
                if isinstance(leaf[last_key], Mapping):
                    leaf = leaf[last_key]
                    continue
                focused = last_key
                break
        resolved: dict[str, dict[str, Any]] = {}
        opts = self._build_options(
            list(command.get("options") or []),
            options,
            resolved,
            guild,
            focused=focused,
            where=f"/{name}",
        )
        data = self._command_data(command, opts, {})
        return await self._inject(AUTOCOMPLETE, user, guild, channel, locale, data, command=command)

    async def context_menu(
        self,
        name: str,
        *,
        message: StoredMessage | None = None,
        target: User | None = None,
        user: User | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> InteractionHandle:
        """Invoke a message (``message=``) or user (``target=``) context-menu command."""
        if (message is None) == (target is None):
            raise ValueError("pass exactly one of message= or target=")
        resolved: dict[str, dict[str, Any]] = {}
        if message is not None:
            user, guild, channel = self._context(user, None, message.channel)
            command = self.find_command(name, MESSAGE_COMMAND, guild)
            resolved["messages"] = {str(message.id): message.payload()}
            target_id = str(message.id)
        else:
            assert target is not None
            user, guild, channel = self._context(user, None, None)
            command = self.find_command(name, USER_COMMAND, guild)
            self._resolve_value({"type": 6, "name": "target"}, target, resolved, guild)
            target_id = str(target.id)
        if not force:
            self._check_visible(command, user, guild, channel)
        data = self._command_data(command, None, resolved)
        data["target_id"] = target_id
        return await self._inject(
            APPLICATION_COMMAND, user, guild, channel, locale, data, command=command
        )

    async def click(
        self,
        custom_id: str,
        *,
        message: StoredMessage | None = None,
        user: User | None = None,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Click a button (or pick ``values`` in a select) on ``message``; without
        ``message``, the newest message carrying that ``custom_id`` is used."""
        if message is None:
            carrying = [
                m for m in self.messages.values() if not m.deleted and m.find_component(custom_id)
            ]
            if not carrying:
                raise LookupError(f"no message has a component with custom_id {custom_id!r}")
            message = max(carrying, key=lambda m: m.id)
        component = message.find_component(custom_id)
        if component is None:
            raise LookupError(
                f"message {message.id} has no component {custom_id!r};"
                f" it has {message.custom_ids()}"
            )
        if component.get("disabled"):
            raise PermissionError(
                f"component {custom_id!r} is disabled; Discord would not send a click"
            )
        if message.ephemeral and user is not None and message.interaction_metadata:
            owner = message.interaction_metadata["user"]["id"]
            if owner != str(user.id):
                raise PermissionError(
                    "only the invoking user can see (and click) an ephemeral message"
                )
        user, guild, channel = self._context(user, None, message.channel)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component.get("type", 2)}
        if component.get("id") is not None:
            data["id"] = component["id"]
        if component.get("type") in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        return await self._inject(
            MESSAGE_COMPONENT, user, guild, channel, locale, data, message=message
        )

    async def submit_modal(
        self, opened_by: InteractionHandle, values: Mapping[str, Any], *, locale: str = "en-US"
    ) -> InteractionHandle:
        """Submit the modal that ``opened_by`` answered with (callback type 9), filling
        text inputs from ``values`` by custom_id (strings; lists for selects)."""
        callback = opened_by.callback
        if callback is None or callback.type != 9 or not callback.data:
            raise LookupError(f"interaction {opened_by.id} did not open a modal")
        modal = callback.data

        def fill(component: Mapping[str, Any]) -> dict[str, Any]:
            kind = component.get("type")
            if kind == 1:
                return {
                    "type": 1,
                    "components": [fill(c) for c in component.get("components") or []],
                }
            if kind == 18:
                return {
                    "type": 18,
                    "id": component.get("id"),
                    "component": fill(component["component"]),
                }
            custom_id = component.get("custom_id")
            out: dict[str, Any] = {"type": kind, "id": component.get("id")}
            if custom_id is not None:
                out["custom_id"] = custom_id
                if kind == 4:
                    out["value"] = str(values.get(custom_id, ""))
                elif kind in (3, 5, 6, 7, 8):
                    out["values"] = list(values.get(custom_id, []))
            return out

        unknown = set(values) - {
            c.get("custom_id")
            for c in iter_components(modal.get("components") or [])
            if c.get("custom_id")
        }
        if unknown:
            raise ValueError(f"modal {modal.get('custom_id')!r} has no inputs {sorted(unknown)}")
        user, guild, channel = opened_by.user, opened_by.guild, opened_by.channel
        data = {
            "custom_id": modal.get("custom_id"),
            "components": [fill(c) for c in modal.get("components") or []],
        }
        return await self._inject(
            MODAL_SUBMIT, user, guild, channel, locale, data, message=opened_by.message
        )

    async def user_message(
        self,
        author: User,
        channel: Channel,
        content: str,
        *,
        embeds: list[dict[str, Any]] | None = None,
        dispatch: bool = True,
    ) -> StoredMessage:
        """A message a human posts; dispatched as MESSAGE_CREATE when the bot is connected
        (content blanked unless the bot has the message content intent, as on Discord)."""
        body: dict[str, Any] = {"content": content}
        if embeds:
            body["embeds"] = embeds
        message = self._new_message(channel, author, body, [])
        if dispatch and self._live_sessions():
            self._announce_message("MESSAGE_CREATE", message)
        return message

    # ------------------------------------------------------------------ control API

    async def _control(self, request: web.Request) -> web.StreamResponse:
        """A small JSON API so a test in another process can drive a standalone double."""
        path = request.match_info["tail"]
        try:
            body = await request.json() if request.body_exists else {}
            if request.method == "GET" and path == "state":
                return _json_response(200, self.control_state())
            if request.method == "POST" and path in ("slash", "autocomplete", "click"):
                handle = await self._control_inject(path, body)
                return _json_response(200, {"interaction_id": str(handle.id)})
            if request.method == "GET" and path.startswith("interactions/"):
                handle = self.interactions[int(path.split("/", 1)[1])]
                return _json_response(200, self.control_interaction(handle))
            if request.method == "POST" and path == "take_violations":
                return _json_response(200, [str(v) for v in self.take_violations()])
        except (KeyError, LookupError, ValueError, TypeError, PermissionError, RuntimeError) as exc:
            return _json_response(400, {"message": f"{type(exc).__name__}: {exc}", "code": 0})
        return _json_response(404, {"message": "unknown control route", "code": 0})

    def control_state(self) -> dict[str, Any]:
        return {
            "application_id": str(self.application_id),
            "guilds": [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "channels": [{"id": str(c.id), "name": c.name} for c in g.channels],
                    "members": [
                        {"id": str(m.user.id), "username": m.user.username}
                        for m in g.members.values()
                    ],
                }
                for g in self.guilds.values()
            ],
            "commands": {str(k): v for k, v in self.commands.items()},
            "sessions": len(self._live_sessions()),
            "violations": [str(v) for v in self.violations],
            "errors": [str(e) for e in self.errors],
            "requests": len(self.requests),
        }

    def control_interaction(self, handle: InteractionHandle) -> dict[str, Any]:
        cb = handle.callback
        return {
            "id": str(handle.id),
            "callback": None
            if cb is None
            else {"type": cb.type, "data": cb.data, "latency": cb.latency},
            "followups": [r.body for r in handle.followup_records],
            "edits": [r.body for r in handle.edit_records],
            "messages": [m.payload() for m in handle.messages],
        }

    async def _control_inject(self, kind: str, body: Mapping[str, Any]) -> InteractionHandle:
        user = self.users[int(body["user_id"])]
        guild = self.guilds[int(body["guild_id"])] if body.get("guild_id") else None
        channel = self.channels[int(body["channel_id"])] if body.get("channel_id") else None
        if kind == "slash":
            return await self.slash(
                body["name"], body.get("options") or {}, user=user, guild=guild, channel=channel
            )
        if kind == "autocomplete":
            return await self.autocomplete(
                body["name"],
                body.get("options") or {},
                focused=body.get("focused"),
                user=user,
                guild=guild,
                channel=channel,
            )
        message = self.messages[int(body["message_id"])] if body.get("message_id") else None
        return await self.click(
            body["custom_id"], message=message, user=user, values=body.get("values")
        )


class _Refusal(Exception):
    """Raised inside handlers to answer with a Discord-style error right away."""

    def __init__(self, reply: _Reply) -> None:
        super().__init__(reply.data)
        self.reply = reply
