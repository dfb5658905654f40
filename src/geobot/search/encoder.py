"""Sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime, no PyTorch.

The model and tokenizer ship inside the package (geobot/search/model, made by
tools/export_model.py), so nothing downloads at run time. A text's vector is the mean of
its token vectors, L2-normalised, as sentence-transformers computes it, so a dot product of
two vectors is their cosine similarity.

Int8 dynamic quantisation scales activations per batch, so a text's vector shifts slightly
with whatever else is in its batch. `encode_group` therefore batches only the texts it is
given, in their order, in fixed chunks: one document's passages are always encoded together
and alone, and an article re-embedded after an edit gets exactly the vectors a full rebuild
would give it. Questions are encoded one at a time, for the same reason.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parent / "model"
DIMENSIONS = 384
# Two threads per session: the bot answers on one core thread and the machines it runs on
# are small; more threads only contend with the event loop and the other processes.
MAX_THREADS = 2
# Texts per forward pass in encode_group: larger batches pad more, smaller ones pay the
# per-call overhead more often.
CHUNK = 32
# How encode_group forms its batches; part of the checksum, since int8 vectors depend on it.
BATCHING = "by-length"


class Encoder:
    """Texts to unit vectors. Thread-safe: onnxruntime sessions may be run concurrently and
    the tokenizer is only read."""

    def __init__(self, folder: Path = MODEL_DIR, threads: int | None = None) -> None:
        self.folder = folder
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(MAX_THREADS, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def __reduce__(self) -> tuple[object, tuple[str]]:
        # A library sent to another process pickled (nothing in the bot does since #17)
        # opens (or reuses) a session on the same files there rather than ship one.
        return _open, (str(self.folder),)

    @cached_property
    def checksum(self) -> str:
        """What the vectors depend on (weights, tokenizer, how groups are batched), for
        keying caches."""
        digest = hashlib.sha256(f"{BATCHING}:{CHUNK}".encode())
        for name in ("model.onnx", "tokenizer.json"):
            digest.update((self.folder / name).read_bytes())
        return digest.hexdigest()[:16]

    def encode(self, text: str) -> np.ndarray:
        """One text, alone in its batch (a question, an FAQ entry)."""
        return self._run([text])[0]

    def encode_group(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of a fixed group of texts (one document's passages), shape (n, 384).
        The same group always gets the same vectors, whatever was encoded before."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Batched by length, so that short texts are not padded to a long one's length;
        # the order depends on the group alone, so the vectors still do too.
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        for start in range(0, len(order), CHUNK):
            rows = order[start : start + CHUNK]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        encodings = [self._tokenizer.encode(text) for text in texts]
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        tokens = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_shared: Encoder | None = None
_shared_lock = threading.Lock()


def _open(folder: str) -> Encoder:
    return shared_encoder() if Path(folder) == MODEL_DIR else Encoder(Path(folder))


def shared_encoder() -> Encoder:
    """The process's one encoder: the session holds ~70 MB and takes a while to open, and
    every library and FAQ matcher of the process can use the same one."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Encoder()
        return _shared
