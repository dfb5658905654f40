"""The on-disk cache of passage vectors: what a restart, a reload, an edit, a new model and a
damaged file each cost, and that a cached vector is always the one a rebuild computes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from geobot.library import Library
from geobot.search.encoder import MODEL_DIR, Encoder, shared_encoder
from geobot.search.vectors import SUFFIX, VectorCache

TEXTS = [
    "Russia expanded energy sales to India and China.",
    "NATO provides collective security guarantees to its members.",
    "The ceasefire does not include Lebanon.",
]


def test_a_miss_computes_and_stores_then_a_hit_computes_nothing(tmp_path: Path) -> None:
    first = VectorCache(tmp_path, shared_encoder())
    vectors = first.vectors(TEXTS)
    assert (first.stats.hits, first.stats.misses) == (0, 1)
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1
    second = VectorCache(tmp_path, shared_encoder())
    assert np.array_equal(second.vectors(TEXTS), vectors)
    assert (second.stats.hits, second.stats.misses) == (1, 0)


def test_another_model_misses_the_cache(tmp_path: Path) -> None:
    VectorCache(tmp_path / "cache", shared_encoder()).vectors(TEXTS)
    other = tmp_path / "model"
    shutil.copytree(MODEL_DIR, other)
    # A real change to what the vectors depend on: the tokenizer's truncation length.
    tokenizer = (other / "tokenizer.json").read_text(encoding="utf-8")
    assert '"max_length": 256' in tokenizer
    (other / "tokenizer.json").write_text(
        tokenizer.replace('"max_length": 256', '"max_length": 255'), encoding="utf-8"
    )
    changed = Encoder(other)
    assert changed.checksum != shared_encoder().checksum
    cache = VectorCache(tmp_path / "cache", changed)
    cache.vectors(TEXTS)
    assert (cache.stats.hits, cache.stats.misses) == (0, 1)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_file_is_recomputed_never_served(tmp_path: Path, damage: str) -> None:
    expected = VectorCache(tmp_path, shared_encoder()).vectors(TEXTS)
    (path,) = tmp_path.glob(f"*{SUFFIX}")
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "flip":
        raw[-5] ^= 0xFF  # one float's bits: only the checksum can tell
    else:
        raw = bytearray(b"not a vector file")
    path.write_bytes(bytes(raw))
    cache = VectorCache(tmp_path, shared_encoder())
    assert np.array_equal(cache.vectors(TEXTS), expected)
    assert (cache.stats.corrupt, cache.stats.misses) == (1, 1)
    # …and the file was rewritten whole.
    again = VectorCache(tmp_path, shared_encoder())
    again.vectors(TEXTS)
    assert again.stats.hits == 1


def test_an_unchanged_restart_embeds_nothing(data_copy: Path, tmp_path: Path) -> None:
    first = Library.load(data_copy, cache_dir=tmp_path)
    assert first.semantic
    assert first.search.vector_stats is not None
    assert first.search.vector_stats.misses == len(first)
    second = Library.load(data_copy, cache_dir=tmp_path)
    assert second.search.vector_stats is not None
    assert (second.search.vector_stats.hits, second.search.vector_stats.misses) == (len(first), 0)
    assert second.search.matrix is not None
    assert np.array_equal(first.search.matrix, second.search.matrix)


def test_one_changed_article_re_embeds_only_itself(data_copy: Path, tmp_path: Path) -> None:
    Library.load(data_copy, cache_dir=tmp_path / "cache")
    article = sorted(data_copy.glob("*.txt"))[0]
    with article.open("a", encoding="utf-8") as handle:
        handle.write("\nA new closing paragraph, added by the editors after publication.\n")
    reloaded = Library.load(data_copy, cache_dir=tmp_path / "cache")
    stats = reloaded.search.vector_stats
    assert stats is not None
    assert (stats.hits, stats.misses) == (len(reloaded) - 1, 1)
    # The edited article's vectors are exactly those of a build from nothing.
    fresh = Library.load(data_copy, cache_dir=tmp_path / "empty")
    assert reloaded.search.matrix is not None
    assert fresh.search.matrix is not None
    assert np.array_equal(reloaded.search.matrix, fresh.search.matrix)
