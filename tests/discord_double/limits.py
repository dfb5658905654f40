"""Discord limits and mention hygiene, checked on everything the bot sends.

The OpenAPI schema encodes some of these limits (and a looser 4000-character
content limit for channel messages, which only Nitro users get); these checks are
the ones a bot must honour regardless of what the schema text says, plus rules the
schema cannot express (the 6000-character embed total, mention safety).

Every function returns a list of human-readable problems; empty means fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
ACTION_ROWS_MAX = 5
ROW_COMPONENTS_MAX = 5
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
ACK_DEADLINE_SECONDS = 3.0

# <@123>, <@!123> (legacy nickname form), <@&123>; @everyone and @here.
_MENTION = re.compile(r"@everyone|@here|<@!?\d+>|<@&\d+>")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")

_ACTION_ROW = 1
_BUTTON = 2
_SELECTS = {3, 5, 6, 7, 8}
_TEXT_DISPLAY = 10


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 6000 total for one embed."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    for field in embed.get("fields") or []:
        total += len(_text(field.get("name"))) + len(_text(field.get("value")))
    total += len(_text((embed.get("footer") or {}).get("text")))
    total += len(_text((embed.get("author") or {}).get("name")))
    return total


def check_embeds(embeds: Sequence[Mapping[str, Any]] | None) -> list[str]:
    problems: list[str] = []
    if not embeds:
        return problems
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds exceed the limit of {EMBEDS_MAX}")
    total = 0
    for i, embed in enumerate(embeds):
        where = f"embeds[{i}]"
        checks = [
            ("title", _text(embed.get("title")), EMBED_TITLE_MAX),
            ("description", _text(embed.get("description")), EMBED_DESCRIPTION_MAX),
            ("footer.text", _text((embed.get("footer") or {}).get("text")), EMBED_FOOTER_MAX),
            ("author.name", _text((embed.get("author") or {}).get("name")), EMBED_AUTHOR_MAX),
        ]
        for name, value, limit in checks:
            if len(value) > limit:
                problems.append(f"{where}.{name} is {len(value)} chars (limit {limit})")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.append(f"{where} has {len(fields)} fields (limit {EMBED_FIELDS_MAX})")
        for j, field in enumerate(fields):
            name, value = _text(field.get("name")), _text(field.get("value"))
            if len(name) > EMBED_FIELD_NAME_MAX:
                problems.append(
                    f"{where}.fields[{j}].name is {len(name)} chars (limit {EMBED_FIELD_NAME_MAX})"
                )
            if len(value) > EMBED_FIELD_VALUE_MAX:
                problems.append(
                    f"{where}.fields[{j}].value is {len(value)} chars"
                    f" (limit {EMBED_FIELD_VALUE_MAX})"
                )
        total += embed_length(embed)
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} chars (limit {EMBED_TOTAL_MAX} across all embeds)")
    return problems


def _check_interactive(component: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    custom_id = component.get("custom_id")
    if isinstance(custom_id, str) and len(custom_id) > CUSTOM_ID_MAX:
        problems.append(f"{where}.custom_id is {len(custom_id)} chars (limit {CUSTOM_ID_MAX})")
    ctype = component.get("type")
    if ctype == _BUTTON:
        label = _text(component.get("label"))
        if len(label) > BUTTON_LABEL_MAX:
            problems.append(f"{where}.label is {len(label)} chars (limit {BUTTON_LABEL_MAX})")
    elif ctype in _SELECTS:
        placeholder = _text(component.get("placeholder"))
        if len(placeholder) > SELECT_PLACEHOLDER_MAX:
            problems.append(
                f"{where}.placeholder is {len(placeholder)} chars (limit {SELECT_PLACEHOLDER_MAX})"
            )
        options = component.get("options") or []
        if len(options) > SELECT_OPTIONS_MAX:
            problems.append(f"{where} has {len(options)} options (limit {SELECT_OPTIONS_MAX})")
        for k, option in enumerate(options):
            for key in ("label", "value", "description"):
                text = _text(option.get(key))
                if len(text) > SELECT_OPTION_TEXT_MAX:
                    problems.append(
                        f"{where}.options[{k}].{key} is {len(text)} chars"
                        f" (limit {SELECT_OPTION_TEXT_MAX})"
                    )
    return problems


def _walk_components(components: Iterable[Mapping[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    for i, component in enumerate(components):
        here = f"{where}[{i}]"
        problems.extend(_check_interactive(component, here))
        children = component.get("components")
        if children:
            if component.get("type") == _ACTION_ROW and len(children) > ROW_COMPONENTS_MAX:
                problems.append(
                    f"{here} holds {len(children)} components (limit {ROW_COMPONENTS_MAX})"
                )
            problems.extend(_walk_components(children, f"{here}.components"))
        accessory = component.get("accessory")
        if isinstance(accessory, Mapping):
            problems.extend(_check_interactive(accessory, f"{here}.accessory"))
    return problems


def check_components(
    components: Sequence[Mapping[str, Any]] | None, *, v2: bool = False
) -> list[str]:
    if not components:
        return []
    problems: list[str] = []
    # Components V2 messages lay out up to 40 components freely; the five-row rule
    # only applies to classic action-row messages.
    rows = [c for c in components if c.get("type") == _ACTION_ROW]
    if not v2 and len(rows) > ACTION_ROWS_MAX:
        problems.append(f"{len(rows)} action rows (limit {ACTION_ROWS_MAX})")
    problems.extend(_walk_components(components, "components"))
    return problems


def _mentionable_texts(body: Mapping[str, Any]) -> Iterable[str]:
    yield _text(body.get("content"))
    for embed in body.get("embeds") or []:
        yield _text(embed.get("title"))
        yield _text(embed.get("description"))
        yield _text((embed.get("footer") or {}).get("text"))
        yield _text((embed.get("author") or {}).get("name"))
        for field in embed.get("fields") or []:
            yield _text(field.get("name"))
            yield _text(field.get("value"))
    yield from _component_texts(body.get("components") or [])


def _component_texts(components: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for component in components:
        if component.get("type") == _TEXT_DISPLAY:
            yield _text(component.get("content"))
        yield from _component_texts(component.get("components") or [])


def mentions_in(body: Mapping[str, Any]) -> list[str]:
    """Every mention-like token in the body's text (content, embeds, text displays)."""
    found: list[str] = []
    for text in _mentionable_texts(body):
        found.extend(_MENTION.findall(text))
    return found


def check_mentions(body: Mapping[str, Any]) -> list[str]:
    """A body that could ping must say, via allowed_mentions, that it pings nobody extra.

    Rules: no ``everyone`` or ``roles`` in ``parse``; ``users`` in ``parse`` is also
    refused (pinging must be opt-in per user via the ``users`` list); every user
    mentioned in the text that is not listed explicitly will simply not be pinged,
    which is fine. A body with mention-like text and no ``allowed_mentions`` at all
    is refused, because Discord would then parse everything.
    """
    tokens = mentions_in(body)
    if not tokens:
        return []
    shown = ", ".join(sorted(set(tokens))[:5])
    if "allowed_mentions" not in body or body.get("allowed_mentions") is None:
        return [f"text mentions {shown} but the body has no allowed_mentions"]
    allowed = body["allowed_mentions"]
    parse = set(allowed.get("parse") or [])
    problems = [
        f"allowed_mentions.parse includes {kind!r} while the text mentions {shown}"
        for kind in ("everyone", "roles", "users")
        if kind in parse
    ]
    return problems


def check_message_limits(body: Mapping[str, Any] | None) -> list[str]:
    """Size and shape limits for one message-like body (create, followup, edit, callback data)."""
    if not body:
        return []
    problems: list[str] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        problems.append(f"content is {len(content)} chars (limit {CONTENT_MAX})")
    problems.extend(check_embeds(body.get("embeds")))
    flags = body.get("flags") or 0
    v2 = isinstance(flags, int) and bool(flags & (1 << 15))
    problems.extend(check_components(body.get("components"), v2=v2))
    return problems


def check_message_body(body: Mapping[str, Any] | None) -> list[str]:
    """Limits and mention hygiene for one message-like body."""
    return check_message_limits(body) + (check_mentions(body) if body else [])


MODAL_TITLE_MAX = 45


def check_modal(data: Mapping[str, Any] | None) -> list[str]:
    data = data or {}
    problems: list[str] = []
    custom_id = _text(data.get("custom_id"))
    if len(custom_id) > CUSTOM_ID_MAX:
        problems.append(f"modal custom_id is {len(custom_id)} chars (limit {CUSTOM_ID_MAX})")
    title = _text(data.get("title"))
    if len(title) > MODAL_TITLE_MAX:
        problems.append(f"modal title is {len(title)} chars (limit {MODAL_TITLE_MAX})")
    problems.extend(_walk_components(data.get("components") or [], "modal.components"))
    return problems


def check_autocomplete(data: Mapping[str, Any] | None) -> list[str]:
    choices = (data or {}).get("choices") or []
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{len(choices)} autocomplete choices (limit {CHOICES_MAX})")
    for i, choice in enumerate(choices):
        name = _text(choice.get("name"))
        if not 1 <= len(name) <= CHOICE_NAME_MAX:
            problems.append(
                f"choices[{i}].name is {len(name)} chars (must be 1..{CHOICE_NAME_MAX})"
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
            problems.append(
                f"choices[{i}].value is {len(value)} chars (limit {CHOICE_STRING_VALUE_MAX})"
            )
    return problems


def check_callback_limits(body: Mapping[str, Any]) -> list[str]:
    """Size limits for an interaction callback body, dispatched on its type."""
    kind = body.get("type")
    data = body.get("data")
    if kind == 8:
        return check_autocomplete(data)
    if kind == 9:
        return check_modal(data)
    if kind in (4, 5, 6, 7):
        return check_message_limits(data)
    return []


def check_callback_mentions(body: Mapping[str, Any]) -> list[str]:
    data = body.get("data")
    if body.get("type") in (4, 7) and isinstance(data, Mapping):
        return check_mentions(data)
    return []


def user_mention_ids(text: str) -> list[str]:
    return _USER_MENTION.findall(text)


def role_mention_ids(text: str) -> list[str]:
    return _ROLE_MENTION.findall(text)
