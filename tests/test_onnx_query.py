"""Questions embedded by onnxruntime are the vectors sentence-transformers gives, and the app
falls back to sentence-transformers when the ONNX export is missing, stale or switched off."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from kernel.embeddings import ONNX_BACKEND, TORCH_BACKEND, _load, load_embeddings
from kernel.onnx_query import ONNX_FILE, ONNX_STAMP, onnx_problem
from kernel.settings import Settings
from kernel.text import fold, has_diacritics

from .conftest import PUBLIC_SET, ROOT

MIN_COSINE = 0.9999


def _questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def varied_questions() -> list[str]:
    """Real questions of every kind users ask, plus the edge cases of tokenising and pooling."""
    public = [q["question"] for q in _questions(PUBLIC_SET)]
    users = _questions(ROOT / "evals" / "extra5.jsonl")  # phrased as officials ask them
    english = [q["question"] for q in users if q["lang"] == "en"]
    plain = [q["question"] for q in users if q["lang"] == "vi-nodiacritics"]
    with_context = sorted((q["question"] for q in users if q["lang"] == "vi"), key=len)[-10:]
    folded = [fold(q) for q in public if has_diacritics(q)][:10]  # typed without diacritics
    corpus = sorted((ROOT / "corpus").glob("*.txt"))[0].read_text(encoding="utf-8")
    long_ones = [
        # a pasted passage and a question: past 512 tokens, so both sides must truncate alike
        corpus[:6000] + "\n\nĐoạn trên nói gì về chữ ký số?",
        "Tôi đang soạn báo cáo.\nBối cảnh: " + corpus[2000:3500] + "\nHỏi: mục tiêu năm 2025?",
        "Context: the province plans a shared data platform. " * 40 + "What is the target?",
    ]
    edge = ["", "   ", "2025", "CĐS 100% DVCTT?", "chữ ký số 🙂 ✓ — “ngoặc” ①", "a\tb\nc"]
    return public + english + plain + with_context + folded + long_ones + edge


@pytest.fixture(scope="module")
def settings(model_dir: Path) -> Settings:
    return Settings(embedding={"model": str(model_dir)})


def test_model_folder_has_a_current_onnx_export(model_dir: Path) -> None:
    assert onnx_problem(model_dir) is None
    stamp = json.loads((model_dir / ONNX_STAMP).read_text(encoding="utf-8"))
    assert stamp["verification"]["min_cosine"] >= MIN_COSINE


def test_onnx_queries_match_sentence_transformers(settings: Settings) -> None:
    emb = load_embeddings(settings)
    assert emb.query_backend == ONNX_BACKEND
    reference = emb.documents_model()  # HuggingFaceEmbeddings: how questions were embedded
    questions = varied_questions()
    assert len(questions) >= 50
    cosines = []
    for q in questions:
        ours = np.asarray(emb.embed_query(q))
        with _torch_threads(1):  # two torch threads on a busy 2-core machine: 1 s a question
            theirs = np.asarray(reference.embed_query(q))
        assert ours.shape == theirs.shape == (384,)
        assert abs(float(np.linalg.norm(ours)) - 1.0) < 1e-5
        cosines.append(float(ours @ theirs))
    worst = int(np.argmin(cosines))
    print(
        f"\n{len(cosines)} questions: cosine ONNX vs sentence-transformers min "
        f"{cosines[worst]:.7f}, mean {np.mean(cosines):.7f}"
    )
    assert cosines[worst] >= MIN_COSINE, questions[worst][:200]


def test_onnx_passages_match_sentence_transformers(settings: Settings) -> None:
    """Ingest embeds passages through onnxruntime: the vectors sentence-transformers gives,
    for short units and for chunks near the 512-token limit alike, batched by length."""
    emb = load_embeddings(settings)
    corpus = sorted((ROOT / "corpus").glob("*.txt"))[1].read_text(encoding="utf-8")
    paras = [p for p in corpus.split("\n") if p.strip()]
    passages = paras[:40] + [corpus[i : i + 2500] for i in range(0, 10_000, 2500)] + ["a\nb"]
    ours = np.asarray(emb.embed_documents(passages))
    with _torch_threads(1):
        theirs = np.asarray(emb.documents_model().embed_documents(passages))
    cosines = (ours * theirs).sum(axis=1)
    print(
        f"\n{len(passages)} passages: cosine ONNX vs sentence-transformers min {cosines.min():.7f}"
    )
    assert ours.shape == theirs.shape == (len(passages), 384)
    assert cosines.min() >= MIN_COSINE, passages[int(np.argmin(cosines))][:200]


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _copy_model(model_dir: Path, target: Path, *, with_onnx: bool) -> Path:
    """A copy of the model folder (big files linked, not copied)."""
    target.mkdir()
    for item in model_dir.iterdir():
        if item.name == ONNX_FILE.parent.name:
            if with_onnx:
                (target / item.name).mkdir()
                (target / ONNX_FILE).symlink_to(model_dir / ONNX_FILE)
                shutil.copyfile(model_dir / ONNX_STAMP, target / ONNX_STAMP)
        elif item.is_dir():
            shutil.copytree(item, target / item.name)
        elif item.stat().st_size > 1_000_000:
            (target / item.name).symlink_to(item)
        else:
            shutil.copyfile(item, target / item.name)
    return target


def _fallback(folder: Path, caplog: pytest.LogCaptureFixture, **embedding) -> list[str]:
    """Load the embeddings of ``folder``, check they embed questions with torch, return logs."""
    _load.cache_clear()
    settings = Settings(embedding={"model": str(folder), **embedding})
    with caplog.at_level(logging.INFO, logger="kernel.embeddings"):
        emb = load_embeddings(settings)
        assert emb.query_backend == TORCH_BACKEND
        q = "Mục tiêu chữ ký số của Quảng Ngãi"
        vec = np.asarray(emb.embed_query(q))
        assert float(vec @ np.asarray(emb.documents_model().embed_query(q))) > 0.99999
        assert load_embeddings(settings) is emb  # loaded (and the reason logged) once
    messages = [r.getMessage() for r in caplog.records if r.name == "kernel.embeddings"]
    assert len(messages) == 1, messages
    return messages


def test_fallback_without_onnx_file(
    model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _copy_model(model_dir, tmp_path / "e5", with_onnx=False)
    (message,) = _fallback(folder, caplog)
    assert "not found" in message and "python -m kernel.e5" in message


def test_fallback_when_export_is_of_another_build(
    model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _copy_model(model_dir, tmp_path / "e5", with_onnx=True)
    assert onnx_problem(folder) is None
    stamp = folder / "nqcds_model.json"
    info = json.loads(stamp.read_text(encoding="utf-8"))
    stamp.write_text(json.dumps({**info, "built_at": "2030-01-01T00:00:00+00:00"}), "utf-8")
    (message,) = _fallback(folder, caplog)
    assert "another build" in message


def test_setting_off_uses_sentence_transformers(
    model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (message,) = _fallback(model_dir, caplog, onnx_queries=False)
    assert "onnx_queries is off" in message
