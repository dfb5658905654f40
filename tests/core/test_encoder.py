"""The shipped int8 ONNX model against the PyTorch original it was exported from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from geobot.search.encoder import DIMENSIONS, MODEL_DIR, Encoder, shared_encoder

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "model-reference.json"
# Int8 weights move a vector a little: the export measured cosines of 0.993-0.996 against
# the PyTorch model's vectors of the same sentences; 0.99 leaves room for onnxruntime's
# kernels differing between processors, and still fails on a wrong pooling, a truncating
# tokenizer or a different model (unrelated sentences score below 0.5).
TOLERANCE = 0.99


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return shared_encoder()


def test_the_model_ships_with_its_licence_and_attribution() -> None:
    assert "Apache License" in (MODEL_DIR / "LICENSE").read_text(encoding="utf-8")
    readme = (MODEL_DIR / "README.md").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in readme
    assert "tools/export_model.py" in readme


def test_vectors_match_the_pytorch_original(encoder: Encoder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    for sentence, vector in zip(reference["sentences"], expected, strict=True):
        cosine = float(encoder.encode(sentence) @ vector / np.linalg.norm(vector))
        assert cosine >= TOLERANCE, (sentence, cosine)


def test_vectors_are_unit_length_and_tell_paraphrase_from_topic(encoder: Encoder) -> None:
    club = encoder.encode("when does the reading club meet to discuss these articles")
    assert club.shape == (DIMENSIONS,)
    assert abs(float(np.linalg.norm(club)) - 1.0) < 1e-4
    paraphrase = encoder.encode("when is the reading club meeting")
    other = encoder.encode("who won the 2018 world cup")
    assert float(club @ paraphrase) > float(club @ other) + 0.3


def test_the_tokenizer_neither_pads_nor_cuts_at_128_tokens(encoder: Encoder) -> None:
    tokenizer = encoder._tokenizer
    assert len(tokenizer.encode("short").ids) == 3  # [CLS] short [SEP], no padding
    assert len(tokenizer.encode("word " * 200).ids) == 202
    assert len(tokenizer.encode("word " * 400).ids) == 256  # the model's own limit


def test_a_group_gets_the_same_vectors_whatever_ran_before(encoder: Encoder) -> None:
    texts = [f"Sentence number {i} about sanctions and the {i}th summit." for i in range(20)]
    first = encoder.encode_group(texts)
    encoder.encode_group(["Something else entirely, in a batch of its own."] * 5)
    assert np.array_equal(first, encoder.encode_group(texts))
    assert encoder.encode_group([]).shape == (0, DIMENSIONS)
