"""One typed settings object, read from ``NQCDS_*`` environment variables.

Nested groups use a double underscore: ``NQCDS_LLM__BASE_URL=http://127.0.0.1:8000/v1``.
No other module reads the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A combination of settings the app must not run with; the message says why."""


class ChunkingSettings(BaseModel):
    """How documents are cut into passages."""

    encoding: str = Field("cl100k_base", description="tiktoken encoding used to count tokens")
    max_tokens: int = Field(400, description="largest chunk, in tiktoken tokens")


class EmbeddingSettings(BaseModel):
    """The sentence-transformers model used for dense retrieval."""

    model: str = Field(
        "",
        description="model folder or hub id; empty = the e5-small folder built at set-up "
        "under data_dir/models",
    )
    query_prompt: str = Field("query: ", description="prefix for questions (e5 convention)")
    passage_prompt: str = Field("passage: ", description="prefix for passages (e5 convention)")
    batch_size: int = Field(16, description="passages per encode batch")
    threads: int = Field(
        0, description="torch and onnxruntime threads; 0 = their default (all cores)"
    )
    onnx_queries: bool = Field(
        True,
        description="embed questions with onnxruntime when the model folder holds its ONNX "
        "export (onnx/query.onnx, made by python -m kernel.e5)",
    )
    onnx_passages: bool = Field(
        True,
        description="embed passages with the same onnxruntime encoder at ingest (same vectors, "
        "cosine 1.0000; ~20% less time, and torch is never loaded); off = sentence-transformers",
    )


class ChromaSettings(BaseModel):
    """Where the vector index lives: embedded directory by default, a server when host is set."""

    host: str | None = Field(None, description="Chroma server host (chroma run); unset = embedded")
    port: int = Field(8000, description="Chroma server port")
    collection_prefix: str = Field("nqcds", description="prefix of every collection name")


class RetrievalSettings(BaseModel):
    """Hybrid retrieval knobs."""

    k_dense: int = Field(30, description="candidates from the dense retriever")
    k_lexical: int = Field(30, description="candidates from BM25")
    k: int = Field(8, description="passages returned after fusion")
    rrf_k: int = Field(60, description="reciprocal-rank-fusion constant")
    dense_weight: float = Field(1.0, description="weight of the dense ranks in the fusion")
    scope_boost: float = Field(
        2.0, description="score multiplier for passages in the detected scope"
    )


class AnswerSettings(BaseModel):
    """Answering and input limits."""

    backend: Literal["extractive", "llm"] = Field("extractive", description="answer backend")
    max_question_chars: int = Field(2000, description="longer questions are refused with a message")
    max_history_turns: int = Field(10, description="conversation turns used for follow-ups")
    context_tokens: int = Field(2500, description="token budget of passages sent to an LLM")


class LLMSettings(BaseModel):
    """Optional OpenAI-compatible server (vLLM, llama.cpp server, Ollama)."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000/v1; unset = no LLM")
    model: str = Field("", description="model name the server knows")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="bearer token, if required")
    timeout_s: float = Field(30.0, description="request timeout in seconds")
    max_tokens: int = Field(512, description="longest generated answer")
    temperature: float = Field(0.0, description="sampling temperature")


class IngestSettings(BaseModel):
    """Limits that keep one bad corpus file or folder from harming the live index."""

    max_file_mb: float = Field(
        20.0, description="larger corpus files are listed as errors and not read (megabytes)"
    )
    max_file_chars: int = Field(
        1_000_000,
        description="files whose text is longer are listed as errors and not indexed "
        "(about 1,300 passages, a few minutes of embedding on 2 cores)",
    )
    max_removed_share: float = Field(
        0.5,
        description="an ingest that would drop more than this share of the indexed documents "
        "leaves the live index untouched unless run with --force",
    )

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes (the cap on corpus files and on uploads)."""
        return int(self.max_file_mb * 1_000_000)


class ServerSettings(BaseModel):
    """The web app."""

    host: str = Field("127.0.0.1", description="bind address; loopback unless told otherwise")
    port: int = Field(7860, description="port")
    username: str | None = Field(None, description="login user; unset = no login")
    password: SecretStr | None = Field(None, description="login password")
    concurrency: int = Field(
        0, description="answers computed at once (web queue and API); 0 = one per CPU core"
    )
    rate_limit_per_minute: int = Field(
        60, description="questions per client address per minute (API and web app); 0 = off"
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses of reverse proxies whose X-Forwarded-For is "
        "believed; empty = none (the connecting address is the client)",
    )
    max_body_bytes: int = Field(
        1_000_000,
        description="largest request body (API, web app), enforced while read; file "
        "uploads are capped by ingest.max_file_mb instead",
    )
    header_timeout_s: float = Field(
        10.0, description="a request's headers must arrive within this many seconds"
    )
    body_timeout_s: float = Field(
        30.0, description="a request's body must arrive within this many seconds of its headers"
    )
    login_failures_per_client: int = Field(
        5, description="failed logins per client address within login_window_s before 429"
    )
    login_failures_per_username: int = Field(
        20, description="failed logins per username within login_window_s before 429"
    )
    login_window_s: float = Field(
        300.0, description="how long a failed login counts against the client and username"
    )
    export_retention_hours: float = Field(
        24.0, description="downloaded exports older than this are deleted from data_dir/exports"
    )
    openai_model: str = Field(
        "nqcds-assistant", description="model id of the assistant on the OpenAI-compatible /v1"
    )

    def answer_slots(self) -> int:
        """How many answers are computed at once: the setting, or one per usable core."""
        if self.concurrency > 0:
            return self.concurrency
        return _usable_cores()

    def login(self) -> tuple[str, str] | None:
        """``(username, password)`` when login is configured, None when it is off.

        Raises :class:`SettingsError` when only half of it is set: an empty password must
        never silently turn login off.
        """
        user = (self.username or "").strip()
        pw = self.password.get_secret_value() if self.password is not None else ""
        if not user and not pw:
            return None
        if not user:
            raise SettingsError(
                "Đã đặt mật khẩu nhưng chưa đặt tên đăng nhập (NQCDS_SERVER__USERNAME). / "
                "A login password is set without a username."
            )
        if not pw.strip():
            raise SettingsError(
                f"Tên đăng nhập “{user}” được đặt nhưng mật khẩu trống "
                "(NQCDS_SERVER__PASSWORD): ứng dụng không khởi động để tránh chạy mà không "
                "có đăng nhập. / A username is set but the password is empty: refusing to "
                "start without a login."
            )
        return user, pw


class StateSettings(BaseModel):
    """Where the state shared by every process lives (pointer, catalog, targets, feedback)."""

    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql://nqcds:PASSWORD@db:5432/nqcds; "
        "unset = SQLite file data_dir/state.sqlite3",
    )
    check_interval_s: float = Field(
        5.0, description="how often a running app checks whether a new index became active"
    )


class Settings(BaseSettings):
    """All configuration of the assistant."""

    model_config = SettingsConfigDict(
        env_prefix="NQCDS_", env_nested_delimiter="__", extra="ignore"
    )

    corpus_dir: Path = Field(ROOT / "corpus", description="source documents + manifest.json")
    data_dir: Path = Field(ROOT / "data", description="models, index, caches, feedback")
    chunking: ChunkingSettings = ChunkingSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    ingest: IngestSettings = IngestSettings()
    server: ServerSettings = ServerSettings()
    state: StateSettings = StateSettings()

    @property
    def model_path(self) -> str:
        """The embedding model to load: the configured one, or the folder built at set-up."""
        return self.embedding.model or str(self.data_dir / "models" / "multilingual-e5-small")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def state_db(self) -> Path:
        """The shared-state SQLite file, used when no database URL is set."""
        return self.data_dir / "state.sqlite3"

    @property
    def feedback_db(self) -> Path:
        """Where feedback was kept before the state database; imported from once."""
        return self.data_dir / "feedback.sqlite3"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def manifest_path(self) -> Path:
        return self.corpus_dir / "manifest.json"

    def for_serving(self) -> Settings:
        """These settings for a server answering ``answer_slots`` questions at once.

        Unless set, each answer's query embedding gets an equal share of the cores: torch
        using every core for each of two concurrent answers makes them fight over the same
        cores (measured: 13 vs 16 answers/s through the web app with 2 slots on 2 cores).
        """
        if self.embedding.threads:
            return self
        cores = _usable_cores()
        threads = max(1, cores // max(1, self.server.answer_slots()))
        embedding = self.embedding.model_copy(update={"threads": threads})
        return self.model_copy(update={"embedding": embedding})


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings(...)`` instead)."""
    return Settings()
