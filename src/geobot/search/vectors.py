"""Passage vectors cached on disk, one file per document, so that a restart or a reload of
an unchanged set computes no embedding and an edited article re-embeds only itself.

A file is named by a digest of the model's checksum and the exact texts embedded, so a
changed article, a changed parser or a changed model each miss the cache instead of
serving stale vectors. Files are written to a temporary name and renamed into place, so a
crash leaves a whole file or none; each file carries a SHA-256 of its payload, and a file
that fails the check (truncated, overwritten, the wrong shape) is computed again, never
served.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geobot.search.encoder import DIMENSIONS, Encoder, shared_encoder

log = logging.getLogger(__name__)

MAGIC = b"GEOVEC1\n"
SUFFIX = ".vec"


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    corrupt: int = 0


def cache_key(model_checksum: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(model_checksum.encode())
    for text in texts:
        digest.update(b"\0")
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


class VectorCache:
    """Vectors of groups of texts (a document's passages), computed once per content."""

    def __init__(self, folder: Path | None, encoder: Encoder | None = None) -> None:
        """`encoder`: None for the process's shared one, opened only when first needed
        (a set too large for the semantic index never loads the model)."""
        self.folder = folder
        self._encoder = encoder
        self.stats = CacheStats()

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if self.folder is None:
            return self.encoder.encode_group(texts)
        path = self.folder / (cache_key(self.encoder.checksum, texts) + SUFFIX)
        found = self._read(path, len(texts))
        if found is not None:
            self.stats.hits += 1
            return found
        self.stats.misses += 1
        vectors = self.encoder.encode_group(texts)
        self._write(path, vectors)
        return vectors

    def _read(self, path: Path, rows: int) -> np.ndarray | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read cached vectors %s: %s", path, exc)
            return None
        header = len(MAGIC) + 32
        payload = raw[header:]
        if (
            raw[: len(MAGIC)] != MAGIC
            or hashlib.sha256(payload).digest() != raw[len(MAGIC) : header]
        ):
            self._corrupt(path)
            return None
        try:
            vectors = np.load(io.BytesIO(payload), allow_pickle=False)
        except ValueError:
            self._corrupt(path)
            return None
        if vectors.shape != (rows, DIMENSIONS) or vectors.dtype != np.float32:
            self._corrupt(path)
            return None
        return vectors

    def _corrupt(self, path: Path) -> None:
        self.stats.corrupt += 1
        log.warning("cached vectors %s are damaged: computing them again", path)
        return None

    def _write(self, path: Path, vectors: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        payload = buffer.getvalue()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, path)
        except OSError as exc:
            # A read-only or full disk costs the next start the embedding work, nothing more.
            log.warning("cannot cache vectors in %s: %s", path.parent, exc)
