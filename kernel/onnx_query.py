"""Questions embedded with onnxruntime instead of torch.

``python -m kernel.e5`` exports the e5 encoder to ``onnx/query.onnx`` inside the model folder
(see :mod:`kernel.e5.onnx_export`); a question is then tokenised by the folder's own tokenizer,
run through onnxruntime, mean-pooled over the attention mask and L2-normalised: what
sentence-transformers computes for this model (Transformer → mean Pooling → Normalize), in
about half the time of torch on one thread. Passages stay on sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

ONNX_FILE = Path("onnx") / "query.onnx"
# Written last by the export: names the model stamp the graph was exported from.
ONNX_STAMP = Path("onnx") / "query.json"
ONNX_FORMAT = 1
MODEL_STAMP = "nqcds_model.json"
DEFAULT_MAX_LENGTH = 512


def model_stamp_digest(model_dir: Path) -> str | None:
    """sha256 of the model folder's stamp; it changes whenever the model is rebuilt."""
    try:
        return hashlib.sha256((Path(model_dir) / MODEL_STAMP).read_bytes()).hexdigest()
    except OSError:
        return None


def onnx_problem(model_dir: Path) -> str | None:
    """Why the folder's ONNX query encoder cannot be used, or None when it is current."""
    folder = Path(model_dir)
    onnx_file, stamp_file = folder / ONNX_FILE, folder / ONNX_STAMP
    if not onnx_file.is_file():
        return f"{onnx_file} not found"
    try:
        stamp: Any = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{stamp_file} missing or unreadable ({exc.__class__.__name__})"
    if not isinstance(stamp, dict) or stamp.get("format") != ONNX_FORMAT:
        return f"{stamp_file} has an old format"
    digest = model_stamp_digest(folder)
    if digest is None or stamp.get("model_stamp_sha256") != digest:
        return f"{onnx_file} was exported from another build of the model"
    if onnx_file.stat().st_size != stamp.get("bytes"):
        return f"{onnx_file} size differs from {stamp_file}"
    return None


def _max_length(folder: Path, tokenizer_max: int) -> int:
    """sentence-transformers' limit: max_seq_length, capped by the tokenizer's own."""
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        limit = int(config.get("max_seq_length") or DEFAULT_MAX_LENGTH)
    except (OSError, ValueError, TypeError):
        limit = DEFAULT_MAX_LENGTH
    return min(limit, tokenizer_max) if 0 < tokenizer_max < 1_000_000 else limit


class OnnxQueryEncoder:
    """The model folder's ONNX encoder with its tokenizer: texts in, unit vectors out.

    Safe to call from several threads at once: the Rust tokenizer is only read after set-up
    and onnxruntime sessions may run concurrently.
    """

    def __init__(self, model_dir: Path, *, threads: int = 0, onnx_file: Path | None = None) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        folder = Path(model_dir)
        # The tokenizer transformers builds from the folder (what sentence-transformers uses),
        # read through its Rust backend: truncation is set once here, never per call, since
        # changing it while another thread encodes fails with "Already borrowed".
        hf_tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.max_length = _max_length(folder, int(hf_tokenizer.model_max_length))
        self._tokenizer = hf_tokenizer.backend_tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_length)
        self._pad_id = int(hf_tokenizer.pad_token_id or 0)

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, threads)  # 0 = onnxruntime's default
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: spinning keeps a core busy after each
        # question, which the rest of the answer (and other processes) then waits for
        # (measured on 2 busy cores, 2 threads: p50 40 ms spinning, 21 ms not).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: no notes on graph rewrites
        self._session = ort.InferenceSession(
            str(onnx_file or folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.threads = threads

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised mean-pooled embeddings, one row per text (prompts already added)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=True)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
