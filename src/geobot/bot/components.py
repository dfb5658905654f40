"""Base classes for the bot's buttons, forms and dynamic items, which log each click once.

discord.py has no completion event for components, so, as RoboDanny's paginator does, the
project's own base classes do it through discord.py's public hooks: `interaction_check`
notes when the click began and logs a refusal, each item's callback is wrapped to log a
success, and `on_error` logs a failure (with its traceback) before telling the user.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from geobot.bot.observability import STARTED, log_interaction, outcome_of
from geobot.bot.replies import reply
from geobot.bot.tree import UserFacingError

log = logging.getLogger("geobot.bot")

GENERIC_ERROR = (
    "Sorry, something went wrong on my side. The moderators can find the details in the bot's log."
)

Callback = Callable[[discord.Interaction], Awaitable[Any]]


def started(interaction: discord.Interaction) -> None:
    """Note when a click's work began, for its log line's latency."""
    interaction.extras.setdefault(STARTED, time.perf_counter())


async def tell_error(interaction: discord.Interaction, error: Exception) -> None:
    """Say privately that a click failed: the error's own words when they are for users."""
    message = str(error) if isinstance(error, UserFacingError) else GENERIC_ERROR
    try:
        await reply(interaction, message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not report a component error: %s", exc)


def logged(name: str, callback: Callback) -> Callback:
    """`callback`, logging the click as successful when it returns."""

    @functools.wraps(callback)
    async def run(interaction: discord.Interaction, /) -> Any:
        started(interaction)
        result = await callback(interaction)
        log_interaction(interaction, "ok", name=name)
        return result

    return run


class LoggedView(discord.ui.View):
    """A view whose clicks are logged once each: ``Pages.next ... outcome=ok``.

    Subclasses decide who may click in `allows` (not `interaction_check`, which logs) and
    may override `on_error` to say more, calling `log_error` first.
    """

    def __init__(self, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        # Decorated buttons are instance attributes named after their method: those names
        # are stable and low-cardinality (they label metrics), unlike a custom_id.
        for attribute, item in list(vars(self).items()):
            if isinstance(item, discord.ui.Item):
                self._log_item(item, attribute)

    def add_item(self, item: discord.ui.Item[Any]) -> LoggedView:
        # Dynamic items log their own clicks; an item this view does not dispatch has none.
        if item.is_dispatchable() and not isinstance(item, discord.ui.DynamicItem):
            self._log_item(item, type(item).__name__)
        super().add_item(item)
        return self

    def _log_item(self, item: discord.ui.Item[Any], label: str) -> None:
        if hasattr(item, "callback"):
            # discord.py documents assigning an item's callback; its stubs type it as a method.
            item.callback = logged(  # type: ignore[method-assign,assignment]
                f"{type(self).__name__}.{label}", item.callback
            )

    def click_name(self, item: discord.ui.Item[Any] | None) -> str:
        for attribute, value in vars(self).items():
            if value is item:
                return f"{type(self).__name__}.{attribute}"
        return f"{type(self).__name__}.{type(item).__name__}"

    async def allows(self, interaction: discord.Interaction) -> bool:
        return True

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        started(interaction)
        if await self.allows(interaction):
            return True
        name = self.click_name(_clicked(self, interaction))
        log_interaction(interaction, "refused", name=name, reason="interaction check")
        return False

    def log_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        log_interaction(interaction, outcome_of(error), name=self.click_name(item), error=error)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        self.log_error(interaction, error, item)
        await tell_error(interaction, error)


def _clicked(view: discord.ui.View, interaction: discord.Interaction) -> discord.ui.Item[Any]:
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    for item in view.children:
        if getattr(item, "custom_id", None) == custom_id:
            return item
    return view.children[0]


class LoggedItem:
    """Mixed into a dynamic item, which no view of ours surrounds, to log its click once.

    discord.py gives dynamic items no error hook: a failure would only reach its own log,
    with the user left on "thinking…". Subclasses implement `clicked` and may override
    `on_error` to say more, calling `log_error` first.
    """

    async def clicked(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        started(interaction)
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.clicked(interaction)
        except Exception as exc:
            await self.on_error(interaction, exc)
        else:
            log_interaction(interaction, "ok", name=type(self).__name__)

    def log_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log_interaction(interaction, outcome_of(error), name=type(self).__name__, error=error)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        self.log_error(interaction, error)
        await tell_error(interaction, error)


class LoggedModal(discord.ui.Modal):
    """A form whose submission is logged once; subclasses implement `submitted`."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        started(interaction)
        return True

    async def submitted(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.submitted(interaction)
        log_interaction(interaction, "ok", name=type(self).__name__)

    # Modal.on_error takes no item, unlike View's: discord.py's own Modal narrows it the same way.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        log_interaction(interaction, outcome_of(error), name=type(self).__name__, error=error)
        await tell_error(interaction, error)
