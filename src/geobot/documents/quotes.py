"""Temporary: the old extraction, moved, to measure before the rewrite."""

from __future__ import annotations

from geobot.documents.parse import _QUOTED, FoundQuote, classify_quote


def find_quotes(paragraphs: list[str]) -> list[FoundQuote]:
    out = []
    for p in paragraphs:
        for match in _QUOTED.finditer(p):
            inner = match.group(1) if match.group(1) is not None else match.group(2)
            kind, speaker = classify_quote(p, match.start(), match.end())
            out.append(FoundQuote(inner, 0, kind, speaker))
    return out
