"""Text folding shared by validation, search and lookups.

Curated files are typed by people with straight quotes while the articles use curly ones;
both must compare equal, so every comparison goes through `fold`.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def straighten(text: str) -> str:
    """Curly quotes and dashes to their ASCII forms, whitespace collapsed; case kept."""
    if text.isascii():
        return _SPACE.sub(" ", text).strip()
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()


def fold(text: str) -> str:
    """The comparison form: straightened and case-folded."""
    return straighten(text).casefold()


def strip_accents(text: str) -> str:
    if text.isascii():  # the common case, and the only one at a million passages
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def remove_control_characters(text: str) -> str:
    return _CONTROL.sub(" ", text)
