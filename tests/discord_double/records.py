"""What the double records: requests, violations, errors, and per-interaction handles."""

# Waiting helpers take ``timeout=`` on purpose: tests read as
# ``await handle.response(timeout=3)``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Channel, Guild, StoredMessage, UploadedFile, User

if TYPE_CHECKING:
    from .server import DiscordDouble

# Generous on purpose: a passing test never waits this long, and a loaded CI machine
# should not turn a slow-but-correct bot into a flaky failure.
DEFAULT_WAIT = 10.0


class Signal:
    """Lets tests await a condition on state the server mutates, without polling."""

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def notify(self) -> None:
        for entry in list(self._waiters):
            predicate, future = entry
            if not future.done() and predicate():
                future.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}") from None
        finally:
            self._waiters.remove(entry)


@dataclass(slots=True)
class RecordedRequest:
    """One HTTP request the bot made."""

    method: str
    path: str  # relative to /api/v10
    route: str | None  # the matched template, None for unknown routes
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    content_type: str | None
    at: float
    status: int = 0


@dataclass(frozen=True, slots=True)
class Violation:
    """Something the bot sent that real Discord would reject, or a rule it broke.

    ``kind`` is one of: ``schema``, ``limits``, ``mentions``, ``late_ack``,
    ``unacknowledged``, ``interaction``, ``commands``.
    """

    kind: str
    where: str
    detail: str
    interaction_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


@dataclass(frozen=True, slots=True)
class DoubleError:
    """A 4xx answer the double gave (unknown route, unknown interaction, …)."""

    method: str
    path: str
    status: int
    code: int
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.method} {self.path}: {self.message} (code {self.code})"


@dataclass(slots=True)
class CallbackRecord:
    """The initial interaction response (POST /interactions/{id}/{token}/callback)."""

    type: int
    data: dict[str, Any] | None
    body: dict[str, Any]
    files: list[UploadedFile]
    latency: float
    received_at: float
    message: StoredMessage | None = None


@dataclass(slots=True)
class WebhookRecord:
    """A followup (POST) or edit (PATCH) sent through the interaction webhook."""

    kind: str  # "followup" | "edit"
    body: dict[str, Any]
    files: list[UploadedFile]
    message: StoredMessage
    at: float
    target: str | None = None  # "@original" or a message id, for edits


@dataclass(slots=True)
class CommandSync:
    """One bulk overwrite (PUT) of application commands."""

    guild_id: int | None
    payload: list[dict[str, Any]]
    at: float

    @property
    def names(self) -> list[str]:
        return [c.get("name", "") for c in self.payload]


class InteractionHandle:
    """One injected interaction and everything the bot did in answer to it."""

    def __init__(
        self,
        double: DiscordDouble,
        *,
        interaction_id: int,
        token: str,
        type: int,
        payload: dict[str, Any],
        user: User,
        guild: Guild | None,
        channel: Channel,
        command: dict[str, Any] | None = None,
        message: StoredMessage | None = None,
    ) -> None:
        self.double = double
        self.id = interaction_id
        self.token = token
        self.type = type
        self.payload = payload
        self.user = user
        self.guild = guild
        self.channel = channel
        self.command = command
        self.message = message  # the message a component sits on, if any
        self.sent_at: float = 0.0
        self.callback: CallbackRecord | None = None
        self.followup_records: list[WebhookRecord] = []
        self.edit_records: list[WebhookRecord] = []
        self.original_message: StoredMessage | None = None
        self.messages: list[StoredMessage] = []
        self.acked_in_time: bool | None = None
        self.expired = False
        self._flagged_unacked = False
        self._signal = Signal()

    def __repr__(self) -> str:
        return (
            f"<InteractionHandle id={self.id} type={self.type} acked={self.callback is not None}>"
        )

    @property
    def latency(self) -> float | None:
        """Seconds from INTERACTION_CREATE sent to the callback received (None if none yet)."""
        return None if self.callback is None else self.callback.latency

    @property
    def violations(self) -> list[Violation]:
        """Violations the double attributed to this interaction."""
        return [v for v in self.double.violations if v.interaction_id == self.id]

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices from a type 8 callback."""
        if self.callback is None or self.callback.type != 8:
            return []
        return list((self.callback.data or {}).get("choices") or [])

    def _notify(self) -> None:
        self._signal.notify()

    async def wait_until(
        self,
        predicate: Callable[[InteractionHandle], bool],
        *,
        timeout: float = DEFAULT_WAIT,
        what: str = "condition",
    ) -> None:
        await self._signal.wait_for(
            lambda: predicate(self), timeout, f"{what} on interaction {self.id}"
        )

    async def response(self, timeout: float = DEFAULT_WAIT) -> CallbackRecord:
        """The initial callback, waiting for it if needed."""
        await self.wait_until(lambda h: h.callback is not None, timeout=timeout, what="callback")
        assert self.callback is not None
        return self.callback

    async def followups(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[WebhookRecord]:
        """All followups, after waiting until at least ``count`` have arrived."""
        await self.wait_until(
            lambda h: len(h.followup_records) >= count, timeout=timeout, what=f"{count} followup(s)"
        )
        return list(self.followup_records)

    async def edits(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[WebhookRecord]:
        """All edits through the webhook, after waiting until at least ``count`` arrived."""
        await self.wait_until(
            lambda h: len(h.edit_records) >= count, timeout=timeout, what=f"{count} edit(s)"
        )
        return list(self.edit_records)

    async def original(self, timeout: float = DEFAULT_WAIT) -> StoredMessage:
        """The original response message in its current state."""
        await self.wait_until(
            lambda h: h.original_message is not None,
            timeout=timeout,
            what="an original response message",
        )
        assert self.original_message is not None
        return self.original_message

    async def reply(self, timeout: float = DEFAULT_WAIT) -> StoredMessage:
        """The first message the user would actually read: the original response once it
        is no longer a 'thinking…' placeholder, or else the first followup."""

        def ready(h: InteractionHandle) -> bool:
            return any(not m.loading for m in h.messages)

        await self.wait_until(ready, timeout=timeout, what="a visible reply")
        return next(m for m in self.messages if not m.loading)
