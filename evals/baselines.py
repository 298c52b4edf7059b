"""The configurations ``--compare`` runs side by side, all in one process on one question set.

- ``default``: the assistant as shipped (hybrid retrieval, extractive answer);
- ``dense-only`` / ``bm25-only``: the same chain with one retriever switched off;
- ``naive-langchain``: the textbook LangChain RAG (1000-character splits, same embedding
  model, Chroma, top 4, top passage shown as the answer) that the assistant has to beat;
- ``llm``: the assistant with the LLM backend (only when an LLM server is configured).
"""

from __future__ import annotations

import logging
import time
import uuid

import chromadb
from chromadb.config import Settings as ChromaClientSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.answering.llm import LLMClient, LLMUnavailable
from assistant.chain import Assistant
from assistant.retrieval.corpus import Corpus, load_corpus
from ingest.loaders import UnreadableFile, iter_corpus, load_text
from kernel.embeddings import load_embeddings
from kernel.settings import Settings
from kernel.types import REFUSAL, Answer, Chunk, Citation, Passage

from .runner import Answerer

log = logging.getLogger(__name__)

COMPARE = ("default", "dense-only", "bm25-only", "naive-langchain")
NAIVE_K = 4


class NaiveLangChainRAG:
    """Split, embed, store in an ephemeral Chroma, retrieve top 4; never refuses.

    With an LLM server configured, the LLM answers over the 4 passages (its refusal phrase
    is then recorded as a refusal); otherwise the top passage is the answer.
    """

    def __init__(self, settings: Settings, *, use_llm: bool | None = None) -> None:
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        docs: list[Document] = []
        for path in iter_corpus(settings.corpus_dir):
            try:
                text = load_text(path)
            except UnreadableFile as exc:
                log.warning("naive baseline skips %s: %s", path.name, exc.reason)
                continue
            docs += splitter.create_documents([text], metadatas=[{"file": path.name}])
        # Explicit embeddings: LangChain embeds itself and gives the collection no embedding
        # function, so Chroma's default (a downloaded model) is never involved. A unique
        # name keeps two instances in the process-wide ephemeral client apart.
        client = chromadb.EphemeralClient(settings=ChromaClientSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"naive-{uuid.uuid4().hex[:12]}",
            embedding_function=load_embeddings(settings),
            client=client,
        )
        self.store.add_documents(docs)
        if use_llm is None:
            use_llm = bool(settings.llm.base_url)
        self.llm = LLMClient(settings.llm) if use_llm else None

    def ask(self, question: str, history: list | None = None) -> Answer:
        """The top passage (or the LLM's answer over the top 4), cited; no follow-ups."""
        docs = self.store.similarity_search(question, k=NAIVE_K)
        passages = [Passage(chunk=_chunk(d, i)) for i, d in enumerate(docs)]
        if not passages:
            return Answer(question=question, answer="", backend="naive")
        top = [_citation(1, passages[0])]
        shown = Answer(  # the top passage as the answer
            question=question,
            answer=passages[0].chunk.text,
            citations=top,
            passages=passages,
            backend="naive",
        )
        if self.llm is None:
            return shown
        try:
            result = self.llm.generate(question, passages)
        except LLMUnavailable as exc:
            log.warning("naive baseline: LLM unavailable: %s", exc)
            shown.notice = str(exc)
            return shown
        cites = [_citation(n, passages[n - 1]) for n in result.cited] or top
        return Answer(
            question=question,
            answer=result.text,
            citations=cites,
            passages=passages,
            refused=REFUSAL in result.text,
            backend="naive-llm",
        )


def _chunk(doc: Document, i: int) -> Chunk:
    start = int(doc.metadata.get("start_index", 0))
    return Chunk(
        id=f"naive-{i}",
        file=str(doc.metadata.get("file", "")),
        start=start,
        end=start + len(doc.page_content),
        text=doc.page_content,
        index_text=doc.page_content,
    )


def _citation(marker: int, p: Passage) -> Citation:
    c = p.chunk
    return Citation(marker=marker, file=c.file, text=c.text, start=c.start, end=c.end)


def llm_settings(settings: Settings) -> Settings:
    """``settings`` with the LLM answer backend switched on."""
    return settings.model_copy(
        update={"answer": settings.answer.model_copy(update={"backend": "llm"})}
    )


def build(
    names: list[str], settings: Settings, corpus: Corpus | None = None
) -> tuple[dict[str, Answerer], dict[str, float]]:
    """The named configurations, and the seconds each took to set up.

    The index is read once and shared; the embedding model is loaded once (it is cached).
    """
    if corpus is None and any(n != "naive-langchain" for n in names):
        corpus, _ = load_corpus(settings)
    makers = {
        "default": lambda: Assistant(settings, corpus=corpus),
        "dense-only": lambda: Assistant(settings, corpus=corpus, use_lexical=False),
        "bm25-only": lambda: Assistant(settings, corpus=corpus, use_dense=False),
        "naive-langchain": lambda: NaiveLangChainRAG(settings),
        "llm": lambda: Assistant(llm_settings(settings), corpus=corpus),
    }
    answerers: dict[str, Answerer] = {}
    setup: dict[str, float] = {}
    for name in names:
        if name not in makers:
            raise ValueError(f"unknown configuration {name!r}; known: {', '.join(makers)}")
        t = time.perf_counter()
        answerers[name] = makers[name]()
        setup[name] = round(time.perf_counter() - t, 2)
        log.info("set up %s in %.1f s", name, setup[name])
    return answerers, setup
