"""Helpers shared by the reader e2e tests: reading replies, the question log and bodies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from discord_double import DiscordDouble, InteractionHandle, StoredMessage, limits
from geobot.bot.client import GeobotBot
from geobot.documents.model import DocumentSet, Quote, QuoteKind
from geobot.library import Library
from geobot.questions.models import Question
from geobot.questions.store import QuestionFilter, QuestionStore, Scope

EPHEMERAL = 1 << 6
MakeGeobot = Callable[..., GeobotBot]  # the make_geobot fixture
ANSWERED_QUESTION = "What did Senator Mike Lee say about NATO?"
NEW_WORLD_ORDER = "trump-russia-realignment-new-world-order"
ALLIANCE = "trump-putin-alliance-unravels"


def is_ephemeral(message: StoredMessage) -> bool:
    return bool(message.flags & EPHEMERAL)


def embed(message: StoredMessage) -> dict[str, Any]:
    assert message.embeds, f"message {message.id} has no embed: {message.content!r}"
    return message.embeds[0]


def field_names(message: StoredMessage) -> list[str]:
    return [f["name"] for f in embed(message).get("fields", [])]


def footer(message: StoredMessage) -> str:
    return str(embed(message).get("footer", {}).get("text", ""))


def buttons(message: StoredMessage) -> dict[str, dict[str, Any]]:
    """The message's buttons by label."""
    found: dict[str, dict[str, Any]] = {}
    for row in message.components:
        for component in row.get("components", []):
            if component.get("type") == 2:
                found[component["label"]] = component
    return found


def custom_id(message: StoredMessage, label: str) -> str:
    return str(buttons(message)[label]["custom_id"])


async def visible_reply(handle: InteractionHandle, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
    """What the user ends up reading: the original response once it is no longer
    "thinking…", or the first followup if the original was removed."""

    def ready(h: InteractionHandle) -> bool:
        return any(not m.loading and not m.deleted for m in h.messages)

    await handle.wait_until(ready, timeout=timeout, what="a visible reply")
    return next(m for m in handle.messages if not m.loading and not m.deleted)


async def polite_refusal(handle: InteractionHandle) -> str:
    """The ephemeral text a refused interaction got; asserts nothing public remains."""
    message = await visible_reply(handle)
    assert is_ephemeral(message), f"the refusal is public: {message.content!r}"
    assert not any(not m.deleted and not is_ephemeral(m) for m in handle.messages), (
        "a public message was left behind"
    )
    return message.content


def logged(store: QuestionStore, guild_id: int | None, **filters: Any) -> list[Question]:
    """Every logged question of a guild (None: DMs), oldest first."""
    page = store.list_questions(Scope.bot_admin(guild_id), QuestionFilter(**filters), limit=500)
    return list(reversed(page.items))


def logged_one(store: QuestionStore, interaction_id: int, guild_id: int | None) -> Question:
    rows = [q for q in logged(store, guild_id) if q.interaction_id == interaction_id]
    assert len(rows) == 1, f"interaction {interaction_id} logged {len(rows)} times"
    return rows[0]


def message_bodies(double: DiscordDouble) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every message-like body the bot sent: callback data, followups, edits, messages."""
    for record in double.requests:
        if not isinstance(record.body, Mapping) or record.route is None:
            continue
        if record.route.endswith("/callback"):
            data = record.body.get("data")
            if isinstance(data, Mapping) and record.body.get("type") in (4, 7):
                yield record.route, data
        elif record.route.startswith(("/webhooks/", "/channels/")):
            yield record.route, record.body


def assert_nothing_pings(double: DiscordDouble) -> None:
    """No body can ping: no mention-like text at all, and allowed_mentions pinging nobody."""
    checked = 0
    for route, body in message_bodies(double):
        checked += 1
        assert limits.mentions_in(body) == [], f"{route} carries a live mention: {body}"
        allowed = body.get("allowed_mentions")
        if "content" in body or "embeds" in body:
            assert allowed is not None, f"{route} sent text without allowed_mentions"
            assert not allowed.get("parse"), f"{route} lets Discord parse mentions: {allowed}"
            assert not allowed.get("roles"), allowed
            assert not allowed.get("users"), allowed
    assert checked, "the bot sent no message bodies at all"


def texts(message: StoredMessage) -> Iterable[str]:
    yield message.content
    for item in message.embeds:
        yield str(item.get("title", ""))
        yield str(item.get("description", ""))
        for field in item.get("fields", []):
            yield field["name"]
            yield field["value"]
        yield str(item.get("footer", {}).get("text", ""))


def wide_library(base: Library, copies: int = 40) -> Library:
    """A library too big for one autocomplete answer, with names longer than Discord allows.

    Built from the bundled set (so every passage is real), with `copies` more documents
    whose titles run past 100 characters, and quotes by speakers with long names, plus the
    near-miss names that make exact-before-prefix-before-fuzzy ordering observable.
    """
    documents = dict(base.documents.documents)
    source = base.get(NEW_WORLD_ORDER)
    titles = [
        f"NATO and the long decline of the post-war order, part {n}: how alliances end "
        f"when the interests that made them change {'and why ' * 4}"
        for n in range(copies)
    ]
    titles += ["NATO", "NATO expansion", "Natoma Street"]
    for n, title in enumerate(titles):
        doc_id = f"wide-{n:02d}"
        quotes = tuple(
            dataclasses.replace(
                q,
                id=f"{doc_id}:{q.id}",
                document_id=doc_id,
                text=f"{q.text} {'and more words ' * 8}{n}",
                speaker=_long_speaker(q, n),
            )
            for q in source.quotes
        )
        passages = tuple(
            dataclasses.replace(p, id=f"{doc_id}:{p.ordinal}", document_id=doc_id)
            for p in source.passages
        )
        documents[doc_id] = dataclasses.replace(
            source,
            id=doc_id,
            title=title,
            passages=passages,
            quotes=quotes,
            arguments=(),
            sources=(),
        )
    extra_speakers = ("Mike Leeson", "Mika Lea")
    leeson = tuple(
        dataclasses.replace(q, id=f"wide-leeson:{i}", speaker=name, document_id=NEW_WORLD_ORDER)
        for i, (q, name) in enumerate(zip(source.quotes[:2], extra_speakers, strict=False))
        if q.kind is QuoteKind.QUOTE
    )
    nwo = documents[NEW_WORLD_ORDER]
    documents[NEW_WORLD_ORDER] = dataclasses.replace(nwo, quotes=nwo.quotes + leeson)
    return Library(
        DocumentSet(
            base.documents.path,
            documents,
            "wide-" + base.documents.digest,
            base.documents.loaded_at,
        )
    )


def _long_speaker(quote: Quote, n: int) -> str | None:
    if quote.kind is not QuoteKind.QUOTE:
        return None  # only someone's words have a speaker
    return f"{quote.speaker or 'Anonymous'} of the Committee for {'Very ' * 20}Long Names {n}"
