"""The embedding model: a local sentence-transformers folder, loaded with the hub offline.

Questions are embedded by the folder's ONNX export through onnxruntime
(:mod:`kernel.onnx_query`) when it is there and ``embedding.onnx_queries`` is on, and passages
too when ``embedding.onnx_passages`` is on; otherwise by LangChain's ``HuggingFaceEmbeddings``
(sentence-transformers, torch). The vectors are the same (cosine ≥ 0.9999); onnxruntime takes
about half the CPU time for a question and ~20% less for a batch of passages, and an ingest
that never loads torch saves its import. :class:`ChromaEmbeddingFunction`
hands the same model to Chroma so a collection never falls back to Chroma's default
embedding function (which downloads a model).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from langchain_core.embeddings import Embeddings as LCEmbeddings

from kernel.onnx_query import OnnxQueryEncoder, onnx_problem
from kernel.settings import Settings

logger = logging.getLogger(__name__)

ONNX_BACKEND = "onnxruntime"
TORCH_BACKEND = "sentence-transformers"


class ModelMissing(RuntimeError):
    """The embedding model folder does not exist yet."""


def model_id(settings: Settings) -> str:
    """A string naming the model and its exact weights, stored with the index."""
    path = Path(settings.model_path)
    stamp = path / "nqcds_model.json"
    if stamp.exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        source = info.get("source", {})
        digest = str(source.get("sha256", ""))[:16]
        return f"{info.get('model', path.name)}@{source.get('package', '')}:{digest}"
    return settings.model_path


@lru_cache(maxsize=2)
def _sentence_transformers(
    model_path: str, query_prompt: str, passage_prompt: str, batch_size: int, threads: int
) -> LCEmbeddings:
    from langchain_huggingface import HuggingFaceEmbeddings

    if threads:
        import torch

        torch.set_num_threads(threads)
    return HuggingFaceEmbeddings(
        model_name=model_path,
        # Nothing is ever fetched from a hub: the folder must hold the whole model.
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={
            "prompt": passage_prompt,
            "normalize_embeddings": True,
            "batch_size": batch_size,
        },
        query_encode_kwargs={"prompt": query_prompt, "normalize_embeddings": True},
    )


class E5Embeddings(LCEmbeddings):
    """LangChain embeddings: passages by sentence-transformers, questions by onnxruntime
    when an ONNX encoder is given (else by sentence-transformers as well).

    With the ONNX encoder, the torch model is loaded only when passages are first embedded
    (ingest, uploads): a server answering questions never holds it.
    """

    def __init__(
        self,
        documents: Callable[[], LCEmbeddings],
        query_encoder: OnnxQueryEncoder | None,
        query_prompt: str,
        passages: tuple[str, int] | None = None,
    ) -> None:
        self._load_documents = documents
        self._documents: LCEmbeddings | None = None
        self._lock = threading.Lock()
        self._query = query_encoder
        self._query_prompt = query_prompt
        # (prompt, batch size) when the ONNX encoder embeds passages as well.
        self._passages = passages if query_encoder is not None else None
        if query_encoder is None:
            self.documents_model()  # it answers questions too: load it now, not on the first

    @property
    def query_backend(self) -> str:
        """What embeds questions: ``onnxruntime`` or ``sentence-transformers``."""
        return ONNX_BACKEND if self._query is not None else TORCH_BACKEND

    def documents_model(self) -> LCEmbeddings:
        """The sentence-transformers embeddings (loaded on first use)."""
        with self._lock:
            if self._documents is None:
                self._documents = self._load_documents()
            return self._documents

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self._passages is None or self._query is None:
            return self.documents_model().embed_documents(texts)
        prompt, size = self._passages
        # As HuggingFaceEmbeddings does: newlines become spaces, the prompt goes first.
        prompted = [prompt + t.replace("\n", " ") for t in texts]
        out: list[list[float]] = []
        for i in range(0, len(prompted), size):
            out += self._query.encode(prompted[i : i + size]).tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        if self._query is None:
            return self.documents_model().embed_query(text)
        # As HuggingFaceEmbeddings does before sentence-transformers adds the prompt.
        prompted = self._query_prompt + text.replace("\n", " ")
        return self._query.encode([prompted])[0].tolist()


@lru_cache(maxsize=2)
def _load(
    model_path: str,
    query_prompt: str,
    passage_prompt: str,
    batch_size: int,
    threads: int,
    onnx_queries: bool,
    onnx_passages: bool = False,
) -> E5Embeddings:
    def documents() -> LCEmbeddings:
        return _sentence_transformers(model_path, query_prompt, passage_prompt, batch_size, threads)

    encoder = None
    if not onnx_queries:
        logger.info("questions embedded with %s (embedding.onnx_queries is off)", TORCH_BACKEND)
    elif problem := onnx_problem(Path(model_path)):
        logger.warning(
            "questions embedded with %s, not onnxruntime: %s (run `python -m kernel.e5`)",
            TORCH_BACKEND,
            problem,
        )
    else:
        try:
            encoder = OnnxQueryEncoder(Path(model_path), threads=threads)
        except Exception as exc:  # a damaged file or onnxruntime itself: answers still work
            logger.warning(
                "questions embedded with %s: the ONNX query encoder did not load (%s: %s)",
                TORCH_BACKEND,
                exc.__class__.__name__,
                exc,
            )
        else:
            logger.info("questions embedded with onnxruntime (%s threads)", threads or "default")
    passages = (passage_prompt, batch_size) if onnx_passages else None
    return E5Embeddings(documents, encoder, query_prompt, passages)


def load_embeddings(settings: Settings) -> E5Embeddings:
    """The LangChain embeddings for the configured model (cached per process)."""
    path = settings.model_path
    looks_local = path.startswith(("/", ".")) or Path(path).exists()
    if looks_local and not (Path(path) / "config.json").exists():
        raise ModelMissing(
            f"Chưa có mô hình nhúng tại {path}. Chạy `make setup` hoặc "
            "`python -m kernel.e5` để tạo. / Embedding model missing: run `make setup`."
        )
    e = settings.embedding
    return _load(
        path,
        e.query_prompt,
        e.passage_prompt,
        e.batch_size,
        e.threads,
        e.onnx_queries,
        e.onnx_passages,
    )


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of the project's embeddings; loads the model only when first called."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's signature
        return load_embeddings(self._settings).embed_documents(list(input))

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        emb = load_embeddings(self._settings)
        return [emb.embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "nqcds-sentence-transformers"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._settings.model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(Settings(embedding={"model": config.get("model", "")}))

    def default_space(self) -> str:
        return "cosine"
