"""The embedding model: a local sentence-transformers folder, loaded with the hub offline.

LangChain's ``HuggingFaceEmbeddings`` does the encoding; :class:`ChromaEmbeddingFunction`
hands the same model to Chroma so a collection never falls back to Chroma's default
embedding function (which downloads a model).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from langchain_core.embeddings import Embeddings as LCEmbeddings

from kernel.settings import Settings


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
def _load(model_path: str, query_prompt: str, passage_prompt: str, batch_size: int, threads: int):
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


def load_embeddings(settings: Settings) -> LCEmbeddings:
    """The LangChain embeddings for the configured model (cached per process)."""
    path = settings.model_path
    looks_local = path.startswith(("/", ".")) or Path(path).exists()
    if looks_local and not (Path(path) / "config.json").exists():
        raise ModelMissing(
            f"Chưa có mô hình nhúng tại {path}. Chạy `make setup` hoặc "
            "`python -m kernel.e5` để tạo. / Embedding model missing: run `make setup`."
        )
    e = settings.embedding
    return _load(path, e.query_prompt, e.passage_prompt, e.batch_size, e.threads)


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
