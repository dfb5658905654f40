"""Validate request bodies against the vendored Discord OpenAPI 3.1 schema.

The schema (``tests/discord_api/openapi.json``) is loaded once, adjusted for the
leniencies listed below, and compiled into one cached jsonschema validator per
(operation, content type).

Leniencies, each because the real API accepts what the schema text rejects:

* ``oneOf`` is treated as ``anyOf``: Discord's own README for the spec says several
  unions overlap (e.g. a ``null`` branch next to a nullable object), so a valid body
  can match more than one branch and strict ``oneOf`` would reject it.
* Snowflakes (``SnowflakeType``, a string with a digits pattern) also accept
  non-negative integers: discord.py sends ``allowed_mentions.users`` and similar
  lists as ints and Discord accepts them.
* ``format`` is not asserted (jsonschema's default); ``uri`` and ``date-time``
  checks would only add noise for fields the bot never fills.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parent.parent / "discord_api" / "openapi.json"
_BASE_URI = "urn:discord-openapi"
_METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, matched from a concrete request path."""

    method: str
    template: str
    operation_id: str
    content_types: tuple[str, ...]

    @property
    def has_body(self) -> bool:
        return bool(self.content_types)


def _lenient(node: Any) -> Any:
    if isinstance(node, dict):
        out = {("anyOf" if key == "oneOf" else key): _lenient(value) for key, value in node.items()}
        return out
    if isinstance(node, list):
        return [_lenient(item) for item in node]
    return node


@cache
def _document() -> dict[str, Any]:
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    doc: dict[str, Any] = _lenient(copy.deepcopy(raw))
    snowflake = doc["components"]["schemas"]["SnowflakeType"]
    doc["components"]["schemas"]["SnowflakeType"] = {
        "anyOf": [snowflake, {"type": "integer", "minimum": 0}]
    }
    return doc


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(_document(), default_specification=DRAFT202012)
    return Registry().with_resource(_BASE_URI, resource)


def _template_regex(template: str) -> re.Pattern[str]:
    parts = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$")


@cache
def _operations() -> tuple[tuple[re.Pattern[str], int, str, str, str, tuple[str, ...]], ...]:
    ops = []
    for template, item in _document()["paths"].items():
        # Literal segments outrank placeholders so ".../messages/@original" wins over
        # ".../messages/{message_id}".
        literal_count = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            content = (op.get("requestBody") or {}).get("content") or {}
            ops.append(
                (
                    _template_regex(template),
                    literal_count,
                    method.upper(),
                    template,
                    str(op.get("operationId", "")),
                    tuple(content),
                )
            )
    ops.sort(key=lambda entry: -entry[1])
    return tuple(ops)


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for ``method`` on ``path`` (relative to ``/api/v10``)."""
    method = method.upper()
    for regex, _literals, op_method, template, op_id, content_types in _operations():
        if op_method == method and regex.match(path):
            return Operation(method, template, op_id, content_types)
    return None


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def _validator(method: str, template: str, content_type: str) -> Draft202012Validator:
    pointer = "/".join(
        _pointer_escape(token)
        for token in (
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            content_type,
            "schema",
        )
    )
    return Draft202012Validator({"$ref": f"{_BASE_URI}#/{pointer}"}, registry=_registry())


def _path_of(error: ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "."


def _message(error: ValidationError) -> str:
    # jsonschema quotes the whole offending value; a 6000-character embed would drown
    # the report, so length errors say the lengths instead.
    if error.validator in ("maxLength", "minLength") and isinstance(error.instance, str):
        size = len(error.instance)
        return f"string of length {size} violates {error.validator} {error.validator_value}"
    if error.validator in ("maxItems", "minItems") and isinstance(error.instance, list):
        size = len(error.instance)
        return f"array of {size} items violates {error.validator} {error.validator_value}"
    text = error.message
    return text if len(text) <= 300 else text[:297] + "..."


def _fails_on_discriminator(errors: Iterable[ValidationError], depth: int) -> bool:
    # A union branch whose "type"/"component type" enum does not match is simply the
    # wrong branch; its other complaints would only bury the real one.
    for err in errors:
        rel = list(err.absolute_path)[depth:]
        if rel == ["type"] and err.validator in ("enum", "const"):
            return True
    return False


def _explain(error: ValidationError) -> list[str]:
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [f"{_path_of(error)}: {_message(error)}"]
    depth = len(error.absolute_path)
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)  # type: ignore[arg-type]
    plausible = [errs for errs in branches.values() if not _fails_on_discriminator(errs, depth)]
    # A union that only fails because the value is not null in a nullable branch is
    # best explained by the non-null branch.
    plausible = [
        errs
        for errs in plausible
        if not (
            len(errs) == 1 and errs[0].validator == "type" and errs[0].validator_value == "null"
        )
    ] or plausible
    if not plausible:
        return [f"{_path_of(error)}: {_message(error)} (no union branch matches its 'type')"]
    # The branch with the fewest leaf complaints is the one the sender most likely meant.
    explained = [[line for sub in errs for line in _explain(sub)] for errs in plausible]
    return min(explained, key=len)


def validate_body(
    method: str, path: str, body: Any, content_type: str = "application/json"
) -> list[str]:
    """Problems with ``body`` for the request; an empty list means it is valid.

    ``content_type`` is the media type the body was decoded from; multipart bodies
    are validated through their ``payload_json`` against the JSON schema.
    """
    op = find_operation(method, path)
    if op is None:
        return [f"{method} {path}: no such operation in the Discord OpenAPI spec"]
    if not op.has_body:
        return [] if body is None else [f"{op.operation_id}: operation takes no request body"]
    media = "application/json" if "application/json" in op.content_types else content_type
    if media not in op.content_types:
        return [f"{op.operation_id}: content type {content_type} not accepted"]
    validator = _validator(op.method, op.template, media)
    problems: list[str] = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        problems.extend(f"{op.operation_id}: {line}" for line in _explain(error))
    return problems


_WARM_UP_BODIES: tuple[tuple[str, str, Any], ...] = (
    ("PUT", "/applications/1/commands", [{"name": "x", "description": "x", "options": []}]),
    ("PUT", "/applications/1/guilds/1/commands", []),
    ("POST", "/interactions/1/token/callback", {"type": 4, "data": {"content": "", "embeds": []}}),
    ("POST", "/webhooks/1/token", {"content": "", "embeds": [], "components": []}),
    ("PATCH", "/webhooks/1/token/messages/@original", {"content": ""}),
    ("POST", "/channels/1/messages", {"content": "", "allowed_mentions": {"parse": []}}),
)


@cache
def warm_up() -> None:
    """Compile the validators the bot hits and resolve their common $refs once, so the
    first interaction of a test run does not spend its 3 s ack window on it."""
    for method, path, body in _WARM_UP_BODIES:
        validate_body(method, path, body)
